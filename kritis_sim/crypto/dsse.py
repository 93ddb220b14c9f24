"""DSSE v1: the pre-authentication encoding, envelope signing and verification.

Follows secure-systems-lab/dsse ``protocol.md`` v1.0.0:

- :func:`pae` is ``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`` with
  ASCII decimal lengths; every signature covers these bytes, so the
  ``payloadType`` is authenticated along with the payload.
- :func:`verify_envelope` checks each signature over the PAE of the **exact**
  decoded payload bytes against the trusted keys (``keyid`` is only a hint and
  is ignored), counts distinct keys that verify against a threshold, and only
  then checks the ``payloadType``. Nothing is parsed before that.
- :func:`verify_statement` goes on: parse the payload as an in-toto Statement
  and require a subject with the image digest. Every failure (bad signature,
  other key, wrong type, malformed JSON, other digest) is a ``False`` result
  with a reason, never an exception and never an allow.
- :func:`verify_build` does that for a BUILD occurrence's ``envelope`` and
  also checks the SLSA predicate's shape and that the occurrence's decoded
  copy agrees with the signed payload.

Keys: ECDSA and RSA keys are :class:`~kritis_sim.model.attestor.PkixPublicKey`
values checked by :func:`kritis_sim.crypto.verify.verify_signature_detail`
(the declared algorithm decides hash and padding; ECDSA signatures are DER, as
Cloud KMS and ``openssl dgst -sign`` write them). Ed25519 keys, which Binary
Authorization attestors cannot declare, are :class:`Ed25519Key` values.
:func:`sign_envelope` makes envelopes for tests and producers.

This module does no I/O and reads no clock.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kritis_sim._yaml import Locator
from kritis_sim.crypto.keys import (
    PrivateKey,
    default_key_id,
    load_ed25519_public_key,
)
from kritis_sim.crypto.sign import sign
from kritis_sim.crypto.verify import verify_signature_detail
from kritis_sim.errors import InputError, KeyFormatError, OccurrenceError
from kritis_sim.model._fields import FieldReader
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm
from kritis_sim.model.envelope import IN_TOTO_PAYLOAD_TYPE, Envelope, EnvelopeSignature
from kritis_sim.model.intoto import Statement, parse_statement
from kritis_sim.model.provenance import (
    SLSA_V01,
    SLSA_V02,
    SLSA_V1,
    BuildOccurrence,
    check_provenance,
)

__all__ = [
    "DsseKey",
    "Ed25519Key",
    "EnvelopeVerification",
    "pae",
    "sign_envelope",
    "verify_build",
    "verify_envelope",
    "verify_statement",
]


@dataclass(frozen=True, slots=True)
class Ed25519Key:
    """A trusted Ed25519 public key (PEM SubjectPublicKeyInfo) for DSSE."""

    public_key_pem: str
    key_id: str | None = None


DsseKey = PkixPublicKey | Ed25519Key


def pae(payload_type: str | bytes, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding of ``payload_type`` and ``payload``."""
    ptype = payload_type.encode() if isinstance(payload_type, str) else payload_type
    return b"DSSEv1 %d %b %d %b" % (len(ptype), ptype, len(payload), payload)


@dataclass(frozen=True, slots=True)
class EnvelopeVerification:
    """The outcome of checking an envelope; truthy when it verified.

    Attributes:
        verified: enough distinct trusted keys signed and every later check passed.
        reasons: what happened, one line per finding.
        verified_keys: labels of the distinct keys whose signatures verified.
        statement: the parsed Statement (only from :func:`verify_statement`,
            only when verified).
    """

    verified: bool
    reasons: tuple[str, ...]
    verified_keys: tuple[str, ...] = ()
    statement: Statement | None = None

    def __bool__(self) -> bool:
        return self.verified

    @property
    def reason(self) -> str:
        """All reasons on one line."""
        return "; ".join(self.reasons)


