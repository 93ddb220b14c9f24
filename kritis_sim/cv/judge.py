"""CV's view of the judge seam: one workload in, a :class:`Judgement` out.

Continuous validation asks one question per workload: does it conform to the
policy now? The policy models answer through the core seam
(:mod:`kritis_sim.core.judges`: ``Judge``, ``ClassicJudge``,
``PlatformJudge``, re-exported here as ``CoreJudge``, ``CoreClassicJudge``,
``CorePlatformJudge``); :class:`WorkloadJudge` binds one of them to a source
and the deploy-target settings and shapes the verdict for what CV logs (per
image: ALLOW or DENY, a description, and for platform policies the failing
checks as ``ImageDetails.CheckResult``). The ``cv`` adapter
(:mod:`kritis_sim.cv.validate`) only talks to the :class:`Judge` protocol here.

CV ignores breakglass (GKE "still periodically logs" breakglassed Pods), so
the verdict is asked for without it and ``Judgement.conforms`` is the policy's
verdict before dry-run (``Decision.verdict_allowed``): a dry-run rule still
violates. A classic decision that failed closed, and a platform Pod whose
verdict is ERROR (a check that could not be evaluated, and nothing
non-conformant), are errors: CV's ``POLICY_CONFORMANCE_VERDICT_UNSPECIFIED``,
never conformant. This module holds no I/O.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kritis_sim.admission.workloads import Workload, deploy_target
from kritis_sim.core.decide import DecisionOptions
from kritis_sim.core.fixes import Fix, judge_fixes
from kritis_sim.core.judges import ClassicJudge as CoreClassicJudge
from kritis_sim.core.judges import Judge as CoreJudge
from kritis_sim.core.judges import Lookup, Replay, Verdict
from kritis_sim.core.judges import PlatformJudge as CorePlatformJudge
from kritis_sim.core.platform import BuilderRoots
from kritis_sim.core.platform.verdict import scope_text
from kritis_sim.core.source import AttestationSource
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision
from kritis_sim.model.platform.checks import (
    SigstoreSignatureCheck,
    SlsaCheck,
    TrustedBuilder,
)
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import (
    EvaluateGkePolicyResponse,
    ImageMetadata,
)
from kritis_sim.model.platform.results import ImageResult as PlatformImageResult
from kritis_sim.model.platform.results import Verdict as PlatformVerdict
from kritis_sim.model.policy import Policy

__all__ = [
    "ClassicJudge",
    "CoreClassicJudge",
    "CoreJudge",
    "CorePlatformJudge",
    "ImageResult",
    "Judge",
    "Judgement",
    "Lookup",
    "PlatformJudge",
    "Replay",
    "Settings",
    "Verdict",
    "WorkloadJudge",
    "check_results",
]


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
        rule: the governing rule(s) or check set(s), for people.
        detail: the verdict (a Decision, whose ``detail`` holds a platform
            policy's response), for the text report.
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


class Settings(Protocol):
    """The deploy-target settings CV needs (``cli.target.TargetSettings`` fits)."""

    @property
    def cluster(self) -> str | None: ...  # pragma: no cover

    @property
    def trust_domain(self) -> str | None: ...  # pragma: no cover


def _cv_explanation(type_: str, index: int, name: str | None, verdict: str,
                    why: str | None) -> str:  # fmt: skip
    """The prose of GKE's documented example (non-normative)."""
    named = f' with display name "{name}"' if name else ""
    shown = "NOT_CONFORMANT" if verdict == "NON_CONFORMANT" else verdict
    text = f"{type_} at index {index}{named} has verdict {shown}."
    return f"{text} {why}" if why else text


def check_results(result: PlatformImageResult) -> tuple[dict[str, Any], ...]:
    """``ImageDetails.checkResults`` of one image: every check that did not
    pass (NON_CONFORMANT; ERROR as ``CHECK_VERDICT_UNSPECIFIED``, the only
    other value CV logs), in policy order."""
    cs = result.check_set_result
    if cs is None:
        return ()
    out: list[dict[str, Any]] = []
    for check in cs.check_results:
        if check.verdict is PlatformVerdict.CONFORMANT:
            continue
        entry: dict[str, Any] = {"checkSetIndex": str(cs.index)}
        if cs.display_name:
            entry["checkSetName"] = cs.display_name
        if cs.scope is not None and not cs.scope.is_empty:
            entry["checkSetScope"] = (
                {"kubernetesServiceAccount": cs.scope.kubernetes_service_account}
                if cs.scope.kubernetes_service_account
                else {"kubernetesNamespace": cs.scope.kubernetes_namespace}
            )
        entry["checkIndex"] = str(check.index)
        if check.display_name:
            entry["checkName"] = check.display_name
        entry["checkType"] = check.type
        entry["verdict"] = (
            "NON_CONFORMANT"
            if check.verdict is PlatformVerdict.NON_CONFORMANT
            else "CHECK_VERDICT_UNSPECIFIED"
        )
        entry["explanation"] = _cv_explanation(
            check.type, check.index, check.display_name, check.verdict.value,
            check.explanation,
        )  # fmt: skip
        out.append(entry)
    return tuple(out)


