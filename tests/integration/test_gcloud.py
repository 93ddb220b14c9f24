"""gcloud 528 (``container binauthz``) against the emulator, end to end.

Ends with ``kritis-sim review --emulator`` admitting the attested image and
refusing another digest. Skipped when gcloud is missing, unless
KRITIS_SIM_REQUIRE_GCLOUD=1 makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.crypto.sign import sign
from kritis_sim.model.attestor import SignatureAlgorithm
from tests.integration._emulator import start_emulator, stop_emulator

pytestmark = pytest.mark.gcloud

PROJECT = "kritis-sim-test"
IMAGE = "gcr.io/kritis-sim-test/app@sha256:" + "a" * 64
OTHER = "gcr.io/kritis-sim-test/app@sha256:" + "b" * 64
POD = """apiVersion: v1
kind: Pod
metadata: {{name: app, namespace: default}}
spec:
  containers: [{{name: app, image: "{image}"}}]
"""


@pytest.fixture(scope="module")
def gcloud() -> str:
    path = shutil.which("gcloud")
    if path is None:
        if os.environ.get("KRITIS_SIM_REQUIRE_GCLOUD") == "1":
            pytest.fail("gcloud is not on PATH and KRITIS_SIM_REQUIRE_GCLOUD=1")
        pytest.skip(
            "gcloud is not on PATH (set KRITIS_SIM_REQUIRE_GCLOUD=1 to fail instead)"
        )
    return path


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    proc, url = start_emulator("--quiet")
    yield url
    stop_emulator(proc, signal.SIGTERM)


class Gcloud:
    def __init__(self, exe: str, config: Path, url: str) -> None:
        self.exe = exe
        # CLOUDSDK_SECTION_PROPERTY variables are `gcloud config set
        # section/property` without a gcloud start-up each (about 1.5 s of CPU).
        self.env = {
            **os.environ,
            "CLOUDSDK_CONFIG": str(config),
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_BINARYAUTHORIZATION": url + "/",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS": url + "/",
            "CLOUDSDK_CORE_PROJECT": PROJECT,
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
            "CLOUDSDK_CORE_DISABLE_FILE_LOGGING": "true",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        }

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [self.exe, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"gcloud {' '.join(args)}:\n{done.stderr}"
        return done.stdout


def test_gcloud_binauthz_flow_and_review(
    gcloud: str, emulator_url: str, tmp_path: Path
) -> None:
    # Eight gcloud start-ups (each about 1.5 s of CPU): `attestors describe` is
    # run by the docs/emulator.md recipe (tests/docs), whose KEY_ID feeds
    # `attestations create` there; here `attestors list` gives the key id.
    g = Gcloud(gcloud, tmp_path / "gcloud-config", emulator_url)
    httpx.post(
        f"{emulator_url}/v1/projects/{PROJECT}/notes",
        params={"noteId": "builds"},
        json={"attestation": {"hint": {"humanReadableName": "builds"}}},
        timeout=5,
    ).raise_for_status()
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

    # Both through a real `kritis-sim review` process: in-process, review's
    # live attestation source would keep its HTTP client open.
    root = Path(__file__).resolve().parents[2]
    for image, expected in [(IMAGE, 0), (OTHER, 1)]:
        pod = tmp_path / "pod.yaml"
        pod.write_text(POD.format(image=image))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kritis_sim.cli.main",
                "review",
                str(pod),
                "--emulator",
                emulator_url,
                "--project",
                PROJECT,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        assert done.returncode == expected, done.stderr
