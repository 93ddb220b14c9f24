"""One side of a what-if comparison: a policy judged at admission time.

A :class:`Side` answers, for one workload at one time, what admission would
do: :class:`Admission` (admitted or not, and per image the rule or check
responsible and the reason). Unlike continuous validation
(:mod:`kritis_sim.cv.judge`), this is the admission outcome: a denial by a
dry-run rule is admitted, and breakglass is honoured as the webhook honours
it, so switching a rule from dry-run to enforced shows up as "newly denied".

* :class:`ClassicSide` wraps :func:`kritis_sim.core.decide.decide`;
* :class:`PlatformSide` wraps
  :func:`kritis_sim.core.platform.evaluate_platform_policy`, as enforced
  (``AUDIT_AND_ENFORCE``): only CONFORMANT is admitted; ERROR is not (fail
  closed);
* :class:`AsAdmitted` is the baseline when none is given: every admission of
  the input was admitted (it is in the log, or it runs).

This module holds no I/O and no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kritis_sim.admission.workloads import Workload, deploy_target
from kritis_sim.cli.target import TargetSettings
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.platform import PlatformOccurrences, evaluate_platform_policy
from kritis_sim.core.source import AttestationSource
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import ImageMetadata, Verdict
from kritis_sim.model.platform.results import ImageResult as PlatformImage
from kritis_sim.model.policy import Policy

__all__ = [
    "Admission",
    "AsAdmitted",
    "ClassicSide",
    "ImageOutcome",
    "PlatformSide",
    "Side",
]


@dataclass(frozen=True, slots=True)
class ImageOutcome:
    """One image at admission: allowed, by which rule or check, and why."""

    image: str
    allowed: bool
    rule: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "image": self.image,
            "allowed": self.allowed,
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Admission:
    """What admission does with a workload.

    Attributes:
        admitted: the workload would be admitted (after dry-run, breakglass).
        images: one outcome per image, in workload order.
        note: dry-run or breakglass overriding a denial, or an evaluation
            error (never admitted), for people.
        error: the evaluation could not be completed.
    """

    admitted: bool
    images: tuple[ImageOutcome, ...]
    note: str = ""
    error: bool = False


class Side(Protocol):
    """A policy as what-if needs it."""

    label: str

    def admit(self, workload: Workload, now: datetime) -> Admission:
        """What admission would do with ``workload`` at ``now``."""
        ...  # pragma: no cover


class AsAdmitted:
    """The baseline when no policy is given: the input was admitted."""

    label = "as admitted (the input)"

    def admit(self, workload: Workload, now: datetime) -> Admission:
        """Admitted, every image."""
        return Admission(
            True,
            tuple(
                ImageOutcome(i, True, "input", "admitted in the input")
                for i in workload.images
            ),
        )


class ClassicSide:
    """A classic project policy and its attestors."""

    def __init__(
        self,
        label: str,
        policy: Policy,
        attestors: Sequence[Attestor],
        source: AttestationSource,
        settings: TargetSettings,
        options: DecisionOptions | None = None,
    ) -> None:
        self.label, self.policy, self.attestors = label, policy, tuple(attestors)
        self.source, self.settings = source, settings
        self.options = options or DecisionOptions()

    def admit(self, workload: Workload, now: datetime) -> Admission:
        """``decide()`` for the workload's deploy target, breakglass honoured."""
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
            breakglass=bool(workload.breakglass),
            options=self.options,
        )
        images = tuple(
            ImageOutcome(v.image, v.allowed, v.rule.describe(), v.reason)
            for v in decision.images
        )
        note = ""
        if decision.failed_closed:
            note = "failed closed: " + decision.message
        elif decision.allowed and not decision.verdict_allowed:
            note = "breakglass" if decision.breakglass else "dry-run"
            note += " overrides the denial"
        return Admission(decision.allowed, images, note, decision.failed_closed)


def _platform_rule(result: PlatformImage) -> tuple[str, str]:
    """The check (or allowlist) responsible for an image's verdict, and why."""
    if result.matched_pattern is not None or result.check_set_result is None:
        return "policy imageAllowlist" if result.matched_pattern else "gkePolicy", (
            result.explanation or result.verdict.value
        )
    cs = result.check_set_result
    named = f" {cs.display_name!r}" if cs.display_name else ""
    where = f"checkSets[{cs.index}]{named}"
    failing = [c for c in cs.check_results if c.verdict is not Verdict.CONFORMANT]
    if cs.verdict is Verdict.CONFORMANT or not failing:
        return where, cs.explanation or "every check conforms"
    worst = max(failing, key=lambda c: c.verdict.rank)
    check_named = f" {worst.display_name!r}" if worst.display_name else ""
    return (
        f"{where} check {worst.index} {worst.type}{check_named}",
        f"{worst.verdict.value}: {worst.explanation or ''}".rstrip(": "),
    )


class PlatformSide:
    """A GKE platform policy, as enforced at admission."""

    def __init__(
        self,
        label: str,
        policy: PlatformPolicy,
        occurrences: PlatformOccurrences,
        image_metadata: Mapping[str, ImageMetadata] | None = None,
    ) -> None:
        self.label, self.policy, self.occurrences = label, policy, occurrences
        self.image_metadata = dict(image_metadata or {})

    def admit(self, workload: Workload, now: datetime) -> Admission:
        """``evaluate_platform_policy``: CONFORMANT is admitted, nothing else."""
        response = evaluate_platform_policy(
            self.policy,
            workload.images,
            namespace=workload.namespace,
            service_account=workload.service_account,
            now=now,
            occurrences=self.occurrences,
            image_metadata=self.image_metadata,
            pod_name=workload.name,
        )
        pod = response.results[0]
        images = []
        for result in pod.image_results:
            rule, reason = _platform_rule(result)
            images.append(
                ImageOutcome(
                    result.image_uri, result.verdict is Verdict.CONFORMANT, rule, reason
                )
            )
        error = pod.verdict is Verdict.ERROR
        note = (
            "a check could not be evaluated (ERROR is never admitted)" if error else ""
        )
        return Admission(pod.verdict is Verdict.CONFORMANT, tuple(images), note, error)
