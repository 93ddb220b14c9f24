"""Deterministic test keys and signatures for the conformance catalogue.

The catalogue must regenerate byte-for-byte from its table, so its keys are
derived from their labels rather than drawn from the OS random source:

* EC keys: the private scalar is ``SHA-512("kritis-sim conformance" / label)``
  reduced into ``[1, n-1]`` for the curve (``ec.derive_private_key``);
* RSA keys: primes are found by a Miller-Rabin search (64 rounds) seeded by
  ``random.Random(SHA-256(label))``, with e = 65537.

These keys are published in the repository and protect nothing. ECDSA
signatures use RFC 6979 deterministic nonces and PKCS#1 v1.5 is deterministic;
RSA-PSS signatures carry a random salt, so only they change between runs.
"""

from __future__ import annotations

import functools
import hashlib
import random
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kritis_sim.crypto.algorithms import KeyType, spec
from kritis_sim.crypto.keys import PrivateKey, load_private_key, private_key_pem
from kritis_sim.model.attestor import SignatureAlgorithm

__all__ = ["deterministic_key", "sign_deterministic", "sign_pss_max_salt"]

_CURVE_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
        "581a0db248b0a77aecec196accc52973",
        16,
    ),
    "secp521r1": int(
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        16,
    ),
}
_KEY_DIR = Path(__file__).resolve().parent / "keys"
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p**0.5) + 1))]


def _probably_prime(n: int, rng: random.Random) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(64):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if candidate % 65537 != 1 and _probably_prime(candidate, rng):
            return candidate


def _rsa(bits: int, label: str) -> rsa.RSAPrivateKey:
    rng = random.Random(hashlib.sha256(f"kritis-sim conformance/{label}".encode()).digest())
    e = 65537
    while True:
        p, q = _prime(bits // 2, rng), _prime(bits // 2, rng)
        n = p * q
        if p != q and n.bit_length() == bits:
            break
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key()


@functools.cache
def deterministic_key(alg: SignatureAlgorithm, label: str) -> PrivateKey:
    """The private key called ``label`` for algorithm ``alg`` (same every run).

    RSA keys are slow to search for in pure Python (seconds for 4096 bits), so
    they are cached as PEM under ``tools/conformance/keys/``; delete a file to
    derive it again (the result is identical).
    """
    alg_spec = spec(alg)
    if alg_spec.key_type is KeyType.EC:
        curve = alg_spec.curve()
        order = _CURVE_ORDERS[curve.name]
        seed = hashlib.sha512(f"kritis-sim conformance/{label}".encode()).digest()
        scalar = int.from_bytes(seed * 2, "big") % (order - 1) + 1
        return ec.derive_private_key(scalar, curve)
    assert alg_spec.rsa_bits is not None
    cached = _KEY_DIR / f"{label}-rsa{alg_spec.rsa_bits}.pem"
    if cached.is_file():
        return load_private_key(cached.read_bytes())
    key = _rsa(alg_spec.rsa_bits, f"{label}/{alg_spec.rsa_bits}")
    _KEY_DIR.mkdir(exist_ok=True)
    cached.write_bytes(private_key_pem(key))
    return key


def sign_deterministic(key: PrivateKey, alg: SignatureAlgorithm, data: bytes) -> bytes:
    """Sign ``data`` as ``alg`` says, deterministically where the scheme allows."""
    alg_spec = spec(alg)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(
            data, ec.ECDSA(alg_spec.hash_algorithm(), deterministic_signing=True)
        )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(data, alg_spec.rsa_padding(verifying=False), alg_spec.hash_algorithm())


def sign_pss_max_salt(key: PrivateKey, data: bytes) -> bytes:
    """RSA-PSS/SHA-256 with the maximum salt length, as Kritis' signer makes it."""
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(
        data,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
        hashes.SHA256(),
    )
