"""Make PKIX signatures and signed attestation occurrences.

:func:`sign` signs bytes the way Binary Authorization expects for each
``signatureAlgorithm``: ECDSA signatures are ASN.1 DER ``SEQUENCE {r, s}``
(as ``openssl dgst -sign`` writes them), RSA-PSS uses MGF1 with the same hash
and a salt as long as the digest (Cloud KMS' choice), and PKCS#1 v1.5 is plain.

:func:`make_attestation` builds what ``gcloud container binauthz attestations
create --artifact-url=IMAGE`` stores: the gcloud payload for the image, one
signature, ``resourceUri = "https://" + IMAGE`` (scheme-less image text) and, by
default, the key's RFC 6920 id as ``publicKeyId``.

This module is for tests, scenarios and the CLI's ``sign`` command; it holds no
keys of its own and never reads the clock (``create_time`` is a parameter).
"""

from __future__ import annotations

import dataclasses
import datetime

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kritis_sim.crypto.algorithms import KeyType, spec
from kritis_sim.crypto.keys import PrivateKey, check_key_matches, default_key_id
from kritis_sim.crypto.payload import artifact_url, make_payload
from kritis_sim.errors import KeyFormatError, OccurrenceError
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence, Signature

__all__ = ["add_signature", "make_attestation", "make_pgp_attestation", "sign"]


def sign(private_key: PrivateKey, algorithm: SignatureAlgorithm, data: bytes) -> bytes:
    """Sign ``data`` (the exact payload bytes) with ``private_key`` under ``algorithm``.

    Raises:
        KeyFormatError: the algorithm is not supported, or the key does not fit
            it (wrong type, curve or RSA size).
    """
    alg_spec = spec(algorithm)
    check_key_matches(alg_spec.algorithm, private_key)
    if alg_spec.key_type is KeyType.EC:
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):  # pragma: no cover
            raise KeyFormatError("expected an EC private key")
        return private_key.sign(data, ec.ECDSA(alg_spec.hash_algorithm()))
    if not isinstance(private_key, rsa.RSAPrivateKey):  # pragma: no cover
        raise KeyFormatError("expected an RSA private key")
    return private_key.sign(
        data, alg_spec.rsa_padding(verifying=False), alg_spec.hash_algorithm()
    )


def make_attestation(
    image: ImageRef | str,
    note_name: str,
    private_key: PrivateKey,
    alg: SignatureAlgorithm,
    key_id: str | None = None,
    *,
    create_time: datetime.datetime | None = None,
) -> AttestationOccurrence:
    """A signed ATTESTATION occurrence for ``image``, as gcloud would create it.

    Args:
        image: the image with its ``sha256`` digest (a scheme is allowed).
        note_name: the attestor's note, ``projects/P/notes/N``.
        private_key: the signing key; it must fit ``alg``.
        alg: the algorithm the attestor declares for the matching public key.
        key_id: ``publicKeyId`` to record; defaults to the key's RFC 6920 id.
        create_time: the occurrence's ``createTime`` (timezone-aware), if any.

    Raises:
        ImageRefError: the image has no digest or no registry domain.
        KeyFormatError: the key does not fit ``alg``.
        OccurrenceError: ``note_name`` is empty or ``create_time`` is naive.
    """
    if not note_name:
        raise OccurrenceError(
            "note name must not be empty; expected projects/P/notes/N"
        )
    if create_time is not None and create_time.utcoffset() is None:
        raise OccurrenceError(f"create_time {create_time!r} must be timezone-aware")
    payload = make_payload(image)
    signature = sign(private_key, alg, payload)
    return AttestationOccurrence(
        resource_uri="https://" + artifact_url(image),
        note_name=note_name,
        serialized_payload=payload,
        signatures=(
            Signature(
                signature=signature,
                public_key_id=key_id
                if key_id is not None
                else default_key_id(private_key),
            ),
        ),
        create_time=create_time,
    )


def add_signature(
    occurrence: AttestationOccurrence,
    private_key: PrivateKey,
    alg: SignatureAlgorithm,
    key_id: str | None = None,
) -> AttestationOccurrence:
    """``occurrence`` with one more signature over its exact payload bytes.

    Useful for multi-key attestors and for occurrences signed by several
    attestors' keys; the payload is signed as stored, never re-serialised.

    Raises:
        KeyFormatError: the key does not fit ``alg``.
    """
    extra = Signature(
        signature=sign(private_key, alg, occurrence.serialized_payload),
        public_key_id=key_id if key_id is not None else default_key_id(private_key),
    )
    return dataclasses.replace(occurrence, signatures=(*occurrence.signatures, extra))


def make_pgp_attestation(
    image: ImageRef | str,
    note_name: str,
    armored_secret_key: str,
    key_id: str | None = None,
    *,
    create_time: datetime.datetime | None = None,
) -> AttestationOccurrence:
    """Like :func:`make_attestation` with an OpenPGP key: the signature is an
    armored signed message over the payload (``gpg --armor --sign``) and
    ``publicKeyId`` defaults to the key's V4 fingerprint.

    Raises:
        ImageRefError: the image has no digest or no registry domain.
        KeyFormatError: pysequoia is missing or the key cannot sign.
        OccurrenceError: ``note_name`` is empty or ``create_time`` is naive.
    """
    from kritis_sim.crypto.pgp import secret_key_fingerprint, sign_pgp

    if not note_name:
        raise OccurrenceError(
            "note name must not be empty; expected projects/P/notes/N"
        )
    if create_time is not None and create_time.utcoffset() is None:
        raise OccurrenceError(f"create_time {create_time!r} must be timezone-aware")
    payload = make_payload(image)
    return AttestationOccurrence(
        resource_uri="https://" + artifact_url(image),
        note_name=note_name,
        serialized_payload=payload,
        signatures=(
            Signature(
                signature=sign_pgp(armored_secret_key, payload),
                public_key_id=key_id or secret_key_fingerprint(armored_secret_key),
            ),
        ),
        create_time=create_time,
    )
