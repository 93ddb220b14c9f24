"""Decide one workload under a deadline, failing closed, for any policy model.

The webhook must answer before the API server gives up (the ``?timeout=`` it
sends), and must never admit because something broke. :class:`Enforcer` works
on a :class:`~kritis_sim.core.judges.Judge` (the classic policy's
``ClassicJudge``, a platform policy's ``PlatformJudge``, ...) and does, per
request, in one worker thread and within a time budget:

1. ask the judge provider for the judge (for the classic model: ask the
   :data:`PolicyProvider` for the policy and attestors, and wrap them);
2. ask the judge which store lookups it will make (``Judge.reads``: judging
   once against a recording source that holds nothing, which is cheap);
3. read exactly those lookups from the real source;
4. judge against a :class:`~kritis_sim.core.judges.Replay` of what was read.

If the budget runs out, the caller stops waiting and judges at once with what
was fetched; every lookup not yet read, and every lookup whose read failed (a
:class:`~kritis_sim.errors.GrafeasError` or any other exception), raises
``GrafeasError`` inside the judge, which denies (classic: a store-error
reason; platform: the checks that read it are ERROR), ``failed_closed``. A
failing or slow provider denies every image without consulting a judge. The
clock is injected and read once per request.

This module knows nothing of HTTP or of Kubernetes objects.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple

from kritis_sim.core.decide import DecisionOptions
from kritis_sim.core.judges import ClassicJudge, Judge, Lookup, Replay
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import GrafeasError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision, ImageVerdict, RuleRef
from kritis_sim.model.policy import Policy

__all__ = [
    "Clock",
    "Enforcer",
    "JudgeProvider",
    "Judged",
    "PolicyProvider",
    "StaticJudge",
    "StaticPolicy",
    "policy_failure",
    "utc_now",
]

#: Returns the policy and its attestors; may raise (the webhook fails closed).
PolicyProvider = Callable[[], tuple[Policy, Iterable[Attestor]]]
#: Returns the judge to use now; may raise (the webhook fails closed).
JudgeProvider = Callable[[], Judge]
#: Returns the current, timezone-aware time.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StaticPolicy:
    """A :data:`PolicyProvider` over a policy and attestors loaded once."""

    policy: Policy
    attestors: tuple[Attestor, ...] = ()
    #: Answers from memory: it can neither hang nor fail (see Enforcer.decide).
    nonblocking: ClassVar[bool] = True

    def __call__(self) -> tuple[Policy, Iterable[Attestor]]:
        return self.policy, self.attestors


@dataclass(frozen=True, slots=True)
class StaticJudge:
    """A :data:`JudgeProvider` over one judge built once (e.g. a platform
    policy loaded from a file)."""

    judge: Judge
    #: Answers from memory: it can neither hang nor fail (see Enforcer.decide).
    nonblocking: ClassVar[bool] = True

    def __call__(self) -> Judge:
        return self.judge


@dataclass(slots=True)
class _Job:
    """One request's progress, shared between the worker and the waiter."""

    target: DeployTarget
    images: tuple[str, ...]
    breakglass: bool
    now: datetime
    budget: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    abandoned: bool = False
    world: Judge | None = None
    answers: dict[Lookup, Sequence[Any] | GrafeasError] = field(default_factory=dict)

    def store(self, key: Lookup, value: Sequence[Any] | GrafeasError) -> None:
        with self.lock:
            if not self.abandoned:
                self.answers[key] = value

    def replay(self) -> Replay:
        """What was read, as the judge read it (a lookup not read raises)."""
        with self.lock:
            answers = dict(self.answers)
        return Replay(answers, GrafeasError("not read for this decision"))


class Judged(NamedTuple):
    """A decision, the judge that made it (None when no policy could be had)
    and the source it read: the store itself when it answers from memory,
    else a :class:`~kritis_sim.core.judges.Replay` of what was prefetched
    (so nothing said about the decision reads the store again); None
    without a judge."""

    decision: Decision
    judge: Judge | None
    source: Any


def policy_failure(images: Sequence[str], breakglass: bool, detail: str) -> Decision:
    """The fail-closed decision when the policy itself cannot be had."""
    reason = f"policy source failed, denying (fail closed): {detail}"
    ref = RuleRef("policySource")
    verdicts = tuple(ImageVerdict(image, False, ref, reason) for image in images)
    return Decision(
        allowed=False,
        verdict_allowed=False,
        images=verdicts,
        breakglass=breakglass,
        message=f"Denied: {reason}",
        failed_closed=True,
        reasons=(reason,),
    )


