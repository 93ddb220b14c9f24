"""Keys, payloads, signing and verification for PKIX attestations.

Layer ``crypto/`` of kritis-sim (see ``docs/architecture.md`` and
``docs/signatures.md``). Everything here uses the ``cryptography`` library; no
primitive is implemented by hand. The modules:

- :mod:`~kritis_sim.crypto.algorithms`: what each ``signatureAlgorithm`` means.
- :mod:`~kritis_sim.crypto.keys`: strict PEM loading, key ids, key generation.
- :mod:`~kritis_sim.crypto.payload`: gcloud's signing payload, and its parser.
- :mod:`~kritis_sim.crypto.sign`: signatures and signed occurrences.
- :mod:`~kritis_sim.crypto.verify`: verification and its caches.
- :mod:`~kritis_sim.crypto.pgp`: PGP attestor keys and signed messages, via
  Sequoia (``pysequoia``, the optional extra ``kritis-sim[pgp]``); not
  re-exported here, so importing this package never needs it.

JWT attestations are not handled here.
"""

from __future__ import annotations

from kritis_sim.crypto.algorithms import AlgorithmSpec, spec, supported_algorithms
from kritis_sim.crypto.keys import (
    PrivateKey,
    PublicKey,
    check_key_matches,
    default_key_id,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from kritis_sim.crypto.payload import SigningPayload, make_payload, parse_payload
from kritis_sim.crypto.sign import add_signature, make_attestation, sign
from kritis_sim.crypto.verify import (
    PublicKeyCache,
    VerificationCache,
    VerificationResult,
    verify_signature,
    verify_signature_detail,
)

__all__ = [
    "AlgorithmSpec",
    "PrivateKey",
    "PublicKey",
    "PublicKeyCache",
    "SigningPayload",
    "VerificationCache",
    "VerificationResult",
    "add_signature",
    "check_key_matches",
    "default_key_id",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "make_attestation",
    "make_payload",
    "parse_payload",
    "private_key_pem",
    "public_key_pem",
    "sign",
    "spec",
    "supported_algorithms",
    "verify_signature",
    "verify_signature_detail",
]
