"""Run cases against an adapter: the heart of ``kritis-sim conformance``.

For a list of cases the runner opens a session
(:func:`~kritis_sim.conformance.session.open_session`, re-exported here: the
adapter's capabilities, the suite's Grafeas, the webhook client) and for each
case: skips it when a needed feature is not declared; configures the
enforcer (``setup`` + ``start``, only when the case's configuration differs
from the previous one: cases are ordered by configuration); stores the world,
injects the fault; sends the review; and compares the reply with the
expectation (a platform case through the evaluate API when the adapter declares
``evaluate-api``: :mod:`kritis_sim.conformance.evaluate_api`). An adapter declaring ``persistent`` is driven through one
``serve`` process (:mod:`kritis_sim.conformance.served`). Cases of one
configuration whose worlds cannot see each other are reviewed concurrently in
*waves* (:mod:`kritis_sim.conformance.waves`; at most ``concurrency`` reviews
in flight over keep-alive connections), their worlds stored in one batch;
results are reported in run order whatever the concurrency. Every reply is timed: one that arrives after the request's
``?timeout=`` fails the case even when the verdict is right (an API server
would have given up on it). Expected failures are applied strictly: a listed
case that passes is a failure too.

The outcome is a :class:`SuiteResult`; rendering (JSON, JUnit, matrix) lives
in :mod:`kritis_sim.conformance.report`. Nothing here prints.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.evaluate_api import evaluate_case, verdict_problems
from kritis_sim.conformance.features import EVALUATE_API
from kritis_sim.conformance.results import (
    OUTCOMES,
    Attempt,
    CaseResult,
    SuiteResult,
    expected_text,
    late,
    load_xfail,
    observed_text,
    xfail_reason,
)
from kritis_sim.conformance.reviews import compare, parse_reply
from kritis_sim.conformance.served import REPLY_TIMEOUT_S
from kritis_sim.conformance.session import CONCURRENCY, Session, open_session
from kritis_sim.conformance.waves import attribute, plan_waves
from kritis_sim.errors import ConformanceError

__all__ = [
    "OUTCOMES",
    "CaseResult",
    "SuiteResult",
    "expected_text",
    "judge",
    "judge_all",
    "judge_wave",
    "late",
    "load_xfail",
    "open_session",
    "run_cases",
    "shard",
]


def _review(
    session: Session, case: Case, capabilities: frozenset[str], attempt: Attempt
) -> None:
    """Send ``case``'s review (its world already stored) and judge the reply,
    recording into ``attempt``.

    Raises:
        ConformanceError: the enforcer broke the protocol.
    """
    if case.platform is not None and EVALUATE_API in capabilities:
        assert session.client is not None
        verdict, attempt.reply_seconds = evaluate_case(session.client, case)
        attempt.got = f"verdict {verdict}"
        problems = verdict_problems(case, verdict)
        lateness = late(attempt.reply_seconds, case.request.timeout_s)
        attempt.problem = "; ".join([*problems, *([lateness] if lateness else [])])
        return
    sent, status, body, attempt.reply_seconds = session.send(case)
    observed = parse_reply(sent, status, body)
    attempt.got = observed_text(observed)
    problems = compare(case.expect, observed, capabilities=capabilities)
    lateness = late(attempt.reply_seconds, case.request.timeout_s)
    if lateness is not None:
        problems.append(lateness)
    attempt.problem = "; ".join(problems)


def _run_wave(
    session: Session, wave: Sequence[Case], capabilities: frozenset[str]
) -> list[Attempt]:
    """Configure for ``wave`` (one configuration), store all its worlds at
    once, inject its fault (a faulty case is alone in its wave), then send its
    reviews concurrently; each reply is timed on its own."""
    attempts = [Attempt() for _ in wave]
    try:
        session.configure(wave[0])
        session.grafeas.seed_many([c.world for c in wave], datetime.now(UTC))
    except ConformanceError as exc:
        for attempt in attempts:
            attempt.problem = f"protocol: {exc}"
        return attempts
    before = session.grafeas.request_count

    def one(i: int) -> None:
        try:
            _review(session, wave[i], capabilities, attempts[i])
        except ConformanceError as exc:
            attempts[i].problem = f"protocol: {exc}"

    session.grafeas.set_fault(wave[0].world.fault if len(wave) == 1 else None)
    try:
        if len(wave) == 1 or session.pool is None:
            for i in range(len(wave)):
                one(i)
        else:
            list(session.pool.map(one, range(len(wave))))
    finally:
        session.grafeas.set_fault(None)
        log = session.grafeas.requests_since(before)
        for attempt, count in zip(attempts, attribute(wave, log), strict=True):
            attempt.store_requests = count
    return attempts


def run_cases(
    entrypoint: str,
    cases: Sequence[Case],
    *,
    xfail: Mapping[str, str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
    workdir: str | Path | None = None,
    persistent: bool = True,
    concurrency: int = CONCURRENCY,
    reply_timeout: float = REPLY_TIMEOUT_S,
    sessions: int = 1,
) -> SuiteResult:
    """Run ``cases`` against the adapter ``entrypoint`` (see :func:`open_session`
    for ``persistent``, ``concurrency`` and ``reply_timeout``). Results come
    back sorted by name, and ``on_result`` sees them in run order, whatever the
    concurrency.

    With ``sessions`` above 1, that many sessions (each its own adapter
    instance and suite Grafeas) run side by side in threads, each on whole
    configurations (:func:`shard`); ``on_result`` still sees run order.
    """
    started = time.perf_counter()
    xfail = xfail or {}
    ordered = sorted(cases, key=lambda c: (c.config_key, c.name))
    options: dict[str, Any] = {
        "persistent": persistent, "concurrency": concurrency,
        "reply_timeout": reply_timeout,
    }  # fmt: skip
    if sessions > 1:
        result = _run_sessions(
            entrypoint, shard(ordered, sessions), ordered, xfail, on_result, workdir,
            options,
        )  # fmt: skip
    else:
        with open_session(entrypoint, workdir, **options) as (session, capabilities):
            result = SuiteResult(entrypoint, capabilities)
            for r in judge_all(session, ordered, capabilities, xfail):
                result.results.append(r)
                if on_result is not None:
                    on_result(r)
            result.configurations = session.configurations
    result.results.sort(key=lambda r: r.name)
    result.seconds = time.perf_counter() - started
    return result


def shard(cases: Sequence[Case], sessions: int) -> list[list[Case]]:
    """``cases`` (in run order) split into at most ``sessions`` parts of whole
    configurations, as even in cases as a greedy split makes them (largest
    configuration first, to the smallest part); each part keeps run order."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.config_key, []).append(case)
    parts: list[list[Case]] = [[] for _ in range(max(1, min(sessions, len(groups))))]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(parts, key=len).extend(group)
    order = {id(case): i for i, case in enumerate(cases)}
    return [sorted(part, key=lambda c: order[id(c)]) for part in parts]


