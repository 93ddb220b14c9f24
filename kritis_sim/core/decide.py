"""The admission decision: may these images run on this target, now?

:func:`decide` is a pure function of the policy, the attestors, an attestation
source, the deploy target, the images, breakglass and the time. It performs no
I/O of its own (the source is an injected seam) and never reads the clock.

Per image: allowlist, then the system policy (when enabled), then the matching
specific rule, else the default rule (see :mod:`kritis_sim.core.rules`). A
``REQUIRE_ATTESTATION`` rule admits an image only when every listed attestor is
satisfied (see :mod:`kritis_sim.core.attestations`); an image referenced by tag
never satisfies it. The workload is admitted only when every image is; when an
image is denied, the enforcement mode of the rule that governed it decides
(dry-run admits and records), and breakglass admits and is always recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kritis_sim.core.attestations import (
    CLOCK_SKEW_TOLERANCE,
    NO_VALID,
    check_attestor,
    fetch_occurrences,
)
from kritis_sim.core.explain import summarise
from kritis_sim.core.rules import (
    DEFAULT_SYSTEM_IMAGE_PATTERNS,
    GoverningRule,
    exemption,
    governing_rule,
    policy_allowlist,
    system_allowlist,
)
from kritis_sim.core.source import AttestationSource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import GrafeasError, ImageRefError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import (
    AttestorOutcome,
    Decision,
    ImageVerdict,
    OutcomeReason,
)
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.patterns import Allowlist
from kritis_sim.model.policy import EnforcementMode, EvaluationMode, Policy

__all__ = ["DEFAULT_SYSTEM_IMAGE_PATTERNS", "DecisionOptions", "decide"]

TAG_REASON = (
    "Attestor cannot attest to an image deployed by tag. Expected digest with "
    "sha256 scheme, but got tag or malformed digest"
)


@dataclass(frozen=True, slots=True)
class DecisionOptions:
    """Switches that change how strictly images are judged.

    Attributes:
        check_docker_reference: also require the signed ``docker-reference`` to
            name the image's repository (Kritis); off matches GCP.
        system_policy_patterns: images the system policy exempts when the
            policy sets ``globalPolicyEvaluationMode: ENABLE``.
        wildcard_free_matches_any_version: let a wildcard-free allowlist
            pattern match its repository at any tag or digest.
        cache: a verification cache shared across decisions.
        clock_skew: under a freshness limit, how far after the decision time
            an occurrence's ``createTime`` may lie and still count (further is
            ``from-the-future``).
    """

    check_docker_reference: bool = False
    system_policy_patterns: tuple[str, ...] = DEFAULT_SYSTEM_IMAGE_PATTERNS
    wildcard_free_matches_any_version: bool = False
    cache: VerificationCache | None = None
    clock_skew: timedelta = CLOCK_SKEW_TOLERANCE


_DEFAULT_OPTIONS = DecisionOptions()


@functools.lru_cache(maxsize=8192)
def _parse_image(text: str) -> tuple[ImageRef, tuple[str, ...]]:
    """The parsed image and its resource URLs, memoised on the string (both
    are immutable values; every decision about the same image needs them)."""
    image = ImageRef.parse(text)
    return image, image.resource_urls()


#: System-policy exemptions compiled once per distinct pattern tuple (bounded).
_system = functools.lru_cache(maxsize=64)(system_allowlist)


def _index(
    attestors: Mapping[str, Attestor] | Iterable[Attestor],
) -> Mapping[str, Attestor]:
    if isinstance(attestors, Mapping):
        return attestors
    return {a.name: a for a in attestors}


def _require_attestation(
    image: ImageRef,
    urls: tuple[str, ...],
    governing: GoverningRule,
    attestors: Mapping[str, Attestor],
    source: AttestationSource,
    now: datetime,
    options: DecisionOptions,
) -> tuple[bool, str, tuple[AttestorOutcome, ...], bool]:
    """Returns (allowed, reason, outcomes, store_failed)."""
    rule = governing.rule
    if not image.has_sha256_digest:
        outcomes = tuple(
            AttestorOutcome(name, False, OutcomeReason.TAG_ONLY, TAG_REASON)
            for name in rule.require_attestations_by
        )
        return False, f"Image {image.original} denied: {TAG_REASON}", outcomes, False
    outcomes_list: list[AttestorOutcome] = []
    store_failed = False
    for name, max_age in zip(rule.require_attestations_by, rule.max_ages, strict=True):
        attestor = attestors.get(name)
        if attestor is None:
            outcomes_list.append(
                AttestorOutcome(
                    name,
                    False,
                    OutcomeReason.UNKNOWN_ATTESTOR,
                    f"attestor {name} is named by the rule but does not exist",
                )
            )
            continue
        try:
            occurrences = fetch_occurrences(
                source, image, attestor.note_reference, urls
            )
        except GrafeasError as exc:
            store_failed = True
            outcomes_list.append(
                AttestorOutcome(
                    name,
                    False,
                    OutcomeReason.STORE_ERROR,
                    f"attestation store failed, denying (fail closed): {exc}",
                )
            )
            continue
        outcomes_list.append(
            check_attestor(
                attestor,
                image,
                occurrences,
                now=now,
                max_age=max_age,
                check_docker_reference=options.check_docker_reference,
                cache=options.cache,
                clock_skew=options.clock_skew,
            )
        )
    outcomes = tuple(outcomes_list)
    missing = [o for o in outcomes if not o.satisfied]
    if not missing:
        n = len(outcomes)
        return True, f"attested by all {n} required attestor(s)", outcomes, False
    first = missing[0]
    text = NO_VALID if first.reason is OutcomeReason.NO_ATTESTATION else first.detail
    reason = (
        f"Image {image.original} denied by attestor {first.attestor}: {text} "
        f"({len(outcomes) - len(missing)} of {len(outcomes)} required attestors "
        f"satisfied; missing: {', '.join(o.attestor for o in missing)})"
    )
    return False, reason, outcomes, store_failed


def _judge(
    text: str,
    policy: Policy,
    allowlist: Allowlist,
    system: Allowlist | None,
    governing: GoverningRule,
    attestors: Mapping[str, Attestor],
    source: AttestationSource,
    now: datetime,
    options: DecisionOptions,
) -> tuple[ImageVerdict, bool]:
    dry_run = governing.rule.enforcement_mode is EnforcementMode.DRYRUN_AUDIT_LOG_ONLY
    try:
        image, urls = _parse_image(text)
    except ImageRefError as exc:
        return ImageVerdict(
            text,
            False,
            governing.ref,
            f"Image {text!r} denied: {exc.message}",
            dry_run=dry_run,
        ), False
    exempt = exemption(text, policy, allowlist, system)
    if exempt is not None:
        return ImageVerdict(text, True, exempt, f"exempt by {exempt.describe()}"), False
    mode = governing.rule.evaluation_mode
    if mode is EvaluationMode.REQUIRE_ATTESTATION:
        allowed, reason, outcomes, failed = _require_attestation(
            image, urls, governing, attestors, source, now, options
        )
        if not allowed:
            reason = f"{reason} [{governing.ref.describe()}]"
        return ImageVerdict(
            text, allowed, governing.ref, reason, outcomes, dry_run=dry_run
        ), failed
    where = governing.ref.describe()
    if mode is EvaluationMode.ALWAYS_ALLOW:
        return ImageVerdict(
            text, True, governing.ref, f"allowed by {where} (ALWAYS_ALLOW)"
        ), False
    return ImageVerdict(
        text,
        False,
        governing.ref,
        f"Image {text} denied by {where}: Denied by always_deny admission rule",
        dry_run=dry_run,
    ), False


def decide(
    policy: Policy,
    attestors: Mapping[str, Attestor] | Iterable[Attestor],
    source: AttestationSource,
    target: DeployTarget,
    images: Sequence[str],
    *,
    now: datetime,
    breakglass: bool = False,
    options: DecisionOptions | None = None,
) -> Decision:
    """Decide whether a workload with ``images`` may run on ``target`` at ``now``.

    Args:
        policy: the project policy.
        attestors: the attestors, as a mapping by name or an iterable.
        source: where attestation occurrences are read from.
        target: cluster, namespace, service account and Istio identity.
        images: every image of the workload (containers, init and ephemeral).
        now: the time of the decision (timezone-aware); freshness uses it.
        breakglass: the workload asks for breakglass.
        options: strictness switches and the verification cache.

    Returns:
        A :class:`Decision`; denials are values, never exceptions.
    """
    if now.tzinfo is None:
        raise ValueError("decide() needs a timezone-aware 'now'")
    opts = options or _DEFAULT_OPTIONS
    by_name = _index(attestors)
    allowlist = policy_allowlist(
        policy, wildcard_free_matches_any_version=opts.wildcard_free_matches_any_version
    )
    system = _system(opts.system_policy_patterns)
    governing = governing_rule(policy, target)
    verdicts: list[ImageVerdict] = []
    failed_closed = False
    for text in images:
        verdict, failed = _judge(
            text, policy, allowlist, system, governing, by_name, source, now, opts
        )
        verdicts.append(verdict)
        failed_closed = failed_closed or failed
    denied = [v for v in verdicts if not v.allowed]
    verdict_allowed = not denied
    dry_run = bool(denied) and all(v.dry_run for v in denied)
    allowed = verdict_allowed or dry_run or breakglass
    reasons = tuple(v.reason for v in denied)
    return Decision(
        allowed=allowed,
        verdict_allowed=verdict_allowed,
        images=tuple(verdicts),
        breakglass=breakglass,
        dry_run=dry_run,
        message=summarise(
            allowed, verdict_allowed, dry_run, breakglass, reasons, len(verdicts)
        ),
        failed_closed=failed_closed,
        reasons=reasons,
    )
