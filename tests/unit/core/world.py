"""A small world builder for decision tests: keys, attestors, attestations.

Keys are ECDSA P-256 (fast to generate); the algorithm-specific tests live with
the crypto vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from kritis_sim.core.source import InMemorySource
from kritis_sim.crypto.keys import public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64
IMAGE = f"gcr.io/shop/api@{DIGEST}"
ALG = "ECDSA_P256_SHA256"


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class World:
    """Attestors with one key each, a policy document and occurrences."""

    keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)
    attestors: dict[str, Attestor] = field(default_factory=dict)
    occurrences: list[AttestationOccurrence] = field(default_factory=list)

    def attestor(
        self, short: str, *, key: ec.EllipticCurvePrivateKey | None = None
    ) -> str:
        name = f"projects/p/attestors/{short}"
        key = key or new_key()
        self.keys[name] = key
        self.attestors[name] = Attestor.from_dict(
            {
                "name": name,
                "userOwnedGrafeasNote": {
                    "noteReference": f"projects/p/notes/{short}",
                    "publicKeys": [
                        {
                            "pkixPublicKey": {
                                "publicKeyPem": public_key_pem(key),
                                "signatureAlgorithm": ALG,
                            }
                        }
                    ],
                },
            }
        )
        return name

    def attest(
        self,
        attestor: str,
        image: str = IMAGE,
        *,
        key: ec.EllipticCurvePrivateKey | None = None,
        key_id: str | None = None,
        note: str | None = None,
        created: datetime = NOW - timedelta(hours=1),
    ) -> AttestationOccurrence:
        att = self.attestors[attestor]
        occ = make_attestation(
            image,
            note or att.note_reference,
            key or self.keys[attestor],
            ALG,
            key_id=key_id or att.public_keys[0].id,
            create_time=created,
        )
        self.occurrences.append(occ)
        return occ

    def source(self) -> InMemorySource:
        return InMemorySource(self.occurrences)


def policy(doc: dict[str, Any]) -> Policy:
    return Policy.from_dict(doc)


def require(
    *attestors: str, mode: str = "ENFORCED_BLOCK_AND_AUDIT_LOG", **extra: Any
) -> dict[str, Any]:
    return {
        "evaluationMode": "REQUIRE_ATTESTATION",
        "enforcementMode": mode,
        "requireAttestationsBy": list(attestors),
        **extra,
    }


ALLOW = {
    "evaluationMode": "ALWAYS_ALLOW",
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
}
DENY = {
    "evaluationMode": "ALWAYS_DENY",
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
}
