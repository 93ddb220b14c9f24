"""A PGP signature's own expiration is judged at the decision's ``now``
(crypto/pgp.py ``verify_pgp_at``), with gpg-made vectors (tests/vectors/pgp-expiry/,
made by tools/vectors/make_pgp_expiry_vectors.py).

Each vector lists decision times with kritis-sim's answer and what gpg says
with its clock faked to that time; when gpg is installed that is re-checked
(``KRITIS_SIM_REQUIRE_GPG=1`` makes a missing gpg a failure). Both profiles
are judged: decide() (GCP, a PGP attestor) and decide_kritis (an AA).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.core.decide import decide
from kritis_sim.core.kritis.decide import decide_kritis
from kritis_sim.core.kritis.objects import KritisObject
from kritis_sim.core.kritis.vulnerabilities import VulnerabilityIndex
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto import pgp
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import OutcomeReason
from kritis_sim.model.kritis.load import load_kritis_text
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from kritis_sim.model.policy import Policy

pytest.importorskip("pysequoia")

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "pgp-expiry"
NAMES = sorted(p.name for p in VECTORS.iterdir() if p.is_dir())
NOTE = "projects/p/notes/pgp"
ATTESTOR = "projects/p/attestors/pgp"


def _cases() -> list[tuple[str, dict[str, str]]]:
    return [(n, d) for n in NAMES for d in _vector(n)["decisions"]]


def _vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name / "vector.json").read_text())
    return data


def _now(decision: dict[str, str]) -> datetime:
    return datetime.fromisoformat(decision["now"].replace("Z", "+00:00")).astimezone(UTC)


def _occurrence(name: str) -> AttestationOccurrence:
    vec, d = _vector(name), VECTORS / name
    return AttestationOccurrence(
        resource_uri="https://" + vec["image"],
        note_name=NOTE,
        serialized_payload=(d / "payload.json").read_bytes(),
        signatures=(Signature((d / vec["signature"]).read_bytes(), vec["publicKeyId"]),),
    )


def test_vectors_cover_both_sides_of_an_expiry() -> None:
    cases = _cases()
    assert {"expires-2099", "expires-1d"} <= set(NAMES)
    assert {d["expect"] for _, d in cases} == {"verified", "bad-signature"}
    assert {d["gpg_status"] for _, d in cases} == {"GOODSIG", "EXPSIG"}


@pytest.mark.parametrize(("name", "decision"), _cases(), ids=lambda v: v if isinstance(v, str) else v["now"])
def test_gcp_profile_judges_the_expiry_at_now(name: str, decision: dict[str, str]) -> None:
    vec = _vector(name)
    attestor = Attestor.from_dict({
        "name": ATTESTOR,
        "userOwnedGrafeasNote": {"noteReference": NOTE, "publicKeys": [
            {"asciiArmoredPgpPublicKey": (VECTORS / name / "key.asc").read_text()}]},
    })  # fmt: skip
    policy = Policy.from_dict({"defaultAdmissionRule": {
        "evaluationMode": "REQUIRE_ATTESTATION", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
        "requireAttestationsBy": [ATTESTOR]}})  # fmt: skip
    result = decide(policy, [attestor], InMemorySource([_occurrence(name)]),
                    DeployTarget(cluster=None, namespace="default"), [vec["image"]], now=_now(decision))  # fmt: skip
    (outcome,) = result.images[0].attestors
    assert result.allowed is (decision["expect"] == "verified"), outcome.detail
    if decision["expect"] == "verified":
        assert outcome.reason is OutcomeReason.VERIFIED
    else:
        assert outcome.reason is OutcomeReason.BAD_SIGNATURE
        assert decision["reason"] in outcome.detail


@pytest.mark.parametrize(("name", "decision"), _cases(), ids=lambda v: v if isinstance(v, str) else v["now"])
def test_kritis_profile_judges_the_expiry_at_now(name: str, decision: dict[str, str]) -> None:
    vec = _vector(name)
    armored = (VECTORS / name / "key.asc").read_text()
    docs = [
        {"apiVersion": "kritis.grafeas.io/v1beta1", "kind": "AttestationAuthority",
         "metadata": {"name": "qa", "namespace": "default"},
         "spec": {"noteReference": NOTE, "publicKeys": [
             {"keyType": "PGP", "asciiArmoredPgpPublicKey": base64.b64encode(armored.encode()).decode()}]}},
        {"apiVersion": "kritis.grafeas.io/v1beta1", "kind": "GenericAttestationPolicy",
         "metadata": {"name": "gap", "namespace": "default"}, "spec": {"attestationAuthorityNames": ["qa"]}},
    ]  # fmt: skip
    resources = load_kritis_text("\n---\n".join(json.dumps(d) for d in docs), "policy.yaml")
    result = decide_kritis(resources, KritisObject("Pod", "default", "p", (vec["image"],), False),
                           InMemorySource([_occurrence(name)]), VulnerabilityIndex(()), now=_now(decision))  # fmt: skip
    assert result.allowed is (decision["expect"] == "verified"), result.message
    if decision["expect"] != "verified":
        assert any(decision["reason"] in r for r in result.reasons), result.reasons


def test_expiry_is_read_from_the_signature_packet() -> None:
    message = (VECTORS / "expires-2099" / "signature.asc").read_bytes()
    (when,) = pgp.signature_expirations(message)
    assert when == datetime(2099, 1, 1, 12, 0, tzinfo=UTC)
    assert pgp.signature_expirations(b"not a message") == ()
    # A signature without an expiration is judged as before, at any time.
    secret, public = pgp.generate_pgp_key("no-expiry <n@kritis-sim.invalid>")
    signed = pgp.sign_pgp(secret, b"payload")
    assert pgp.signature_expirations(signed) == ()
    far = datetime(2999, 1, 1, tzinfo=UTC)
    assert pgp.verify_pgp_at(public, signed, b"payload", far) == pgp.PgpResult(True)


def test_expired_at_the_boundary() -> None:
    # Expired means expiration <= now (RFC 4880 5.2.3.10: valid until then).
    d = VECTORS / "expires-2099"
    key, message, payload = (d / "key.asc").read_text(), (d / "signature.asc").read_bytes(), (d / "payload.json").read_bytes()
    at = datetime(2099, 1, 1, 12, 0, tzinfo=UTC)
    assert not pgp.verify_pgp_at(key, message, payload, at).verified
    assert pgp.verify_pgp_at(key, message, payload, at.replace(second=0, minute=59, hour=11)).verified


def _gpg() -> str | None:
    found = shutil.which("gpg")
    if found is None and os.environ.get("KRITIS_SIM_REQUIRE_GPG") == "1":
        pytest.fail("gpg is required (KRITIS_SIM_REQUIRE_GPG=1) but not on PATH")
    return found


@pytest.mark.parametrize(("name", "decision"), _cases(), ids=lambda v: v if isinstance(v, str) else v["now"])
def test_gpg_agrees_at_the_decision_time(name: str, decision: dict[str, str], tmp_path: Path) -> None:
    gpg = _gpg()
    if gpg is None:
        pytest.skip("gpg not installed")
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home), "LC_ALL": "C"}
    subprocess.run([gpg, "--batch", "--no-autostart", "--import", str(VECTORS / name / "key.asc")], env=env,
                   capture_output=True, check=True)  # fmt: skip
    faked = decision["now"].replace("-", "").replace(":", "").removesuffix("Z") + "!"
    out = subprocess.run([gpg, "--batch", "--no-autostart", "--faked-system-time", faked, "--status-fd", "1", "--verify",
                          str(VECTORS / name / "signature.asc")], env=env, capture_output=True, check=False)  # fmt: skip
    assert f"[GNUPG:] {decision['gpg_status']} " in out.stdout.decode()
    if decision["gpg_status"] == "GOODSIG" and decision["expect"] != "verified":
        # The documented limit: gpg at that time finds it good; pysequoia cannot.
        assert "pysequoia cannot verify it" in decision["reason"]
