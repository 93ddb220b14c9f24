"""What a simulation produced: the timeline, each deploy's outcome, and checks.

:class:`ScenarioResult` is the one value every renderer reads (text, JSON,
HTML, JUnit, pytest failure reports). Expectation checking lives here too, so
the in-process and webhook paths are judged by the same code: a deploy's
:class:`Reply` is compared with its :class:`~.schema.Expectation` by
:func:`check_deploy` (both in :mod:`kritis_sim.scenarios.reply`, re-exported
here). No I/O, no rendering.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim.core.fixes import render
from kritis_sim.scenarios.reply import Reply, check_deploy, outcome_of
from kritis_sim.scenarios.schema import Deploy, Outcome, Scenario, Where

__all__ = [
    "DeployResult",
    "Reply",
    "RunSummary",
    "ScenarioResult",
    "TimelineEntry",
    "check_deploy",
    "outcome_of",
]


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
