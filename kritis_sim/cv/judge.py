"""The seam between ``cv`` and a policy model: a judge.

Continuous validation asks one question per workload: does it conform to the
policy now? :class:`Judge` is that question; :class:`Judgement` the answer,
shaped for what CV logs (per image: ALLOW or DENY, a description, and the
failing checks where the model has checks). The ``cv`` adapter
(:mod:`kritis_sim.cv.validate`) only talks to a Judge, so a platform-policy
judge plugs in without touching it.

:class:`ClassicJudge` wraps :func:`kritis_sim.core.decide.decide` for the
classic project policy. CV ignores breakglass (GKE "still periodically
logs" breakglassed Pods), so the decision is made without it and
``Judgement.conforms`` is the policy's verdict before dry-run
(``Decision.verdict_allowed``): a dry-run rule still violates. This module
holds no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kritis_sim.admission.workloads import Workload, deploy_target
from kritis_sim.cli.target import TargetSettings
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.source import AttestationSource
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.policy import Policy

__all__ = ["ClassicJudge", "ImageResult", "Judge", "Judgement"]


@dataclass(frozen=True, slots=True)
class ImageResult:
    """One image's result, as ``ImageDetails`` holds it.

    Attributes:
        image: the image string of the pod spec.
        allowed: ``result`` ALLOW (True) or DENY.
        description: why (legacy CV's ``description``).
        check_results: ``ImageDetails.CheckResult`` dicts (platform policies;
            empty for the classic policy, which has no checks).
    """

    image: str
    allowed: bool
    description: str
    check_results: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Judgement:
    """A workload's conformance.

    Attributes:
        conforms: nothing violates the policy.
        images: one result per image of the workload, in its order.
        error: the evaluation could not be completed (verdict unspecified);
            never counted as conformant.
        policy_name: ``podEvent.policyName`` (platform policies), else None.
        rule: the governing rule(s), for people.
        detail: the model's own answer (a Decision, ...), for the text report.
    """

    conforms: bool
    images: tuple[ImageResult, ...]
    error: str | None = None
    policy_name: str | None = None
    rule: str = ""
    detail: Any = field(default=None, compare=False)


class Judge(Protocol):
    """What ``cv`` needs from a policy model."""

    def config_errors(self) -> Sequence[str]:
        """Descriptions for ``configErrorEvent`` entries (a policy that cannot
        be monitored); empty when the policy is usable."""
        ...  # pragma: no cover

    def judge(self, workload: Workload, now: datetime) -> Judgement:
        """The workload's conformance at ``now`` (breakglass ignored)."""
        ...  # pragma: no cover


class ClassicJudge:
    """The classic project policy (``decide()``) as a :class:`Judge`."""

    def __init__(
        self,
        policy: Policy,
        attestors: Sequence[Attestor],
        source: AttestationSource,
        settings: TargetSettings,
        options: DecisionOptions | None = None,
    ) -> None:
        self.policy, self.attestors, self.source = policy, tuple(attestors), source
        self.settings, self.options = settings, options or DecisionOptions()

    def config_errors(self) -> Sequence[str]:
        """The classic policy was checked when loaded: none."""
        return ()

    def judge(self, workload: Workload, now: datetime) -> Judgement:
        """``decide()`` for the workload's deploy target, without breakglass."""
        target = deploy_target(
            workload,
            cluster=self.settings.cluster,
            trust_domain=self.settings.trust_domain,
        )
        decision = decide(
            self.policy,
            self.attestors,
            self.source,
            target,
            workload.images,
            now=now,
            breakglass=False,
            options=self.options,
        )
        images = tuple(
            ImageResult(v.image, v.allowed, v.reason) for v in decision.images
        )
        rules = sorted({v.rule.describe() for v in decision.images})
        return Judgement(
            conforms=decision.verdict_allowed,
            images=images,
            error=decision.message if decision.failed_closed else None,
            rule=", ".join(rules),
            detail=decision,
        )
