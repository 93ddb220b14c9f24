"""Run cases against an adapter: the heart of ``kritis-sim conformance``.

For a list of cases the runner asks the adapter for its capabilities, serves
the suite's Grafeas (:class:`~kritis_sim.conformance.store.SuiteGrafeas`), and
for each case: skips it when a needed feature is not declared; configures the
enforcer (``setup`` + ``start``, only when the case's configuration differs
from the previous one: cases are ordered by configuration); stores the world,
injects the fault; sends the review; and compares the reply with the
expectation. Every reply is timed: one that arrives after the request's
``?timeout=`` fails the case even when the verdict is right (an API server
would have given up on it). Expected failures are applied strictly: a listed
case that passes is a failure too.

The outcome is a :class:`SuiteResult`; rendering (JSON, JUnit, matrix) lives
in :mod:`kritis_sim.conformance.report`. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import fnmatch
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.protocol import Adapter, Endpoint
from kritis_sim.conformance.reviews import (
    Observed,
    build_review,
    compare,
    parse_reply,
    review_path,
)
from kritis_sim.conformance.store import SuiteGrafeas
from kritis_sim.errors import ConformanceError

__all__ = [
    "CaseResult",
    "SuiteResult",
    "expected_text",
    "judge",
    "late",
    "load_xfail",
    "open_session",
    "run_cases",
]

OUTCOMES = ("passed", "failed", "skipped", "xfailed")
#: How long past the request's ?timeout= the suite waits for a reply at all
#: (so a late reply is measured and reported, not just a transport error).
_GRACE_S = 5.0


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


def _xfail_reason(name: str, xfail: Mapping[str, str]) -> str | None:
    for glob, reason in xfail.items():
        if fnmatch.fnmatchcase(name, glob):
            return reason
    return None


class _Session:
    """One adapter, one Grafeas, the current endpoint and HTTP client."""

    def __init__(self, adapter: Adapter, grafeas: SuiteGrafeas, work: Path) -> None:
        self.adapter = adapter
        self.grafeas = grafeas
        self.work = work
        self.config_key: str | None = None
        self.config_dir: Path | None = None
        self.endpoint: Endpoint | None = None
        self.client: httpx.Client | None = None
        self._n = 0

    def configure(self, case: Case) -> None:
        if case.config_key == self.config_key and self.endpoint is not None:
            return
        self._n += 1
        config_dir = self.work / f"config-{self._n:04d}"
        self.config_key = None
        self.adapter.setup(case.path, self.grafeas.url, config_dir)
        endpoint = self.adapter.start(config_dir)
        self.config_dir, self.config_key = config_dir, case.config_key
        if self.endpoint != endpoint:
            if self.client is not None:
                self.client.close()
            verify: bool | ssl.SSLContext = (
                ssl.create_default_context(cafile=endpoint.ca_file)
                if endpoint.ca_file
                else True
            )
            self.client = httpx.Client(base_url=endpoint.base_url, verify=verify)
            self.endpoint = endpoint

    def send(self, case: Case) -> tuple[dict[str, Any], int, Any, float]:
        """POST the case's review; returns (sent, status, body, reply seconds)."""
        assert self.client is not None
        sent = build_review(case.request)
        budget = case.request.timeout_s
        t0 = time.perf_counter()
        try:
            reply = self.client.post(
                review_path(case.request),
                params={"timeout": f"{budget}s"},
                json=sent,
                timeout=budget + _GRACE_S,
            )
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
        if self.client is not None:
            self.client.close()
        if self.config_dir is not None:
            self.adapter.stop(self.config_dir)


@dataclass
class _Attempt:
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


def _observed_text(observed: Observed) -> str:
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


def _run_one(
    session: _Session, case: Case, capabilities: frozenset[str], attempt: _Attempt
) -> None:
    """Run ``case``, recording into ``attempt``.

    Raises:
        ConformanceError: the enforcer broke the protocol.
    """
    session.configure(case)
    now = datetime.now(UTC)
    session.grafeas.seed(case.world, now)
    before = len(session.grafeas.request_log)
    session.grafeas.set_fault(case.world.fault)
    try:
        sent, status, body, attempt.reply_seconds = session.send(case)
    finally:
        session.grafeas.set_fault(None)
        attempt.store_requests = len(session.grafeas.request_log) - before
    observed = parse_reply(sent, status, body)
    attempt.got = _observed_text(observed)
    problems = compare(case.expect, observed, capabilities=capabilities)
    lateness = late(attempt.reply_seconds, case.request.timeout_s)
    if lateness is not None:
        problems.append(lateness)
    attempt.problem = "; ".join(problems)


@contextlib.contextmanager
def open_session(
    entrypoint: str, workdir: str | Path | None = None
) -> Iterator[tuple[_Session, frozenset[str]]]:
    """An adapter with the suite's Grafeas around it, for running cases one by
    one (:func:`judge`); the adapter is stopped on exit."""
    adapter = Adapter(entrypoint)
    capabilities = adapter.capabilities()
    with tempfile.TemporaryDirectory(prefix="kritis-conformance-", dir=workdir) as tmp, \
            SuiteGrafeas() as grafeas:  # fmt: skip
        session = _Session(adapter, grafeas, Path(tmp))
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
) -> SuiteResult:
    """Run ``cases`` against the adapter ``entrypoint``."""
    started = time.perf_counter()
    xfail = xfail or {}
    ordered = sorted(cases, key=lambda c: (c.config_key, c.name))
    with open_session(entrypoint, workdir) as (session, capabilities):
        result = SuiteResult(entrypoint, capabilities)
        for case in ordered:
            r = judge(session, case, capabilities, xfail)
            result.results.append(r)
            if on_result is not None:
                on_result(r)
    result.results.sort(key=lambda r: r.name)
    result.seconds = time.perf_counter() - started
    return result


def judge(
    session: _Session,
    case: Case,
    capabilities: frozenset[str],
    xfail: Mapping[str, str],
) -> CaseResult:
    """Run one case in an open session and classify the outcome."""
    missing = sorted(set(case.expect.features) - capabilities)
    features = case.expect.features
    if missing:
        return CaseResult(
            case.name, "skipped", f"adapter lacks {', '.join(missing)}", features
        )
    t0 = time.perf_counter()
    attempt = _Attempt()
    try:
        _run_one(session, case, capabilities, attempt)
    except ConformanceError as exc:
        attempt.problem = f"protocol: {exc}"
    seconds = time.perf_counter() - t0
    base = CaseResult(
        case.name, "passed", "", features, seconds, attempt.store_requests,
        attempt.reply_seconds, expected_text(case), attempt.got,
    )  # fmt: skip
    reason = _xfail_reason(case.name, xfail)
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
