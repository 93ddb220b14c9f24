"""Does one attestor vouch for one image? The REQUIRE_ATTESTATION check.

For one (image, attestor) pair this module looks up the attestor's occurrences
for the image, and for each signature: finds the key by exact ``publicKeyId``,
verifies the signature over the exact ``serializedPayload`` bytes with the key's
declared algorithm (a PGP key: the signature is an OpenPGP signed message by
the key whose content must equal ``serializedPayload``), then parses the payload and compares
``docker-manifest-digest`` with the image digest (and, optionally, the Kritis
``docker-reference`` identity), then checks freshness when the rule asks for it:
an occurrence without ``createTime`` is ``no-create-time``, one created more
than the clock-skew tolerance (:data:`CLOCK_SKEW_TOLERANCE`, 5 minutes by
default) after ``now`` is ``from-the-future``, one older than the limit is
``too-old``. Without a freshness limit ``createTime`` is not looked at.

The attestor is satisfied when any signature of any occurrence passes every
step (OR within one attestor). Otherwise the outcome carries the reason of the
attempt that came closest, so users see "signature does not verify" rather than
"no attestation" when a forged attestation exists.

Reading the store is the caller's :class:`AttestationSource`; a store failure
raises :class:`~kritis_sim.errors.GrafeasError` and is handled by ``decide``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta

from kritis_sim.core.source import AttestationSource
from kritis_sim.crypto.payload import parse_payload
from kritis_sim.crypto.pgp import verify_pgp_at
from kritis_sim.crypto.verify import VerificationCache, verify_signature
from kritis_sim.errors import OccurrenceError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import AttestorOutcome, OutcomeReason
from kritis_sim.model.durations import format_duration
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence

__all__ = ["CLOCK_SKEW_TOLERANCE", "check_attestor", "fetch_occurrences"]

#: How far in the future a ``createTime`` may lie and still count as fresh
#: (clocks of the store and the deciding host differ a little). Only used
#: under a freshness limit.
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)

#: Payload parsing memoised on the exact bytes (results are immutable values).
_parse_payload = functools.lru_cache(maxsize=8192)(parse_payload)

#: How close an attempt came to verifying; the best one explains a failure.
_RANK: dict[OutcomeReason, int] = {
    OutcomeReason.VERIFIED: 100,
    OutcomeReason.TOO_OLD: 80,
    OutcomeReason.FROM_THE_FUTURE: 80,
    OutcomeReason.NO_CREATE_TIME: 80,
    OutcomeReason.REFERENCE_MISMATCH: 70,
    OutcomeReason.DIGEST_MISMATCH: 70,
    OutcomeReason.BAD_PAYLOAD: 60,
    OutcomeReason.BAD_SIGNATURE: 50,
    OutcomeReason.UNKNOWN_KEY_ID: 40,
    OutcomeReason.WRONG_NOTE: 30,
    OutcomeReason.NO_ATTESTATION: 0,
}

NO_VALID = (
    "No attestations found that were valid and signed by a key trusted by the attestor"
)


#: One signature check's result: the reason and its human detail. A plain tuple
#: (not a dataclass) because a warm decision builds one per signature checked.
_Attempt = tuple[OutcomeReason, str]


def _rank(attempt: _Attempt) -> tuple[int, str]:
    return (_RANK[attempt[0]], attempt[1])


@functools.lru_cache(maxsize=1024)
def _verified(key_id: str, label: str) -> _Attempt:
    # Memoised: the same few keys verify every warm decision.
    return (OutcomeReason.VERIFIED, f"verified with key {key_id!r} ({label})")


@functools.lru_cache(maxsize=4096)
def _satisfied(attestor: str, detail: str, checked: int) -> AttestorOutcome:
    # Memoised: outcomes are immutable values, and a warm decision would
    # otherwise build the same few again for every image and attestor.
    return AttestorOutcome(attestor, True, OutcomeReason.VERIFIED, detail, checked)


def fetch_occurrences(
    source: AttestationSource,
    image: ImageRef,
    note_name: str,
    urls: tuple[str, ...] | None = None,
) -> tuple[AttestationOccurrence, ...]:
    """All occurrences of ``note_name`` for any resource URL form of ``image``
    (``urls``: ``image.resource_urls()``, when the caller already has them).

    Raises:
        GrafeasError: the source failed.
    """
    if urls is None:
        urls = image.resource_urls()
    if len(urls) == 1:
        return tuple(source.occurrences(urls[0], note_name))
    # The same occurrence may come back under two URL forms; drop only exact
    # repeats (a differently signed copy of the same payload must be kept).
    seen: dict[AttestationOccurrence, None] = {}
    for url in urls:
        for occ in source.occurrences(url, note_name):
            seen.setdefault(occ, None)
    return tuple(seen)


def _unusable(attestor: Attestor, occ: AttestationOccurrence) -> _Attempt | None:
    """Why ``occ`` cannot vouch for anything under ``attestor``, or None."""
    if occ.note_name != attestor.note_reference:
        return (
            OutcomeReason.WRONG_NOTE,
            f"occurrence {occ.name or '?'} hangs off note {occ.note_name!r}, "
            f"not the attestor's note {attestor.note_reference!r}",
        )
    if not occ.signatures:
        return (
            OutcomeReason.BAD_SIGNATURE,
            f"occurrence {occ.name or '?'} has no signatures",
        )
    return None


def _verify_one(
    cache: VerificationCache | None,
    attestor: Attestor,
    occ: AttestationOccurrence,
    key_id: str,
    signature: bytes,
    image: ImageRef,
    *,
    now: datetime,
    max_age: timedelta | None,
    skew: timedelta,
    check_docker_reference: bool,
) -> _Attempt:
    key = attestor.key_by_id(key_id)
    if key is None:
        return (
            OutcomeReason.UNKNOWN_KEY_ID,
            f"signature names key id {key_id!r}; attestor {attestor.name} "
            "has no key with that id (ids must match exactly)",
        )
    pkix = key.pkix_public_key
    if pkix is None:
        # A PGP key: the signature is a signed message whose content must be
        # serializedPayload; a signature expiration is judged at ``now``.
        # verify_pgp memoises on every input byte.
        armored = key.ascii_armored_pgp_public_key or ""
        pgp = verify_pgp_at(armored, signature, occ.serialized_payload, now)
        if not pgp.verified:
            return (
                OutcomeReason.BAD_SIGNATURE,
                f"PGP signature does not verify with key {key_id!r}: {pgp.reason}",
            )
        label = "OpenPGP"
    else:
        ok = (
            cache.verify(pkix, occ.serialized_payload, signature)
            if cache is not None
            else verify_signature(pkix, occ.serialized_payload, signature)
        )
        if not ok:
            return (
                OutcomeReason.BAD_SIGNATURE,
                f"signature does not verify with key {key_id!r} "
                f"({pkix.signature_algorithm.value})",
            )
        label = pkix.signature_algorithm.value
    try:
        payload = _parse_payload(occ.serialized_payload)
    except OccurrenceError as exc:
        return (OutcomeReason.BAD_PAYLOAD, f"signed payload is unusable: {exc.message}")
    if payload.manifest_digest != image.digest:
        return (
            OutcomeReason.DIGEST_MISMATCH,
            f"signed payload names digest {payload.manifest_digest!r}, "
            f"the image has {image.digest!r}",
        )
    if check_docker_reference and payload.docker_reference != image.name:
        return (
            OutcomeReason.REFERENCE_MISMATCH,
            f"signed payload names repository {payload.docker_reference!r}, "
            f"the image is {image.name!r}",
        )
    if max_age is not None:
        stale = _stale(occ, now, max_age, skew)
        if stale is not None:
            return stale
    return _verified(key_id, label)


def _stale(
    occ: AttestationOccurrence, now: datetime, max_age: timedelta, skew: timedelta
) -> _Attempt | None:
    """Why ``occ`` is not fresh under ``max_age`` at ``now``, or None."""
    created = occ.create_time
    if created is None:
        return (
            OutcomeReason.NO_CREATE_TIME,
            "occurrence has no createTime, so its age cannot be proven "
            f"(the rule accepts attestations at most {format_duration(max_age)} old)",
        )
    age = now - created
    if -age > skew:
        return (
            OutcomeReason.FROM_THE_FUTURE,
            f"attestation was created {format_duration(-age)} after the decision "
            f"time, beyond the clock-skew tolerance of {format_duration(skew)}; "
            "its age cannot be trusted",
        )
    if age > max_age:
        return (
            OutcomeReason.TOO_OLD,
            f"attestation is {format_duration(age)} old; the rule accepts at most "
            f"{format_duration(max_age)}",
        )
    return None


#: An attestor's outcome already judged, kept in the caller's
#: VerificationCache (``cache.judgements``) and keyed on the *identity* of the
#: attestor and of the occurrence tuple, plus the image text and the
#: reference switch. An in-memory store hands out the same tuple until its
#: contents change, so a warm decision skips re-walking signatures it judged
#: before; a store that builds new objects per read simply never hits. Both
#: objects are immutable and each entry holds them, so an id cannot be
#: recycled while its entry exists. Only judgements without a freshness rule
#: are kept, and only with a cache (no cache: always cold). A PGP signature's
#: own expiration is judged at ``now``, so for an attestor with a PGP key the
#: key holds ``now`` too: a judgement made before a signature expired is never
#: reused after it.
_Memo = tuple[Attestor, tuple[AttestationOccurrence, ...], AttestorOutcome]
_MEMO_MAX = 4096


def check_attestor(
    attestor: Attestor,
    image: ImageRef,
    occurrences: Sequence[AttestationOccurrence],
    *,
    now: datetime,
    max_age: timedelta | None,
    check_docker_reference: bool = False,
    cache: VerificationCache | None = None,
    clock_skew: timedelta = CLOCK_SKEW_TOLERANCE,
) -> AttestorOutcome:
    """Judge ``occurrences`` for ``image`` against ``attestor``'s keys.

    ``max_age`` is this attestor's freshness limit (None: none);
    ``clock_skew`` how far in the future a ``createTime`` may lie under it.
    """
    if cache is None or max_age is not None or type(occurrences) is not tuple:
        return _check(
            attestor,
            image,
            occurrences,
            now,
            max_age,
            clock_skew,
            check_docker_reference,
            cache,
        )
    memos: dict[tuple[int, int, str, bool, datetime | None], _Memo] = (
        cache.judgements
    )
    at = now if any(k.pkix_public_key is None for k in attestor.public_keys) else None
    key = (id(attestor), id(occurrences), image.original, check_docker_reference, at)
    memo = memos.get(key)
    if memo is not None and memo[0] is attestor and memo[1] is occurrences:
        return memo[2]
    outcome = _check(
        attestor,
        image,
        occurrences,
        now,
        None,
        clock_skew,
        check_docker_reference,
        cache,
    )
    if len(memos) >= _MEMO_MAX:
        memos.clear()
    memos[key] = (attestor, occurrences, outcome)
    return outcome


def _check(
    attestor: Attestor,
    image: ImageRef,
    occurrences: Sequence[AttestationOccurrence],
    now: datetime,
    max_age: timedelta | None,
    skew: timedelta,
    check_docker_reference: bool,
    cache: VerificationCache | None,
) -> AttestorOutcome:
    if not attestor.public_keys:
        return AttestorOutcome(
            attestor.name,
            False,
            OutcomeReason.NO_KEYS,
            f"attestor {attestor.name} has no public keys, so it verifies nothing",
            len(occurrences),
        )
    best: _Attempt | None = None
    for occ in occurrences:
        unusable = _unusable(attestor, occ)
        if unusable is not None:
            if best is None or _rank(unusable) > _rank(best):
                best = unusable
            continue
        for sig in occ.signatures:
            attempt = _verify_one(
                cache,
                attestor,
                occ,
                sig.public_key_id,
                sig.signature,
                image,
                now=now,
                max_age=max_age,
                skew=skew,
                check_docker_reference=check_docker_reference,
            )
            if attempt[0] is OutcomeReason.VERIFIED:
                return _satisfied(attestor.name, attempt[1], len(occurrences))
            if best is None or _rank(attempt) > _rank(best):
                best = attempt
    if best is None:
        best = (
            OutcomeReason.NO_ATTESTATION,
            f"no attestation by {attestor.name} (note {attestor.note_reference}) "
            f"for {image.original}",
        )
    return AttestorOutcome(attestor.name, False, best[0], best[1], len(occurrences))
