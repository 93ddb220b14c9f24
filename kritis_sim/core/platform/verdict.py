"""A platform-policy evaluation as a model-neutral verdict (a ``Decision``).

:func:`platform_decision` turns one Pod's ``EvaluateGkePolicyResponse`` into
the :class:`~kritis_sim.model.decision.Decision` every adapter reads
(allowed, dry-run, breakglass, per-image verdicts with the governing check set
and a reason sentence, reasons, audit annotations), keeping the response as
``Decision.detail``. An image is allowed only when CONFORMANT: ERROR is never
conformant. A denied image's reason names the check set, each check that did
not pass and why::

    Image 'gcr.io/p/app@sha256:...' denied by check set 0 'prod' (namespace
    prod): check 1 VulnerabilityCheck 'no criticals': NON_CONFORMANT: CVE-1 ...

:func:`scope_text` and :func:`check_set_text` are the words used for check
sets everywhere (also by CV). Pure string building; no I/O.
"""

from __future__ import annotations

from kritis_sim.model.decision import Decision, ImageVerdict, RuleRef
from kritis_sim.model.platform.policy import Scope
from kritis_sim.model.platform.results import (
    CheckSetResult,
    EvaluateGkePolicyResponse,
    ImageResult,
    Verdict,
)

__all__ = ["check_set_text", "platform_decision", "scope_text"]

#: The enforcement mode named in dry-run messages (the cluster binding's).
DRY_RUN_MODE = "AUDIT_AND_DRYRUN"


def scope_text(scope: Scope | None) -> str:
    """``namespace prod``, ``service account prod:deployer`` or ``unscoped``."""
    if scope is None or scope.is_empty:
        return "unscoped"
    if scope.kubernetes_service_account:
        return f"service account {scope.kubernetes_service_account}"
    return f"namespace {scope.kubernetes_namespace}"


def check_set_text(result: CheckSetResult) -> str:
    """``0 'prod' (namespace prod)``: index, display name, scope."""
    named = f" {result.display_name!r}" if result.display_name else ""
    return f"{result.index}{named} ({scope_text(result.scope)})"


def _rule(result: ImageResult) -> RuleRef:
    if result.matched_pattern is not None:
        return RuleRef("allowlist", result.matched_pattern)
    cs = result.check_set_result
    if cs is None:
        return RuleRef("platformPolicy", result.explanation or "no check set")
    if cs.matched_pattern is not None:
        return RuleRef("allowlist", cs.matched_pattern)
    return RuleRef("checkSet", check_set_text(cs))


def _failures(cs: CheckSetResult) -> list[str]:
    out = []
    for check in cs.check_results:
        if check.verdict is Verdict.CONFORMANT:
            continue
        named = f" {check.display_name!r}" if check.display_name else ""
        why = f": {check.explanation}" if check.explanation else ""
        out.append(
            f"check {check.index} {check.type}{named}: {check.verdict.value}{why}"
        )
    return out


def _reason(result: ImageResult) -> str:
    image = result.image_uri
    cs = result.check_set_result
    if result.verdict is Verdict.CONFORMANT:
        if result.matched_pattern is not None or cs is None:
            return f"Image {image!r} conforms: {result.explanation}"
        if cs.explanation:
            return f"Image {image!r} conforms to check set {check_set_text(cs)}: {cs.explanation}"
        return (
            f"Image {image!r} conforms to every check of check set {check_set_text(cs)}"
        )
    if cs is None:
        return f"Image {image!r} denied ({result.verdict.value}): {result.explanation}"
    failures = _failures(cs) or [cs.explanation or result.verdict.value]
    return f"Image {image!r} denied by check set {check_set_text(cs)}: " + "; ".join(
        failures
    )


def _message(
    policy_name: str | None,
    verdict_allowed: bool,
    dry_run: bool,
    breakglass: bool,
    reasons: tuple[str, ...],
    count: int,
) -> str:
    if verdict_allowed:
        text = f"Admitted: all {count} image(s) conform to the platform policy."
        return text + (" Breakglass was requested (recorded)." if breakglass else "")
    joined = " ".join(reasons)
    if dry_run:
        return f"Admitted in dry-run ({DRY_RUN_MODE}); would have been denied: {joined}"
    if breakglass:
        return f"Admitted by breakglass; would have been denied: {joined}"
    named = f" {policy_name}" if policy_name else ""
    return f"Denied by Binary Authorization platform policy{named}: {joined}"


def platform_decision(
    response: EvaluateGkePolicyResponse,
    *,
    policy_name: str | None = None,
    dry_run: bool = False,
    breakglass: bool = False,
    failed_closed: bool = False,
) -> Decision:
    """The verdict of a one-Pod response (``detail`` is the response)."""
    images = tuple(r for pod in response.results for r in pod.image_results)
    verdicts = tuple(
        ImageVerdict(
            r.image_uri,
            r.verdict is Verdict.CONFORMANT,
            _rule(r),
            _reason(r),
            dry_run=dry_run,
        )
        for r in images
    )
    denied = tuple(v for v in verdicts if not v.allowed)
    verdict_allowed = not denied
    is_dry = bool(denied) and dry_run
    allowed = verdict_allowed or is_dry or breakglass
    reasons = tuple(v.reason for v in denied)
    return Decision(
        allowed=allowed,
        verdict_allowed=verdict_allowed,
        images=verdicts,
        breakglass=breakglass,
        dry_run=is_dry,
        message=_message(
            policy_name,
            verdict_allowed,
            is_dry,
            breakglass,
            reasons,
            len(verdicts),
        ),
        failed_closed=failed_closed,
        reasons=reasons,
        detail=response,
    )
