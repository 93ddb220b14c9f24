"""The seam between adapters and policy models: a judge. Pure: no I/O, no clock.

Every adapter that turns a workload into an answer (the webhook's
:class:`~kritis_sim.admission.enforcer.Enforcer`, ``cv``, ...) talks to one
small protocol, :class:`Judge`:

* :meth:`Judge.reads`: the store lookups judging these images for this target
  will make (:class:`Lookup` values), so an adapter can prefetch them under a
  deadline and fail closed on what it could not read;
* :meth:`Judge.judge`: the verdict, from a source that answers those lookups
  (a live store, or a :class:`Replay` of what was prefetched).

The verdict is model-neutral: a :class:`~kritis_sim.model.decision.Decision`
(:data:`Verdict`): allowed, the policy's verdict before dry-run and breakglass,
dry-run, breakglass, failed-closed, one :class:`ImageVerdict` per image with
the governing rule or check set (``RuleRef``) and a reason sentence, the
reasons, and ``audit_annotations()``. The model's own answer hangs below it in
``Decision.detail``: None for :class:`ClassicJudge` (over
:func:`~kritis_sim.core.decide.decide`, whose Decision is the classic model's
own answer, attestor outcomes included), the ``EvaluateGkePolicyResponse`` for
:class:`PlatformJudge` (over
:func:`~kritis_sim.core.platform.evaluate_platform_policy`), for the adapters
that speak that model's wire format (``evaluate``, CV's ``checkResults``).

What to read is found the way the webhook always found it: by judging once
against a source that holds nothing and records what it was asked (cheap:
nothing to verify). Time is a parameter; nothing here reads a store itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.platform import BuilderRoots, evaluate_platform_policy
from kritis_sim.core.platform.verdict import platform_decision
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import GrafeasError, PolicyError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision, ImageVerdict
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import ImageMetadata
from kritis_sim.model.policy import Policy

__all__ = [
    "ClassicJudge",
    "ImageVerdict",
    "Judge",
    "Lookup",
    "PlatformJudge",
    "Replay",
    "Verdict",
    "record_reads",
]

#: The model-neutral verdict of a judge (the model's answer in ``.detail``).
Verdict = Decision

#: The source methods a lookup may name: the classic ``AttestationSource`` and
#: the platform checks' ``PlatformOccurrences``.
METHODS = frozenset(
    {"occurrences", "vulnerabilities", "discoveries", "builds", "attestations"}
)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One store read: ``source.<method>(*args)``.

    Attributes:
        method: ``occurrences`` (classic: resource URL, note name) or
            ``vulnerabilities`` / ``discoveries`` / ``builds`` /
            ``attestations`` (platform: project, resource URL).
        args: the call's arguments.
    """

    method: str
    args: tuple[str, ...]

    def read(self, source: Any) -> tuple[Any, ...]:
        """Ask ``source``; raises what it raises (GrafeasError, ...)."""
        return tuple(getattr(source, self.method)(*self.args))


class _Recorder:
    """A source of every kind that holds nothing and remembers what was asked."""

    def __init__(self) -> None:
        self.lookups: dict[Lookup, None] = {}

    def _ask(self, method: str, *args: str) -> tuple[Any, ...]:
        self.lookups[Lookup(method, args)] = None
        return ()

    def occurrences(self, resource_url: str, note_name: str) -> tuple[Any, ...]:
        return self._ask("occurrences", resource_url, note_name)

    def vulnerabilities(self, project: str, resource_url: str) -> tuple[Any, ...]:
        return self._ask("vulnerabilities", project, resource_url)

    def discoveries(self, project: str, resource_url: str) -> tuple[Any, ...]:
        return self._ask("discoveries", project, resource_url)

    def builds(self, project: str, resource_url: str) -> tuple[Any, ...]:
        return self._ask("builds", project, resource_url)

    def attestations(self, project: str, resource_url: str) -> tuple[Any, ...]:
        return self._ask("attestations", project, resource_url)