def _run_sessions(
    entrypoint: str,
    parts: list[list[Case]],
    ordered: Sequence[Case],
    xfail: Mapping[str, str],
    on_result: Callable[[CaseResult], None] | None,
    workdir: str | Path | None,
    options: dict[str, Any],
) -> SuiteResult:
    """:func:`run_cases` over one session per part, side by side."""
    position = {id(case): i for i, case in enumerate(ordered)}
    done: queue.Queue[tuple[int, CaseResult | None, Any]] = queue.Queue()
    stopping = threading.Event()

    def run(part: list[Case]) -> None:
        try:
            with open_session(entrypoint, workdir, **options) as (session, caps):
                judged = judge_all(session, part, caps, xfail)
                for case, r in zip(part, judged, strict=True):
                    done.put((position[id(case)], r, None))
                    if stopping.is_set():
                        break
                configured = (caps, session.configurations)
            done.put((-1, None, configured))
        except BaseException as exc:  # raised again in the caller's thread
            done.put((-1, None, exc))

    threads = [threading.Thread(target=run, args=(p,), daemon=True) for p in parts]
    results: dict[int, CaseResult] = {}
    finished: list[tuple[frozenset[str], int]] = []
    emitted = 0
    try:
        for thread in threads:
            thread.start()
        while len(finished) < len(threads):
            index, r, end = done.get()
            if isinstance(end, BaseException):
                raise end
            if end is not None:
                finished.append(end)
            if r is not None:
                results[index] = r
            while emitted in results:
                if on_result is not None:
                    on_result(results[emitted])
                emitted += 1
    finally:
        stopping.set()
        for thread in threads:
            thread.join()
    result = SuiteResult(entrypoint, finished[0][0])
    result.results = [results[i] for i in sorted(results)]
    result.configurations = sum(n for _, n in finished)
    return result


