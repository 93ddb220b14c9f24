"""A PGP signature's expiration is judged at every decision's ``now``, also
when a shared VerificationCache already holds the attestor's judgement from
a decision made before the signature expired (the judgement memo of
core/attestations.py keys on ``now`` for attestors with a PGP key)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import OutcomeReason
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from kritis_sim.model.policy import Policy

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "pgp-expiry" / "expires-2099"
NOTE = "projects/p/notes/pgp"
ATTESTOR = "projects/p/attestors/pgp"
BEFORE = datetime(2098, 1, 1, tzinfo=UTC)
AFTER = datetime(2099, 6, 1, tzinfo=UTC)  # the signature expired 2099-01-01T12:00Z


def _world() -> tuple[Policy, Attestor, InMemorySource, str]:
    vec = json.loads((VECTOR / "vector.json").read_text("utf-8"))
    attestor = Attestor.from_dict(
        {
            "name": ATTESTOR,
            "userOwnedGrafeasNote": {
                "noteReference": NOTE,
                "publicKeys": [
                    {"asciiArmoredPgpPublicKey": (VECTOR / "key.asc").read_text("utf-8")}
                ],
            },
        }
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
    occ = AttestationOccurrence(
        resource_uri="https://" + vec["image"],
        note_name=NOTE,
        serialized_payload=(VECTOR / "payload.json").read_bytes(),
        signatures=(
            Signature((VECTOR / vec["signature"]).read_bytes(), vec["publicKeyId"]),
        ),
    )
    return policy, attestor, InMemorySource([occ]), vec["image"]


def test_a_warm_cache_does_not_keep_an_expired_pgp_signature_verified() -> None:
    policy, attestor, source, image = _world()
    options = DecisionOptions(cache=VerificationCache())
    target = DeployTarget(None, "default")

    def at(now: datetime):  # type: ignore[no-untyped-def]
        return decide(policy, [attestor], source, target, [image], now=now, options=options)

    assert at(BEFORE).allowed
    expired = at(AFTER)
    (outcome,) = expired.images[0].attestors
    assert not expired.allowed
    assert outcome.reason is OutcomeReason.BAD_SIGNATURE
    assert "expired at 2099-01-01T12:00:00Z" in outcome.detail
    assert at(BEFORE).allowed  # and the earlier time is judged as before
    assert at(BEFORE).images[0].attestors[0].reason is OutcomeReason.VERIFIED
