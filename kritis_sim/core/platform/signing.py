"""``simpleSigningAttestationCheck``: a SimpleSigning attestation verified by a PKIX key.

For one digest-pinned image, the ATTESTATION occurrences of every project in
``containerAnalysisAttestationProjects`` (of any note) are tried; the image is
CONFORMANT when one signature of one occurrence passes, with any key of any
``attestationAuthenticators`` entry (OR at both levels):

1. the signature's ``publicKeyId`` equals a key's ``keyId`` exactly (a key
   without ``keyId`` has the default ``ni:///sha-256;...`` id of its DER key);
2. the signature verifies over the exact ``serializedPayload`` bytes with the
   key's declared algorithm (the classic attestation verification,
   :mod:`kritis_sim.crypto.verify`);
3. the payload is SimpleSigning JSON whose ``docker-manifest-digest`` is the
   image's digest (``docker-reference`` is not compared, as in the classic
   project-policy default).

Otherwise NON_CONFORMANT with the reason of the attempt that came closest and
the key ids tried. No projects listed: NON_CONFORMANT (kritis-sim reads no
other attestation source). A tag-only image: NON_CONFORMANT. A store that
cannot be read: ERROR. Attestations carried only in a DSSE ``envelope`` are
not read (the ATTESTATION model keeps ``serializedPayload`` and
``signatures``). No I/O, no clock.
"""

from __future__ import annotations

import functools

from kritis_sim.core.platform._common import (
    Outcome,
    judged,
    listing,
    occurrence_image,
    read,
    stops,
)
from kritis_sim.core.platform.facts import ImageFacts
from kritis_sim.crypto.keys import default_key_id
from kritis_sim.crypto.payload import parse_payload
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import KeyFormatError, OccurrenceError
from kritis_sim.model.attestor import PkixPublicKey
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.platform.checks import SimpleSigningAttestationCheck
from kritis_sim.model.platform.results import Verdict

__all__ = ["key_id", "simple_signing_check"]

#: Verification results memoised on every input byte (see VerificationCache).
_CACHE = VerificationCache(maxsize=16_384)
_parse_payload = functools.lru_cache(maxsize=8192)(parse_payload)


def _key_id(key: PkixPublicKey) -> str:
    """The id signatures must name: ``keyId``, else the default id of the key."""
    if key.key_id:
        return key.key_id
    try:
        return default_key_id(key.public_key_pem)
    except KeyFormatError:
        return "<unloadable key>"


def _keys_by_id(
    check: SimpleSigningAttestationCheck,
) -> dict[str, tuple[PkixPublicKey, ...]]:
    out: dict[str, tuple[PkixPublicKey, ...]] = {}
    for authenticator in check.attestation_authenticators:
        for key in authenticator.pkix_public_keys:
            out[key_id(key)] = (*out.get(key_id(key), ()), key)
    return out


# Memoised by wrapping rather than decorating: mutmut mutates only undecorated
# functions (docs/mutation.md).
key_id = functools.lru_cache(maxsize=1024)(_key_id)
_keys = functools.lru_cache(maxsize=1024)(_keys_by_id)


#: (rank, reason): how close an attempt came; the best explains a failure.
_Attempt = tuple[int, str]


def _attempt(
    keys: dict[str, tuple[PkixPublicKey, ...]],
    occ: AttestationOccurrence,
    public_key_id: str,
    signature: bytes,
    image: ImageRef,
) -> _Attempt:
    label = occ.name or occ.resource_uri
    candidates = keys.get(public_key_id)
    if not candidates:
        return (1, f"{label}: signature names key id {public_key_id!r}, which no "
                "authenticator has (ids must match exactly)")  # fmt: skip
    verified = next(
        (k for k in candidates if _CACHE.verify(k, occ.serialized_payload, signature)),
        None,
    )
    if verified is None:
        algorithms = "/".join(k.signature_algorithm.value for k in candidates)
        return (2, f"{label}: signature does not verify with key "
                f"{public_key_id!r} ({algorithms})")  # fmt: skip
    try:
        payload = _parse_payload(occ.serialized_payload)
    except OccurrenceError as exc:
        return (3, f"{label}: signed payload is unusable: {exc.message}")
    if payload.manifest_digest != image.digest:
        return (4, f"{label}: signed payload names digest "
                f"{payload.manifest_digest!r}, the image has {image.digest!r}")  # fmt: skip
    return (5, f"attestation {label} verified with key {public_key_id!r} "
            f"({verified.signature_algorithm.value})")  # fmt: skip


def _simple_signing_check(
    check: SimpleSigningAttestationCheck, facts: ImageFacts
) -> Outcome:
    """Evaluate ``check`` for one image (see the module docstring)."""
    projects = check.container_analysis_attestation_projects
    if not projects:
        return (
            Verdict.NON_CONFORMANT,
            "no containerAnalysisAttestationProjects are listed; kritis-sim reads "
            "attestations only from listed projects, so none was found",
        )
    image, source = occurrence_image(facts, Verdict.NON_CONFORMANT)
    occurrences = read("ATTESTATION", source.attestations, projects, image)
    return judged(
        "signing",
        (check, occurrences),
        image.original,
        lambda: _judge(check, occurrences, image),
    )


# Wrapped rather than decorated: mutmut mutates only undecorated functions.
simple_signing_check = stops(_simple_signing_check)


def _judge(
    check: SimpleSigningAttestationCheck,
    occurrences: tuple[AttestationOccurrence, ...],
    image: ImageRef,
) -> Outcome:
    keys = _keys(check)
    tried = f"key ids tried: {listing(list(keys))}"
    where = ", ".join(check.container_analysis_attestation_projects)
    best: _Attempt | None = None
    for occ in occurrences:
        if not occ.signatures:
            attempt: _Attempt = (0, f"{occ.name or occ.resource_uri} has no signatures")
            best = max(best or attempt, attempt)
            continue
        for sig in occ.signatures:
            attempt = _attempt(keys, occ, sig.public_key_id, sig.signature, image)
            if attempt[0] == 5:
                return Verdict.CONFORMANT, attempt[1]
            best = max(best or attempt, attempt)
    if best is None:
        return (
            Verdict.NON_CONFORMANT,
            f"no ATTESTATION occurrence for {image.original} in {where}; {tried}",
        )
    return (
        Verdict.NON_CONFORMANT,
        f"no attestation in {where} verified ({len(occurrences)} tried); closest: "
        f"{best[1]}; {tried}",
    )