class Replay:
    """A source of every kind answering from what was prefetched.

    ``answers`` maps each lookup to what it returned, or to the
    :class:`GrafeasError` its read raised; a lookup not in it raises
    ``missing`` (not read in time). Judges turn those errors into fail-closed
    denials (classic) or ERROR checks (platform).
    """

    nonblocking: ClassVar[bool] = True

    def __init__(
        self,
        answers: Mapping[Lookup, Sequence[Any] | GrafeasError],
        missing: GrafeasError,
    ) -> None:
        self._answers, self._missing = answers, missing

    def _get(self, method: str, *args: str) -> Sequence[Any]:
        found = self._answers.get(Lookup(method, args), self._missing)
        if isinstance(found, GrafeasError):
            raise found
        return found

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[Any]:
        return self._get("occurrences", resource_url, note_name)

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._get("vulnerabilities", project, resource_url)

    def discoveries(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._get("discoveries", project, resource_url)

    def builds(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._get("builds", project, resource_url)

    def attestations(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._get("attestations", project, resource_url)


class Judge(Protocol):
    """What an adapter needs from a policy model."""

    #: ``classic`` or ``platform``: for people and audit records.
    model: str
    #: ``podEvent.policyName`` (platform policies), else None.
    policy_name: str | None

    def reads(
        self, images: Sequence[str], target: DeployTarget, now: datetime
    ) -> tuple[Lookup, ...]:
        """The lookups :meth:`judge` will make for these images and target."""
        ...  # pragma: no cover

    def judge(
        self,
        images: Sequence[str],
        target: DeployTarget,
        source: Any,
        now: datetime,
        *,
        breakglass: bool = False,
    ) -> Decision:
        """The verdict at ``now``; store failures fail closed, never raise."""
        ...  # pragma: no cover


def record_reads(judge: Judge, images: Sequence[str], target: DeployTarget,
                 now: datetime) -> tuple[Lookup, ...]:  # fmt: skip
    """Judge once against a recorder: the lookups, in the order asked."""
    recorder = _Recorder()
    judge.judge(images, target, recorder, now)
    return tuple(recorder.lookups)


class ClassicJudge:
    """The classic project policy (:func:`decide`) as a :class:`Judge`.

    ``source`` is an :class:`~kritis_sim.core.source.AttestationSource`.
    """

    model = "classic"
    policy_name: str | None = None

    def __init__(
        self,
        policy: Policy,
        attestors: Iterable[Attestor] | Mapping[str, Attestor] = (),
        options: DecisionOptions | None = None,
    ) -> None:
        self.policy = policy
        self.attestors: Mapping[str, Attestor] = (
            dict(attestors)
            if isinstance(attestors, Mapping)
            else {a.name: a for a in attestors}
        )
        self.options = options or DecisionOptions()

    def reads(
        self, images: Sequence[str], target: DeployTarget, now: datetime
    ) -> tuple[Lookup, ...]:
        """See :meth:`Judge.reads`."""
        return record_reads(self, images, target, now)

    def judge(
        self,
        images: Sequence[str],
        target: DeployTarget,
        source: Any,
        now: datetime,
        *,
        breakglass: bool = False,
    ) -> Decision:
        """``decide()``: its Decision is the verdict (``detail`` None)."""
        return decide(
            self.policy, self.attestors, source, target, images,
            now=now, breakglass=breakglass, options=self.options,
        )  # fmt: skip


class _Watched:
    """Passes platform reads through, noting whether any raised."""

    def __init__(self, source: Any) -> None:
        self.source, self.failed = source, False

    def _call(self, method: str, *args: str) -> Sequence[Any]:
        try:
            result: Sequence[Any] = getattr(self.source, method)(*args)
        except GrafeasError:
            self.failed = True
            raise
        return result

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._call("vulnerabilities", project, resource_url)

    def discoveries(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._call("discoveries", project, resource_url)

    def builds(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._call("builds", project, resource_url)

    def attestations(self, project: str, resource_url: str) -> Sequence[Any]:
        return self._call("attestations", project, resource_url)


class PlatformJudge:
    """A GKE platform policy (:func:`evaluate_platform_policy`) as a :class:`Judge`.

    ``source`` is a :class:`~kritis_sim.core.platform.PlatformOccurrences`.
    An image is allowed when its verdict is CONFORMANT; ERROR denies (it is
    never conformant). ``dry_run`` is the cluster binding's
    ``AUDIT_AND_DRYRUN`` enforcement mode: denials are admitted and recorded.

    Args:
        policy: a platform policy with a ``gkePolicy`` (else PolicyError).
        image_metadata: upload times for ``imageFreshnessCheck``.
        trusted_builders: roots of trust for ``slsaCheck``.
        dry_run: admit what the policy denies (recorded as dry-run).
    """

    model = "platform"

    def __init__(
        self,
        policy: PlatformPolicy,
        *,
        image_metadata: Mapping[str, ImageMetadata] | None = None,
        trusted_builders: Mapping[TrustedBuilder, BuilderRoots] | None = None,
        dry_run: bool = False,
    ) -> None:
        if policy.gke_policy is None:
            raise PolicyError(
                "the platform policy has no gkePolicy; only GKE platform policies "
                "can be judged"
            )
        self.policy = policy
        self.policy_name = policy.name
        self.image_metadata = dict(image_metadata or {})
        self.trusted_builders = dict(trusted_builders or {})
        self.dry_run = dry_run

    def reads(
        self, images: Sequence[str], target: DeployTarget, now: datetime
    ) -> tuple[Lookup, ...]:
        """See :meth:`Judge.reads`."""
        return record_reads(self, images, target, now)

    def judge(
        self,
        images: Sequence[str],
        target: DeployTarget,
        source: Any,
        now: datetime,
        *,
        breakglass: bool = False,
    ) -> Decision:
        """Evaluate for the target's namespace and service account; the
        response is ``detail``. A store failure makes the checks that read it
        ERROR (so the image is denied) and marks the verdict failed closed."""
        if not images:  # as decide(): nothing to judge is nothing denied
            return Decision(
                allowed=True, verdict_allowed=True, images=(), breakglass=breakglass,
                message="Admitted: the workload has no images.",
            )  # fmt: skip
        watched = _Watched(source)
        response = evaluate_platform_policy(
            self.policy,
            images,
            namespace=target.namespace,
            service_account=target.service_account,
            now=now,
            occurrences=watched,
            image_metadata=self.image_metadata,
            trusted_builders=self.trusted_builders,
        )
        return platform_decision(
            response,
            policy_name=self.policy_name,
            dry_run=self.dry_run,
            breakglass=breakglass,
            failed_closed=watched.failed,
        )