def judge_all(
    session: Session,
    cases: Sequence[Case],
    capabilities: frozenset[str],
    xfail: Mapping[str, str],
) -> Iterator[CaseResult]:
    """Judge ``cases`` (in run order) in waves; yields results in that order."""
    runnable = [c for c in cases if not _missing(case=c, capabilities=capabilities)]
    waves = iter(plan_waves(runnable, session.concurrency))
    pending: list[CaseResult] = []
    for case in cases:
        if _missing(case=case, capabilities=capabilities):
            yield judge(session, case, capabilities, xfail)
            continue
        if not pending:
            pending = judge_wave(session, next(waves), capabilities, xfail)
        yield pending.pop(0)


def _missing(*, case: Case, capabilities: frozenset[str]) -> list[str]:
    if EVALUATE_API in capabilities and case.platform is None:
        return ["an admission webhook (classic case; the adapter has evaluate-api)"]
    return sorted(set(case.expect.features) - capabilities)


def judge_wave(
    session: Session,
    wave: Sequence[Case],
    capabilities: frozenset[str],
    xfail: Mapping[str, str],
) -> list[CaseResult]:
    """Run one wave (:mod:`kritis_sim.conformance.waves`) and classify each
    case; a case's ``seconds`` is its share of the wave's wall time."""
    t0 = time.perf_counter()
    attempts = _run_wave(session, wave, capabilities)
    share = (time.perf_counter() - t0) / len(wave)
    return [
        _classify(case, attempt, share, xfail)
        for case, attempt in zip(wave, attempts, strict=True)
    ]


def judge(
    session: Session,
    case: Case,
    capabilities: frozenset[str],
    xfail: Mapping[str, str],
) -> CaseResult:
    """Run one case in an open session and classify the outcome."""
    missing = _missing(case=case, capabilities=capabilities)
    if missing:
        return CaseResult(
            case.name, "skipped", f"adapter lacks {', '.join(missing)}",
            case.expect.features,
        )  # fmt: skip
    (result,) = judge_wave(session, [case], capabilities, xfail)
    return result


def _classify(
    case: Case, attempt: Attempt, seconds: float, xfail: Mapping[str, str]
) -> CaseResult:
    base = CaseResult(
        case.name, "passed", "", case.expect.features, seconds,
        attempt.store_requests, attempt.reply_seconds, expected_text(case),
        attempt.got,
    )  # fmt: skip
    reason = xfail_reason(case.name, xfail)
    if reason is not None:
        if attempt.problem:
            return replace(
                base, outcome="xfailed", detail=f"{reason}: {attempt.problem}"
            )
        return replace(
            base,
            outcome="failed",
            detail=f"XPASS(strict): listed as expected to fail ({reason})",
        )
    if attempt.problem:
        return replace(base, outcome="failed", detail=attempt.problem)
    return base
