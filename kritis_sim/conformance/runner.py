"""Run cases against an adapter: the heart of ``kritis-sim conformance``.

For a list of cases the runner asks the adapter for its capabilities, serves
the suite's Grafeas (:class:`~kritis_sim.conformance.store.SuiteGrafeas`), and
for each case: skips it when a needed feature is not declared; configures the
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

import contextlib
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.evaluate_api import evaluate_case, verdict_problems
from kritis_sim.conformance.features import EVALUATE_API
from kritis_sim.conformance.protocol import Adapter, Endpoint
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
from kritis_sim.conformance.reviews import (
    build_review,
    compare,
    parse_reply,
    review_path,
)
from kritis_sim.conformance.served import PERSISTENT, REPLY_TIMEOUT_S, ServedAdapter
from kritis_sim.conformance.store import SuiteGrafeas
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
]

#: How long past the request's ?timeout= the suite waits for a reply at all
#: (so a late reply is measured and reported, not just a transport error).
_GRACE_S = 5.0
#: How many reviews of one configuration are in flight at once by default.
CONCURRENCY = 4


class _Session:
    """One adapter, one Grafeas, the current endpoint and HTTP client."""

    def __init__(
        self, adapter: Adapter | ServedAdapter, grafeas: SuiteGrafeas, work: Path
    ) -> None:
        self.adapter = adapter
        self.grafeas = grafeas
        self.work = work
        self.config_key: str | None = None
        self.config_dir: Path | None = None
        self.endpoint: Endpoint | None = None
        self.client: httpx.Client | None = None
        self._n = 0
        self._broken: tuple[str, str] | None = None
        self.pool: ThreadPoolExecutor | None = None
        self.concurrency = 1

    def configure(self, case: Case) -> None:
        """Make the adapter serve ``case``'s configuration (a no-op when it
        already does). A configuration the adapter failed on fails its other
        cases with the same message, without asking the adapter again.

        Raises:
            ConformanceError: the adapter could not be configured.
        """
        if case.config_key == self.config_key and self.endpoint is not None:
            return
        if self._broken is not None and self._broken[0] == case.config_key:
            raise ConformanceError(self._broken[1])
        self._n += 1
        config_dir = self.work / f"config-{self._n:04d}"
        self.config_key = None
        try:
            self.adapter.setup(case.path, self.grafeas.url, config_dir)
            self.config_dir = config_dir
            endpoint = self.adapter.start(config_dir)
        except ConformanceError as exc:
            self._broken = (case.config_key, str(exc))
            raise
        self.config_key = case.config_key
        if self.endpoint != endpoint:
            if self.client is not None:
                self.client.close()
            verify: bool | ssl.SSLContext = (
                ssl.create_default_context(cafile=endpoint.ca_file)
                if endpoint.ca_file
                else True
            )
            self.client = httpx.Client(
                base_url=endpoint.base_url,
                verify=verify,
                limits=httpx.Limits(max_keepalive_connections=32),
            )
            self.endpoint = endpoint

    def reconfigure(self) -> None:
        """Forget the current configuration: the next case is set up afresh
        (for an adapter whose answers depend on more than the case)."""
        self.config_key = None
        self._broken = None

    @property
    def configurations(self) -> int:
        """How many configurations the adapter was given so far."""
        return self._n

    def send(self, case: Case) -> tuple[dict[str, Any], int, Any, float]:
        """POST the case's review; returns (sent, status, body, reply seconds)."""
        assert self.client is not None
        sent = build_review(case.request)
        budget = case.request.timeout_s
        t0 = time.perf_counter()
        try:
            for attempt in (1, 2):
                try:
                    reply = self.client.post(
                        review_path(case.request),
                        params={"timeout": f"{budget}s"},
                        json=sent,
                        timeout=budget + _GRACE_S,
                    )
                    break
                except httpx.RemoteProtocolError:
                    # A kept-alive connection the server closed as the review
                    # went out (it answered nothing): sent once more, on a
                    # fresh connection; the time of both attempts counts.
                    if attempt == 2:
                        raise
        except httpx.TimeoutException:
            raise ConformanceError(
                f"no reply within {budget + _GRACE_S:.0f} s (the request's "
                f"?timeout={budget}s plus {_GRACE_S:.0f} s of grace)"
            ) from None
        except httpx.HTTPError as exc:
            raise ConformanceError(f"webhook request failed: {exc!r}") from None
        elapsed = time.perf_counter() - t0
        try:
            body = reply.json()
        except ValueError:
            body = reply.text
        return sent, reply.status_code, body, elapsed

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        if self.client is not None:
            self.client.close()
        if self.config_dir is not None or isinstance(self.adapter, ServedAdapter):
            self.adapter.stop(self.config_dir or self.work)


