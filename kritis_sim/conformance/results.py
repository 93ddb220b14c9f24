"""What running cases produces: per-case results, the suite result, and the
words the reports use for them.

:class:`CaseResult` is one case's outcome, :class:`SuiteResult` a whole run's
(with its rates), :class:`Attempt` what running one case got before it was
classified. Also the strict expected-failure list (:func:`load_xfail`) and the
texts for expected and observed answers and for late replies. No I/O beyond
reading the xfail file; nothing here runs a case
(:mod:`kritis_sim.conformance.runner` does).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.reviews import Observed

__all__ = [
    "OUTCOMES",
    "Attempt",
    "CaseResult",
    "SuiteResult",
    "expected_text",
    "late",
    "load_xfail",
    "observed_text",
    "xfail_reason",
]

OUTCOMES = ("passed", "failed", "skipped", "xfailed")


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one case.

    Attributes:
        name: the case name.
        outcome: ``passed``, ``failed``, ``skipped`` or ``xfailed``.
        detail: why it failed or was skipped (empty when passed).
        features: the case's feature tags.
        seconds: wall time spent on the case (configuration included).
        store_requests: requests the enforcer made to the suite's Grafeas.
        reply_seconds: how long the webhook took to answer the review (0 when
            no review was sent).
        expected: the expected answer in words (empty for skipped cases).
        got: the answer that came back in words (empty when none came).
    """

    name: str
    outcome: str
    detail: str = ""
    features: tuple[str, ...] = ()
    seconds: float = 0.0
    store_requests: int = 0
    reply_seconds: float = 0.0
    expected: str = ""
    got: str = ""


@dataclass
class SuiteResult:
    """All case results plus run facts."""

    entrypoint: str
    capabilities: frozenset[str]
    results: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0
    #: Configurations the adapter was given (``setup`` + ``start`` pairs).
    configurations: int = 0
    #: The differential run's figures (``DifferentialRun.to_json``), if any.
    generated: dict[str, Any] | None = None

    @property
    def summary(self) -> dict[str, int]:
        """Counts by outcome."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for r in self.results:
            counts[r.outcome] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Nothing failed unexpectedly."""
        return self.summary["failed"] == 0

    @property
    def configurations_per_second(self) -> float:
        """Configurations per second of wall time."""
        return self.configurations / self.seconds if self.seconds else 0.0

    @property
    def cases_per_second(self) -> float:
        """Executed (not skipped) cases per second of wall time."""
        ran = len([r for r in self.results if r.outcome != "skipped"])
        return ran / self.seconds if self.seconds else 0.0


def load_xfail(path: str | Path) -> dict[str, str]:
    """Read an expected-failure list: one case-name glob per line, an optional
    ``# reason`` after it; blank lines and lines starting with ``#`` are skipped."""
    out: dict[str, str] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        glob, _, reason = line.partition("#")
        out[glob.strip()] = reason.strip() or "listed in the xfail file"
    return out


def xfail_reason(name: str, xfail: Mapping[str, str]) -> str | None:
    for glob, reason in xfail.items():
        if fnmatch.fnmatchcase(name, glob):
            return reason
    return None


@dataclass
class Attempt:
    """What running one case produced (filled in as far as it got)."""

    problem: str = ""
    store_requests: int = 0
    reply_seconds: float = 0.0
    got: str = ""


def expected_text(case: Case) -> str:
    """The expected answer in words: ``denied (reason matching 'x')``."""
    if case.expect.allowed:
        return "allowed"
    reason = case.expect.reason
    return f"denied (reason matching {reason!r})" if reason else "denied"


def observed_text(observed: Observed) -> str:
    verdict = "allowed" if observed.allowed else "denied"
    return (
        f"{verdict} (message: {observed.message!r:.300})"
        if observed.message
        else verdict
    )


def late(reply_seconds: float, budget_s: int) -> str | None:
    """The problem with a reply that took ``reply_seconds`` under a
    ``?timeout=`` of ``budget_s`` seconds (None when in time)."""
    if reply_seconds <= budget_s:
        return None
    return (
        f"reply took {reply_seconds:.2f} s, past the request's "
        f"?timeout={budget_s}s budget"
    )
