"""The committed signature vectors (tests/vectors/signatures, made with openssl
and gcloud by tools/vectors/generate_signature_vectors.py) run through decide().

Positive vectors must be admitted under a rule requiring their attestor; each
negative vector must be refused for the reason its name gives. Key/algorithm
mismatches are refused earlier, when the attestor is loaded (as Google's API
refuses them at attestor creation); where the loader lets a vector through, the
decision must still refuse it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kritis_sim.core.decide import decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import OutcomeReason
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "signatures"
POSITIVE = sorted(p for p in VECTORS.iterdir() if (p / "vector.json").exists())
NEGATIVE = sorted(p for p in (VECTORS / "negative").iterdir() if p.is_dir())
NOW = datetime(2026, 11, 26, tzinfo=UTC)

EXPECTED = {
    "wrong-key-id": OutcomeReason.UNKNOWN_KEY_ID,
    "digest-mismatch": OutcomeReason.DIGEST_MISMATCH,
    "tampered-payload": OutcomeReason.BAD_SIGNATURE,
    "truncated-signature": OutcomeReason.BAD_SIGNATURE,
    "padding-mismatch": OutcomeReason.BAD_SIGNATURE,
    "algorithm-mismatch": OutcomeReason.BAD_SIGNATURE,
    "curve-mismatch": OutcomeReason.BAD_SIGNATURE,
    "rsa-size-mismatch": OutcomeReason.BAD_SIGNATURE,
    "tag-only-image": OutcomeReason.TAG_ONLY,
    "wrong-note": OutcomeReason.WRONG_NOTE,
}


class IgnoresFilters:
    """A source that returns every occurrence, as the open-source Grafeas server does."""

    def __init__(self, occurrences: Sequence[AttestationOccurrence]) -> None:
        self._all = tuple(occurrences)

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        return self._all


def _load(path: Path) -> tuple[dict, Attestor, AttestationOccurrence, str]:
    info = json.loads((path / "vector.json").read_text())
    attestor = Attestor.from_dict(json.loads((path / "attestor.json").read_text()))
    occurrence = AttestationOccurrence.from_dict(
        json.loads((path / "occurrence.json").read_text())
    )
    return info, attestor, occurrence, info["image"]


def _decide(attestor: Attestor, source: object, image: str):
    policy = Policy.from_dict(
        {
            "defaultAdmissionRule": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                "requireAttestationsBy": [attestor.name],
            }
        }
    )
    return decide(policy, [attestor], source, DeployTarget(), [image], now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.name)
def test_positive_vector_is_admitted(path: Path) -> None:
    _, attestor, occurrence, image = _load(path)
    decision = _decide(attestor, InMemorySource([occurrence]), image)
    assert decision.allowed, decision.message
    assert decision.images[0].attestors[0].reason is OutcomeReason.VERIFIED


@pytest.mark.parametrize("path", NEGATIVE, ids=lambda p: p.name)
def test_negative_vector_is_refused_for_its_named_reason(path: Path) -> None:
    defect = path.name
    if defect == "non-base64":
        with pytest.raises(InputError, match="base64"):
            _load(path)
        return
    try:
        info, attestor, occurrence, image = _load(path)
    except InputError as exc:
        # Keys that do not fit their declared algorithm never get this far.
        assert defect in {
            "algorithm-mismatch",
            "curve-mismatch",
            "rsa-size-mismatch",
        }, exc
        return
    source = (
        IgnoresFilters([occurrence])
        if defect == "wrong-note"
        else InMemorySource([occurrence])
    )
    decision = _decide(attestor, source, image)
    assert not decision.allowed
    outcome = decision.images[0].attestors[0]
    assert outcome.reason is EXPECTED[defect], outcome
    assert (
        info["expected_reason_contains"].split()[0].lower()
        in (outcome.detail + decision.message).lower()
    )


def test_wrong_note_with_a_filtering_store_reads_as_no_attestation() -> None:
    _, attestor, occurrence, image = _load(VECTORS / "negative" / "wrong-note")
    decision = _decide(attestor, InMemorySource([occurrence]), image)
    assert decision.images[0].attestors[0].reason is OutcomeReason.NO_ATTESTATION
