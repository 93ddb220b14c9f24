"""Binary Authorization attestors and their public keys, as immutable values.

An :class:`Attestor` is the resource Google's API shows
(``projects/P/attestors/A`` with a ``userOwnedGrafeasNote``): the note its
attestations are stored under and the public keys that may sign them. The
:class:`SignatureAlgorithm` enum covers every ``signatureAlgorithm`` value of
the v1 API, aliases included. :func:`load_attestors` and
:meth:`Attestor.from_dict` read and validate documents (the checks live in
:mod:`kritis_sim.model.attestor_load`).

This module does not verify signatures or load keys for use; that is
:mod:`kritis_sim.crypto`'s job. Values built directly with the constructors are
trusted; only the loaders validate and fill in default key ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from kritis_sim._yaml import Locator
from kritis_sim.model._fields import ProtoEnum

__all__ = [
    "UNSUPPORTED_ALGORITHMS",
    "Attestor",
    "AttestorPublicKey",
    "PkixPublicKey",
    "SignatureAlgorithm",
    "load_attestors",
]


class SignatureAlgorithm(ProtoEnum):
    """``PkixPublicKey.signatureAlgorithm``; values are the canonical names.

    ``parse`` also accepts the aliases (``EC_SIGN_P256_SHA256``,
    ``RSA_SIGN_PSS_2048_SHA256``, ...) and the proto numbers; ``to_dict``
    always writes the canonical name, as proto JSON does.
    """

    SIGNATURE_ALGORITHM_UNSPECIFIED = "SIGNATURE_ALGORITHM_UNSPECIFIED"
    RSA_PSS_2048_SHA256 = "RSA_PSS_2048_SHA256"
    RSA_PSS_3072_SHA256 = "RSA_PSS_3072_SHA256"
    RSA_PSS_4096_SHA256 = "RSA_PSS_4096_SHA256"
    RSA_PSS_4096_SHA512 = "RSA_PSS_4096_SHA512"
    RSA_SIGN_PKCS1_2048_SHA256 = "RSA_SIGN_PKCS1_2048_SHA256"
    RSA_SIGN_PKCS1_3072_SHA256 = "RSA_SIGN_PKCS1_3072_SHA256"
    RSA_SIGN_PKCS1_4096_SHA256 = "RSA_SIGN_PKCS1_4096_SHA256"
    RSA_SIGN_PKCS1_4096_SHA512 = "RSA_SIGN_PKCS1_4096_SHA512"
    ECDSA_P256_SHA256 = "ECDSA_P256_SHA256"
    ECDSA_P384_SHA384 = "ECDSA_P384_SHA384"
    ECDSA_P521_SHA512 = "ECDSA_P521_SHA512"
    ML_DSA_65 = "ML_DSA_65"

    @property
    def number(self) -> int:
        """The proto enum number (12 is unused; ML_DSA_65 is 13)."""
        return 13 if self is SignatureAlgorithm.ML_DSA_65 else super().number

    @classmethod
    def aliases(cls) -> Mapping[str, Self]:
        """The ``allow_alias`` names of the proto, mapped to canonical members."""
        return {
            "RSA_SIGN_PSS_2048_SHA256": cls("RSA_PSS_2048_SHA256"),
            "RSA_SIGN_PSS_3072_SHA256": cls("RSA_PSS_3072_SHA256"),
            "RSA_SIGN_PSS_4096_SHA256": cls("RSA_PSS_4096_SHA256"),
            "RSA_SIGN_PSS_4096_SHA512": cls("RSA_PSS_4096_SHA512"),
            "EC_SIGN_P256_SHA256": cls("ECDSA_P256_SHA256"),
            "EC_SIGN_P384_SHA384": cls("ECDSA_P384_SHA384"),
            "EC_SIGN_P521_SHA512": cls("ECDSA_P521_SHA512"),
        }


#: Algorithms the API knows but kritis-sim cannot verify; the loader refuses them.
UNSUPPORTED_ALGORITHMS = frozenset(
    {SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED, SignatureAlgorithm.ML_DSA_65}
)


@dataclass(frozen=True, slots=True)
class PkixPublicKey:
    """A PEM ``SubjectPublicKeyInfo`` and the algorithm it verifies with.

    Attributes:
        public_key_pem: the ``-----BEGIN PUBLIC KEY-----`` text.
        signature_algorithm: the algorithm signatures are checked with.
        key_id: the newer ``pkixPublicKey.keyId``; ``None`` when blank.
    """

    public_key_pem: str
    signature_algorithm: SignatureAlgorithm
    key_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{publicKeyPem, signatureAlgorithm[, keyId]}`` with the canonical name."""
        out: dict[str, Any] = {
            "publicKeyPem": self.public_key_pem,
            "signatureAlgorithm": self.signature_algorithm.value,
        }
        if self.key_id is not None:
            out["keyId"] = self.key_id
        return out


