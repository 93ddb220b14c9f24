"""Platform policies in the emulator: platforms, policy CRUD, paging, etags,
validation, SQLite persistence, and ``:evaluate`` over the emulator's own store."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kritis_sim.cli.main import main
from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.errors import GrafeasApiError, GrafeasError, InputError
from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.platform_client import load_platform_world
from kritis_sim.grafeas.platform_source import StorePlatformOccurrences
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.model.image_metadata import load_image_metadata_file
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.conftest import Api, assert_google_error
from tests.unit.grafeas.test_rich_occurrences import DISC, URI, VULN

P = "/v1/projects/my-proj/platforms"
GKE = f"{P}/gke/policies"
IMAGE = URI.removeprefix("https://")
#: A valid scan: the fixture's, not archived.
SCAN = {
    **DISC,
    "discovery": {k: v for k, v in DISC["discovery"].items() if k != "archiveTime"},
}
POLICY: dict[str, Any] = {
    "description": "prod",
    "gkePolicy": {
        "checkSets": [
            {
                "displayName": "prod",
                "scope": {"kubernetesNamespace": "prod"},
                "checks": [
                    {
                        "displayName": "vulns",
                        "vulnerabilityCheck": {
                            "maximumFixableSeverity": "MEDIUM",
                            "maximumUnfixableSeverity": "HIGH",
                        },
                    }
                ],
            },
            {"displayName": "rest", "checks": [{"alwaysDeny": True}]},
        ]
    },
}


def pod(namespace: str | None, *images: str, kind: str = "Pod") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "app"}
    if namespace:
        meta["namespace"] = namespace
    spec = {
        "containers": [{"name": f"c{i}", "image": im} for i, im in enumerate(images)]
    }
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": meta,
        "spec": {"template": {"spec": spec}},
    }


def test_platforms_are_listed_with_paging(api: Api) -> None:
    everything = api.get(P).json()
    assert everything == {
        "platforms": [
            {"name": "projects/my-proj/platforms/gke"},
            {"name": "projects/my-proj/platforms/cloudRun"},
        ],
        "nextPageToken": "",
    }
    first = api.get(P, params={"pageSize": 1}).json()
    second = api.get(
        P, params={"pageSize": 1, "pageToken": first["nextPageToken"]}
    ).json()
    assert first["platforms"] + second["platforms"] == everything["platforms"]
    assert second["nextPageToken"] == ""
    assert_google_error(api.get(P, params={"pageToken": "9"}), 400, "INVALID_ARGUMENT")


def test_policy_lifecycle_with_paging_and_etags(api: Api) -> None:
    created = api.post(GKE, params={"policyId": "a"}, json=POLICY)
    assert created.status_code == 200, created.text
    a = created.json()
    assert a["name"] == "projects/my-proj/platforms/gke/policies/a"
    assert {"etag", "updateTime"} <= set(a) and a["gkePolicy"] == POLICY["gkePolicy"]
    assert api.get(f"{GKE}/a").json() == a
    assert_google_error(
        api.post(GKE, params={"policyId": "a"}, json=POLICY), 409, "ALREADY_EXISTS"
    )
    for pid in ("b", "c"):
        assert api.post(GKE, params={"policyId": pid}, json=POLICY).status_code == 200
    names, token = [], None
    while True:
        page = api.get(
            GKE, params={"pageSize": 2, **({"pageToken": token} if token else {})}
        ).json()
        names += [p["name"].rsplit("/", 1)[1] for p in page["platformPolicies"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert names == ["a", "b", "c"]
    assert api.get(f"{P}/cloudRun/policies").json() == {
        "platformPolicies": [],
        "nextPageToken": "",
    }

    changed = {**POLICY, "description": "changed", "etag": a["etag"]}
    replaced = api.put(f"{GKE}/a", json=changed)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["description"] == "changed"
    assert replaced.json()["etag"] != a["etag"]
    stale = assert_google_error(api.put(f"{GKE}/a", json=changed), 409, "ABORTED")
    assert "etag" in stale
    assert api.get(f"{GKE}/a").json()["description"] == "changed"
    assert_google_error(api.put(f"{GKE}/zz", json=POLICY), 404, "NOT_FOUND")
    assert_google_error(
        api.delete(f"{GKE}/a", params={"etag": a["etag"]}), 409, "ABORTED"
    )
    assert api.delete(f"{GKE}/a", params={"etag": replaced.json()["etag"]}).json() == {}
    assert api.delete(f"{GKE}/b").json() == {}
    assert_google_error(api.get(f"{GKE}/a"), 404, "NOT_FOUND")
    assert_google_error(api.delete(f"{GKE}/a"), 404, "NOT_FOUND")


def _bad(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(POLICY)
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("url", "params", "body", "status", "needle"),
    [
        (GKE, {}, POLICY, 400, "policyId: the query parameter is required"),
        (GKE, {"policyId": "a/b"}, POLICY, 400, "policyId 'a/b'"),
        (GKE, {"policyId": "a.b"}, POLICY, 400, "policyId 'a.b'"),
        (
            f"{P}/aws/policies",
            {"policyId": "a"},
            POLICY,
            404,
            "platform 'aws' not found",
        ),
        (
            f"{P}/cloudRun/policies",
            {"policyId": "a"},
            POLICY,
            400,
            "gkePolicy: a policy of platform 'cloudRun'",
        ),
        (
            GKE,
            {"policyId": "a"},
            {"cloudRunPolicy": {}},
            400,
            "cloudRunPolicy: a policy of platform 'gke'",
        ),
        (
            GKE,
            {"policyId": "a"},
            {**POLICY, "name": "projects/my-proj/platforms/gke/policies/b"},
            400,
            "name: body says",
        ),
        (
            GKE,
            {"policyId": "a"},
            _bad(("gkePolicy", "checkSets", 1, "scope"), {"kubernetesNamespace": "x"}),
            400,
            "gkePolicy.checkSets[1].scope",
        ),
        (
            GKE,
            {"policyId": "a"},
            _bad(
                (
                    "gkePolicy",
                    "checkSets",
                    0,
                    "checks",
                    0,
                    "vulnerabilityCheck",
                    "maximumFixableSeverity",
                ),
                "SEVERE",
            ),
            400,
            "gkePolicy.checkSets[0].checks[0].vulnerabilityCheck.maximumFixableSeverity",
        ),
        (
            GKE,
            {"policyId": "a"},
            _bad(("gkePolicy", "checkSet"), []),
            400,
            "gkePolicy.checkSet: unknown field",
        ),
        (
            GKE,
            {"policyId": "a"},
            [POLICY],
            400,
            "platformPolicy: expected a JSON object",
        ),
    ],
)
def test_bad_policies_are_refused_naming_the_field(
    memory_api: Api,
    url: str,
    params: dict[str, str],
    body: Any,
    status: int,
    needle: str,
) -> None:
    reply = memory_api.post(url, params=params, json=body)
    message = assert_google_error(
        reply, status, "NOT_FOUND" if status == 404 else "INVALID_ARGUMENT"
    )
    assert message.startswith(needle), message
    assert memory_api.get(GKE).json()["platformPolicies"] == []
    assert "platform 'aws'" in assert_google_error(
        memory_api.get(f"{P}/aws/policies"), 400, "INVALID_ARGUMENT"
    )


def test_policies_survive_a_restart_with_sqlite(tmp_path: Path) -> None:
    first = Api(SqliteStore(tmp_path / "e.db"))
    created = first.post(GKE, params={"policyId": "kept"}, json=POLICY).json()
    first.close()
    second = Api(SqliteStore(tmp_path / "e.db"))
    try:
        assert second.get(f"{GKE}/kept").json() == created
    finally:
        second.close()


def test_evaluate_reads_the_emulators_own_occurrences(api: Api) -> None:
    assert api.post(GKE, params={"policyId": "prod"}, json=POLICY).status_code == 200
    clean = IMAGE.replace("a" * 64, "b" * 64)
    for body in (VULN, SCAN, {**SCAN, "resourceUri": "https://" + clean}):
        assert (
            api.post("/v1/projects/my-proj/occurrences", json=body).status_code == 200
        )
    reply = api.post(
        f"{GKE}/prod:evaluate", json={"resource": pod("prod", IMAGE, clean)}
    )
    assert reply.status_code == 200, reply.text
    got = reply.json()
    assert got["verdict"] == "NON_CONFORMANT"
    (result,) = got["results"]
    assert (result["podName"], result["kubernetesNamespace"]) == ("app", "prod")
    assert [i["verdict"] for i in result["imageResults"]] == [
        "NON_CONFORMANT",
        "CONFORMANT",
    ]
    assert (
        "CVE-2021-44228"
        in result["imageResults"][0]["checkSetResult"]["checkResults"]["results"][0][
            "explanation"
        ]
    )
    expected = evaluate_platform_policy(
        PlatformPolicy.from_dict(POLICY),
        (IMAGE, clean),
        namespace="prod",
        service_account=None,
        now=datetime.datetime.now(datetime.UTC),
        occurrences=StorePlatformOccurrences(api.store),
        pod_name="app",
    )
    assert got == expected.to_dict()
    # a Deployment's template, and gcloud's --image Pod (no namespace: unscoped set)
    deployment = api.post(
        f"{GKE}/prod:evaluate", json={"resource": pod("prod", clean, kind="Deployment")}
    )
    assert deployment.json()["verdict"] == "CONFORMANT"
    image_pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": ""},
        "spec": {"containers": [{"image": clean}]},
    }
    unscoped = api.post(f"{GKE}/prod:evaluate", json={"resource": image_pod}).json()
    assert unscoped["verdict"] == "NON_CONFORMANT"
    assert unscoped["results"][0]["imageResults"][0]["checkSetResult"]["index"] == "1"
    assert "kubernetesNamespace" not in unscoped["results"][0]
    assert "podName" not in unscoped["results"][0]  # "" is no name (proto3 JSON)


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({}, 400, "resource: required"),
        (
            {"resource": pod("prod", IMAGE), "bogus": 1},
            400,
            "Invalid JSON payload received. Unknown name 'bogus'",
        ),
        (
            {"resource": {"kind": "ConfigMap"}},
            400,
            "resource.kind: 'ConfigMap' has no pod spec",
        ),
        (
            {"resource": {"kind": ["Pod"]}},
            400,
            "resource.kind: ['Pod'] has no pod spec",
        ),
        (
            {"resource": pod("prod")},
            400,
            "resource.spec.containers: the Pod runs no image",
        ),
        (
            {
                "resource": {
                    **pod("prod", IMAGE),
                    "spec": {"containers": [{"image": 3}]},
                }
            },
            400,
            "resource.spec.containers[0].image",
        ),
        (
            {"resource": pod("prod", IMAGE), "attestationMode": "SIGN"},
            400,
            "attestationMode: invalid value",
        ),
        (
            {"resource": pod("prod", IMAGE), "attestationMode": "GENERATE_DEPLOY"},
            501,
            "attestationMode: GENERATE_DEPLOY",
        ),
    ],
)
def test_bad_evaluate_requests(
    memory_api: Api, body: dict[str, Any], status: int, needle: str
) -> None:
    assert (
        memory_api.post(GKE, params={"policyId": "prod"}, json=POLICY).status_code
        == 200
    )
    reply = memory_api.post(f"{GKE}/prod:evaluate", json=body)
    expected = "UNIMPLEMENTED" if status == 501 else "INVALID_ARGUMENT"
    assert assert_google_error(reply, status, expected).startswith(needle)
    missing = memory_api.post(
        f"{GKE}/nope:evaluate", json={"resource": pod("prod", IMAGE)}
    )
    assert_google_error(missing, 404, "NOT_FOUND")


def test_evaluate_judges_every_image_of_the_pod_spec(memory_api: Api) -> None:
    policy = {"gkePolicy": {"checkSets": [{"checks": [{"alwaysDeny": True}]}]}}
    assert (
        memory_api.post(GKE, params={"policyId": "d"}, json=policy).status_code == 200
    )
    resource = pod("prod", "gcr.io/p/a:1")
    resource["spec"]["initContainers"] = [{"name": "i", "image": "gcr.io/p/init:1"}]
    resource["spec"]["ephemeralContainers"] = [{"name": "e", "image": "gcr.io/p/dbg"}]
    resource["spec"]["volumes"] = [
        {"name": "v", "image": {"reference": "gcr.io/p/data:1"}},
        {"name": "w", "emptyDir": {}},
    ]
    reply = memory_api.post(f"{GKE}/d:evaluate", json={"resource": resource})
    images = [i["imageUri"] for i in reply.json()["results"][0]["imageResults"]]
    assert images == [
        "gcr.io/p/a:1",
        "gcr.io/p/init:1",
        "gcr.io/p/dbg",
        "gcr.io/p/data:1",
    ]
    resource["spec"]["volumes"][0]["image"]["reference"] = ""
    bad = memory_api.post(f"{GKE}/d:evaluate", json={"resource": resource})
    message = assert_google_error(bad, 400, "INVALID_ARGUMENT")
    assert message.startswith("resource.spec.volumes[0].image.reference")


def test_load_platform_world_over_http_judges_as_the_emulator_does() -> None:
    with ServerThread(create_app(MemoryStore())) as server:
        http = httpx.Client(base_url=server.base_url + "/v1/", timeout=10)
        http.post(
            "projects/my-proj/platforms/gke/policies",
            params={"policyId": "p"},
            json=POLICY,
        ).raise_for_status()
        for body in (VULN, SCAN):
            http.post("projects/my-proj/occurrences", json=body).raise_for_status()
        name = "projects/my-proj/platforms/gke/policies/p"
        online = http.post(
            f"{name}:evaluate", json={"resource": pod("prod", IMAGE)}
        ).json()
        http.close()
        policy, source = load_platform_world(server.base_url, name)
        try:
            assert policy.name == name and policy.description == "prod"
            offline = evaluate_platform_policy(
                policy,
                (IMAGE,),
                namespace="prod",
                service_account=None,
                now=datetime.datetime.now(datetime.UTC),
                occurrences=source,
                pod_name="app",
            )
            assert offline.to_dict() == online and online["verdict"] == "NON_CONFORMANT"
        finally:
            source.close()
        with pytest.raises(GrafeasApiError) as missing:
            load_platform_world(server.base_url, name[:-1] + "nope")
        assert missing.value.code == 404
        with pytest.raises(InputError, match="expected a platform policy name"):
            load_platform_world(server.base_url, "projects/my-proj/policy")
    with pytest.raises(GrafeasError):
        load_platform_world(server.base_url, name, timeout=2)


def test_evaluate_reads_upload_times_given_at_start(tmp_path: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    fresh, old = "gcr.io/p/fresh@sha256:" + "c" * 64, "gcr.io/p/old@sha256:" + "d" * 64
    metadata = tmp_path / "images.yaml"
    metadata.write_text(
        "images:\n"
        f"  {fresh}: {{uploadTime: '{(now - datetime.timedelta(days=1)).isoformat()}'}}\n"
        f"  {old}: {{uploadTime: '{(now - datetime.timedelta(days=90)).isoformat()}'}}\n"
    )
    policy = {
        "gkePolicy": {
            "checkSets": [
                {"checks": [{"imageFreshnessCheck": {"maxUploadAgeDays": 30}}]}
            ]
        }
    }
    for given, expected in (
        (load_image_metadata_file(metadata), ["CONFORMANT", "NON_CONFORMANT", "ERROR"]),
        (None, ["ERROR", "ERROR", "ERROR"]),
    ):
        api = Api(MemoryStore(), image_metadata=given)
        try:
            assert (
                api.post(GKE, params={"policyId": "f"}, json=policy).status_code == 200
            )
            resource = pod("prod", fresh, old, "gcr.io/p/unknown:1")
            reply = api.post(f"{GKE}/f:evaluate", json={"resource": resource}).json()
            assert [
                i["verdict"] for i in reply["results"][0]["imageResults"]
            ] == expected
        finally:
            api.close()
    bad = tmp_path / "bad.yaml"
    bad.write_text("images: {nginx: {uploadTime: yesterday}}\n")
    assert main(["emulator", "--image-metadata", str(bad)]) == 2
