"""gpg-made OpenPGP attestation vectors (tests/vectors/pgp/) judged by decide().

Each vector is an attestor holding ``key.asc`` and one occurrence whose
``serializedPayload`` is ``payload.json`` and whose signature is the gpg output;
decide() must admit the positive ones and refuse each negative one for the
reason its ``vector.json`` names. The vectors are also re-checked with gpg
itself (an independent implementation) when gpg is installed; set
``KRITIS_SIM_REQUIRE_GPG=1`` to make a missing gpg a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.core.decide import decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import OutcomeReason
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from kritis_sim.model.policy import Policy

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "pgp"
NAMES = sorted(p.name for p in VECTORS.iterdir() if p.is_dir())
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ATTESTOR = "projects/p/attestors/pgp"
NOTE = "projects/p/notes/pgp"


def _vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name / "vector.json").read_text())


def _attestor(key_asc: str, supplied_id: str | None = None) -> Attestor:
    key: dict[str, Any] = {"asciiArmoredPgpPublicKey": key_asc}
    if supplied_id is not None:
        key["id"] = supplied_id
    return Attestor.from_dict(
        {
            "name": ATTESTOR,
            "userOwnedGrafeasNote": {"noteReference": NOTE, "publicKeys": [key]},
        }
    )


def _decide(name: str) -> tuple[bool, OutcomeReason, str]:
    vec = _vector(name)
    d = VECTORS / name
    occ = AttestationOccurrence(
        resource_uri="https://" + vec["image"],
        note_name=NOTE,
        serialized_payload=(d / "payload.json").read_bytes(),
        signatures=(
            Signature(
                signature=(d / vec["signature"]).read_bytes(),
                public_key_id=vec["publicKeyId"],
            ),
        ),
    )
    policy = Policy.from_dict(
        {
            "defaultAdmissionRule": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                "requireAttestationsBy": [ATTESTOR],
            }
        }
    )
    decision = decide(
        policy,
        [_attestor((d / "key.asc").read_text())],
        InMemorySource([occ]),
        DeployTarget(cluster=None, namespace="default"),
        [vec["image"]],
        now=NOW,
    )
    (outcome,) = decision.images[0].attestors
    return decision.allowed, outcome.reason, outcome.detail


def test_vectors_cover_the_brief() -> None:
    expects = {_vector(n)["expect"] for n in NAMES}
    assert {"verified", "bad-signature", "unknown-key-id"} <= expects
    assert {"rsa-binary", "ed25519-armored", "revoked", "detached"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_pgp_vector_decided(name: str) -> None:
    vec = _vector(name)
    allowed, reason, detail = _decide(name)
    assert reason.value == vec["expect"], detail
    assert allowed is (vec["expect"] == "verified")


@pytest.mark.parametrize("name", NAMES)
def test_pgp_vector_payload_is_kritis_sims(name: str) -> None:
    # The signed content is what `kritis-sim payload` prints for the image.
    vec = _vector(name)
    assert (VECTORS / name / "payload.json").read_bytes() == make_payload(vec["image"])


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("other-content", "signed content is not"),
        ("detached", "detached signature is not accepted"),
        ("other-key", "no valid signature by key"),
        ("revoked", "no valid signature by key"),
        ("signing-subkey-id", "has no key with that id"),
    ],
)
def test_pgp_refusals_say_why(name: str, words: str) -> None:
    assert words in _decide(name)[2]


@pytest.mark.parametrize("name", NAMES)
def test_pgp_key_id_is_the_v4_fingerprint(name: str) -> None:
    vec = _vector(name)
    key_asc = (VECTORS / name / "key.asc").read_text()
    fingerprint = vec["fingerprint"]
    assert re.fullmatch(r"[0-9A-F]{40}", fingerprint)
    assert _attestor(key_asc).public_keys[0].id == fingerprint
    # A supplied id, right or wrong, is overwritten as the API does.
    for supplied in (fingerprint, fingerprint.lower(), "0" * 40, "my-key"):
        assert _attestor(key_asc, supplied).public_keys[0].id == fingerprint


def _gpg() -> str:
    gpg = shutil.which("gpg")
    if gpg is None:
        if os.environ.get("KRITIS_SIM_REQUIRE_GPG") == "1":
            pytest.fail("KRITIS_SIM_REQUIRE_GPG=1 but gpg is not installed")
        pytest.skip("gpg is not installed (KRITIS_SIM_REQUIRE_GPG=1 makes this fail)")
    return gpg


@pytest.mark.parametrize("name", NAMES)
def test_pgp_vector_rechecked_by_gpg(name: str, tmp_path: Path) -> None:
    gpg = _gpg()
    vec = _vector(name)
    d = VECTORS / name
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home), "LC_ALL": "C"}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [gpg, "--batch", "--status-fd", "1", *args],
            env=env,
            capture_output=True,
            check=False,
        )

    assert run("--import", str(d / "key.asc")).returncode == 0
    out = tmp_path / "content"
    args = ["--output", str(out), "--decrypt", str(d / vec["signature"])]
    if name == "detached":
        args = ["--verify", str(d / vec["signature"]), str(d / "payload.json")]
    proc = run(*args)
    status = proc.stdout.decode()
    assert f"[GNUPG:] {vec['gpg_status']} " in status, status
    if vec["gpg_status"] == "GOODSIG":
        fingerprints = re.findall(r"VALIDSIG (\w{40}) .* (\w{40})$", status, re.M)
        assert fingerprints and fingerprints[0][1] == vec["fingerprint"]
        if name != "detached":
            same = out.read_bytes() == (d / "payload.json").read_bytes()
            assert same is (name != "other-content")
