"""``attestors/A:validateAttestationOccurrence``: does this attestor accept it?

The request is ``{attestation, occurrenceNote, occurrenceResourceUri}``; the
reply is ``{result: VERIFIED}`` or ``{result: ATTESTATION_NOT_VERIFIABLE,
denialReason}``. An attestation verifies when its note is the attestor's note,
at least one signature verifies (PKIX, over the exact ``serializedPayload``
bytes; PGP, an OpenPGP signed message whose content is ``serializedPayload``,
see :mod:`kritis_sim.crypto.pgp`) with the attestor key whose id equals
``publicKeyId``, and the payload's ``docker-manifest-digest`` equals the digest
of ``occurrenceResourceUri``.

A malformed request is ``400 INVALID_ARGUMENT``; an attestation that does not
verify is a normal ``200`` reply. Not supported (reported as not verifiable):
JWT-only attestations.
"""

from __future__ import annotations

from typing import Any

from kritis_sim.crypto.payload import parse_payload
from kritis_sim.crypto.pgp import verify_pgp
from kritis_sim.crypto.verify import verify_signature_detail
from kritis_sim.errors import InputError
from kritis_sim.grafeas.googleerrors import InvalidArgument
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.occurrence import AttestationOccurrence

__all__ = ["validate_occurrence"]

_FIELDS = frozenset({"attestation", "occurrenceNote", "occurrenceResourceUri"})


def _not_verifiable(reason: str) -> dict[str, Any]:
    return {"result": "ATTESTATION_NOT_VERIFIABLE", "denialReason": reason}


def validate_occurrence(attestor: Attestor, body: dict[str, Any]) -> dict[str, Any]:
    """The reply body for a validateAttestationOccurrence request.

    Raises:
        ApiError: INVALID_ARGUMENT when the request is malformed.
    """
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise InvalidArgument(
            f"Invalid JSON payload received. Unknown name {unknown[0]!r}: "
            "Cannot find field."
        )
    for field in sorted(_FIELDS):
        if not body.get(field):
            raise InvalidArgument(f"{field}: required")
    try:
        occ = AttestationOccurrence.from_dict(
            {
                "resourceUri": body["occurrenceResourceUri"],
                "noteName": body["occurrenceNote"],
                "attestation": body["attestation"],
            }
        )
    except InputError as exc:
        where = f"{exc.path}: " if exc.path else ""
        raise InvalidArgument(f"{where}{exc.message}") from None
    if occ.note_name != attestor.note_reference:
        return _not_verifiable(
            f"occurrence note {occ.note_name} is not the note of attestor "
            f"{attestor.name} ({attestor.note_reference})"
        )
    if not occ.signatures:
        return _not_verifiable("the attestation has no signatures")
    reasons: list[str] = []
    for sig in occ.signatures:
        key = attestor.key_by_id(sig.public_key_id)
        if key is None:
            reasons.append(f"no key with id {sig.public_key_id!r} on {attestor.name}")
        elif key.pkix_public_key is None:
            # PGP: an OpenPGP signed message by the key over serializedPayload.
            pgp = verify_pgp(
                key.ascii_armored_pgp_public_key or "",
                sig.signature,
                occ.serialized_payload,
            )
            if pgp.verified:
                return _check_payload(occ)
            reasons.append(pgp.reason)
        else:
            result = verify_signature_detail(
                key.pkix_public_key, occ.serialized_payload, sig.signature
            )
            if result:
                return _check_payload(occ)
            reasons.append(result.reason)
    return _not_verifiable("no signature verified: " + "; ".join(reasons))


def _check_payload(occ: AttestationOccurrence) -> dict[str, Any]:
    try:
        payload = parse_payload(occ.serialized_payload)
    except InputError as exc:
        return _not_verifiable(
            f"signature verified but the payload is not valid: {exc}"
        )
    _, at, digest = occ.resource_uri.rpartition("@")
    if not at:
        return _not_verifiable(
            f"occurrenceResourceUri {occ.resource_uri!r} has no digest; "
            "an attestor cannot attest to an image by tag"
        )
    if payload.manifest_digest != digest:
        return _not_verifiable(
            f"payload docker-manifest-digest {payload.manifest_digest} does not "
            f"match the digest of {occ.resource_uri}"
        )
    return {"result": "VERIFIED"}
