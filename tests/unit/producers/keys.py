"""Private keys on disk for the producer tests (made once per session)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kritis_sim.crypto.dsse import DsseKey, Ed25519Key
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm

_PKCS8 = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8)
_SPKI = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

KINDS = ("ecdsa", "rsa", "ed25519")
#: The --algorithm each kind needs (None: inferred or not applicable).
ALGORITHM = {"ecdsa": None, "rsa": "RSA_SIGN_PKCS1_2048_SHA256", "ed25519": None}


@functools.cache
def private(kind: str, label: str = "builder") -> object:
    if kind == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def private_pem(kind: str, label: str = "builder") -> bytes:
    key = private(kind, label)
    assert isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    )
    return key.private_bytes(*_PKCS8, serialization.NoEncryption())


def trusted(kind: str, label: str = "builder") -> DsseKey:
    """The public key a verifier would be configured with."""
    key = private(kind, label)
    assert isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    )
    pem = key.public_key().public_bytes(*_SPKI).decode()
    if kind == "ed25519":
        return Ed25519Key(pem)
    alg = ALGORITHM[kind] or "ECDSA_P256_SHA256"
    return PkixPublicKey(pem, SignatureAlgorithm.parse(alg))
