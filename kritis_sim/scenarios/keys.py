"""Signing keys for scenarios: generated per run, or loaded from key files
(PEM for PKIX keys, armored OpenPGP keys for ``algorithm: PGP``).

A scenario names its keys (``tested/k1``, ``tested/rogue``); this module turns
each :class:`~.schema.KeySpec` into :class:`KeyMaterial` (private key, public
PEM, key id). Generated keys are cached by ``(label, algorithm)`` in a
:class:`KeyFactory`, so one run (a CLI invocation, a pytest session, a
Hypothesis test) generates each named key once however often a scenario is
simulated; RSA generation is slow. Keys are never written to disk.

This module signs nothing and knows nothing about attestors' trust.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kritis_sim.crypto import keys as crypto_keys
from kritis_sim.model.attestor import (
    AttestorPublicKey,
    PkixPublicKey,
    SignatureAlgorithm,
)
from kritis_sim.scenarios.schema import KeyRef, KeySpec

__all__ = [
    "DEFAULT_FACTORY", "PGP", "KeyFactory", "KeyMaterial", "PgpMaterial", "kritis_placeholder", "pkix_entry", "placeholder",
]

#: The ``algorithm`` of a scenario key that is an OpenPGP key (Ed25519,
#: generated per run with :func:`kritis_sim.crypto.pgp.generate_pgp_key`).
PGP = "PGP"


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """One usable key.

    Attributes:
        ref: ``attestor/key`` as the scenario names it.
        algorithm: the signature algorithm.
        private_key: the signing key (None for a public-key file).
        public_pem: the PEM ``SubjectPublicKeyInfo``.
        key_id: the id the attestor lists and signatures claim.
    """

    ref: KeyRef
    algorithm: SignatureAlgorithm
    private_key: crypto_keys.PrivateKey | None
    public_pem: str
    key_id: str

    def public_key(self) -> AttestorPublicKey:
        """The attestor's ``publicKeys[]`` entry for this key."""
        return AttestorPublicKey(
            id=self.key_id,
            pkix_public_key=PkixPublicKey(self.public_pem, self.algorithm),
            comment=f"kritis-sim scenario key {self.ref}",
        )


@dataclass(frozen=True, slots=True)
class PgpMaterial:
    """One OpenPGP scenario key.

    Attributes:
        ref: ``attestor/key`` as the scenario names it.
        secret: the armored secret key (signs); None for a public key file.
        public: the armored public key (what attestors and AAs list).
        key_id: the V4 fingerprint, upper-case hex (what signatures claim).
    """

    ref: KeyRef
    secret: str | None
    public: str
    key_id: str

    def public_key(self) -> AttestorPublicKey:
        """The attestor's ``publicKeys[]`` entry (``asciiArmoredPgpPublicKey``)."""
        return AttestorPublicKey(
            id=self.key_id,
            ascii_armored_pgp_public_key=self.public,
            comment=f"kritis-sim scenario key {self.ref}",
        )

    def kritis_entry(self) -> dict[str, str]:
        """The AttestationAuthority's ``publicKeys[]`` entry (base64 of the armor)."""
        import base64

        return {
            "keyType": "PGP",
            "keyId": self.key_id,
            "asciiArmoredPgpPublicKey": base64.b64encode(self.public.encode()).decode(),
        }


class KeyFactory:
    """Generates private keys once per ``(label, algorithm)`` and remembers them.

    Thread-safe; share one per run. ``generated`` counts keys actually made.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, SignatureAlgorithm], crypto_keys.PrivateKey] = {}
        self._pgp: dict[str, tuple[str, str, str]] = {}
        self.generated = 0

    def pgp(self, spec: KeySpec, scenario: str) -> PgpMaterial:
        """The OpenPGP key for ``spec`` (``algorithm: PGP``) in ``scenario``:
        generated once per label, or read from the scenario's key file.

        Raises:
            KeyFormatError: pysequoia (``kritis-sim[pgp]``) is missing.
        """
        from kritis_sim.crypto.pgp import (
            generate_pgp_key,
            pgp_fingerprint,
            secret_key_certificate,
        )

        if spec.private_key_pem is not None:  # an armored secret key file
            secret = spec.private_key_pem.decode()
            public = secret_key_certificate(secret)
            return PgpMaterial(spec.ref, secret, public, pgp_fingerprint(public))
        if spec.public_key_pem is not None:  # an armored public key file: verifies only
            return PgpMaterial(spec.ref, None, spec.public_key_pem, pgp_fingerprint(spec.public_key_pem))
        label = f"{scenario}/{spec.ref}"
        with self._lock:
            made = self._pgp.get(label)
            if made is None:
                secret, public = generate_pgp_key(f"{spec.ref} <{spec.ref.key}@kritis-sim.invalid>")
                made = self._pgp[label] = (secret, public, pgp_fingerprint(public))
                self.generated += 1
        return PgpMaterial(spec.ref, *made)

    def private_key(self, label: str, algorithm: SignatureAlgorithm) -> crypto_keys.PrivateKey:
        """The private key named ``label`` for ``algorithm`` (made on first use)."""
        with self._lock:
            key = self._keys.get((label, algorithm))
            if key is None:
                key = crypto_keys.generate_private_key(algorithm)
                self._keys[(label, algorithm)] = key
                self.generated += 1
            return key

    def material(self, spec: KeySpec, scenario: str) -> KeyMaterial:
        """The key material for ``spec`` in ``scenario``.

        Raises:
            KeyFormatError: a PEM file that cannot be loaded (the loader has
                already checked, so this means the file changed).
        """
        algorithm = SignatureAlgorithm.parse(spec.algorithm)
        private: crypto_keys.PrivateKey | None
        if spec.private_key_pem is not None:
            private = crypto_keys.load_private_key(spec.private_key_pem)
            public_pem = crypto_keys.public_key_pem(private)
        elif spec.public_key_pem is not None:
            private = None
            public_pem = crypto_keys.public_key_pem(crypto_keys.load_public_key(spec.public_key_pem))
        else:
            private = self.private_key(f"{scenario}/{spec.ref}", algorithm)
            public_pem = crypto_keys.public_key_pem(private)
        key_id = spec.key_id or crypto_keys.default_key_id(public_pem)
        return KeyMaterial(spec.ref, algorithm, private, public_pem, key_id)


#: The factory the CLI and the library default to (one per process).
DEFAULT_FACTORY = KeyFactory()


#: Keys generated only to validate policies that name scenario keys.
_PLACEHOLDERS = KeyFactory()


def placeholder(spec: KeySpec) -> dict[str, str]:
    """A ``PkixPublicKey`` of ``spec``'s algorithm that stands in for the run's key
    while a platform policy is validated (never used to verify anything)."""
    material = _PLACEHOLDERS.material(
        KeySpec(spec.ref, spec.algorithm, spec.trusted, spec.where), "placeholder"
    )
    return pkix_entry(material)


def kritis_placeholder(spec: KeySpec) -> dict[str, str]:
    """An AttestationAuthority key entry that stands in for the run's PGP key
    while Kritis resources are validated (never used to verify anything)."""
    return _PLACEHOLDERS.pgp(spec, "placeholder").kritis_entry()


def pkix_entry(material: KeyMaterial) -> dict[str, str]:
    """The platform policy's ``PkixPublicKey`` for ``material``."""
    return {
        "keyId": material.key_id,
        "publicKeyPem": material.public_pem,
        "signatureAlgorithm": material.algorithm.value,
    }