def _review(
    session: _Session, case: Case, capabilities: frozenset[str], attempt: Attempt
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
    session: _Session, wave: Sequence[Case], capabilities: frozenset[str]
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
    before = len(session.grafeas.request_log)

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
        log = session.grafeas.request_log[before:]
        for attempt, count in zip(attempts, attribute(wave, log), strict=True):
            attempt.store_requests = count
    return attempts


@contextlib.contextmanager
def open_session(
    entrypoint: str,
    workdir: str | Path | None = None,
    *,
    persistent: bool = True,
    concurrency: int = CONCURRENCY,
    reply_timeout: float = REPLY_TIMEOUT_S,
) -> Iterator[tuple[_Session, frozenset[str]]]:
    """An adapter with the suite's Grafeas around it, for running cases
    (:func:`judge`, :func:`judge_wave`); the adapter is stopped on exit.

    Args:
        entrypoint: the adapter command line.
        workdir: where configuration directories go (default: a temporary one).
        persistent: use the adapter's persistent mode when it declares
            ``persistent`` (False: always the per-call protocol).
        concurrency: the most reviews in flight at once (1: one at a time).
        reply_timeout: persistent mode: how long a ``setup`` or ``stop`` may
            take (``start``: 60 s).
    """
    per_call = Adapter(entrypoint)
    capabilities = per_call.capabilities()
    adapter: Adapter | ServedAdapter = per_call
    if persistent and PERSISTENT in capabilities:
        adapter = ServedAdapter(per_call.argv, reply_timeout=reply_timeout)
    with tempfile.TemporaryDirectory(prefix="kritis-conformance-", dir=workdir) as tmp, \
            SuiteGrafeas() as grafeas:  # fmt: skip
        session = _Session(adapter, grafeas, Path(tmp))
        if concurrency > 1:
            session.pool = ThreadPoolExecutor(concurrency, "conformance-review")
        session.concurrency = max(1, concurrency)
        try:
            yield session, capabilities
        finally:
            session.close()


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
) -> SuiteResult:
    """Run ``cases`` against the adapter ``entrypoint`` (see :func:`open_session`
    for ``persistent``, ``concurrency`` and ``reply_timeout``). Results come
    back sorted by name, and ``on_result`` sees them in run order, whatever the
    concurrency."""
    started = time.perf_counter()
    xfail = xfail or {}
    ordered = sorted(cases, key=lambda c: (c.config_key, c.name))
    with open_session(
        entrypoint, workdir, persistent=persistent, concurrency=concurrency,
        reply_timeout=reply_timeout,
    ) as (session, capabilities):  # fmt: skip
        result = SuiteResult(entrypoint, capabilities)
        for r in judge_all(session, ordered, capabilities, xfail):
            result.results.append(r)
            if on_result is not None:
                on_result(r)
        result.configurations = session.configurations
    result.results.sort(key=lambda r: r.name)
    result.seconds = time.perf_counter() - started
    return result


def judge_all(
    session: _Session,
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
    session: _Session,
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
    session: _Session,
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
