"""OpenPGP attestor keys and signed-message attestations, via pysequoia.

Binary Authorization PGP attestors hold an ASCII-armored public key whose id is
the RFC 4880 **V4 fingerprint in upper-case hex**; a PGP attestation signature
is an OpenPGP *signed message* (``gpg --sign``, armored or binary) whose
literal data must equal the occurrence's ``serializedPayload`` byte for byte
(``docs/signatures.md``, "PGP").

All OpenPGP parsing and cryptography is Sequoia's (the ``pysequoia`` binding,
the optional extra ``kritis-sim[pgp]``); this module only wraps it:

- :func:`pgp_fingerprint` reads an armored public key and returns its id.
- :func:`verify_pgp` judges one signed message against one attestor key with
  Sequoia's standard policy: the signature must be by the key or one of its
  signing-capable subkeys, and the key must be alive and not revoked at the
  signature's creation time (a hard revocation voids every signature). The
  result is a value with a reason, never an exception, and is memoised.
- :func:`generate_pgp_key` and :func:`sign_pgp` make keys and signed messages
  for tests and pipelines (``kritis-sim keygen --pgp`` / ``sign --pgp-key``).

Without pysequoia every entry point raises :class:`KeyFormatError` saying to
install ``kritis-sim[pgp]``: a PGP key is never silently skipped or allowed.
- :func:`verify_pgp_at` is :func:`verify_pgp` judged at a given time: a
  signature carrying its own *signature expiration* subpacket that has expired
  at that time is refused (the expiry read from the signature packet with
  pysequoia's packet parser).

The one clock this module cannot hold out is Sequoia's: pysequoia's
``verify`` takes no reference time and refuses a signature whose expiration
has passed on the wall clock, so such a signature cannot be verified at an
earlier decision time either (:func:`verify_pgp_at` says so in its reason).
Key expiry and revocation do not depend on the clock: Sequoia judges them at
the signature's creation time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from kritis_sim.errors import KeyFormatError

__all__ = [
    "INSTALL_HINT",
    "PgpResult",
    "generate_pgp_key",
    "pgp_available",
    "pgp_fingerprint",
    "secret_key_certificate",
    "secret_key_fingerprint",
    "sign_pgp",
    "signature_expirations",
    "signed_content",
    "verify_pgp",
    "verify_pgp_at",
]

INSTALL_HINT = (
    "PGP keys need the OpenPGP library pysequoia: pip install 'kritis-sim[pgp]'"
)
_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


def _sequoia() -> ModuleType:
    """The pysequoia module, or a KeyFormatError naming the extra to install."""
    try:
        import pysequoia
    except ImportError:
        raise KeyFormatError(INSTALL_HINT) from None
    return pysequoia


def pgp_available() -> bool:
    """Whether the OpenPGP library is importable."""
    try:
        _sequoia()
    except KeyFormatError:
        return False
    return True


def _reason(exc: Exception) -> str:
    """The first line of a Sequoia error (its backtrace is not for users)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_cert(armored: str) -> Any:
    """The parsed public certificate of ``armored`` (memoised as :func:`_cert`)."""
    seq = _sequoia()
    if not armored.lstrip().startswith(_ARMOR):
        secret = "PRIVATE KEY BLOCK" in armored.lstrip().partition("\n")[0]
        hint = "; this is a secret key, give gpg --armor --export" if secret else ""
        raise KeyFormatError(
            f"expected an ASCII-armored public key starting with {_ARMOR!r}{hint}"
        )
    try:
        cert = seq.Cert.from_bytes(armored.encode())
    except Exception as exc:  # Sequoia raises plain errors for any bad input
        raise KeyFormatError(
            f"not a usable OpenPGP public key: {_reason(exc)}"
        ) from None
    if len(cert.fingerprint) != 40:
        raise KeyFormatError(
            "only version 4 OpenPGP keys are supported (Binary Authorization ids "
            f"are V4 fingerprints); this key's fingerprint is {cert.fingerprint}"
        )
    return cert


