"""One continuous-validation pass: every item judged, entries and a summary.

:func:`validate` asks a :class:`~kritis_sim.cv.judge.Judge` about every item
read by :mod:`kritis_sim.cv.inputs` at one time ``now``. Running Pods give
CV log entries (:mod:`kritis_sim.cv.entries`) when they violate, as GKE logs
them; pod templates of controllers (Deployments, ReplicaSets, CronJobs, ...)
are judged the same way but reported apart, since GKE logs Pods only. The
judge's config errors become ``configErrorEvent`` entries. A
:class:`~kritis_sim.cv.judge.WorkloadJudge` is asked once per distinct
(images, namespace, service account) in a pass: its judgement depends on
nothing else at one ``now``. Breakglassed
workloads are judged as if breakglass were absent and marked.

Reports (text, HTML, the ``--summary`` JSON) also say, for each violating
item, what would make it pass (:mod:`kritis_sim.core.fixes`, asked of the
judge on demand); the log entries never carry it.

Exit status of the pass (:attr:`CvReport.exit_code`): 0 nothing violates,
1 a Pod or template violates or there is a config error, 2 an evaluation
could not be completed (never counted as conformant). This module neither
reads files nor prints.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kritis_sim.core.fixes import render as render_fixes
from kritis_sim.cv.entries import (
    Cluster,
    config_error_entry,
    pod_event_entry,
    rfc3339,
)
from kritis_sim.cv.inputs import Inputs, gc_paused
from kritis_sim.cv.items import CvItem
from kritis_sim.cv.judge import Judge, Judgement, WorkloadJudge
from kritis_sim.model.fix import Fix

__all__ = ["CvReport", "Result", "validate"]


@dataclass(frozen=True, slots=True)
class Result:
    """One item and its judgement."""

    item: CvItem
    judgement: Judgement

    @property
    def status(self) -> str:
        """``conforms``, ``violates`` or ``error``."""
        if self.judgement.error is not None:
            return "error"
        return "conforms" if self.judgement.conforms else "violates"


@dataclass
class CvReport:
    """What one pass found.

    Attributes:
        now: the evaluation time.
        pods: results of running Pods, in input order.
        templates: results of controllers' pod templates, in input order.
        entries: CV log entries (config errors first, then violating Pods).
        inputs: what was read and skipped.
        fixer: the judge's ``fixes`` (what would make a denial pass), when it
            has one; reports ask it for violating items only.
    """

    now: datetime
    pods: list[Result] = field(default_factory=list)
    templates: list[Result] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    config_errors: list[str] = field(default_factory=list)
    inputs: Inputs = field(default_factory=Inputs)
    fixer: Callable[[Judgement], tuple[Fix, ...]] | None = None

    def fixes(self, result: Result) -> tuple[Fix, ...]:
        """What would make ``result``'s denied images pass (none when it
        conforms, could not be evaluated, or the judge cannot say)."""
        if self.fixer is None or result.status != "violates":
            return ()
        return self.fixer(result.judgement)

    def fix_summary(self) -> list[dict[str, Any]]:
        """Per violating Pod or template: its name and its fixes, JSON-ready
        (for the summary; CV log entries stay exactly as GKE writes them)."""
        out: list[dict[str, Any]] = []
        for kind, results in (("pod", self.pods), ("podTemplate", self.templates)):
            for result in results:
                found = self.fixes(result)
                if found:
                    w = result.item.workload
                    out.append(
                        {
                            kind: f"{w.namespace}/{w.name or '(unnamed)'}",
                            "kind": w.kind,
                            "fixes": [f.to_dict() for f in found],
                        }
                    )
        return out

    @property
    def exit_code(self) -> int:
        results = [*self.pods, *self.templates]
        if any(r.status == "error" for r in results):
            return 2
        if self.config_errors or any(r.status == "violates" for r in results):
            return 1
        return 0

    def summary(self) -> dict[str, Any]:
        """Counts, JSON-ready."""

        def counts(results: list[Result]) -> dict[str, int]:
            out = {"conforms": 0, "violates": 0, "error": 0}
            for r in results:
                out[r.status] += 1
            out["breakglass"] = sum(1 for r in results if r.item.workload.breakglass)
            return out

        return {
            "evaluatedAt": rfc3339(self.now),
            "pods": counts(self.pods),
            "podTemplates": counts(self.templates),
            "configErrors": len(self.config_errors),
            "logEntries": len(self.entries),
            "skipped": self.inputs.skip_counts(),
        }


def validate(
    inputs: Inputs, judge: Judge, *, cluster: Cluster, now: datetime
) -> CvReport:
    """Judge every item of ``inputs`` at ``now`` (with
    :func:`~kritis_sim.cv.inputs.gc_paused`)."""
    with gc_paused():
        return _validate(inputs, judge, cluster=cluster, now=now)


def _validate(
    inputs: Inputs, judge: Judge, *, cluster: Cluster, now: datetime
) -> CvReport:
    report = CvReport(now=now, inputs=inputs, fixer=getattr(judge, "fixes", None))
    for description in judge.config_errors():
        report.config_errors.append(description)
        report.entries.append(config_error_entry(description, cluster=cluster, now=now))
    memo: dict[Hashable, Judgement] = {}
    key_of = judge.memo_key if isinstance(judge, WorkloadJudge) else None
    for item in inputs.items:
        if key_of is None:
            judgement = judge.judge(item.workload, now)
        else:
            key = key_of(item.workload)
            found = memo.get(key)
            if found is None:
                found = memo[key] = judge.judge(item.workload, now)
            judgement = found
        result = Result(item, judgement)
        (report.pods if item.is_pod else report.templates).append(result)
        if item.is_pod and result.status != "conforms":
            report.entries.append(
                pod_event_entry(item, result.judgement, cluster=cluster, now=now)
            )
    return report


def _line(report: CvReport, result: Result) -> list[str]:
    w = result.item.workload
    head = f"{result.status.upper():9} {w.kind} {w.namespace}/{w.name or '(unnamed)'}"
    extras = [f"at {result.item.where}", f"service account {w.service_account}"]
    if result.item.deploy_time is not None:
        extras.append(f"deployed {rfc3339(result.item.deploy_time)}")
    if result.item.owner:
        extras.append(f"owned by {result.item.owner}")
    if w.breakglass:
        extras.append("BREAKGLASS (" + ", ".join(w.breakglass) + "; ignored by CV)")
    lines = [f"{head} ({'; '.join(extras)})"]
    if result.judgement.error is not None:
        lines.append(f"    error: {result.judgement.error}")
    for image in result.judgement.images:
        if not image.allowed or result.judgement.error is not None:
            lines.append(f"    DENY {image.image}: {image.description}")
    found = report.fixes(result)
    if found:
        lines.append(render_fixes(found))
    return lines


def render_text(report: CvReport) -> str:
    """The human report: Pods, then pod templates, then the summary."""
    out: list[str] = [f"continuous validation at {rfc3339(report.now)}"]
    for description in report.config_errors:
        out.append(f"CONFIG ERROR {description}")
    for title, results in (
        ("running Pods", report.pods),
        ("pod templates (not logged by GKE)", report.templates),
    ):
        out.append(f"{title}: {len(results)}")
        for result in results:
            out.extend(_line(report, result))
    out.append(render_summary(report))
    return "\n".join(out)


def render_summary(report: CvReport) -> str:
    """The summary in a few lines."""
    s = report.summary()
    lines = []
    for title, key in (("Pods", "pods"), ("pod templates", "podTemplates")):
        c = s[key]
        lines.append(
            f"{title}: {c['violates']} violate, {c['conforms']} conform, "
            f"{c['error']} could not be evaluated ({c['breakglass']} breakglassed)"
        )
    lines.append(
        f"CV log entries: {s['logEntries']} (config errors: {s['configErrors']})"
    )
    skipped = s["skipped"]
    lines.append(f"skipped: {sum(skipped.values())}")
    lines.extend(f"  {n} x {reason}" for reason, n in skipped.items())
    return "\n".join(lines)
