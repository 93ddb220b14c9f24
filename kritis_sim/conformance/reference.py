"""The reference answer for a case, computed in-process from the pure core.

This is what every enforcer is compared with: the images and breakglass markers
of the request (read by :mod:`kritis_sim.admission.workloads`), the deploy
target the case configures, and :func:`kritis_sim.core.decide.decide` over the
case's policy, attestors and world at the case's fixed time; for a
platform case, :class:`~kritis_sim.core.judges.PlatformJudge` over its
platform policy, ``platform.yaml`` and occurrences of every kind. Store faults are
modelled as a source that raises :class:`~kritis_sim.errors.GrafeasError`
(a latency fault counts as a failure when it reaches the request's timeout).

The webhook's user-facing text (message, warnings, audit annotations) comes
from :func:`kritis_sim.admission.verdicts.decision_verdict`, so expectations
can be checked against exactly what kritis-sim's webhook would say.

No HTTP, no clock, no files beyond the case's own.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kritis_sim.admission.review import parse_admission_review, parse_image_review
from kritis_sim.admission.verdicts import decision_verdict, not_applicable_verdict
from kritis_sim.admission.workloads import (
    NotApplicable,
    Workload,
    deploy_target,
    workload_from_admission,
    workload_from_image_review,
)
from kritis_sim.conformance.case import Case
from kritis_sim.conformance.platform_case import (
    image_metadata,
    platform_policy,
    platform_world,
    trusted_builders,
)
from kritis_sim.conformance.reviews import Observed, build_review
from kritis_sim.conformance.world import reference_source
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.judges import PlatformJudge
from kritis_sim.core.source import AttestationSource
from kritis_sim.errors import GrafeasError
from kritis_sim.model.attestor import Attestor, load_attestors
from kritis_sim.model.decision import Decision
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy, load_policy

__all__ = [
    "FailingSource",
    "ReferenceResult",
    "platform_judge",
    "reference_result",
    "reference_verdict",
    "store_fails",
]


class FailingSource:
    """An :class:`AttestationSource` whose every read fails."""

    def __init__(self, why: str) -> None:
        self._why = why

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """Always raises :class:`GrafeasError`."""
        raise GrafeasError(self._why)


@dataclass(frozen=True, slots=True)
class ReferenceResult:
    """The reference decision for a case and what the webhook would say.

    Attributes:
        observed: the answer in review-neutral form.
        decision: the core's decision (None when the request is not applicable).
        workload: the workload found in the request (None when not applicable).
    """

    observed: Observed
    decision: Decision | None
    workload: Workload | None


def platform_judge(case: Case) -> PlatformJudge:
    """The reference judge of a platform case, with its ``platform.yaml``
    (upload times as written: the reference decides at the case time)."""
    assert case.platform is not None
    return PlatformJudge(
        platform_policy(case),
        image_metadata=image_metadata(case.platform),
        trusted_builders=trusted_builders(case.platform),
    )


def reference_verdict(case: Case) -> str | None:
    """The platform policy's verdict for a platform case (``CONFORMANT``,
    ``NON_CONFORMANT``, ``ERROR``), None for another case or an unjudged one."""
    decision = reference_result(case).decision
    detail = decision.detail if decision is not None else None
    verdict = getattr(detail, "verdict", None)
    return None if verdict is None else str(verdict.value)


def store_fails(case: Case) -> bool:
    """Whether the case's store fault makes every store read fail."""
    fault = case.world.fault
    if fault is None:
        return False
    if fault.kind == "latency":
        return fault.latency_s >= case.request.timeout_s
    return True


def _kritis_result(case: Case, review: Any) -> ReferenceResult:
    """A ``semantics: kritis`` case: Kritis' reading of the object and
    :class:`~kritis_sim.core.kritis.judge.KritisJudge` over the translated
    resources, as the webhook with ``--semantics kritis`` answers."""
    from kritis_sim.admission.kritis_workloads import kritis_interpret
    from kritis_sim.conformance.kritis_case import KritisCaseSource, kritis_resources
    from kritis_sim.core.kritis.judge import KritisJudge

    found = kritis_interpret(parse_admission_review(review))
    if isinstance(found, NotApplicable):
        verdict = not_applicable_verdict(found)
        observed = Observed(True, verdict.message, verdict.warnings, verdict.audit_annotations)
        return ReferenceResult(observed, None, None)
    from kritis_sim.model.vulnerability import VulnerabilityOccurrence

    world = dataclasses.replace(
        case.world, occurrences=tuple(o for o in case.world.occurrences if o.get("kind") != "VULNERABILITY")
    )
    vulns = [VulnerabilityOccurrence.from_dict(o) for o in case.world.occurrences if o.get("kind") == "VULNERABILITY"]
    source = KritisCaseSource(
        FailingSource("injected store fault") if store_fails(case) else reference_source(world), vulns
    )
    judge = KritisJudge(kritis_resources(
        case.policy(), case.attestors(), case.target.kritis_vulnerabilities, case.target.kritis_namespace
    ))
    target = deploy_target(found, cluster=None, trust_domain=None)
    decision = judge.judge(
        found.images, target, source, case.world.time, breakglass=bool(found.breakglass)
    )
    verdict = decision_verdict(decision, found)
    observed = Observed(verdict.allowed, verdict.message, verdict.warnings, verdict.audit_annotations)
    return ReferenceResult(observed, decision, found)


@functools.lru_cache(maxsize=32)
def _policy(text: str, source: str) -> Policy:
    """``load_policy``, parsed once for the cases of one configuration (the
    differential mode decides many; a parse error is raised every time)."""
    return load_policy(text, source=source)


@functools.lru_cache(maxsize=32)
def _attestors(text: str, source: str) -> tuple[Attestor, ...]:
    """``load_attestors``, parsed once per configuration (as :func:`_policy`)."""
    return load_attestors(text, source=source)


def reference_result(
    case: Case, *, options: DecisionOptions | None = None
) -> ReferenceResult:
    """Decide ``case`` with the pure core at ``case.world.time``."""
    review = build_review(case.request, uid="reference")
    found: Workload | NotApplicable
    if case.target.semantics == "kritis":
        return _kritis_result(case, review)
    if case.request.review == "ImageReview":
        found = workload_from_image_review(parse_image_review(review))
    else:
        found = workload_from_admission(parse_admission_review(review))
    if isinstance(found, NotApplicable):
        verdict = not_applicable_verdict(found)
        return ReferenceResult(
            Observed(
                True, verdict.message, verdict.warnings, verdict.audit_annotations
            ),
            None,
            None,
        )
    source: AttestationSource = (
        FailingSource("injected store fault")
        if store_fails(case) or case.platform is not None
        else reference_source(case.world)
    )
    target = deploy_target(
        found,
        cluster=case.target.cluster,
        trust_domain=case.target.istio_trust_domain,
    )
    if case.platform is not None:
        decision = platform_judge(case).judge(
            found.images, target, platform_world(case.world), case.world.time,
            breakglass=bool(found.breakglass),
        )  # fmt: skip
    else:
        decision = decide(
            _policy(case.policy_text, str(case.path / "policy.yaml")),
            _attestors(case.attestors_text, str(case.path / "attestors.yaml")),
            source,
            target,
            found.images,
            now=case.world.time,
            breakglass=bool(found.breakglass),
            options=options,
        )
    verdict = decision_verdict(decision, found)
    observed = Observed(
        verdict.allowed, verdict.message, verdict.warnings, verdict.audit_annotations
    )
    return ReferenceResult(observed, decision, found)
