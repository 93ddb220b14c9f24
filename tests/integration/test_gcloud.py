"""gcloud 528 (``container binauthz``) against the emulator, end to end.

Ends with ``kritis-sim review --emulator`` admitting the attested image and
refusing another digest. Skipped when gcloud is missing, unless
KRITIS_SIM_REQUIRE_GCLOUD=1 makes that a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.crypto.sign import sign
from kritis_sim.model.attestor import SignatureAlgorithm
from tests.integration._gcloud import PROJECT, Gcloud, create_note, review_exit_code

pytestmark = pytest.mark.gcloud

IMAGE = "gcr.io/kritis-sim-test/app@sha256:" + "a" * 64
OTHER = "gcr.io/kritis-sim-test/app@sha256:" + "b" * 64


def test_gcloud_binauthz_flow_and_review(
    gcloud_cli: Gcloud, gcloud_emulator: str, tmp_path: Path
) -> None:
    # Eight gcloud start-ups (each about 1.5 s of CPU): `attestors describe` is
    # run by the docs/emulator.md recipe (tests/docs), whose KEY_ID feeds
    # `attestations create` there; here `attestors list` gives the key id.
    g = gcloud_cli
    create_note(gcloud_emulator, "builds", "builds")
    g(
        "container",
        "binauthz",
        "attestors",
        "create",
        "builder",
        "--attestation-authority-note=builds",
        f"--attestation-authority-note-project={PROJECT}",
    )
    alg = SignatureAlgorithm.ECDSA_P256_SHA256
    key = generate_private_key(alg)
    pub = tmp_path / "pub.pem"
    pub.write_text(public_key_pem(key.public_key()))
    g(
        "container",
        "binauthz",
        "attestors",
        "public-keys",
        "add",
        "--attestor=builder",
        f"--pkix-public-key-file={pub}",
        "--pkix-public-key-algorithm=ecdsa-p256-sha256",
    )
    listed = json.loads(
        g("container", "binauthz", "attestors", "list", "--format=json")
    )
    assert [a["name"] for a in listed] == [f"projects/{PROJECT}/attestors/builder"]
    key_id = listed[0]["userOwnedGrafeasNote"]["publicKeys"][0]["id"]
    assert key_id.startswith("ni:///sha-256;")

    payload = tmp_path / "payload.json"
    payload.write_text(
        g(
            "container",
            "binauthz",
            "create-signature-payload",
            f"--artifact-url={IMAGE}",
        )
    )
    signature = tmp_path / "sig.der"
    signature.write_bytes(sign(key, alg, payload.read_bytes()))
    g(
        "container",
        "binauthz",
        "attestations",
        "create",
        f"--artifact-url={IMAGE}",
        "--attestor=builder",
        f"--attestor-project={PROJECT}",
        f"--signature-file={signature}",
        f"--payload-file={payload}",
        f"--public-key-id={key_id}",
        "--validate",
    )
    attestations = json.loads(
        g(
            "container",
            "binauthz",
            "attestations",
            "list",
            "--attestor=builder",
            f"--attestor-project={PROJECT}",
            f"--artifact-url={IMAGE}",
            "--format=json",
        )
    )
    assert [a["resourceUri"] for a in attestations] == [IMAGE]

    require = tmp_path / "require.yaml"
    require.write_text(
        "defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n"
        "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n"
        f"  requireAttestationsBy:\n  - projects/{PROJECT}/attestors/builder\n"
        "globalPolicyEvaluationMode: ENABLE\n"
    )
    g("container", "binauthz", "policy", "import", str(require))
    exported = g("container", "binauthz", "policy", "export")
    assert f"name: projects/{PROJECT}/policy" in exported
    assert "evaluationMode: REQUIRE_ATTESTATION" in exported

    # Both through a real `kritis-sim review` process.
    for image, expected in [(IMAGE, 0), (OTHER, 1)]:
        code, err = review_exit_code(gcloud_emulator, image, tmp_path)
        assert code == expected, err
