"""What each Binary Authorization ``signatureAlgorithm`` means in cryptographic terms.

:func:`spec` maps a :class:`~kritis_sim.model.attestor.SignatureAlgorithm` to an
:class:`AlgorithmSpec`: the key type, the elliptic curve or the RSA modulus
size, the hash and the RSA padding. Signing and verification read everything
from here, so no other module spells out "P-384 goes with SHA-384".

The table follows ``wire-formats.md`` section 2.3. ``ML_DSA_65`` and
``SIGNATURE_ALGORITHM_UNSPECIFIED`` have no spec: :func:`spec` refuses them with
:class:`~kritis_sim.errors.KeyFormatError`, and verification treats a key that
declares them as unusable (it never verifies anything).

This module holds data only; it loads no keys and checks no signatures.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding

from kritis_sim.errors import KeyFormatError
from kritis_sim.model.attestor import SignatureAlgorithm

__all__ = [
    "AlgorithmSpec",
    "HashName",
    "KeyType",
    "PaddingScheme",
    "curve_label",
    "spec",
    "supported_algorithms",
]


class KeyType(enum.Enum):
    """The kind of public key an algorithm needs."""

    EC = "ec"
    RSA = "rsa"


class HashName(enum.Enum):
    """The message digest an algorithm signs with."""

    SHA256 = "SHA256"
    SHA384 = "SHA384"
    SHA512 = "SHA512"


class PaddingScheme(enum.Enum):
    """RSA signature padding; ``NONE`` for ECDSA."""

    NONE = "none"
    PSS = "pss"
    PKCS1V15 = "pkcs1v15"


_HASHES: dict[HashName, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    HashName.SHA256: hashes.SHA256,
    HashName.SHA384: hashes.SHA384,
    HashName.SHA512: hashes.SHA512,
}

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
}

_CURVE_LABELS = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@dataclass(frozen=True, slots=True)
class AlgorithmSpec:
    """The cryptographic content of one ``signatureAlgorithm``.

    Attributes:
        algorithm: the Binary Authorization algorithm this describes.
        key_type: EC or RSA.
        hash_name: the digest signed over the payload bytes.
        padding: PSS or PKCS#1 v1.5 for RSA, ``NONE`` for ECDSA.
        curve_name: the ``cryptography`` curve name (``secp256r1``) for EC.
        rsa_bits: the exact modulus size for RSA.
    """

    algorithm: SignatureAlgorithm
    key_type: KeyType
    hash_name: HashName
    padding: PaddingScheme
    curve_name: str | None = None
    rsa_bits: int | None = None

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """A fresh ``cryptography`` hash object for :attr:`hash_name`."""
        return _HASHES[self.hash_name]()

    def curve(self) -> ec.EllipticCurve:
        """The ``cryptography`` curve object (EC algorithms only).

        Raises:
            KeyFormatError: this is an RSA algorithm.
        """
        if self.curve_name is None:
            raise KeyFormatError(
                f"{self.algorithm.value} is not an elliptic-curve algorithm"
            )
        return _CURVES[self.curve_name]()

    def rsa_padding(self, *, verifying: bool) -> asym_padding.AsymmetricPadding:
        """The RSA padding object.

        Signing PSS uses a salt as long as the digest (what Cloud KMS and
        ``openssl -sigopt rsa_pss_saltlen:digest`` do). Verifying PSS accepts
        any salt length (``PSS.AUTO``), as Binary Authorization and Kritis do.

        Raises:
            KeyFormatError: this is an ECDSA algorithm.
        """
        if self.padding is PaddingScheme.PKCS1V15:
            return asym_padding.PKCS1v15()
        if self.padding is PaddingScheme.PSS:
            salt = (
                asym_padding.PSS.AUTO if verifying else asym_padding.PSS.DIGEST_LENGTH
            )
            return asym_padding.PSS(
                mgf=asym_padding.MGF1(self.hash_algorithm()), salt_length=salt
            )
        raise KeyFormatError(f"{self.algorithm.value} is not an RSA algorithm")

    @property
    def key_label(self) -> str:
        """The key this algorithm needs, e.g. ``EC P-256`` or ``RSA-2048``."""
        if self.key_type is KeyType.EC:
            return f"EC {_CURVE_LABELS.get(self.curve_name or '', self.curve_name)}"
        return f"RSA-{self.rsa_bits}"


def curve_label(curve_name: str) -> str:
    """``P-256`` for ``secp256r1``; other names are returned unchanged."""
    return _CURVE_LABELS.get(curve_name, curve_name)


def _ec(
    curve: str, hash_name: HashName
) -> tuple[KeyType, HashName, PaddingScheme, str, None]:
    return (KeyType.EC, hash_name, PaddingScheme.NONE, curve, None)


def _rsa(
    pad: PaddingScheme, bits: int, hash_name: HashName
) -> tuple[KeyType, HashName, PaddingScheme, None, int]:
    return (KeyType.RSA, hash_name, pad, None, bits)


_PSS, _PKCS1 = PaddingScheme.PSS, PaddingScheme.PKCS1V15
_TABLE = {
    "RSA_PSS_2048_SHA256": _rsa(_PSS, 2048, HashName.SHA256),
    "RSA_PSS_3072_SHA256": _rsa(_PSS, 3072, HashName.SHA256),
    "RSA_PSS_4096_SHA256": _rsa(_PSS, 4096, HashName.SHA256),
    "RSA_PSS_4096_SHA512": _rsa(_PSS, 4096, HashName.SHA512),
    "RSA_SIGN_PKCS1_2048_SHA256": _rsa(_PKCS1, 2048, HashName.SHA256),
    "RSA_SIGN_PKCS1_3072_SHA256": _rsa(_PKCS1, 3072, HashName.SHA256),
    "RSA_SIGN_PKCS1_4096_SHA256": _rsa(_PKCS1, 4096, HashName.SHA256),
    "RSA_SIGN_PKCS1_4096_SHA512": _rsa(_PKCS1, 4096, HashName.SHA512),
    "ECDSA_P256_SHA256": _ec("secp256r1", HashName.SHA256),
    "ECDSA_P384_SHA384": _ec("secp384r1", HashName.SHA384),
    "ECDSA_P521_SHA512": _ec("secp521r1", HashName.SHA512),
}


def spec(algorithm: SignatureAlgorithm | str | int) -> AlgorithmSpec:
    """The :class:`AlgorithmSpec` of ``algorithm`` (a member, name, alias or number).

    Raises:
        KeyFormatError: the algorithm is unknown, unspecified or not supported
            by kritis-sim (``ML_DSA_65``).
    """
    if not isinstance(algorithm, SignatureAlgorithm):
        try:
            algorithm = SignatureAlgorithm.parse(algorithm)
        except ValueError as exc:
            raise KeyFormatError(str(exc)) from None
    row = _TABLE.get(algorithm.value)
    if row is None:
        raise KeyFormatError(
            f"signature algorithm {algorithm.value} is not supported by kritis-sim; "
            "supported: " + ", ".join(_TABLE)
        )
    key_type, hash_name, pad, curve_name, rsa_bits = row
    return AlgorithmSpec(algorithm, key_type, hash_name, pad, curve_name, rsa_bits)


def supported_algorithms() -> tuple[SignatureAlgorithm, ...]:
    """Every algorithm :func:`spec` accepts, in proto order."""
    return tuple(a for a in SignatureAlgorithm if a.value in _TABLE)
