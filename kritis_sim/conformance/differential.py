"""Differential mode: random cases, judged by the reference, run against an adapter.

Batches of worlds (:func:`kritis_sim.strategies.world_batches`) are drawn and
decided by the reference ahead of time in a producer process
(:mod:`kritis_sim.conformance.producer`); every world of a batch shares one
configuration (policy, attestors, cluster), so the adapter is configured
(``setup`` + ``start``) once per batch and then answers one review per world;
a batch's reviews go out concurrently where the worlds cannot see each other
(:func:`kritis_sim.conformance.runner.judge_all`). Each world becomes a case
whose expectation is the reference decision
(:func:`kritis_sim.conformance.generated.reference_allowed`); only what
``setup`` reads is written to disk, once per configuration.

Batches are sized to the adapter's reload cost, measured at start
(:func:`batch_size_for`): a dearer reload gets bigger batches. The size is
reported with the seed; the same seed and batch size draw the same worlds.

The run stops after ``examples`` cases or ``seconds`` of wall time, whichever
comes first. On the first disagreement the producer is stopped, the batch is
found again here from its recorded choices and Hypothesis shrinks it for at
most ``shrink_seconds`` (a shrink step that changes the configuration costs an
adapter reconfiguration); the smallest disagreeing world found is written
under ``out_dir`` as ``generated_<hash>[_deny]``, ready to be added to the
catalogue.

Results are memoised by world, so replays during shrinking cost nothing.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import Phase, Verbosity
from hypothesis.database import InMemoryExampleDatabase
from hypothesis.errors import Flaky, HypothesisWarning

from kritis_sim.conformance.case import CATALOGUE, load_case
from kritis_sim.conformance.generated import (
    case_data,
    world_case,
    world_digest,
    world_features,
)
from kritis_sim.conformance.generated_judge import BatchJudge, GeneratedCases
from kritis_sim.conformance.producer import Drawn, Producer, batch_test
from kritis_sim.conformance.runner import CaseResult, judge_all, open_session
from kritis_sim.conformance.session import Session
from kritis_sim.strategies import GeneratedWorld

__all__ = [
    "DifferentialRun",
    "batch_size_for",
    "case_data",
    "run_differential",
    "world_case",
    "world_features",
]

#: Batch sizes chosen from the measured reload cost stay within these.
MIN_BATCH, MAX_BATCH = 8, 32
#: The catalogue cases that measure the reload cost (two configurations).
_PROBES = ("default_always_allow", "default_always_deny_deny")


class _Stop(BaseException):
    """Ends the Hypothesis run when a budget is spent. Hypothesis counts only
    ``Exception`` (and ``SystemExit``, ``GeneratorExit``) as a failing test and
    lets other ``BaseException`` subclasses through, as it does
    ``KeyboardInterrupt``; it has no public way to stop generating or shrinking
    early."""


@dataclass
class _Run:
    """Bookkeeping of one differential run."""

    examples: int
    seconds: float | None
    shrink_seconds: float
    started: float = field(default_factory=time.perf_counter)
    ran: int = 0
    memo: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[GeneratedWorld, str]] = field(default_factory=list)
    first_failure_at: float | None = None

    def out_of_budget(self) -> bool:
        """Generating: enough cases ran or time is up. Shrinking: time is up."""
        now = time.perf_counter()
        if self.first_failure_at is not None:
            return now - self.first_failure_at >= self.shrink_seconds
        over_time = self.seconds is not None and now - self.started >= self.seconds
        return self.ran >= self.examples or over_time

    def check(
        self,
        batch: Sequence[GeneratedWorld],
        judge_batch: _JudgeBatch,
        allowed: Sequence[bool] | None = None,
    ) -> None:
        """Judge a batch's new worlds together (concurrently where they
        cannot see each other), then raise on its first disagreement.
        ``allowed``: the worlds' reference decisions, when already made.

        Raises:
            AssertionError: a world disagrees (Hypothesis then shrinks).
            _Stop: the budget is spent.
        """
        if self.out_of_budget():
            raise _Stop
        digests = [world_digest(world) for world in batch]
        decided = dict(zip(digests, allowed, strict=True)) if allowed else {}
        todo: dict[str, GeneratedWorld] = {}
        for key, world in zip(digests, batch, strict=True):
            if key not in self.memo:
                todo.setdefault(key, world)
        keys = list(todo)
        if self.first_failure_at is None:
            keys = keys[: max(self.examples - self.ran, 0)]
            self.ran += len(keys)  # cases tried while shrinking do not count
        details = judge_batch([(todo[k], decided.get(k)) for k in keys])
        for key, detail in zip(keys, details, strict=True):
            self.memo[key] = detail
        for key, world in zip(digests, batch, strict=True):
            if key not in self.memo:
                raise _Stop  # beyond the case cap
            detail = self.memo[key]
            if detail:
                # Hypothesis only tries candidates smaller than its current
                # best, so the last failure recorded is the smallest so far.
                self.first_failure_at = self.first_failure_at or time.perf_counter()
                self.failures.append((world, detail))
                raise AssertionError(detail)

    def generate(self, producer: Producer, judge_batch: _JudgeBatch) -> Drawn | None:
        """Judge the producer's batches until the budget is spent; the batch
        with the first disagreement, or None."""
        while not self.out_of_budget():
            drawn = producer.next()
            try:
                self.check(drawn.worlds, judge_batch, drawn.allowed)
            except AssertionError:
                return drawn
            except _Stop:
                return None
        return None

    def shrink(self, size: int, failing: Drawn, judge_batch: _JudgeBatch) -> None:
        """Find ``failing`` again in this process and let Hypothesis shrink it
        for at most ``shrink_seconds``: its choices are replayed as a fuzzer's
        failing input (saved to an in-memory example database), then the test
        runs with the reuse and shrink phases only. A disagreement that does not
        come back keeps the producer's world, unshrunk."""
        database = InMemoryExampleDatabase()
        check = batch_test(
            size, lambda batch: self.check(batch, judge_batch),
            database=database, max_examples=max(self.examples, 1),
            report_multiple_bugs=False, phases=[Phase.reuse, Phase.shrink],
            verbosity=Verbosity.quiet,
        )  # fmt: skip
        found = len(self.failures)
        try:
            check.hypothesis.fuzz_one_input(failing.choices)
        except AssertionError:
            pass  # found again, and saved for the shrink phase
        except _Stop:
            return
        if len(self.failures) == found:
            return  # not found again: the producer's world stands
        try:
            with warnings.catch_warnings():
                # Hypothesis warns when it prints a big failing batch; the
                # counterexample is written as a case directory instead.
                warnings.simplefilter("ignore", HypothesisWarning)
                check()  # not @seed: that turns the example database off
        except (AssertionError, Flaky, _Stop):
            pass  # shrunk (Flaky: a step did not reproduce) or out of time