#: :func:`_load_cert` memoised (keys are configuration). The cached functions of
#: this module are wrapped by assignment, not by decorator, so mutation testing
#: (docs/mutation.md) mutates their bodies too.
_cert = functools.lru_cache(maxsize=256)(_load_cert)


def pgp_fingerprint(armored: str) -> str:
    """The V4 fingerprint (40 upper-case hex) of an ASCII-armored public key.

    Raises:
        KeyFormatError: pysequoia is missing, or the text is not one armored V4
            public key.
    """
    return str(_cert(armored).fingerprint).upper()


@dataclass(frozen=True, slots=True)
class PgpResult:
    """Outcome of checking one signed message against one key.

    Attributes:
        verified: the message is validly signed by the key and its literal
            data equals the expected payload.
        reason: why not (empty when verified).
    """

    verified: bool
    reason: str = ""


def _verify_pgp(armored_key: str, message: bytes, payload: bytes) -> PgpResult:
    """Check that ``message`` is an OpenPGP signed message over ``payload`` by the key.

    ``message`` may be armored (``-----BEGIN PGP MESSAGE-----``) or binary. A
    detached signature, a signature by another key, one made while the key
    was expired or revoked, garbage, and a good signature over other content
    all give ``verified=False`` with a reason.
    Memoised on every input byte (results are immutable values).

    Raises:
        KeyFormatError: pysequoia is missing or the key cannot be read (the
            attestor loader has already refused such keys).
    """
    seq = _sequoia()
    cert = _cert(armored_key)
    fingerprint = str(cert.fingerprint).upper()
    try:
        result = seq.verify(bytes=bytes(message), store=lambda _ids: [cert])
    except Exception as exc:
        detail = _reason(exc)
        if detail.startswith("Signature verification failed"):
            detail = (
                f"no valid signature by key {fingerprint} (another key signed, the "
                "signature is corrupt, or the key was expired or revoked when it "
                "signed)"
            )
        elif detail.startswith("Malformed Message"):
            detail = (
                "not an OpenPGP signed message (a detached signature is not "
                f"accepted; sign with gpg --sign): {detail}"
            )
        return PgpResult(False, detail)
    signers = [str(s.certificate).upper() for s in result.valid_sigs]
    if fingerprint not in signers:  # the store holds only cert: a library fault
        return PgpResult(False, f"no valid signature by key {fingerprint}")
    if result.bytes != bytes(payload):
        return PgpResult(
            False,
            f"a good signature by key {fingerprint}, but the signed content is not "
            "the occurrence's serializedPayload",
        )
    return PgpResult(True)


verify_pgp = functools.lru_cache(maxsize=8192)(_verify_pgp)


def _signature_expirations(message: bytes) -> tuple[datetime, ...]:
    """The expiration times (timezone-aware) of the signature packets of
    ``message`` that carry one (a signature expiration subpacket); empty when
    none does or the message cannot be parsed (:func:`verify_pgp` says why).

    Raises:
        KeyFormatError: pysequoia is missing.
    """
    seq = _sequoia()
    try:
        pile = seq.packet.PacketPile.from_bytes(bytes(message))
        return tuple(
            p.signature_expiration_time
            for p in pile
            if p.tag == seq.packet.Tag.Signature and p.signature_expiration_time is not None
        )
    except Exception:
        return ()