@dataclass(frozen=True, slots=True)
class AttestorPublicKey:
    """One entry of ``userOwnedGrafeasNote.publicKeys``: a PKIX or a PGP key.

    Attributes:
        id: the id signatures name in ``publicKeyId`` (compared exactly).
        pkix_public_key: set for PKIX keys.
        ascii_armored_pgp_public_key: set for PGP keys.
        comment: free text.
    """

    id: str
    pkix_public_key: PkixPublicKey | None = None
    ascii_armored_pgp_public_key: str | None = None
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The API's JSON form of this key."""
        out: dict[str, Any] = {"id": self.id}
        if self.comment is not None:
            out["comment"] = self.comment
        if self.ascii_armored_pgp_public_key is not None:
            out["asciiArmoredPgpPublicKey"] = self.ascii_armored_pgp_public_key
        if self.pkix_public_key is not None:
            out["pkixPublicKey"] = self.pkix_public_key.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class Attestor:
    """An attestor with a user-owned Grafeas note.

    Attributes:
        name: ``projects/P/attestors/A``.
        note_reference: ``projects/P/notes/N``; attestations are occurrences of
            this note.
        public_keys: keys that may sign; an attestor with none verifies nothing.
        description: free text.
        update_time: RFC 3339 time of the last change (output only).
        etag: AIP-154 checksum.
        delegation_service_account_email: output only; kept for round trips.
    """

    name: str
    note_reference: str
    public_keys: tuple[AttestorPublicKey, ...] = ()
    description: str | None = None
    update_time: str | None = None
    etag: str | None = None
    delegation_service_account_email: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "public_keys", tuple(self.public_keys))

    def key_by_id(self, key_id: str) -> AttestorPublicKey | None:
        """The key whose ``id`` equals ``key_id`` exactly, or ``None``."""
        for key in self.public_keys:
            if key.id == key_id:
                return key
        return None

    def to_dict(self) -> dict[str, Any]:
        """The resource as the API's JSON shows it (canonical algorithm names)."""
        note: dict[str, Any] = {"noteReference": self.note_reference}
        if self.public_keys:
            note["publicKeys"] = [key.to_dict() for key in self.public_keys]
        if self.delegation_service_account_email is not None:
            note["delegationServiceAccountEmail"] = (
                self.delegation_service_account_email
            )
        out: dict[str, Any] = {"name": self.name}
        for key, value in (
            ("description", self.description),
            ("updateTime", self.update_time),
            ("etag", self.etag),
        ):
            if value is not None:
                out[key] = value
        out["userOwnedGrafeasNote"] = note
        return out

    @classmethod
    def from_dict(cls, data: Any, *, locator: Locator | None = None) -> Attestor:
        """Validate and convert one attestor document, filling default key ids.

        Raises:
            AttestorError: naming the file, line and field path of the problem.
            KeyFormatError: when a PKIX PEM cannot be loaded.
        """
        from kritis_sim.model.attestor_load import attestor_from_dict

        return attestor_from_dict(data, locator=locator)


def load_attestors(text: str, *, source: str = "<attestors>") -> tuple[Attestor, ...]:
    """Load attestors from YAML or JSON text.

    Accepted shapes: a list of attestors, ``{"attestors": [...]}`` (as the
    API's list method answers), one attestor, or several YAML documents each
    holding any of those.

    Raises:
        InputError: when ``text`` is not YAML/JSON.
        AttestorError: for an invalid attestor or a duplicate name.
    """
    from kritis_sim.model.attestor_load import attestors_from_text

    return attestors_from_text(text, source=source)