def _label(key: DsseKey) -> str:
    if key.key_id:
        return key.key_id
    try:
        if isinstance(key, Ed25519Key):
            der = load_ed25519_public_key(key.public_key_pem).public_bytes(
                Encoding.DER, PublicFormat.SubjectPublicKeyInfo
            )
            digest = hashlib.sha256(der).digest()
            return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip(
                "="
            )
        return default_key_id(key.public_key_pem)
    except KeyFormatError:
        return "<unloadable key>"


def _load_ed25519(pem: str) -> ed25519.Ed25519PublicKey | str:
    """The Ed25519 key in ``pem``, or why it cannot be loaded."""
    try:
        return load_ed25519_public_key(pem)
    except KeyFormatError as exc:
        return exc.message


#: Memoised by assignment, not by decorator, so mutation testing mutates the body.
_ed25519 = functools.lru_cache(maxsize=1024)(_load_ed25519)


def _check(key: DsseKey, data: bytes, sig: bytes) -> tuple[bool, str]:
    if isinstance(key, PkixPublicKey):
        result = verify_signature_detail(key, data, sig)
        return result.verified, result.reason
    public = _ed25519(key.public_key_pem)
    if isinstance(public, str):
        return False, f"key {_label(key)} cannot be loaded: {public}"
    try:
        public.verify(sig, data)
    except InvalidSignature:
        return False, f"signature does not verify with key {_label(key)} (ED25519)"
    return True, f"signature verifies with key {_label(key)} (ED25519)"


def verify_envelope(
    envelope: Envelope,
    keys: Sequence[DsseKey],
    *,
    threshold: int = 1,
    payload_types: Iterable[str] = (IN_TOTO_PAYLOAD_TYPE,),
) -> EnvelopeVerification:
    """Check ``envelope``'s signatures over the PAE against ``keys``.

    Verified when at least ``threshold`` distinct keys each verify some
    signature and the ``payloadType`` is one of ``payload_types``.

    Raises:
        ValueError: ``threshold`` is below 1 (a zero threshold would accept
            unsigned envelopes).
    """
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    if not keys:
        return EnvelopeVerification(
            False, ("no trusted keys to verify the envelope with",)
        )
    if not envelope.signatures:
        return EnvelopeVerification(False, ("envelope has no signatures",))
    data = pae(envelope.payload_type, envelope.payload)
    good: dict[int, str] = {}
    reasons: list[str] = []
    for i, signature in enumerate(envelope.signatures):
        whys, matched = [], False
        for k, key in enumerate(keys):
            ok, why = _check(key, data, signature.sig)
            if ok:
                matched = True
                good.setdefault(k, _label(key))
            whys.append(why)
        if not matched:
            detail = f" ({whys[0]})" if len(whys) == 1 else ""
            reasons.append(
                f"signatures[{i}] does not verify with any trusted key{detail}"
            )
    labels = tuple(good.values())
    if len(good) < threshold:
        reasons.append(
            f"{len(good)} of {threshold} required trusted keys signed the envelope"
        )
        return EnvelopeVerification(False, tuple(reasons), labels)
    accepted = tuple(payload_types)
    if envelope.payload_type not in accepted:
        return EnvelopeVerification(
            False,
            (
                f"payloadType is {envelope.payload_type!r}; expected "
                + " or ".join(repr(t) for t in accepted),
            ),
            labels,
        )
    return EnvelopeVerification(
        True, (f"envelope signed by {', '.join(labels)}",), labels
    )