signature_expirations = functools.lru_cache(maxsize=8192)(_signature_expirations)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_pgp_at(armored_key: str, message: bytes, payload: bytes, now: datetime) -> PgpResult:
    """:func:`verify_pgp`, with the signature's own expiration judged at ``now``.

    A signature whose expiration (the earliest, if the message holds several
    signatures) is at or before ``now`` is refused, saying when it expired.
    One whose expiration lies after ``now`` but that Sequoia refuses gets the
    wall-clock limit added to its reason: pysequoia refuses a signature that
    has expired by the current time, whatever the decision time.

    Raises:
        KeyFormatError: as :func:`verify_pgp`.
    """
    result = verify_pgp(armored_key, message, payload)
    expirations = signature_expirations(message)
    if not expirations:
        return result
    expires = min(expirations)
    if expires <= now:
        return PgpResult(
            False,
            f"the signature expired at {_stamp(expires)} (its signature expiration "
            f"time), not after the decision time {_stamp(now)}",
        )
    if not result.verified:
        return PgpResult(
            False,
            f"{result.reason}; the signature expires at {_stamp(expires)}, after the "
            f"decision time {_stamp(now)}, but if that is already past on the current "
            "clock pysequoia cannot verify it (it judges signature expiry at the "
            "current time only)",
        )
    return result


def signed_content(armored_key: str, message: bytes) -> bytes | None:
    """The literal data of ``message`` when it is validly signed by the key,
    else None (for Grafeas v1beta1 ``pgpSignedAttestation``, whose payload is
    only inside the signed message).

    Raises:
        KeyFormatError: pysequoia is missing or the key cannot be read.
    """
    seq = _sequoia()
    cert = _cert(armored_key)
    try:
        result = seq.verify(bytes=bytes(message), store=lambda _ids: [cert])
    except Exception:
        return None
    return bytes(result.bytes) if result.valid_sigs else None


def generate_pgp_key(user_id: str) -> tuple[str, str]:
    """A new Ed25519 key: ``(armored secret key, armored public key)``.

    The primary key certifies; a subkey signs (Sequoia's default layout); no
    passphrase; no expiry.

    Raises:
        KeyFormatError: pysequoia is missing.
    """
    seq = _sequoia()
    tsk = seq.Tsk.generate(user_id)
    return str(tsk), str(tsk.extract_certificate())


def _tsk(armored_secret_key: str) -> tuple[Any, Any]:
    """``(key, signer)`` of an unprotected armored secret key."""
    seq = _sequoia()
    if "-----BEGIN PGP PUBLIC KEY BLOCK-----" in armored_secret_key and (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----" not in armored_secret_key
    ):
        raise KeyFormatError(
            "expected an OpenPGP secret key; this is a public key (export the "
            "secret one with gpg --armor --export-secret-keys)"
        )
    if "-----BEGIN " in armored_secret_key and "-----BEGIN PGP " not in armored_secret_key:
        raise KeyFormatError(
            "expected an OpenPGP secret key; this is a PEM key (PKIX keys are PEM, "
            "PGP keys armored OpenPGP: gpg --armor --export-secret-keys)"
        )
    try:
        tsk = seq.Tsk.from_bytes(armored_secret_key.encode())
        return tsk, tsk.signer()
    except Exception as exc:
        raise KeyFormatError(
            f"not a usable OpenPGP secret key (an unprotected key with a "
            f"signing-capable key is needed): {_reason(exc)}"
        ) from None


def secret_key_certificate(armored_secret_key: str) -> str:
    """The armored public key (certificate) of an unprotected secret key that
    can sign.

    Raises:
        KeyFormatError: pysequoia is missing or the key cannot sign.
    """
    tsk, _ = _tsk(armored_secret_key)
    return str(tsk.extract_certificate())


def secret_key_fingerprint(armored_secret_key: str) -> str:
    """The V4 fingerprint (upper-case hex) of a secret key's primary key.

    Raises:
        KeyFormatError: pysequoia is missing or the key cannot be used.
    """
    tsk, _ = _tsk(armored_secret_key)
    return str(tsk.extract_certificate().fingerprint).upper()


def sign_pgp(armored_secret_key: str, data: bytes, *, armor: bool = True) -> bytes:
    """An OpenPGP signed message over ``data`` (like ``gpg [--armor] --sign``).

    Raises:
        KeyFormatError: pysequoia is missing, or the text is not an unprotected
            OpenPGP secret key with a signing-capable key.
    """
    _, signer = _tsk(armored_secret_key)
    return bytes(_sequoia().sign(signer, bytes(data), armor=armor))
