"""``projects/P/platforms/gke/policies/ID:evaluate`` in the emulator: the
emulator's own occurrences (VULNERABILITY, DISCOVERY, ATTESTATION stored the
way gcloud stores it), every image of a pod spec, upload times given at start,
bad requests, and load_platform_world over HTTP giving the same answer."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kritis_sim.cli.main import main
from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.errors import GrafeasApiError, GrafeasError, InputError
from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.platform_client import load_platform_world
from kritis_sim.grafeas.platform_source import StorePlatformOccurrences
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.image_metadata import load_image_metadata_file
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.conftest import Api, assert_google_error
from tests.unit.grafeas.test_platform_api import GKE, IMAGE, POLICY, SCAN, pod
from tests.unit.grafeas.test_rich_occurrences import VULN


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


def test_evaluate_verifies_attestations_stored_the_way_gcloud_stores_them(
    memory_api: Api,
) -> None:
    alg = SignatureAlgorithm.ECDSA_P256_SHA256
    key = generate_private_key(alg)
    check = {
        "simpleSigningAttestationCheck": {
            "containerAnalysisAttestationProjects": ["projects/my-proj"],
            "attestationAuthenticators": [
                {
                    "pkixPublicKeySet": {
                        "pkixPublicKeys": [
                            {
                                "publicKeyPem": public_key_pem(key.public_key()),
                                "signatureAlgorithm": alg.value,
                            }
                        ]
                    }
                }
            ],
        }
    }
    policy = {"gkePolicy": {"checkSets": [{"checks": [check]}]}}
    assert (
        memory_api.post(GKE, params={"policyId": "s"}, json=policy).status_code == 200
    )
    occ = make_attestation(IMAGE, "projects/my-proj/notes/n", key, alg).to_dict()
    occ["resourceUri"] = IMAGE  # without https://, as gcloud writes it
    assert (
        memory_api.post("/v1/projects/my-proj/occurrences", json=occ).status_code == 200
    )
    other = IMAGE.replace("a" * 64, "e" * 64)
    resource = pod("prod", IMAGE, other)
    reply = memory_api.post(f"{GKE}/s:evaluate", json={"resource": resource}).json()
    verdicts = [i["verdict"] for i in reply["results"][0]["imageResults"]]
    assert verdicts == ["CONFORMANT", "NON_CONFORMANT"]


def test_a_patched_occurrence_is_judged_as_it_is_now(memory_api: Api) -> None:
    """Parsed occurrences are cached on their exact JSON: never served stale."""
    assert (
        memory_api.post(GKE, params={"policyId": "v"}, json=POLICY).status_code == 200
    )
    name = memory_api.post("/v1/projects/my-proj/occurrences", json=VULN).json()["name"]
    assert (
        memory_api.post("/v1/projects/my-proj/occurrences", json=SCAN).status_code
        == 200
    )
    url, body = f"{GKE}/v:evaluate", {"resource": pod("prod", IMAGE)}
    assert memory_api.post(url, json=body).json()["verdict"] == "NON_CONFORMANT"
    patched = memory_api.patch(
        f"/v1/{name}",
        params={"updateMask": "vulnerability.effectiveSeverity,vulnerability.severity"},
        json={"vulnerability": {"effectiveSeverity": "LOW", "severity": "LOW"}},
    )
    assert patched.status_code == 200, patched.text
    assert memory_api.post(url, json=body).json()["verdict"] == "CONFORMANT"
    assert memory_api.delete(f"/v1/{name}").status_code == 200
    assert memory_api.post(url, json=body).json()["verdict"] == "CONFORMANT"