_JudgeBatch = Callable[[list[tuple[GeneratedWorld, bool | None]]], list[str]]


@dataclass(frozen=True)
class DifferentialRun:
    """A differential run's outcome and rates.

    Attributes:
        result: one :class:`CaseResult` named ``generated``.
        cases: generated cases run (shrinking excluded).
        configurations: configurations the adapter was given.
        seconds: wall time.
        seed: the seed (given, or chosen at random and recorded).
        batch_size: the most worlds per configuration.
        reload_seconds: the measured configuration switch (median; 0 when
            the batch size was given, so nothing was measured).
        late_retries: the most resends of a case whose only problem was a
            late reply (:mod:`kritis_sim.conformance.generated_judge`).
        late_resent: how many such resends there were.
    """

    result: CaseResult
    cases: int
    configurations: int
    seconds: float
    seed: int
    batch_size: int
    reload_seconds: float
    late_retries: int = 0
    late_resent: int = 0

    def to_json(self) -> dict[str, float | int]:
        """The ``generated`` part of the JSON report."""
        per = (lambda n: round(n / self.seconds, 2)) if self.seconds else (lambda n: 0)
        return {
            "cases": self.cases,
            "configurations": self.configurations,
            "seconds": round(self.seconds, 3),
            "casesPerSecond": per(self.cases),
            "configurationsPerSecond": per(self.configurations),
            "seed": self.seed,
            "batchSize": self.batch_size,
            "reloadSeconds": round(self.reload_seconds, 4),
            "lateRetries": self.late_retries,
            "lateResent": self.late_resent,
        }


def batch_size_for(reload_s: float, review_s: float) -> int:
    """The most worlds per configuration so that reloads cost at most about a
    fifth of the time: a batch holds 1 to N worlds, uniformly, so about
    ``(N + 1) / 2``, and N is ``8 * reload / review``, within
    ``MIN_BATCH..MAX_BATCH``."""
    if review_s <= 0:
        return MAX_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, round(8 * reload_s / review_s)))


