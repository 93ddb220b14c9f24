"""What a simulation produced: the timeline, each deploy's outcome, and checks.

:class:`ScenarioResult` is the one value every renderer reads (text, JSON,
HTML, JUnit, pytest failure reports). Expectation checking lives here too, so
the in-process and webhook paths are judged by the same code: a deploy's
:class:`Reply` (from a :class:`~kritis_sim.model.decision.Decision` or from a
webhook's AdmissionReview reply) is compared with its
:class:`~.schema.Expectation`. No I/O, no rendering.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim.admission.verdicts import unsatisfied_attestor_lines
from kritis_sim.core.fixes import Fix, fixes, render
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse
from kritis_sim.scenarios.schema import Deploy, Expectation, Outcome, Scenario, Where

__all__ = [
    "DeployResult",
    "Reply",
    "RunSummary",
    "ScenarioResult",
    "TimelineEntry",
    "check_deploy",
    "outcome_of",
]


def outcome_of(decision: Decision) -> Outcome:
    """Classify a decision: allowed, denied, admitted by dry-run or by breakglass."""
    if not decision.allowed:
        return Outcome.DENIED
    if decision.verdict_allowed:
        return Outcome.ALLOWED
    return Outcome.DRY_RUN if decision.dry_run else Outcome.BREAKGLASS


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one admission request.

    A ``reason`` expectation is matched against :attr:`text`, which is the
    same on both paths: the in-process decision's reason lines, or the same
    lines read back from the webhook's audit annotations
    (:data:`~kritis_sim.admission.verdicts.DENIAL_REASONS` and
    :data:`~kritis_sim.admission.verdicts.UNSATISFIED_ATTESTORS`).

    Attributes:
        kind: the object's kind.
        name: the object's name.
        outcome: what happened.
        message: the one-paragraph summary (the webhook's status message).
        decision: the full decision (in-process path only); reasons and
            details are derived from it on demand.
        wire_reasons: reasons read from a webhook reply.
        wire_details: per-attestor lines read from a webhook reply.
        wire_notes: the webhook reply's warnings and other audit annotations
            (shown in reports, not matched).
    """

    kind: str
    name: str | None
    outcome: Outcome
    message: str
    decision: Decision | None = None
    wire_reasons: tuple[str, ...] = ()
    wire_details: tuple[str, ...] = ()
    wire_notes: tuple[str, ...] = ()
    evaluation: EvaluateGkePolicyResponse | None = None
    #: What would make the denied images pass, computed on demand (failure
    #: reports only); None on the webhook path, whose message has the hint.
    fixer: Callable[[], tuple[Fix, ...]] | None = field(
        default=None, compare=False, repr=False
    )

    @classmethod
    def from_decision(
        cls,
        kind: str,
        name: str | None,
        decision: Decision,
        attestors: Mapping[str, Attestor] | None = None,
        platform_policy: PlatformPolicy | None = None,
    ) -> Reply:
        """The reply of an in-process decision (``attestors`` or
        ``platform_policy``: what it was judged with, so fixes can name
        notes, keys and commands)."""
        fixer = (
            None
            if decision.verdict_allowed
            else functools.partial(
                fixes, decision, attestors or {}, platform_policy=platform_policy
            )
        )
        return cls(
            kind, name, outcome_of(decision), decision.message, decision, fixer=fixer
        )

    def fixes(self) -> tuple[Fix, ...]:
        """What would make the policy admit the denied images (may be empty)."""
        return () if self.fixer is None else self.fixer()

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reason sentence of each image the policy denies (in order)."""
        if self.decision is None:
            return self.wire_reasons
        return tuple(v.reason for v in self.decision.images if not v.allowed)

    @property
    def details(self) -> tuple[str, ...]:
        """``IMAGE: ATTESTOR: CODE: DETAIL`` per unsatisfied required attestor."""
        if self.decision is None:
            return self.wire_details
        return unsatisfied_attestor_lines(self.decision)

    @property
    def text(self) -> str:
        """What a ``reason`` pattern is searched in: reasons, then details, one a line."""
        return "\n".join((*self.reasons, *self.details))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "outcome": self.outcome.value,
            "message": self.message,
            "reasons": list(self.reasons),
            "details": list(self.details),
        }
        if self.decision is not None:
            out["decision"] = self.decision.to_dict()
        if self.evaluation is not None:
            out["evaluation"] = self.evaluation.to_dict()
        if self.wire_notes:
            out["notes"] = list(self.wire_notes)
        return out


def _check_one(what: str, want: Outcome | None, expect: Expectation, reply: Reply) -> list[str]:
    problems = []
    if want is not None and reply.outcome is not want:
        problems.append(f"{what}: expected {want.value}, got {reply.outcome.value}")
    if expect.reason is not None and not expect.reason.search(reply.text):
        problems.append(
            f"{what}: expected a reason matching /{expect.reason.pattern}/, got: "
            + ("; ".join(reply.reasons) or reply.message)
        )
    return problems


def check_deploy(event: Deploy, reply: Reply, pods: tuple[Reply, ...]) -> tuple[str, ...]:
    """The expectation failures of one deploy (empty when it holds)."""
    expect = event.expect
    if expect is None:
        return ()
    if expect.reason is None and expect.check is None and not pods and reply.outcome is expect.outcome:
        return ()  # the common case, without building any text
    problems = _check_one(event.kind, expect.outcome, expect, reply)
    if expect.check is not None:
        from kritis_sim.scenarios.platform import unmet_check

        problems += [f"{event.kind}: {p}" for p in unmet_check(expect.check, reply)]
    for i, pod in enumerate(pods):
        problems += _check_one(f"Pod {i + 1} of {len(pods)}", expect.pods, expect, pod)
    return tuple(problems)


# DeployResult and TimelineEntry are made once per event, so a long run makes
# many; they are not frozen because a frozen dataclass's __init__ costs about
# three times as much. Treat them as read-only.
@dataclass(slots=True)
class DeployResult:
    """One deploy event, its replies and the failed expectations (read-only)."""

    event: Deploy
    at: datetime.datetime
    reply: Reply
    pods: tuple[Reply, ...] = ()
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every expectation on this deploy holds."""
        return not self.failures

    def explain(self) -> str:
        """A multi-line failure report: where, expected vs actual, reasons."""
        lines = [f"{self.event.where}: deploy {self.event.label!r} at {self.at.isoformat()}"]
        lines += [f"  {f}" for f in self.failures]
        lines.append(f"  decision: {self.reply.message}")
        lines += [f"  reason: {r}" for r in self.reply.reasons]
        lines += [f"  detail: {d}" for d in self.reply.details]
        lines += [f"  note: {n}" for n in self.reply.wire_notes]
        found = self.reply.fixes()
        if found:
            lines.append(render(found))
        for i, pod in enumerate(self.pods):
            lines.append(f"  pod {i + 1}: {pod.outcome.value}: {pod.message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        expect = self.event.expect
        return {
            "name": self.event.label,
            "line": self.event.where.line,
            "at": self.at.isoformat(),
            "environment": self.event.environment,
            "artifacts": list(self.event.artifacts),
            "images": list(self.event.images),
            "kind": self.event.kind,
            "breakglassRequested": self.event.request.breakglass,
            "expected": None if expect is None or expect.outcome is None else expect.outcome.value,
            "expectedReason": None if expect is None or expect.reason is None else expect.reason.pattern,
            "outcome": self.reply.outcome.value,
            "ok": self.ok,
            "failures": list(self.failures),
            "reply": self.reply.to_dict(),
            "pods": [p.to_dict() for p in self.pods],
        }


@dataclass(slots=True)
class TimelineEntry:
    """One event as it happened: when, where it was written, what it did (read-only)."""

    at: datetime.datetime
    where: Where
    verb: str
    label: str
    deploy: DeployResult | None = None
    stage: str | None = None
    artifact: str | None = None
    passed: bool | None = None
    #: For an ``expect`` event: why it failed (empty: it holds); else None.
    failures: tuple[str, ...] | None = None

    @property
    def ok(self) -> bool:
        """Not an expectation, or one that holds."""
        return not self.failures

    def explain(self) -> str:
        """A multi-line failure report of an ``expect`` event."""
        lines = [f"{self.where}: {self.label} at {self.at.isoformat()}"]
        return "\n".join([*lines, *(f"  {f}" for f in self.failures or ())])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {
            "at": self.at.isoformat(),
            "line": self.where.line,
            "event": self.verb,
            "label": self.label,
        }
        if self.failures is not None:
            out["ok"] = not self.failures
            out["failures"] = list(self.failures)
        if self.stage is not None:
            out["stage"] = self.stage
            out["artifact"] = self.artifact
            out["passed"] = self.passed
        if self.deploy is not None:
            out["deploy"] = self.deploy.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """The outcome of simulating one scenario.

    Attributes:
        scenario: what was simulated.
        via: ``inprocess`` or ``webhook``.
        timeline: every event in order.
        reached: for each artifact, the environments that admitted it.
        reached_failures: failed pipeline (``expect.reached``) expectations.
    """

    scenario: Scenario
    via: str
    timeline: tuple[TimelineEntry, ...]
    reached: Mapping[str, frozenset[str]]
    reached_failures: tuple[str, ...] = ()
    seconds: float = 0.0
    cv_entries: tuple[dict[str, Any], ...] = ()
    cv_passes: int = 0

    @property
    def deploys(self) -> tuple[DeployResult, ...]:
        """Deploy results, in order."""
        return tuple(e.deploy for e in self.timeline if e.deploy is not None)

    @property
    def expectations(self) -> tuple[TimelineEntry, ...]:
        """The ``expect`` events (CV expectations), in order."""
        return tuple(e for e in self.timeline if e.failures is not None)

    @property
    def failures(self) -> tuple[str, ...]:
        """Every failed expectation, rendered with its location."""
        out = [d.explain() for d in self.deploys if not d.ok]
        out += [e.explain() for e in self.expectations if not e.ok]
        where = self.scenario.reached.where if self.scenario.reached else self.scenario.where
        out += [f"{where}: {f}" for f in self.reached_failures]
        return tuple(out)

    @property
    def ok(self) -> bool:
        """Every expectation holds."""
        return (
            not self.reached_failures
            and all(d.ok for d in self.deploys)
            and all(e.ok for e in self.expectations)
        )

    def count(self, outcome: Outcome) -> int:
        """How many deploys ended with ``outcome``."""
        return sum(1 for d in self.deploys if d.reply.outcome is outcome)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one entry of the report's ``scenarios`` list)."""
        s = self.scenario
        return {
            "name": s.name,
            "description": s.description,
            "file": s.where.source,
            "via": self.via,
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "stages": [
                {"name": st.name, "environment": st.environment, "attestor": st.attestor}
                for st in s.stages
            ],
            "environments": {
                e.name: {"cluster": e.cluster, "namespace": e.namespace, "serviceAccount": e.service_account}
                for e in s.environments.values()
            },
            "counts": {o.value: self.count(o) for o in Outcome} | {"deploys": len(self.deploys)},
            "reached": {a: sorted(envs) for a, envs in sorted(self.reached.items())},
            "reachedFailures": list(self.reached_failures),
            "failures": list(self.failures),
            "timeline": [e.to_dict() for e in self.timeline],
            "cv": {"passes": self.cv_passes, "entries": list(self.cv_entries)},
        }


@dataclass
class RunSummary:
    """Totals over many scenario results (the CLI's summary table)."""

    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def deploys(self) -> int:
        """Deploy events simulated."""
        return sum(len(r.deploys) for r in self.results)

    def count(self, outcome: Outcome) -> int:
        """Deploys with ``outcome``, over every scenario."""
        return sum(r.count(outcome) for r in self.results)

    @property
    def expectation_failures(self) -> int:
        """Failed deploy and pipeline expectations."""
        return sum(
            sum(1 for d in r.deploys if not d.ok)
            + sum(1 for e in r.expectations if not e.ok)
            + len(r.reached_failures)
            for r in self.results
        )

    @property
    def ok(self) -> bool:
        """Every expectation of every scenario holds."""
        return all(r.ok for r in self.results)

    def tally(self) -> tuple[int, int, int]:
        """``(passed, failed, skipped)`` checks, counted like JUnit test cases.

        Every deploy event is one check (plus one per ``expect.reached``): it
        passed when its expectation holds, failed when not, and is skipped
        when it states no expectation (nothing was checked).
        """
        passed = failed = skipped = 0
        for result in self.results:
            for deploy in result.deploys:
                if not deploy.ok:
                    failed += 1
                elif deploy.event.expect is None:
                    skipped += 1
                else:
                    passed += 1
            for entry in result.expectations:
                if entry.ok:
                    passed += 1
                else:
                    failed += 1
            if result.scenario.reached is not None:
                if result.reached_failures:
                    failed += 1
                else:
                    passed += 1
        return passed, failed, skipped

    def closing_line(self) -> str:
        """``N passed, N failed, N skipped`` (see :meth:`tally`)."""
        passed, failed, skipped = self.tally()
        return f"{passed} passed, {failed} failed, {skipped} skipped"
