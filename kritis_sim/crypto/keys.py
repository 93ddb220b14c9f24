"""Load, make and describe the public and private keys attestors use.

Public keys are PEM ``SubjectPublicKeyInfo`` blocks (``-----BEGIN PUBLIC KEY-----``),
the only form an attestor's ``pkixPublicKey.publicKeyPem`` takes. Loading is
strict: exactly one such block, nothing but whitespace around it, and an EC or
RSA key inside. ``cryptography`` alone would read the first block and silently
ignore whatever follows; an attestor key that carries a second block or
trailing text is refused here instead.

Private keys (for signing in tests and scenarios) may be PKCS#8
(``PRIVATE KEY``), SEC 1 (``EC PRIVATE KEY``, optionally preceded by the
``EC PARAMETERS`` block ``openssl ecparam -genkey`` writes) or PKCS#1
(``RSA PRIVATE KEY``).

Key/algorithm agreement (:func:`key_mismatch`, :func:`check_key_matches`) is
strict: an EC key must be on the algorithm's curve and an RSA key must have
exactly the algorithm's modulus size. Binary Authorization validates key sizes
against the declared algorithm, so an RSA-3072 key declared as
``RSA_PSS_2048_SHA256`` is treated as unusable, never as "close enough".

Default key ids follow RFC 6920 as Binary Authorization and Kritis compute them:
``ni:///sha-256;`` + unpadded base64url of SHA-256 over the DER SPKI.

This module verifies nothing and keeps no caches (see :mod:`kritis_sim.crypto.verify`).
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from kritis_sim.crypto.algorithms import KeyType, curve_label, spec
from kritis_sim.errors import KeyFormatError
from kritis_sim.model.attestor import SignatureAlgorithm

__all__ = [
    "PrivateKey",
    "PublicKey",
    "check_key_matches",
    "default_key_id",
    "describe_key",
    "generate_private_key",
    "key_mismatch",
    "load_ed25519_public_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_pem",
]

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_PEM_BLOCK_RE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL | re.ASCII
)
_BEGIN_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----", re.ASCII)
_PRIVATE_LABELS = frozenset(
    {"PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}
)
_IGNORED_PRIVATE_LABELS = frozenset({"EC PARAMETERS"})

#: The largest RSA modulus accepted at all (bounds the cost of hostile keys).
MAX_RSA_BITS = 16384
#: The longest PEM text accepted (an RSA-16384 private key is about 12 kB).
MAX_PEM_CHARS = 64 * 1024


def _as_text(pem: str | bytes) -> str:
    if len(pem) > MAX_PEM_CHARS:
        raise KeyFormatError(
            f"PEM key is {len(pem)} characters long, more than the limit of "
            f"{MAX_PEM_CHARS} (not a key file?)"
        )
    if isinstance(pem, bytes):
        try:
            return pem.decode("ascii")
        except UnicodeDecodeError as exc:
            raise KeyFormatError(
                f"PEM key is not ASCII text (binary file?): byte "
                f"0x{pem[exc.start]:02x} at offset {exc.start}"
            ) from None
    return pem


def _block_bytes(text: str, start: int, end: int) -> bytes:
    block = text[start:end]
    if not block.isascii():
        at = next(i for i, c in enumerate(block) if not c.isascii())
        raise KeyFormatError(f"PEM block holds a non-ASCII character {block[at]!r}")
    return block.encode("ascii") + b"\n"


def _blocks(text: str) -> list[tuple[str, int, int]]:
    """``(label, start, end)`` of every complete PEM block in ``text``."""
    return [(m.group(1), m.start(), m.end()) for m in _PEM_BLOCK_RE.finditer(text)]


def load_public_key(pem: str | bytes) -> PublicKey:
    """Load a PEM SubjectPublicKeyInfo EC or RSA public key.

    Raises:
        KeyFormatError: not exactly one ``PUBLIC KEY`` block, text outside it,
            a key that does not parse, or a key that is neither EC nor RSA.
    """
    key = _load_spki(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise KeyFormatError(
            f"unsupported public key type {type(key).__name__}; expected EC or RSA"
        )
    if isinstance(key, rsa.RSAPublicKey) and key.key_size > MAX_RSA_BITS:
        raise KeyFormatError(f"RSA key of {key.key_size} bits exceeds {MAX_RSA_BITS}")
    return key


def load_ed25519_public_key(pem: str | bytes) -> ed25519.Ed25519PublicKey:
    """Load a PEM SubjectPublicKeyInfo Ed25519 public key (DSSE verifiers only;
    Binary Authorization attestors have no Ed25519 algorithm).

    Raises:
        KeyFormatError: as :func:`load_public_key`, or a key that is not Ed25519.
    """
    key = _load_spki(pem)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise KeyFormatError(
            f"unsupported public key type {type(key).__name__}; expected Ed25519"
        )
    return key


def _load_spki(pem: str | bytes) -> PublicKeyTypes:
    """The key of the one strict ``PUBLIC KEY`` block in ``pem``, of any type."""
    text = _as_text(pem)
    labels = _BEGIN_RE.findall(text)
    if not labels:
        raise KeyFormatError(
            "no PEM block found; expected '-----BEGIN PUBLIC KEY-----'"
        )
    if len(labels) > 1:
        raise KeyFormatError(
            f"expected exactly one PEM block, found {len(labels)} ({', '.join(labels)})"
        )
    if labels[0] != "PUBLIC KEY":
        raise KeyFormatError(
            f"expected a '-----BEGIN PUBLIC KEY-----' (SubjectPublicKeyInfo) block, "
            f"got '-----BEGIN {labels[0]}-----'"
        )
    blocks = _blocks(text)
    if len(blocks) != 1:
        raise KeyFormatError(
            "PEM block is not terminated by '-----END PUBLIC KEY-----'"
        )
    _, start, end = blocks[0]
    if text[:start].strip() or text[end:].strip():
        raise KeyFormatError("unexpected text before or after the PEM public key block")
    try:
        return serialization.load_pem_public_key(_block_bytes(text, start, end))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"public key does not parse: {exc}") from None


def default_key_id(key: str | bytes | PublicKey | PrivateKey) -> str:
    """The RFC 6920 default id of a PKIX key: ``ni:///sha-256;<base64url>``.

    Raises:
        KeyFormatError: ``key`` is PEM text that :func:`load_public_key` refuses.
    """
    public = _public(key)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha256(der).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode(
        "ascii"
    )


def _public(key: str | bytes | PublicKey | PrivateKey) -> PublicKey:
    if isinstance(key, str | bytes):
        return load_public_key(key)
    if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        return key.public_key()
    return key


def generate_private_key(algorithm: SignatureAlgorithm) -> PrivateKey:
    """A new private key of the kind ``algorithm`` needs (RSA uses e = 65537).

    Raises:
        KeyFormatError: the algorithm is not supported.
    """
    alg_spec = spec(algorithm)
    if alg_spec.key_type is KeyType.EC:
        return ec.generate_private_key(alg_spec.curve())
    assert alg_spec.rsa_bits is not None
    return rsa.generate_private_key(public_exponent=65537, key_size=alg_spec.rsa_bits)


def load_private_key(pem: str | bytes, password: bytes | None = None) -> PrivateKey:
    """Load a PKCS#8, SEC 1 (EC) or PKCS#1 (RSA) PEM private key.

    An ``EC PARAMETERS`` block next to the key is ignored.

    Raises:
        KeyFormatError: no private-key block, several, or a key that does not
            parse or is neither EC nor RSA.
    """
    text = _as_text(pem)
    found = [b for b in _blocks(text) if b[0] not in _IGNORED_PRIVATE_LABELS]
    keys = [b for b in found if b[0] in _PRIVATE_LABELS]
    if len(keys) != 1 or len(found) != 1:
        labels = ", ".join(b[0] for b in found) or "none"
        raise KeyFormatError(
            f"expected exactly one private key PEM block (PRIVATE KEY, EC PRIVATE KEY "
            f"or RSA PRIVATE KEY), found: {labels}"
        )
    _, start, end = keys[0]
    try:
        key = serialization.load_pem_private_key(
            _block_bytes(text, start, end), password=password
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"private key does not load: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyFormatError(
            f"unsupported private key type {type(key).__name__}; expected EC or RSA"
        )
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size > MAX_RSA_BITS:
        raise KeyFormatError(f"RSA key of {key.key_size} bits exceeds {MAX_RSA_BITS}")
    return key


def private_key_pem(key: PrivateKey) -> bytes:
    """``key`` as unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: PublicKey | PrivateKey) -> str:
    """The PEM SubjectPublicKeyInfo of ``key`` (of its public half for a private key)."""
    return (
        _public(key)
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode("ascii")
    )


