"""``kritis-sim cv --platform-policy``: podEvent entries with policyName and
per-image checkResults exactly as continuous-validation.md §4.1 names them
(golden), configErrorEvent for checks that cannot be monitored, ERROR-only Pods
never conformant, and the verdict per Pod equal to evaluate_platform_policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.cli.main import main
from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.model.attestor import SignatureAlgorithm

from .conftest import FIXTURES

OCCURRENCES = FIXTURES.parent / "occurrences"
SNAPSHOT = str(FIXTURES / "platform-snapshot.json")
POLICY = str(FIXTURES / "platform-policy.yaml")
NOW = "2024-06-01T00:00:00Z"

#: continuous-validation.md §4.1, in the documented order.
POD_EVENT = [
    "pod",
    "podNamespace",
    "policyName",
    "deployTime",
    "endTime",
    "verdict",
    "images",
]
IMAGE_DETAILS = [
    "image",
    "containerName",
    "containerType",
    "result",
    "description",
    "checkResults",
]
CHECK_RESULT = [
    "checkSetIndex", "checkSetName", "checkSetScope", "checkIndex",
    "checkName", "checkType", "verdict", "explanation",
]  # fmt: skip


def run(
    capsys: pytest.CaptureFixture[str], *args: str, policy: str = POLICY
) -> tuple[int, list[dict[str, Any]], str]:
    code = main(
        ["cv", SNAPSHOT, "--platform-policy", policy, "--now", NOW,
         "--cluster", "us-central1-a.my-cluster",
         "--occurrences", str(OCCURRENCES / "vulnerability-log4j.json"),
         "--occurrences", str(OCCURRENCES / "discovery-finished.json"), *args]
    )  # fmt: skip
    out = capsys.readouterr()
    return code, [json.loads(x) for x in out.out.splitlines() if x.strip()], out.err


def _in_documented_order(keys: list[str], documented: list[str]) -> bool:
    return set(keys) <= set(documented) and keys == sorted(keys, key=documented.index)


def test_cv_platform_pod_event_matches_golden_and_documented_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, entries, err = run(capsys)
    assert code == 1, err
    golden = json.loads((FIXTURES / "golden-platform-pod-event.json").read_text())
    assert entries == [golden]  # shop/api conforms: no entry
    event = entries[0]["jsonPayload"]["podEvent"]
    assert _in_documented_order(list(event), POD_EVENT)
    assert event["policyName"] == "projects/my-proj/platforms/gke/policies/prod-policy"
    for image in event["images"]:
        assert _in_documented_order(list(image), IMAGE_DETAILS)
        assert image["result"] == "DENY" and image["checkResults"]
        for check in image["checkResults"]:
            assert _in_documented_order(list(check), CHECK_RESULT)
            assert check["verdict"] in ("NON_CONFORMANT", "CHECK_VERDICT_UNSPECIFIED")
            assert isinstance(check["checkSetIndex"], str)
    assert "Pods: 1 violate, 1 conform" in err


_PEM = public_key_pem(generate_private_key(SignatureAlgorithm.ECDSA_P256_SHA256))


def _policy(tmp_path: Path, extra_check_sets: list[dict[str, Any]]) -> str:
    doc = yaml.safe_load(Path(POLICY).read_text())
    doc["gkePolicy"]["checkSets"][:0] = extra_check_sets
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def test_cv_platform_config_error_for_checks_that_cannot_be_monitored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slsa = {"slsaCheck": {"rules": [{"trustedBuilder": "GOOGLE_CLOUD_BUILD"}]}}
    sigstore = {
        "sigstoreSignatureCheck": {
            "sigstoreAuthorities": [
                {"publicKeySet": {"publicKeys": [{"publicKeyPem": _PEM}]}}
            ]
        }
    }
    ci = [{"scope": {"kubernetesNamespace": "ci"}, "checks": [slsa, sigstore]}]
    code, entries, err = run(capsys, policy=_policy(tmp_path, ci))
    errors = [e["jsonPayload"]["configErrorEvent"]["description"]
              for e in entries if "configErrorEvent" in e["jsonPayload"]]  # fmt: skip
    assert code == 1
    assert any(
        "Cannot monitor cluster 'us-central1-a.my-cluster'" in d
        and "checkSets[0] (namespace ci) checks[0] SlsaCheck" in d
        and "GOOGLE_CLOUD_BUILD (--trusted-builders)" in d
        for d in errors
    ), errors
    assert any("checks[1] SigstoreSignatureCheck is not evaluated" in d for d in errors)
    assert "config errors: 2" in err


def test_cv_platform_error_only_pod_is_unspecified_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = [{"scope": {"kubernetesNamespace": "shop"},
              "checks": [{"imageFreshnessCheck": {"maxUploadAgeDays": 30}}]}]  # fmt: skip
    code, entries, err = run(capsys, policy=_policy(tmp_path, fresh))
    assert code == 2, err
    shop = [
        e for e in entries if e["jsonPayload"]["podEvent"]["podNamespace"] == "shop"
    ]
    event = shop[0]["jsonPayload"]["podEvent"]
    assert event["verdict"] == "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED"
    assert event["images"][0]["checkResults"][0]["checkType"] == "ImageFreshnessCheck"
    assert "1 could not be evaluated" in err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--check-docker-reference"], "--check-docker-reference applies to a classic"),
        (["--policy", "p.yaml"], "not both"),
    ],
)
def test_cv_platform_misuse_is_exit_2(
    capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    code, entries, err = run(capsys, *extra)
    assert (code, entries) == (2, []) and expected in err


def test_cv_cloud_run_policy_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, policy=str(FIXTURES.parent / "platform" / "cloud-run.json")
    )
    assert code == 2 and "no gkePolicy" in err