def verify_statement(
    envelope: Envelope,
    keys: Sequence[DsseKey],
    *,
    image_digest: str,
    threshold: int = 1,
    predicate_types: Iterable[str] | None = None,
) -> EnvelopeVerification:
    """Verify ``envelope``, then parse its payload as an in-toto Statement about
    ``image_digest`` (``sha256:<hex>``), optionally of one of ``predicate_types``."""
    checked = verify_envelope(envelope, keys, threshold=threshold)
    if not checked:
        return checked
    try:
        statement = parse_statement(envelope.payload, source="envelope.payload")
    except InputError as exc:
        return EnvelopeVerification(False, (str(exc),), checked.verified_keys)
    if predicate_types is not None:
        wanted = tuple(predicate_types)
        if statement.predicate_type not in wanted:
            return EnvelopeVerification(
                False,
                (
                    f"predicateType is {statement.predicate_type!r}; expected "
                    + " or ".join(repr(t) for t in wanted),
                ),
                checked.verified_keys,
            )
    if not statement.matches_digest(image_digest):
        found = sorted(
            f"{alg}:{value}"
            for s in statement.subjects
            for alg, value in s.digest.items()
        )
        return EnvelopeVerification(
            False,
            (
                f"no subject has digest {image_digest}; subjects have "
                + ", ".join(found),
            ),
            checked.verified_keys,
        )
    return EnvelopeVerification(
        True,
        (*checked.reasons, f"statement subject matches {image_digest}"),
        checked.verified_keys,
        statement,
    )


def verify_build(
    occurrence: BuildOccurrence,
    keys: Sequence[DsseKey],
    *,
    image_digest: str,
    threshold: int = 1,
) -> EnvelopeVerification:
    """Check a BUILD occurrence's signed provenance about ``image_digest``.

    The occurrence's ``envelope`` must verify (:func:`verify_statement`), its
    payload must be SLSA provenance (v0.1, v0.2 or v1) of a valid shape, and a
    decoded copy in the occurrence, when present, must say the same as the
    signed payload: a copy that differs is reported, never trusted.
    """
    if occurrence.header.envelope is None:
        return EnvelopeVerification(
            False, ("BUILD occurrence has no envelope: its provenance is unsigned",)
        )
    checked = verify_statement(
        occurrence.header.envelope,
        keys,
        image_digest=image_digest,
        threshold=threshold,
        predicate_types=(SLSA_V1, SLSA_V02, SLSA_V01),
    )
    if not checked:
        return checked
    statement = checked.statement
    assert statement is not None  # verify_statement returns it when verified
    reader = FieldReader(Locator("envelope.payload"), OccurrenceError)
    try:
        check_provenance(reader, statement, (), "predicate")
    except InputError as exc:
        return EnvelopeVerification(False, (str(exc),), checked.verified_keys)
    copies = (
        ("build.intotoStatement", occurrence.intoto_statement),
        ("build.inTotoSlsaProvenanceV1", occurrence.slsa_v1),
    )
    for where, copy in copies:
        if copy is not None and copy != statement:
            return EnvelopeVerification(
                False,
                (
                    f"the decoded statement in {where} differs from the signed "
                    "envelope payload",
                ),
                checked.verified_keys,
            )
    return checked


Signer = tuple[PrivateKey, SignatureAlgorithm] | ed25519.Ed25519PrivateKey


def sign_envelope(
    payload: bytes,
    signers: Sequence[Signer],
    *,
    payload_type: str = IN_TOTO_PAYLOAD_TYPE,
    keyids: Sequence[str] | None = None,
) -> Envelope:
    """An envelope with one signature over the PAE per signer.

    Args:
        payload: the exact body bytes to sign.
        signers: ``(private key, algorithm)`` for ECDSA/RSA, or an Ed25519
            private key.
        payload_type: the ``payloadType`` to sign and record.
        keyids: optional ``keyid`` hints, one per signer.

    Raises:
        KeyFormatError: a key does not fit its algorithm.
    """
    data = pae(payload_type, payload)
    sigs = []
    for i, signer in enumerate(signers):
        if isinstance(signer, ed25519.Ed25519PrivateKey):
            raw = signer.sign(data)
        else:
            raw = sign(signer[0], signer[1], data)
        sigs.append(EnvelopeSignature(raw, keyids[i] if keyids else ""))
    return Envelope(payload, payload_type, tuple(sigs))