def _measure(session: Session, capabilities: frozenset[str]) -> tuple[float, float]:
    """(median configuration switch, median review) seconds, from two
    catalogue cases of different configurations, twice each."""
    probes = [load_case(CATALOGUE / name) for name in _PROBES] * 2
    reloads, reviews = [], []
    for case in probes:
        t0 = time.perf_counter()
        session.configure(case)
        reloads.append(time.perf_counter() - t0)
        (result,) = judge_all(session, [case], capabilities, {})
        reviews.append(result.reply_seconds or result.seconds)
    return statistics.median(reloads), statistics.median(reviews)


def run_differential(
    entrypoint: str,
    *,
    examples: int,
    out_dir: str | Path,
    seconds: float | None = None,
    shrink_seconds: float = 30.0,
    batch_size: int | None = None,
    seed: int | None = None,
    persistent: bool = True,
    late_retries: int = 0,
) -> CaseResult:
    """Run up to ``examples`` generated cases for at most ``seconds``; see
    :func:`differential` (this returns only its ``result``)."""
    return differential(
        entrypoint, examples=examples, out_dir=out_dir, seconds=seconds,
        shrink_seconds=shrink_seconds, batch_size=batch_size, seed=seed,
        persistent=persistent, late_retries=late_retries,
    ).result  # fmt: skip


def differential(
    entrypoint: str,
    *,
    examples: int,
    out_dir: str | Path,
    seconds: float | None = None,
    shrink_seconds: float = 30.0,
    batch_size: int | None = None,
    seed: int | None = None,
    persistent: bool = True,
    late_retries: int = 0,
    session_: tuple[Session, frozenset[str]] | None = None,
) -> DifferentialRun:
    """Run up to ``examples`` generated cases for at most ``seconds``.

    Args:
        entrypoint: the adapter command line.
        examples: the most generated cases to run.
        out_dir: where the minimal disagreeing case is written.
        seconds: a wall-time budget for generating and running (None: none).
        shrink_seconds: a wall-time budget for shrinking a disagreement.
        batch_size: the most cases that share one configuration (None: from
            the reload cost measured at start, :func:`batch_size_for`).
        seed: makes the draws reproducible, with the same batch size (None:
            a random seed, recorded in the result).
        persistent: use the adapter's persistent mode when it has one.
        late_retries: resend a case whose only problem is a late reply up to
            this many times (0: never; see
            :mod:`kritis_sim.conformance.generated_judge`).
        session_: an open session (:func:`~kritis_sim.conformance.runner.open_session`)
            to run in instead of a new one (``entrypoint`` is then only a label);
            its configuration is set up afresh first.
    """
    seed = random.randrange(2**32) if seed is None else seed
    run = _Run(examples, seconds, shrink_seconds)
    with contextlib.ExitStack() as stack:
        # Started first: its start-up overlaps the adapter's and the probes.
        producer = stack.enter_context(Producer(seed))
        tmp = stack.enter_context(
            tempfile.TemporaryDirectory(prefix="kritis-generated-")
        )
        if session_ is None:
            session_ = stack.enter_context(
                open_session(entrypoint, persistent=persistent)
            )
        session, capabilities = session_
        session.reconfigure()
        reload_s, size = 0.0, batch_size or 0
        if not size:  # measured only when needed
            reload_s, review_s = _measure(session, capabilities)
            size = batch_size_for(reload_s, review_s)
        producer.begin(size)
        before = session.configurations  # the probes above do not count
        judge_batch = BatchJudge(
            session, capabilities, GeneratedCases(Path(tmp)), late_retries
        )
        run.started = time.perf_counter()
        failing = run.generate(producer, judge_batch)
        producer.close()  # nothing more is drawn
        if failing is not None:
            run.shrink(size, failing, judge_batch)
        configurations = session.configurations - before
    elapsed = time.perf_counter() - run.started

    def made(result: CaseResult) -> DifferentialRun:
        return DifferentialRun(
            result, run.ran, configurations, elapsed, seed, size, reload_s,
            late_retries, judge_batch.late_resent,
        )  # fmt: skip

    if not run.failures:
        result = CaseResult(
            "generated", "passed",
            f"{run.ran} generated cases agreed (seed {seed}, batch size {size})",
            (), elapsed,
        )  # fmt: skip
        return made(result)
    world, detail = run.failures[-1]
    written = world_case(world, Path(out_dir))
    result = CaseResult(
        "generated", "failed",
        f"{run.ran} generated cases (seed {seed}, batch size {size}); minimal "
        f"disagreeing case written to {written.path}: {detail}", (), elapsed,
    )  # fmt: skip
    return made(result)
