"""One side of a what-if comparison: a policy judged at admission time.

A :class:`Side` answers, for one workload at one time, what admission would
do: :class:`Admission` (admitted or not, and per image the rule or check
responsible and the reason). Unlike continuous validation
(:mod:`kritis_sim.cv.judge`), this is the admission outcome: a denial by a
dry-run rule is admitted, and breakglass is honoured as the webhook honours
it, so switching a rule from dry-run to enforced shows up as "newly denied".

* :class:`JudgeSide` asks a :class:`kritis_sim.core.judges.Judge` (the
  classic ``ClassicJudge`` or the platform ``PlatformJudge``, which admits
  CONFORMANT only: ERROR is never admitted) for the workload's deploy target;
* :class:`AsAdmitted` is the baseline when none is given: every admission of
  the input was admitted (it is in the log, or it runs).

A denial also carries what would make it pass (:mod:`kritis_sim.core.fixes`),
computed only when a report asks (newly denied objects).

This module holds no I/O and no clock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kritis_sim.admission.workloads import Workload, deploy_target
from kritis_sim.core.fixes import Fix, judge_fixes
from kritis_sim.core.judges import Judge
from kritis_sim.core.target import TargetSettings
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse, Verdict

__all__ = [
    "Admission",
    "AsAdmitted",
    "ImageOutcome",
    "JudgeSide",
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
        fixer: computes what would make a denial pass (on demand: reports
            ask for newly denied objects only); None when admitted.
    """

    admitted: bool
    images: tuple[ImageOutcome, ...]
    note: str = ""
    error: bool = False
    fixer: Callable[[], tuple[Fix, ...]] | None = field(
        default=None, compare=False, repr=False
    )

    def fixes(self) -> tuple[Fix, ...]:
        """What would make the denied images pass (empty when admitted)."""
        return () if self.fixer is None else self.fixer()


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


class JudgeSide:
    """A policy model's :class:`~kritis_sim.core.judges.Judge` and the source
    it reads (attestations, or platform occurrences)."""

    def __init__(
        self, label: str, judge: Judge, source: Any, settings: TargetSettings
    ) -> None:
        self.label, self.judge, self.source = label, judge, source
        self.settings = settings

    def admit(self, workload: Workload, now: datetime) -> Admission:
        """The judge's decision for the workload's deploy target, breakglass
        honoured."""
        target = deploy_target(
            workload,
            cluster=self.settings.cluster,
            trust_domain=self.settings.trust_domain,
        )
        decision = self.judge.judge(
            workload.images,
            target,
            self.source,
            now,
            breakglass=bool(workload.breakglass),
        )
        images = tuple(
            ImageOutcome(v.image, v.allowed, v.rule.describe(), v.reason)
            for v in decision.images
        )
        detail = decision.detail
        error = decision.failed_closed or (
            isinstance(detail, EvaluateGkePolicyResponse)
            and detail.verdict is Verdict.ERROR
        )
        note = ""
        if decision.failed_closed:
            note = "failed closed: " + decision.message
        elif decision.allowed and not decision.verdict_allowed:
            note = "breakglass" if decision.breakglass else "dry-run"
            note += " overrides the denial"
        elif error:
            note = "a check could not be evaluated (ERROR is never admitted)"
        fixer = None
        if not decision.allowed and not decision.failed_closed:
            fixer = functools.partial(judge_fixes, decision, self.judge, self.source)
        return Admission(decision.allowed, images, note, error, fixer)
