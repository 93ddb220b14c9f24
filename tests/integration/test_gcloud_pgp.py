"""gcloud's PGP attestor flow against the emulator, with keys and signatures made
by real gpg: ``attestors public-keys add --pgp-public-key-file``, then
``attestations create --signature-file`` (``gpg --armor --sign`` output)
``--validate``, then ``kritis-sim review --emulator`` admitting the image.

Skipped when gcloud is missing unless KRITIS_SIM_REQUIRE_GCLOUD=1, or when gpg
is missing unless KRITIS_SIM_REQUIRE_GPG=1 (``.ci/run`` sets both where the
tools exist, so there this test must pass).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from kritis_sim.crypto.payload import make_payload
from tests.integration._gcloud import (
    PROJECT,
    Gcloud,
    create_note,
    require_tool,
    review_exit_code,
)

pytestmark = pytest.mark.gcloud

IMAGE = "gcr.io/kritis-sim-test/pgp@sha256:" + "e" * 64
OTHER = "gcr.io/kritis-sim-test/pgp@sha256:" + "f" * 64


def test_gcloud_pgp_attestor_flow_and_review(
    gcloud_cli: Gcloud, gcloud_emulator: str, tmp_path: Path
) -> None:
    g = gcloud_cli
    gpg_exe = require_tool("gpg", "KRITIS_SIM_REQUIRE_GPG")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)

    def gpg(*args: str) -> str:
        done = subprocess.run(
            [gpg_exe, "--batch", "--yes", "--passphrase", "", *args],
            env={**os.environ, "GNUPGHOME": str(home)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"gpg {' '.join(args)}:\n{done.stderr}"
        return done.stdout

    create_note(gcloud_emulator, "pgp-builds", "pgp")
    g(
        "container",
        "binauthz",
        "attestors",
        "create",
        "pgp-builder",
        "--attestation-authority-note=pgp-builds",
        f"--attestation-authority-note-project={PROJECT}",
    )
    uid = "pgp-builder@kritis-sim.test"
    gpg("--quick-generate-key", uid, "ed25519", "sign", "never")
    fpr = next(
        line.split(":")[9]
        for line in gpg("--with-colons", "--list-keys", uid).splitlines()
        if line.startswith("fpr:")
    )
    key_file = tmp_path / "key.asc"
    key_file.write_text(gpg("--armor", "--export", uid))
    g(
        "container",
        "binauthz",
        "attestors",
        "public-keys",
        "add",
        "--attestor=pgp-builder",
        f"--pgp-public-key-file={key_file}",
    )
    # Read back over HTTP (a gcloud call costs about a second of CPU).
    described = httpx.get(
        f"{gcloud_emulator}/v1/projects/{PROJECT}/attestors/pgp-builder", timeout=5
    ).json()
    (key,) = described["userOwnedGrafeasNote"]["publicKeys"]
    assert key["id"] == fpr  # computed by the server, upper-case V4 fingerprint

    def signed(image: str, name: str) -> Path:
        payload = tmp_path / f"{name}.json"
        # Byte-identical to gcloud's create-signature-payload (pinned by the
        # crypto tests), which gcloud attestations create recomputes itself.
        payload.write_bytes(make_payload(image))
        sig = tmp_path / f"{name}.json.sig"
        gpg(
            "--local-user", uid, "--armor", "--output", str(sig), "--sign", str(payload)
        )
        return sig

    create = [
        "container",
        "binauthz",
        "attestations",
        "create",
        f"--artifact-url={IMAGE}",
        "--attestor=pgp-builder",
        f"--attestor-project={PROJECT}",
        f"--public-key-id={fpr}",
        "--validate",
    ]

    def attest(sig: Path) -> str:
        return g.run(*create, f"--signature-file={sig}").stderr

    # A signature over another image's payload: --validate asks the emulator,
    # which says why; gcloud warns and (prompts disabled) creates it anyway.
    warned = attest(signed(OTHER, "other"))
    assert "Attestation could not be validated!" in warned
    assert "serializedPayload" in warned
    assert "could not be validated" not in attest(signed(IMAGE, "payload"))

    httpx.put(
        f"{gcloud_emulator}/v1/projects/{PROJECT}/policy",
        json={
            "defaultAdmissionRule": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                "requireAttestationsBy": [f"projects/{PROJECT}/attestors/pgp-builder"],
            }
        },
        timeout=5,
    ).raise_for_status()
    for image, expected in [(IMAGE, 0), (OTHER, 1)]:
        code, err = review_exit_code(gcloud_emulator, image, tmp_path)
        assert code == expected, err