class Enforcer:
    """Runs judges with prefetch, a deadline and fail-closed semantics.

    Args:
        policy_provider: returns ``(policy, attestors)``; may raise. The
            classic model; None when ``judge_provider`` is given.
        source: the store the judge reads (an ``AttestationSource`` for the
            classic model, a ``PlatformOccurrences`` for platform policies);
            may raise or hang.
        clock: the time source (read once per decision).
        options: classic decision switches (share a VerificationCache here).
        workers: worker threads; a hung store holds one each until it returns.
        judge_provider: returns the :class:`Judge` to use; may raise. Exactly
            one of ``policy_provider`` and ``judge_provider``.
    """

    def __init__(
        self,
        policy_provider: PolicyProvider | None,
        source: Any,
        *,
        clock: Clock = utc_now,
        options: DecisionOptions | None = None,
        workers: int = 16,
        judge_provider: JudgeProvider | None = None,
    ) -> None:
        if (policy_provider is None) == (judge_provider is None):
            raise ValueError("give exactly one of policy_provider and judge_provider")
        self._provider = policy_provider
        self._judges = judge_provider
        self._source = source
        self._clock = clock
        self._options = options or DecisionOptions()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="kritis-decide")
        self._inline = _nonblocking(policy_provider or judge_provider) and _nonblocking(
            source
        )
        self._classic: tuple[Policy, tuple[Attestor, ...], ClassicJudge] | None = None
        #: Store reads that failed or did not finish in time (for metrics).
        self.store_errors = 0
        self._count_lock = threading.Lock()

    def close(self) -> None:
        """Stop the worker threads (without waiting for hung store calls) and
        close the source and the judge provider when they hold resources
        (``close()``, e.g. a client)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for part in (self._source, self._judges):
            close = getattr(part, "close", None)
            if callable(close):
                close()

    def _count_store_errors(self, n: int) -> None:
        if n:
            with self._count_lock:
                self.store_errors += n

    def judge_now(self) -> Judge:
        """The judge to use now (raises what the provider raises)."""
        if self._judges is not None:
            return self._judges()
        assert self._provider is not None
        policy, attestors = self._provider()
        last = self._classic
        # A static provider hands out the same policy and attestor tuple: reuse
        # the judge (and its attestor index). Only tuples are reused, since a
        # list could change in place; keeping them alive with the judge means
        # the identity test can never match a recycled object.
        if last is not None and last[0] is policy and last[1] is attestors:
            return last[2]
        judge = ClassicJudge(policy, attestors, self._options)
        if type(attestors) is tuple:
            self._classic = (policy, attestors, judge)
        return judge

    def check_policy(self) -> None:
        """Ask the provider once (readiness); raises what it raises."""
        self.judge_now()

    async def decide(
        self,
        target: DeployTarget,
        images: Sequence[str],
        *,
        breakglass: bool,
        budget: float,
    ) -> Decision:
        """Judge within ``budget`` seconds; never raises for store failures."""
        decision, _ = await self.decide_with_judge(
            target, images, breakglass=breakglass, budget=budget
        )
        return decision

    async def decide_with_judge(
        self,
        target: DeployTarget,
        images: Sequence[str],
        *,
        breakglass: bool,
        budget: float,
    ) -> tuple[Decision, Judge | None]:
        """:meth:`decide`, with the judge that made this decision (None when
        no policy could be had), so what is said about the decision (denial
        fixes) reads the same policy even while another request switches it."""
        judged = await self.judged(target, images, breakglass=breakglass, budget=budget)
        return judged.decision, judged.judge

    async def judged(
        self,
        target: DeployTarget,
        images: Sequence[str],
        *,
        breakglass: bool,
        budget: float,
    ) -> Judged:
        """:meth:`decide_with_judge`, with what the judge read too (the
        attestations a denial's fixes name as seen)."""
        if self._inline:
            return self._run_inline(target, images, breakglass, self._clock())
        job = _Job(target, tuple(images), breakglass, self._clock(), budget)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, self._run, job)
        try:
            decision = await asyncio.wait_for(future, timeout=budget)
            return Judged(decision, job.world, job.replay())
        except TimeoutError:
            with job.lock:
                job.abandoned = True
            return self._finish_judged(job, timed_out=True)
        except Exception as exc:
            with job.lock:
                job.abandoned = True
            if job.world is None:
                self._count_store_errors(1)
                return Judged(
                    policy_failure(images, breakglass, _describe(exc)), None, None
                )
            return self._finish_judged(job, timed_out=False)

    def _finish_judged(self, job: _Job, *, timed_out: bool) -> Judged:
        return Judged(self._finish(job, timed_out=timed_out), job.world, job.replay())

    def _run_inline(
        self,
        target: DeployTarget,
        images: Sequence[str],
        breakglass: bool,
        now: datetime,
    ) -> Judged:
        """Policy and occurrences are in memory: nothing can hang or time out,
        so judge on this thread, once, with no worker-thread hop and no
        prefetch pass (the prefetch exists only to bound slow stores)."""
        try:
            judge = self.judge_now()
        except Exception as exc:
            self._count_store_errors(1)
            return Judged(
                policy_failure(images, breakglass, _describe(exc)), None, None
            )
        decision = judge.judge(images, target, self._source, now, breakglass=breakglass)
        return Judged(decision, judge, self._source)

    def _run(self, job: _Job) -> Decision:
        try:
            judge = self.judge_now()
        except Exception as exc:
            self._count_store_errors(1)
            return policy_failure(job.images, job.breakglass, _describe(exc))
        with job.lock:
            job.world = judge
        for lookup in judge.reads(job.images, job.target, job.now):
            if job.abandoned:
                break
            job.store(lookup, self._read(lookup))
        return self._finish(job, timed_out=False)

    def _read(self, lookup: Lookup) -> Sequence[Any] | GrafeasError:
        try:
            return lookup.read(self._source)
        except GrafeasError as exc:
            self._count_store_errors(1)
            return exc
        except Exception as exc:
            self._count_store_errors(1)
            return GrafeasError(f"attestation store failed: {_describe(exc)}")

    def _finish(self, job: _Job, *, timed_out: bool) -> Decision:
        with job.lock:
            judge, answers = job.world, dict(job.answers)
        if judge is None:
            self._count_store_errors(1)
            return policy_failure(
                job.images,
                job.breakglass,
                f"no policy within the {job.budget:.2f} s budget",
            )
        missing = GrafeasError(
            f"no answer within the {job.budget:.2f} s budget"
            if timed_out
            else "occurrences were not prefetched"
        )
        if timed_out:
            self._count_store_errors(1)
        return judge.judge(
            job.images, job.target, Replay(answers, missing), job.now,
            breakglass=job.breakglass,
        )  # fmt: skip


def _nonblocking(component: object) -> bool:
    """Whether a provider or source declares that it answers from memory."""
    return getattr(component, "nonblocking", False) is True


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
