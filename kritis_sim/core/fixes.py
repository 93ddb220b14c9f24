"""Actionable denials: what would make each denied image pass. Pure; no I/O.

:func:`fixes` reads a model-neutral :class:`~kritis_sim.model.decision.Decision`
(classic, platform or Kritis) and returns, per denied image, a list of
:class:`Fix` values, most direct first:

* ``attest``: an attestor of a ``REQUIRE_ATTESTATION`` rule is not satisfied.
  The fix names the attestor, its note (the occurrence must hang off it), the
  key ids it accepts, the key ids seen on the image's attestations of that note
  and why each was rejected (``unknown-key-id``, ``bad-signature``,
  ``digest-mismatch``, ``bad-payload``; a signature that verifies but did not
  count is reported with the attestor's reason: ``too-old``, ...), and ready
  commands (:func:`~kritis_sim.core.fix_commands.attest_commands`).
* ``deploy-by-digest``: a tag-only image cannot be attested (never an
  allowlist for a tag).
* ``define-attestor`` / ``add-key``: the policy names an attestor that does
  not exist, or one without keys.
* ``retry``: the store failed and the decision failed closed.
* ``platform-check``: a platform check did not conform; which check, why, and
  what to change (attestation, provenance, scan, limit or list).
* ``kritis``: a Kritis decision: Kritis' own fixes
  (:mod:`kritis_sim.core.kritis.fixes`), its exemption in Kritis' terms.
* ``allowlist``: the pattern that would exempt the image, exactly its
  repository (:func:`~kritis_sim.core.fix_commands.repository_pattern`);
  offered for every denied image that has a digest, always last.

Seen keys need the image's attestations: pass the ``source`` the decision read
(a store or a :class:`~kritis_sim.core.judges.Replay`); without one, or when it
fails, ``seen_keys`` is empty. Not here: rendering for adapters beyond
:func:`render` and :func:`hint`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from kritis_sim.core.attestations import check_attestor, fetch_occurrences
from kritis_sim.core.fix_commands import attest_commands, repository_pattern
from kritis_sim.core.judges import ClassicJudge, PlatformJudge
from kritis_sim.core.kritis.decision import KritisDecision
from kritis_sim.core.kritis.fixes import image_fixes
from kritis_sim.core.kritis.judge import KritisJudge
from kritis_sim.core.platform_fixes import platform_fixes
from kritis_sim.core.source import AttestationSource
from kritis_sim.errors import GrafeasError, ImageRefError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision, ImageVerdict, OutcomeReason
from kritis_sim.model.fix import Fix, SeenKey, abbreviated
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.kritis.resources import KritisResources
from kritis_sim.model.platform.policy import PlatformPolicy

__all__ = [
    "Fix",
    "SeenKey",
    "fixes",
    "fixes_by_image",
    "hint",
    "judge_fixes",
    "render",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _seen_keys(
    attestor: Attestor,
    image: ImageRef,
    source: AttestationSource | None,
    outcome_reason: OutcomeReason,
) -> tuple[SeenKey, ...]:
    if source is None:
        return ()
    try:
        occurrences = fetch_occurrences(source, image, attestor.note_reference)
    except GrafeasError:
        return ()
    out: dict[SeenKey, None] = {}
    for occ in occurrences:
        for sig in occ.signatures:
            one = dataclasses.replace(occ, signatures=(sig,))
            # Judged without freshness: a signature that verifies but did not
            # count failed on what the rule adds (age), i.e. the outcome.
            got = check_attestor(attestor, image, (one,), now=_EPOCH, max_age=None)
            why = got.reason if not got.satisfied else outcome_reason
            accepted = attestor.key_by_id(sig.public_key_id) is not None
            out.setdefault(SeenKey(sig.public_key_id, accepted, why.value), None)
    return tuple(out)


def _attest(
    verdict: ImageVerdict,
    attestors: Mapping[str, Attestor],
    source: AttestationSource | None,
    image: ImageRef,
) -> list[Fix]:
    out: list[Fix] = []
    for outcome in verdict.attestors:
        if outcome.satisfied:
            continue
        attestor = attestors.get(outcome.attestor)
        if outcome.reason is OutcomeReason.UNKNOWN_ATTESTOR:
            out.append(
                Fix(
                    verdict.image,
                    "define-attestor",
                    f"create attestor {outcome.attestor} (the policy requires it; "
                    "it does not exist)",
                    attestor=outcome.attestor,
                )
            )
            continue
        if attestor is None:  # the caller did not pass it: say what is known
            out.append(
                Fix(
                    verdict.image,
                    "attest",
                    f"attest {verdict.image} as {outcome.attestor} "
                    f"({outcome.reason.value}: {outcome.detail})",
                    attestor=outcome.attestor,
                )
            )
            continue
        accepted = tuple(k.id for k in attestor.public_keys)
        if not accepted:
            out.append(
                Fix(
                    verdict.image,
                    "add-key",
                    f"add a public key to attestor {attestor.name}; it has none, "
                    "so it verifies nothing",
                    attestor=attestor.name,
                    note=attestor.note_reference,
                )
            )
            continue
        commands: list[str] = []
        for key in attestor.public_keys:
            commands.extend(attest_commands(attestor, key, image))
        out.append(
            Fix(
                verdict.image,
                "attest",
                f"attest {verdict.image} as {attestor.name} (note "
                f"{attestor.note_reference}) with one of its keys "
                f"({outcome.reason.value}: {outcome.detail})",
                attestor=attestor.name,
                note=attestor.note_reference,
                accepted_key_ids=accepted,
                seen_keys=_seen_keys(attestor, image, source, outcome.reason),
                commands=tuple(commands),
            )
        )
    return out


def _classic(
    verdict: ImageVerdict,
    attestors: Mapping[str, Attestor],
    source: AttestationSource | None,
) -> list[Fix]:
    try:
        image = ImageRef.parse(verdict.image)
    except ImageRefError as exc:
        return [
            Fix(
                verdict.image,
                "fix-image-reference",
                f"the image reference does not parse ({exc}); write "
                "registry/path@sha256:<64 hex>",
            )
        ]
    if verdict.rule.evaluation_mode == "ALWAYS_DENY":
        return [
            Fix(
                verdict.image,
                "change-rule",
                f"{verdict.rule.describe()} denies every image (ALWAYS_DENY); "
                "change its evaluationMode or allowlist the image",
            )
        ]
    if not image.has_sha256_digest:
        return [
            Fix(
                verdict.image,
                "deploy-by-digest",
                f"deploy {verdict.image} by digest ({image.name}@sha256:<64 hex>): "
                "an image referenced by tag can never be attested",
            )
        ]
    if any(o.reason is OutcomeReason.STORE_ERROR for o in verdict.attestors):
        return [
            Fix(
                verdict.image,
                "retry",
                "the attestation store failed and the decision failed closed; "
                "retry when the store answers",
            )
        ]
    return _attest(verdict, attestors, source, image)


def _kritis(
    verdict: ImageVerdict, decision: Decision, resources: KritisResources | None
) -> list[Fix]:
    """A Kritis decision's fixes, in Kritis' terms (its own exemption: a GAP
    ``namePattern`` or an ISP ``imageAllowlist`` entry, never a Binary
    Authorization pattern)."""
    detail = decision.detail
    if isinstance(detail, KritisDecision):
        for image in detail.images:
            if image.image == verdict.image and not image.allowed:
                return image_fixes(image, detail, resources)
    return [Fix(verdict.image, "kritis", verdict.reason)]


def _for_image(
    verdict: ImageVerdict,
    decision: Decision,
    attestors: Mapping[str, Attestor],
    source: AttestationSource | None,
    platform_policy: PlatformPolicy | None,
    kritis_resources: KritisResources | None = None,
) -> list[Fix]:
    kind = verdict.rule.kind
    if kind in ("checkSet", "platformPolicy"):
        found = list(platform_fixes(verdict, decision.detail, platform_policy))
    elif kind == "kritis":
        return _kritis(verdict, decision, kritis_resources)
    else:
        found = _classic(verdict, attestors, source)
    pattern = repository_pattern(verdict.image)
    if pattern is not None:
        where = (
            "imageAllowlist.allowPattern"
            if kind in ("checkSet", "platformPolicy")
            else "admissionWhitelistPatterns[].namePattern"
        )
        found.append(
            Fix(
                verdict.image,
                "allowlist",
                f"or exempt the repository: add {pattern!r} to {where} "
                "(exempts this repository only, at any digest or tag; no other "
                "repository or registry)",
                pattern=pattern,
            )
        )
    return found


def fixes(
    decision: Decision,
    attestors: Mapping[str, Attestor] | Iterable[Attestor] = (),
    source: AttestationSource | None = None,
    platform_policy: PlatformPolicy | None = None,
    kritis_resources: KritisResources | None = None,
) -> tuple[Fix, ...]:
    """Every fix for every denied image of ``decision``, in image order.

    ``attestors``: as ``decide`` takes them (by name, or an iterable);
    ``source``: where the decision read attestations (for ``seen_keys``);
    ``platform_policy``: the platform policy judged (for the keys and
    commands of its attestation checks); ``kritis_resources``: the Kritis
    resources judged (for the ``kubectl patch`` lines of an exemption).
    """
    by_name = (
        attestors if isinstance(attestors, Mapping) else {a.name: a for a in attestors}
    )
    out: list[Fix] = []
    for verdict in decision.denied_images:
        out.extend(
            _for_image(
                verdict, decision, by_name, source, platform_policy, kritis_resources
            )
        )
    return tuple(out)


def judge_fixes(
    decision: Decision, judge: object, source: AttestationSource | None = None
) -> tuple[Fix, ...]:
    """:func:`fixes` with what ``judge`` judged with: a ``ClassicJudge``'s
    attestors, a ``PlatformJudge``'s policy, a ``KritisJudge``'s resources
    (anything else: the decision alone)."""
    if isinstance(judge, ClassicJudge):
        return fixes(decision, judge.attestors, source)
    if isinstance(judge, PlatformJudge):
        return fixes(decision, platform_policy=judge.policy)
    if isinstance(judge, KritisJudge):
        return fixes(decision, kritis_resources=judge.resources)
    return fixes(decision)


def fixes_by_image(found: Iterable[Fix]) -> dict[str, list[dict[str, Any]]]:
    """``{image: [fix.to_dict(), ...]}`` for JSON output."""
    out: dict[str, list[dict[str, Any]]] = {}
    for fix in found:
        out.setdefault(fix.image, []).append(fix.to_dict())
    return out


def render(found: Iterable[Fix]) -> str:
    """Multi-line text: ``fix:`` lines, key ids and commands, indented."""
    lines: list[str] = []
    for fix in found:
        image = abbreviated(fix.image)
        lines.append(f"      fix ({fix.kind}) for {image}: {fix.summary}")
        if fix.accepted_key_ids:
            lines.append(f"        accepted key ids: {', '.join(fix.accepted_key_ids)}")
        if fix.attestor is not None and fix.kind == "attest":
            seen = ", ".join(f"{s.key_id} ({s.why})" for s in fix.seen_keys)
            lines.append(f"        key ids seen: {seen or 'none'}")
        lines.extend(f"        $ {c}" for c in fix.commands)
    return "\n".join(lines)


def hint(found: Iterable[Fix], limit: int = 300) -> str:
    """One short sentence per image (the first fix), cut to ``limit`` chars;
    with the key ids seen on the attestations when that still fits."""
    first: dict[str, Fix] = {}
    for fix in found:
        first.setdefault(fix.image, fix)
    for seen in (True, False):
        text = " ".join(f"Fix: {f.short(seen=seen)}" for f in first.values())
        if len(text) <= limit:
            return text
    return text[: limit - 3] + "..."
