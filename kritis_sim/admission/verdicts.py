"""Turn a :class:`~kritis_sim.model.decision.Decision` into what the webhook says.

One place decides the user-facing text of every outcome, for both wire
formats: the denial message, the warnings kubectl prints (dry-run and
breakglass admissions say what would have been blocked; a breakglass marker
on a controller's own metadata is said to belong on its pod template), and the
audit annotations (an UPDATE that changes no image: ``images-not-rejudged``).
A denial's message ends with a short fix hint (``Fix: attest ... with key id
...``, at most :data:`MAX_FIX_HINT` characters; the full fixes go to the audit
log) when the caller passes the fixes of :mod:`kritis_sim.core.fixes`. Annotation keys are sent *without* GKE's
``imagepolicywebhook.image-policy.k8s.io/`` prefix because the API server
prefixes them itself (with the webhook name for AdmissionReview, with that very
prefix for ImageReview), and a key holding two ``/`` would be dropped as not a
qualified name.

Pure functions; no I/O.
"""

from __future__ import annotations

from kritis_sim.admission.review import AdmissionVerdict, shorten
from kritis_sim.admission.workloads import NotApplicable, NotRejudged, Workload
from kritis_sim.core.fixes import Fix, hint
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.decision import AUDIT_PREFIX, Decision

__all__ = [
    "DENIAL_REASONS",
    "MAX_FIX_HINT",
    "UNSATISFIED_ATTESTORS",
    "decision_verdict",
    "not_applicable_verdict",
    "unsatisfied_attestor_lines",
]

#: Audit annotation: the reason sentence of each image the policy denies
#: (also when dry-run or breakglass admitted it), one per line.
DENIAL_REASONS = "denial-reasons"
#: Audit annotation: ``IMAGE: ATTESTOR: CODE: DETAIL`` for each required
#: attestor that is not satisfied (``CODE`` as ``too-old``), one per line.
#: Scenario ``reason`` expectations match these lines through the webhook as
#: they do in-process.
UNSATISFIED_ATTESTORS = "unsatisfied-attestors"
#: The longest fix hint appended to a denial message (kubectl prints the
#: message on one line; the API server keeps it in events of bounded size).
MAX_FIX_HINT = 300


def unsatisfied_attestor_lines(decision: Decision) -> tuple[str, ...]:
    """``IMAGE: ATTESTOR: CODE: DETAIL`` for each unsatisfied required attestor."""
    return tuple(
        f"{v.image}: {a.attestor}: {a.reason.value}: {a.detail}"
        for v in decision.images
        for a in v.attestors
        if not a.satisfied
    )


def _annotations(decision: Decision) -> dict[str, str]:
    if decision.verdict_allowed and not (decision.breakglass or decision.failed_closed):
        return {}  # the common case: nothing to record
    out = {
        key.removeprefix(AUDIT_PREFIX): value
        for key, value in decision.audit_annotations().items()
    }
    if decision.breakglass:
        out["break-glass"] = "true"
    if not decision.allowed:
        out["denied"] = "true"
    reasons = [v.reason for v in decision.denied_images]
    if reasons:
        out[DENIAL_REASONS] = "\n".join(reasons)
    attestors = unsatisfied_attestor_lines(decision)
    if attestors:
        out[UNSATISFIED_ATTESTORS] = "\n".join(attestors)
    return out


def _warnings(decision: Decision, workload: Workload) -> tuple[str, ...]:
    warnings: list[str] = []
    if decision.allowed and not decision.verdict_allowed:
        why = "dry-run" if decision.dry_run else "breakglass"
        for verdict in decision.denied_images:
            warnings.append(
                shorten(f"{why}: admitted but would be denied: {verdict.reason}")
            )
    if decision.breakglass:
        markers = ", ".join(workload.breakglass) or "breakglass"
        warnings.append(shorten(f"breakglass used and audited ({markers})"))
    if decision.failed_closed and decision.allowed:
        warnings.append("attestation store failed; admitted only by override")
    for misplaced in workload.misplaced_breakglass:
        warnings.append(shorten(f"ignored: {misplaced}"))
    return tuple(warnings)


def decision_verdict(
    decision: Decision,
    workload: Workload,
    target: DeployTarget | None = None,
    fixes: tuple[Fix, ...] = (),
) -> AdmissionVerdict:
    """The webhook's answer for a decided workload; a denial ends with the
    deploy target it was judged for, when ``target`` is given, after a short
    hint from ``fixes``."""
    message = decision.message
    if not decision.allowed and fixes:
        message += " " + hint(fixes, MAX_FIX_HINT)
    if not decision.allowed and target is not None:
        message += f" [{target.describe()}]"
    if not decision.allowed and workload.kind != "Pod":
        who = f"{workload.kind} {workload.name}" if workload.name else workload.kind
        message = f"{who}: {message} (its Pods would be denied as well)"
        if workload.misplaced_breakglass:
            message += "; " + "; ".join(workload.misplaced_breakglass)
    return AdmissionVerdict(
        allowed=decision.allowed,
        message=message,
        warnings=_warnings(decision, workload),
        audit_annotations=_annotations(decision),
    )


def not_applicable_verdict(outcome: NotApplicable) -> AdmissionVerdict:
    """The webhook's answer when the request carries nothing to judge (or,
    for an UPDATE that changes no image, nothing new to judge)."""
    if isinstance(outcome, NotRejudged):
        return AdmissionVerdict(
            allowed=True,
            message=outcome.reason,
            audit_annotations={"images-not-rejudged": outcome.reason},
        )
    return AdmissionVerdict(
        allowed=True,
        message=outcome.reason,
        audit_annotations={"not-applicable": outcome.reason},
    )
