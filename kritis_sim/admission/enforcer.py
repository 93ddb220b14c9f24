"""Decide one workload under a deadline, failing closed.

The webhook must answer before the API server gives up (the ``?timeout=`` it
sends), and must never admit because something broke. :class:`Enforcer` does,
per request, in one worker thread and within a time budget:

1. ask the :data:`PolicyProvider` for the policy and attestors;
2. find which ``(resource URL, note)`` pairs the decision will read, by running
   :func:`~kritis_sim.core.decide.decide` once against a recording source that
   holds nothing (cheap: nothing to verify);
3. read exactly those pairs from the real :class:`AttestationSource`;
4. run ``decide`` against the prefetched occurrences.

If the budget runs out, the caller stops waiting and decides at once with what
was fetched; every pair not yet read, and every pair whose read failed (a
:class:`~kritis_sim.errors.GrafeasError` or any other exception), raises
``GrafeasError`` inside ``decide``, which denies with a store-error reason
(``failed_closed``). A failing or slow policy provider denies every image
without consulting ``decide``. The clock is injected and read once per request.

This module knows nothing of HTTP or of Kubernetes objects.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.source import AttestationSource
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import GrafeasError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision, ImageVerdict, RuleRef
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy

__all__ = [
    "Clock",
    "Enforcer",
    "PolicyProvider",
    "StaticPolicy",
    "policy_failure",
    "utc_now",
]

#: Returns the policy and its attestors; may raise (the webhook fails closed).
PolicyProvider = Callable[[], tuple[Policy, Iterable[Attestor]]]
#: Returns the current, timezone-aware time.
Clock = Callable[[], datetime]

_Key = tuple[str, str]


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


class _Recorder:
    """An AttestationSource that holds nothing and remembers what was asked."""

    def __init__(self) -> None:
        self.keys: dict[_Key, None] = {}

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        self.keys[(resource_url, note_name)] = None
        return ()


class _Prefetched:
    """An AttestationSource over what was read in time; the rest fails."""

    def __init__(
        self,
        found: dict[_Key, Sequence[AttestationOccurrence]],
        errors: dict[_Key, GrafeasError],
        missing: GrafeasError,
    ) -> None:
        self._found, self._errors, self._missing = found, errors, missing

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        key = (resource_url, note_name)
        if key in self._found:
            return self._found[key]
        raise self._errors.get(key, self._missing)


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
    world: tuple[Policy, tuple[Attestor, ...]] | None = None
    found: dict[_Key, Sequence[AttestationOccurrence]] = field(default_factory=dict)
    errors: dict[_Key, GrafeasError] = field(default_factory=dict)

    def store(
        self, key: _Key, value: Sequence[AttestationOccurrence] | GrafeasError
    ) -> None:
        with self.lock:
            if self.abandoned:
                return
            if isinstance(value, GrafeasError):
                self.errors[key] = value
            else:
                self.found[key] = value


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
    """Runs decisions with prefetch, a deadline and fail-closed semantics.

    Args:
        policy_provider: returns ``(policy, attestors)``; may raise.
        source: the attestation store; may raise or hang.
        clock: the time source (read once per decision).
        options: decision switches (share a VerificationCache here).
        workers: worker threads; a hung store holds one each until it returns.
    """

    def __init__(
        self,
        policy_provider: PolicyProvider,
        source: AttestationSource,
        *,
        clock: Clock = utc_now,
        options: DecisionOptions | None = None,
        workers: int = 16,
    ) -> None:
        self._provider = policy_provider
        self._source = source
        self._clock = clock
        self._options = options or DecisionOptions()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="kritis-decide")
        self._inline = _nonblocking(policy_provider) and _nonblocking(source)
        self._indexed: tuple[Iterable[Attestor], Mapping[str, Attestor]] | None = None
        #: Store reads that failed or did not finish in time (for metrics).
        self.store_errors = 0
        self._count_lock = threading.Lock()

    def close(self) -> None:
        """Stop the worker threads (without waiting for hung store calls) and
        close the source when it holds resources (``close()``, e.g. a client)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(self._source, "close", None)
        if callable(close):
            close()

    def _count_store_errors(self, n: int) -> None:
        if n:
            with self._count_lock:
                self.store_errors += n

    def check_policy(self) -> None:
        """Call the provider once (readiness); raises what it raises."""
        self._provider()

    async def decide(
        self,
        target: DeployTarget,
        images: Sequence[str],
        *,
        breakglass: bool,
        budget: float,
    ) -> Decision:
        """Decide within ``budget`` seconds; never raises for store failures."""
        if self._inline:
            return self._run_inline(target, images, breakglass, self._clock())
        job = _Job(target, tuple(images), breakglass, self._clock(), budget)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, self._run, job)
        try:
            return await asyncio.wait_for(future, timeout=budget)
        except TimeoutError:
            with job.lock:
                job.abandoned = True
            return self._finish(job, timed_out=True)
        except Exception as exc:
            with job.lock:
                job.abandoned = True
            if job.world is None:
                self._count_store_errors(1)
                return policy_failure(images, breakglass, _describe(exc))
            return self._finish(job, timed_out=False)

    def _run_inline(
        self,
        target: DeployTarget,
        images: Sequence[str],
        breakglass: bool,
        now: datetime,
    ) -> Decision:
        """Policy and attestations are in memory: nothing can hang or time out,
        so decide on this thread, once, with no worker-thread hop and no
        prefetch pass (the prefetch exists only to bound slow stores)."""
        try:
            policy, attestors = self._provider()
        except Exception as exc:
            self._count_store_errors(1)
            return policy_failure(images, breakglass, _describe(exc))
        return decide(
            policy, self._by_name(attestors), self._source, target, images,
            now=now, breakglass=breakglass, options=self._options,
        )  # fmt: skip

    def _by_name(self, attestors: Iterable[Attestor]) -> Mapping[str, Attestor]:
        """The attestors by name, re-indexed only when the provider hands out
        a different collection (a static provider hands out the same tuple;
        only tuples are reused, since a list could change in place)."""
        last = self._indexed
        if last is not None and last[0] is attestors:
            return last[1]
        by_name = {a.name: a for a in attestors}
        if type(attestors) is not tuple:
            return by_name
        # Keep ``attestors`` itself alive with its index, so the identity test
        # above can never match a recycled object.
        self._indexed = (attestors, by_name)
        return by_name

    def _run(self, job: _Job) -> Decision:
        try:
            policy, attestors = self._provider()
            world = (policy, tuple(attestors))
        except Exception as exc:
            self._count_store_errors(1)
            return policy_failure(job.images, job.breakglass, _describe(exc))
        with job.lock:
            job.world = world
        recorder = _Recorder()
        decide(
            world[0], world[1], recorder, job.target, job.images,
            now=job.now, breakglass=job.breakglass, options=self._options,
        )  # fmt: skip
        for key in recorder.keys:
            if job.abandoned:
                break
            job.store(key, self._read(key))
        return self._finish(job, timed_out=False)

    def _read(self, key: _Key) -> Sequence[AttestationOccurrence] | GrafeasError:
        try:
            return tuple(self._source.occurrences(*key))
        except GrafeasError as exc:
            self._count_store_errors(1)
            return exc
        except Exception as exc:
            self._count_store_errors(1)
            return GrafeasError(f"attestation store failed: {_describe(exc)}")

    def _finish(self, job: _Job, *, timed_out: bool) -> Decision:
        with job.lock:
            world, found, errors = job.world, dict(job.found), dict(job.errors)
        if world is None:
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
        source = _Prefetched(found, errors, missing)
        if timed_out:
            self._count_store_errors(1)
        return decide(
            world[0], world[1], source, job.target, job.images,
            now=job.now, breakglass=job.breakglass, options=self._options,
        )  # fmt: skip


def _nonblocking(component: object) -> bool:
    """Whether a provider or source declares that it answers from memory."""
    return getattr(component, "nonblocking", False) is True


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