def describe_key(key: PublicKey | PrivateKey) -> str:
    """A short label for messages: ``RSA-2048`` or ``EC P-256``."""
    public = _public(key)
    if isinstance(public, rsa.RSAPublicKey):
        return f"RSA-{public.key_size}"
    return f"EC {curve_label(public.curve.name)}"


def key_mismatch(
    algorithm: SignatureAlgorithm, key: PublicKey | PrivateKey
) -> str | None:
    """Why ``key`` cannot be used with ``algorithm``, or ``None`` when it can.

    Raises:
        KeyFormatError: the algorithm is not supported.
    """
    alg_spec = spec(algorithm)
    public = _public(key)
    ok = False
    if alg_spec.key_type is KeyType.EC and isinstance(
        public, ec.EllipticCurvePublicKey
    ):
        ok = public.curve.name == alg_spec.curve_name
    elif alg_spec.key_type is KeyType.RSA and isinstance(public, rsa.RSAPublicKey):
        ok = public.key_size == alg_spec.rsa_bits
    if ok:
        return None
    return (
        f"key is {describe_key(public)} but the attestor declares {alg_spec.algorithm.value} "
        f"(which needs an {alg_spec.key_label} key)"
    )


def check_key_matches(
    algorithm: SignatureAlgorithm, key: PublicKey | PrivateKey
) -> None:
    """Refuse a key that ``algorithm`` cannot use (wrong type, curve or RSA size).

    Raises:
        KeyFormatError: the key does not fit the algorithm, saying how.
    """
    reason = key_mismatch(algorithm, key)
    if reason is not None:
        raise KeyFormatError(reason)
