"""Human text for decisions: the one-paragraph message and a longer explanation.

Pure string building over :class:`~kritis_sim.model.decision.Decision` values;
used by the CLI, the webhook and reports so all of them say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

from kritis_sim.model.decision import Decision

__all__ = ["explain", "summarise"]


def summarise(
    allowed: bool,
    verdict_allowed: bool,
    dry_run: bool,
    breakglass: bool,
    reasons: Sequence[str],
    image_count: int,
) -> str:
    """The decision's one-paragraph message."""
    if verdict_allowed:
        text = f"Admitted: all {image_count} image(s) comply with the policy."
        if breakglass:
            text += " Breakglass was requested (recorded)."
        return text
    joined = " ".join(reasons)
    if dry_run:
        return f"Admitted in dry-run (DRYRUN_AUDIT_LOG_ONLY); would have been denied: {joined}"
    if breakglass:
        return f"Admitted by breakglass; would have been denied: {joined}"
    assert not allowed
    return f"Denied by Binary Authorization policy: {joined}"


def explain(decision: Decision) -> str:
    """A multi-line explanation: verdict, then each image and attestor."""
    lines = [decision.message, ""]
    for v in decision.images:
        mark = "ALLOW" if v.allowed else "DENY "
        suffix = " (dry-run)" if v.dry_run and not v.allowed else ""
        lines.append(f"{mark} {v.image}{suffix}")
        lines.append(f"      rule: {v.rule.describe()}")
        lines.append(f"      why:  {v.reason}")
        for o in v.attestors:
            ok = "ok  " if o.satisfied else "FAIL"
            lines.append(f"      [{ok}] {o.attestor}: {o.reason.value}: {o.detail}")
    return "\n".join(lines)
