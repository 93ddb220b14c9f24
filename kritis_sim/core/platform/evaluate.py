"""Evaluate a GKE platform policy for one workload: a pure function.

:func:`evaluate_platform_policy` follows the v1 evaluation order for every
image of the workload:

1. the policy-wide ``imageAllowlist``: a match makes the image CONFORMANT;
2. no check sets: CONFORMANT ("always allow");
3. the one applicable check set: the first whose scope covers the Pod's
   namespace and service account (a loaded policy is ordered by decreasing
   specificity and ends with a catch-all, so first match is most specific);
4. that check set's ``imageAllowlist``: a match makes the image CONFORMANT;
5. every check, in order, skipped (CONFORMANT) when its own allowlist matches,
   else evaluated by :mod:`kritis_sim.core.platform.checks`; checks are ANDed.

At every level a NON_CONFORMANT result outranks an ERROR, which outranks
CONFORMANT. The result has the shape of ``EvaluateGkePolicyResponse``. No I/O
and no clock: occurrences and image metadata are given, ``now`` is a
parameter. Reading workloads and stores is the adapters' job.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime

from kritis_sim.core.platform._common import judged
from kritis_sim.core.platform.checks import run_check
from kritis_sim.core.platform.facts import BuilderRoots, ImageFacts, facts_for
from kritis_sim.core.platform.occurrences import (
    InMemoryPlatformOccurrences,
    PlatformOccurrences,
    content_version,
)
from kritis_sim.core.source import InMemorySource
from kritis_sim.errors import InputError, PolicyError
from kritis_sim.model.patterns import Allowlist
from kritis_sim.model.platform.checks import (
    AlwaysDeny,
    Check,
    ImageAllowlist,
    SigstoreSignatureCheck,
    SimpleSigningAttestationCheck,
    SlsaCheck,
    TrustedBuilder,
    TrustedDirectoryCheck,
)
from kritis_sim.model.platform.policy import CheckSet, GkePolicy, PlatformPolicy
from kritis_sim.model.platform.results import (
    CheckResult,
    CheckSetResult,
    EvaluateGkePolicyResponse,
    ImageMetadata,
    ImageResult,
    PodResult,
    Verdict,
    worst,
)

__all__ = ["DEFAULT_SERVICE_ACCOUNT", "evaluate_platform_policy"]

#: The service account of a Pod that names none (Kubernetes' default).
DEFAULT_SERVICE_ACCOUNT = "default"


def _compiled(allowlist: ImageAllowlist) -> Allowlist:
    """``allowlist.compiled()``, built once per allowlist value (by identity)."""
    return judged("allowlist", (allowlist,), None, allowlist.compiled)


def evaluate_platform_policy(
    policy: PlatformPolicy,
    images: Sequence[str],
    *,
    namespace: str | None,
    service_account: str | None,
    now: datetime,
    occurrences: PlatformOccurrences | InMemorySource | None = None,
    image_metadata: Mapping[str, ImageMetadata] | None = None,
    pod_name: str | None = None,
    trusted_builders: Mapping[TrustedBuilder, BuilderRoots] | None = None,
) -> EvaluateGkePolicyResponse:
    """Evaluate ``policy``'s ``gkePolicy`` for one Pod running ``images``.

    Args:
        policy: a platform policy with a ``gkePolicy``.
        images: every image of the Pod (containers, init and ephemeral).
        namespace: the Pod's namespace; None (gcloud's ``--image`` mode) is
            covered only by the unscoped check set.
        service_account: the Pod's service account name (bare, without the
            namespace); None means ``default``.
        now: the evaluation time (timezone-aware), for freshness.
        occurrences: where VULNERABILITY, DISCOVERY, BUILD and ATTESTATION
            occurrences are read from (None: the checks that need them
            report ERROR). A classic :class:`InMemorySource` is accepted too:
            its ATTESTATION occurrences are read through
            :class:`InMemoryPlatformOccurrences`.
        image_metadata: registry metadata by image (as written, normalised, or
            by digest), for ``imageFreshnessCheck``.
        pod_name: echoed in the result.
        trusted_builders: roots of trust (keys, builder ids) per
            ``trustedBuilder`` for ``slsaCheck`` (a builder without them:
            ERROR).

    Returns:
        The response; denials and errors of checks are values.

    Raises:
        PolicyError: the policy has no ``gkePolicy``.
        InputError: ``images`` is empty.
    """
    gke = policy.gke_policy
    if gke is None:
        raise PolicyError(
            "the platform policy has no gkePolicy; only GKE policies can be "
            "evaluated (as gcloud's evaluate command requires)"
        )
    if not images:
        raise InputError("the workload has no images; there is nothing to evaluate")
    account = service_account or DEFAULT_SERVICE_ACCOUNT
    if isinstance(occurrences, InMemorySource):
        occurrences = InMemoryPlatformOccurrences(occurrences.all())
    metadata = image_metadata or {}
    results = tuple(
        _image(
            gke,
            facts_for(image, metadata, occurrences, trusted_builders),
            namespace,
            account,
            now,
        )
        for image in images
    )
    # Image results are shared values (see _image): equal ones, equal answer.
    return judged(
        "response",
        results,
        (pod_name, namespace, account),
        lambda: _response(results, pod_name, namespace, account),
    )


def _response(
    results: tuple[ImageResult, ...],
    pod_name: str | None,
    namespace: str | None,
    account: str,
) -> EvaluateGkePolicyResponse:
    pod = PodResult(
        verdict=worst(r.verdict for r in results),
        image_results=results,
        pod_name=pod_name,
        kubernetes_namespace=namespace,
        kubernetes_service_account=account,
    )
    return EvaluateGkePolicyResponse(verdict=pod.verdict, results=(pod,))


def _image(
    gke: GkePolicy,
    facts: ImageFacts,
    namespace: str | None,
    account: str,
    now: datetime,
) -> ImageResult:
    image = facts.image
    selected = judged(
        "image-scope",
        (gke,),
        (image, namespace, account),
        lambda: _select(gke, image, namespace, account),
    )
    if isinstance(selected, ImageResult):
        return selected
    index, check_set = selected
    result = _check_set(index, check_set, facts, now)
    return judged(
        "image",
        (result,),
        image,
        lambda: ImageResult(
            image_uri=image, verdict=result.verdict, check_set_result=result
        ),
    )


def _select(
    gke: GkePolicy, image: str, namespace: str | None, account: str
) -> ImageResult | tuple[int, CheckSet]:
    """The image's result when no check set is evaluated (policy allowlist, no
    check sets, no scope covers the Pod), else the check set that applies."""
    if gke.image_allowlist is not None:
        matched = _compiled(gke.image_allowlist).match(image)
        if matched is not None:
            return ImageResult(
                image_uri=image,
                verdict=Verdict.CONFORMANT,
                matched_pattern=matched.text,
                explanation=f"exempt by the policy's image allowlist ({matched.text!r})",
            )
    if not gke.check_sets:
        return ImageResult(
            image_uri=image,
            verdict=Verdict.CONFORMANT,
            explanation="the policy has no check sets: every image is allowed",
        )
    selected = gke.check_set_for(namespace, account)
    if selected is None:
        return ImageResult(
            image_uri=image,
            verdict=Verdict.ERROR,
            explanation=(
                f"no check set's scope covers namespace {namespace!r}, service "
                f"account {account!r} (the policy has no unscoped catch-all)"
            ),
        )
    return selected


def _check_set(
    index: int, check_set: CheckSet, facts: ImageFacts, now: datetime
) -> CheckSetResult:
    exempt = judged(
        "check-set-exempt",
        (check_set,),
        (index, facts.image),
        lambda: _exempt(index, check_set, facts.image),
    )
    if exempt is not None:
        return exempt
    checks = _checks(index, check_set, facts, now)
    # Results are shared values (see _evaluate): the same ones give the same set.
    return judged(
        "check-set",
        (check_set, *checks),
        index,
        lambda: CheckSetResult(
            index=index,
            scope=check_set.scope,
            display_name=check_set.display_name,
            verdict=worst(c.verdict for c in checks),
            check_results=checks,
        ),
    )


def _exempt(index: int, check_set: CheckSet, image: str) -> CheckSetResult | None:
    """The result when the check set's allowlist exempts ``image`` or it has
    no checks; None when its checks are to be evaluated."""
    result = functools.partial(
        CheckSetResult,
        index=index,
        scope=check_set.scope,
        display_name=check_set.display_name,
    )
    if check_set.image_allowlist is not None:
        matched = _compiled(check_set.image_allowlist).match(image)
        if matched is not None:
            return result(
                verdict=Verdict.CONFORMANT,
                matched_pattern=matched.text,
                explanation=f"exempt by the check set's image allowlist ({matched.text!r})",
            )
    if not check_set.checks:
        return result(
            verdict=Verdict.CONFORMANT,
            explanation="the check set has no checks: every image is allowed",
        )
    return None


#: Check types whose result is a function of the check, the image, the
#: occurrence store's content and the builders' roots of trust: not of ``now``
#: nor of the image metadata.
_TIMELESS = (
    AlwaysDeny,
    TrustedDirectoryCheck,
    SigstoreSignatureCheck,
    SimpleSigningAttestationCheck,
    SlsaCheck,
)


#: Stands for a result evaluated at each call (never returned).
_PENDING = CheckResult(index=-1, type="", verdict=Verdict.ERROR)


def _checks(
    index: int, check_set: CheckSet, facts: ImageFacts, now: datetime
) -> tuple[CheckResult, ...]:
    """Every check's result. The time-independent ones (:data:`_TIMELESS`) are
    memoised on what they read when the source's content is known by identity
    (an in-memory store's identity and generation, or no source at all) and
    on the builders' roots of trust; the others are evaluated every time."""
    source = facts.occurrences
    version = content_version(source)
    if source is not None and version is None:
        return tuple(
            _evaluate(i, check, facts, now) for i, check in enumerate(check_set.checks)
        )
    builders = facts.builders
    known, pending = judged(
        "timeless",
        (check_set, source, *builders.values()),
        (index, facts.image, version, *builders),
        lambda: _timeless(check_set, facts, now),
    )
    if not pending:
        return known
    results = list(known)
    for i in pending:
        results[i] = _evaluate(i, check_set.checks[i], facts, now)
    return tuple(results)


def _timeless(
    check_set: CheckSet, facts: ImageFacts, now: datetime
) -> tuple[tuple[CheckResult, ...], tuple[int, ...]]:
    """The results of the time-independent checks (placeholders elsewhere) and
    the indices of the checks left to evaluate at each call."""
    pending = tuple(
        i for i, c in enumerate(check_set.checks) if not isinstance(c.body, _TIMELESS)
    )
    known = tuple(
        _PENDING if i in pending else _evaluate(i, c, facts, now)
        for i, c in enumerate(check_set.checks)
    )
    return known, pending


def _evaluate(
    index: int, check: Check, facts: ImageFacts, now: datetime
) -> CheckResult:
    if check.image_allowlist is not None:
        matched = _compiled(check.image_allowlist).match(facts.image)
        if matched is not None:
            return CheckResult(
                index=index,
                type=check.type,
                verdict=Verdict.CONFORMANT,
                display_name=check.display_name,
                matched_pattern=matched.text,
                explanation=f"not evaluated: exempt by the check's allowlist ({matched.text!r})",
            )
    verdict, explanation = run_check(check.body, facts, now)
    # Equal outcomes share one result, so that check-set results can be reused.
    return judged(
        "result",
        (check, verdict),
        (index, explanation),
        lambda: CheckResult(
            index=index,
            type=check.type,
            verdict=verdict,
            display_name=check.display_name,
            explanation=explanation,
        ),
    )
