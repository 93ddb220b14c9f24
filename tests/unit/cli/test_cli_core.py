"""The Core CLI commands end to end: keygen, sign, payload, review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kritis_sim.cli.main import main

DIGEST = "sha256:" + "c" * 64
IMAGE = f"gcr.io/shop/api@{DIGEST}"


@pytest.fixture
def world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A directory with key.pem, attestors.yaml, policy.yaml, occurrences.json."""
    assert (
        main(
            [
                "keygen",
                "--algorithm",
                "EC_SIGN_P256_SHA256",
                "--out",
                str(tmp_path / "key.pem"),
            ]
        )
        == 0
    )
    entry = json.loads(capsys.readouterr().out)
    assert entry["id"].startswith("ni:///sha-256;")
    assert entry["pkixPublicKey"]["signatureAlgorithm"] == "ECDSA_P256_SHA256"
    attestor = {
        "name": "projects/shop/attestors/qa",
        "userOwnedGrafeasNote": {
            "noteReference": "projects/shop/notes/qa",
            "publicKeys": [entry],
        },
    }
    (tmp_path / "attestors.yaml").write_text(yaml.safe_dump([attestor]))
    (tmp_path / "policy.yaml").write_text(
        yaml.safe_dump(
            {
                "admissionWhitelistPatterns": [
                    {"namePattern": "docker.io/istio/proxyv2*"}
                ],
                "defaultAdmissionRule": {
                    "evaluationMode": "REQUIRE_ATTESTATION",
                    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                    "requireAttestationsBy": ["projects/shop/attestors/qa"],
                },
            }
        )
    )
    assert (
        main(
            [
                "sign",
                "--image",
                IMAGE,
                "--key",
                str(tmp_path / "key.pem"),
                "--note",
                "projects/shop/notes/qa",
                "--create-time",
                "2026-11-01T00:00:00Z",
            ]
        )
        == 0
    )
    occ = json.loads(capsys.readouterr().out)
    assert occ["kind"] == "ATTESTATION"
    assert occ["resourceUri"] == f"https://{IMAGE}"
    (tmp_path / "occurrences.json").write_text(json.dumps({"occurrences": [occ]}))
    return tmp_path


def _pod(image: str, **meta: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api", "namespace": "shop", **meta},
        "spec": {"containers": [{"name": "api", "image": image}]},
    }


def _review(
    world: Path, doc: object, capsys: pytest.CaptureFixture[str]
) -> tuple[int, object, str]:
    (world / "input.yaml").write_text(
        yaml.safe_dump_all(doc if isinstance(doc, list) else [doc])
    )
    code = main(
        [
            "review",
            str(world / "input.yaml"),
            "--policy",
            str(world / "policy.yaml"),
            "--attestors",
            str(world / "attestors.yaml"),
            "--occurrences",
            str(world / "occurrences.json"),
            "--now",
            "2026-11-26T00:00:00Z",
        ]
    )
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out else None, out.err


def test_review_admits_attested_pod(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _review(world, _pod(IMAGE), capsys)
    assert code == 0
    assert out["allowed"] is True
    assert "ALLOW" in err


def test_review_refuses_other_digest_and_tags(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _review(world, _pod("gcr.io/shop/api@sha256:" + "d" * 64), capsys)
    assert code == 1 and out["allowed"] is False
    code, out, _err = _review(world, _pod("gcr.io/shop/api:1.0"), capsys)
    assert code == 1 and "deployed by tag" in out["message"]


def test_review_deployment_checks_template(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {
            "selector": {},
            "template": {
                "metadata": {},
                "spec": {
                    "initContainers": [{"name": "init", "image": "gcr.io/shop/init:1"}],
                    "containers": [{"name": "api", "image": IMAGE}],
                },
            },
        },
    }
    code, out, _ = _review(world, deploy, capsys)
    assert code == 1
    assert {i["image"]: i["allowed"] for i in out["images"]} == {
        "gcr.io/shop/init:1": False,
        IMAGE: True,
    }


def test_review_admission_review_input_gives_admission_response(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    review = {
        "apiVersion": "admission.k8s.io/v1beta1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "b1f0",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "u"},
            "object": _pod("gcr.io/shop/api:1"),
        },
    }
    code, out, _ = _review(world, review, capsys)
    assert code == 1
    assert out["apiVersion"] == "admission.k8s.io/v1beta1"
    assert out["response"]["uid"] == "b1f0"
    assert out["response"]["status"]["code"] == 403


def test_review_breakglass_admits_with_audit(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pod = _pod(
        "gcr.io/shop/api:1.0", labels={"image-policy.k8s.io/break-glass": "true"}
    )
    code, out, _ = _review(world, pod, capsys)
    assert code == 0
    assert out["breakglass"] is True and out["verdictAllowed"] is False


def test_review_bad_policy_names_file_line_and_field(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (world / "policy.yaml").write_text(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n"
    )
    code, _out, err = _review(world, _pod(IMAGE), capsys)
    assert code == 2
    assert "policy.yaml:2" in err and "evaluationMode" in err


def test_payload_matches_gcloud_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["payload", "--image", IMAGE]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["critical"]["image"]["docker-manifest-digest"] == DIGEST
    assert out.endswith("}\n") and '  "critical": {' in out


def test_payload_refuses_tag_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["payload", "--image", "gcr.io/shop/api:1"]) == 2
    assert "tag" in capsys.readouterr().err


def test_keygen_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "k.pem").write_text("x")
    assert (
        main(
            [
                "keygen",
                "--algorithm",
                "ECDSA_P384_SHA384",
                "--out",
                str(tmp_path / "k.pem"),
            ]
        )
        == 2
    )


def test_sign_rsa_needs_algorithm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kritis_sim.crypto.keys import generate_private_key, private_key_pem
    from kritis_sim.model.attestor import SignatureAlgorithm

    key = generate_private_key(SignatureAlgorithm.RSA_SIGN_PKCS1_2048_SHA256)
    (tmp_path / "rsa.pem").write_bytes(private_key_pem(key))
    args = [
        "sign",
        "--image",
        IMAGE,
        "--key",
        str(tmp_path / "rsa.pem"),
        "--note",
        "projects/p/notes/n",
    ]
    assert main(args) == 2
    assert "--algorithm" in capsys.readouterr().err
    assert main([*args, "--algorithm", "RSA_SIGN_PKCS1_2048_SHA256"]) == 0