class WorkloadJudge:
    """A core judge bound to a source and deploy-target settings: a CV :class:`Judge`."""

    def __init__(self, judge: CoreJudge, source: Any, settings: Settings) -> None:
        self.core, self.source, self.settings = judge, source, settings

    def config_errors(self) -> Sequence[str]:
        """None by default (the policy was checked when loaded)."""
        return ()

    def fixes(self, judgement: Judgement) -> tuple[Fix, ...]:
        """What would make each denied image of ``judgement`` pass (computed
        on demand: only reports ask)."""
        decision = judgement.detail
        if not isinstance(decision, Decision) or decision.verdict_allowed:
            return ()
        return judge_fixes(decision, self.core, self.source)

    def memo_key(self, workload: Workload) -> Hashable:
        """What :meth:`judge` depends on besides the source and ``now``: the
        images and the deploy target's namespace and service account (the
        cluster and trust domain are settings). Within one pass (one
        ``now``, one source) workloads with equal keys get equal
        judgements, so :func:`kritis_sim.cv.validate.validate` judges each
        key once."""
        return (workload.images, workload.namespace, workload.service_account)

    def judge(self, workload: Workload, now: datetime) -> Judgement:
        """The verdict for the workload's deploy target, without breakglass."""
        target = deploy_target(
            workload,
            cluster=self.settings.cluster,
            trust_domain=self.settings.trust_domain,
        )
        decision = self.core.judge(workload.images, target, self.source, now)
        return self._judgement(decision)

    def _judgement(self, decision: Decision) -> Judgement:
        response = decision.detail
        platform: tuple[PlatformImageResult, ...] = ()
        if isinstance(response, EvaluateGkePolicyResponse):
            platform = tuple(r for pod in response.results for r in pod.image_results)
        images = tuple(
            ImageResult(
                v.image,
                v.allowed,
                v.reason,
                check_results(platform[i]) if platform else (),
            )
            for i, v in enumerate(decision.images)
        )
        error = decision.message if decision.failed_closed else None
        if (
            error is None
            and platform
            and not decision.verdict_allowed
            and all(r.verdict is not PlatformVerdict.NON_CONFORMANT for r in platform)
        ):
            error = "could not be evaluated (ERROR): " + " ".join(decision.reasons)
        rules = sorted({v.rule.describe() for v in decision.images})
        return Judgement(
            conforms=decision.verdict_allowed,
            images=images,
            error=error,
            policy_name=self.core.policy_name,
            rule=", ".join(rules),
            detail=decision,
        )


class ClassicJudge(WorkloadJudge):
    """The classic project policy (``decide()``) as a CV :class:`Judge`."""

    def __init__(
        self,
        policy: Policy,
        attestors: Sequence[Attestor],
        source: AttestationSource,
        settings: Settings,
        options: DecisionOptions | None = None,
    ) -> None:
        super().__init__(CoreClassicJudge(policy, attestors, options), source, settings)
        self.policy, self.attestors = policy, tuple(attestors)


class PlatformJudge(WorkloadJudge):
    """A GKE platform policy as a CV :class:`Judge` (``source``: a
    ``PlatformOccurrences``). Config errors: checks the policy holds that
    kritis-sim cannot evaluate with what it was given (a ``slsaCheck`` rule
    whose builder has no roots of trust, a ``sigstoreSignatureCheck``); the
    Pods they cover are still judged (those checks report ERROR)."""

    def __init__(
        self,
        policy: PlatformPolicy,
        source: Any,
        settings: Settings,
        *,
        image_metadata: Mapping[str, ImageMetadata] | None = None,
        trusted_builders: Mapping[TrustedBuilder, BuilderRoots] | None = None,
        cluster_label: str | None = None,
    ) -> None:
        core = CorePlatformJudge(
            policy, image_metadata=image_metadata, trusted_builders=trusted_builders
        )
        super().__init__(core, source, settings)
        self.policy, self.cluster_label = policy, cluster_label

    def config_errors(self) -> Sequence[str]:
        """One description per check that cannot be monitored."""
        gke = self.policy.gke_policy
        if gke is None:
            return ()
        core = self.core
        builders = core.trusted_builders if isinstance(core, CorePlatformJudge) else {}
        where = (
            f"cluster {self.cluster_label!r}" if self.cluster_label else "the cluster"
        )
        named = self.policy.name or "the platform policy"
        out: list[str] = []
        for i, check_set in enumerate(gke.check_sets):
            for j, check in enumerate(check_set.checks):
                at = (
                    f"checkSets[{i}] ({scope_text(check_set.scope)}) checks[{j}] "
                    f"{check.type}"
                )
                body = check.body
                if isinstance(body, SigstoreSignatureCheck):
                    out.append(
                        f"Cannot monitor {where}: {named} {at} is not evaluated by "
                        "kritis-sim yet (it needs an OCI registry source)"
                    )
                elif isinstance(body, SlsaCheck):
                    missing = sorted(
                        {r.trusted_builder.name for r in body.rules}
                        - {b.name for b in builders}
                    )
                    if missing:
                        out.append(
                            f"Cannot monitor {where}: {named} {at} needs the roots "
                            f"of trust of {', '.join(missing)} (--trusted-builders)"
                        )
        return tuple(out)
