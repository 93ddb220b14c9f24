"""Platform policies in the emulator: platforms, policy CRUD, paging, etags,
validation naming the field, SQLite persistence (``:evaluate`` is in
test_platform_evaluate.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.strategies.platform import platform_policies
from tests.unit.grafeas.conftest import Api, assert_google_error
from tests.unit.grafeas.test_rich_occurrences import DISC, URI

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


@settings(max_examples=max(5, settings().max_examples // 5))
@given(doc=platform_policies())
def test_any_valid_policy_is_stored_and_served_back_exactly(
    doc: dict[str, Any],
) -> None:
    """Property: every valid document (canonical form) is accepted under its
    platform, served back unchanged apart from the server's fields, refused
    under the other platform, and replaced by itself with its etag."""
    api = Api(MemoryStore())
    try:
        platform, other = (
            ("gke", "cloudRun") if "gkePolicy" in doc else ("cloudRun", "gke")
        )
        url = f"{P}/{platform}/policies"
        reply = api.post(url, params={"policyId": "x"}, json=doc)
        assert reply.status_code == 200, reply.text
        stored = reply.json()
        served = {
            k: v for k, v in stored.items() if k not in ("name", "etag", "updateTime")
        }
        assert served == doc
        assert api.get(f"{url}/x").json() == stored
        again = api.put(f"{url}/x", json=stored)
        assert again.status_code == 200, again.text
        assert again.json()["etag"] == stored["etag"]  # same content, same etag
        refused = api.post(f"{P}/{other}/policies", params={"policyId": "x"}, json=doc)
        assert_google_error(refused, 400, "INVALID_ARGUMENT")
    finally:
        api.close()
