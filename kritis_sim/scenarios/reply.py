"""A deploy's reply and the check of its expectation, for every simulation path.

:class:`Reply` is what one deploy got back, made from a
:class:`~kritis_sim.model.decision.Decision` (in-process), a platform verdict,
or a webhook's AdmissionReview reply; :func:`check_deploy` compares it (and
each generated Pod's reply) with the deploy's
:class:`~kritis_sim.scenarios.schema.Expectation`, so the in-process and
webhook paths are judged by the same code. :func:`outcome_of` maps a decision
to an :class:`~kritis_sim.scenarios.schema.Outcome`. No I/O, no rendering; the
run's timeline and summary are :mod:`kritis_sim.scenarios.result`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim.admission.verdicts import unsatisfied_attestor_lines
from kritis_sim.core.fixes import Fix, fixes
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse
from kritis_sim.scenarios.schema import Deploy, Expectation, Outcome

__all__ = ["Reply", "check_deploy", "outcome_of"]


def outcome_of(decision: Decision) -> Outcome:
    """Classify a decision: allowed, denied, admitted by dry-run or by breakglass."""
    if not decision.allowed:
        return Outcome.DENIED
    if decision.verdict_allowed:
        return Outcome.ALLOWED
    return Outcome.DRY_RUN if decision.dry_run else Outcome.BREAKGLASS


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one admission request.

    A ``reason`` expectation is matched against :attr:`text`, which is the
    same on both paths: the in-process decision's reason lines, or the same
    lines read back from the webhook's audit annotations
    (:data:`~kritis_sim.admission.verdicts.DENIAL_REASONS` and
    :data:`~kritis_sim.admission.verdicts.UNSATISFIED_ATTESTORS`).

    Attributes:
        kind: the object's kind.
        name: the object's name.
        outcome: what happened.
        message: the one-paragraph summary (the webhook's status message).
        decision: the full decision (in-process path only); reasons and
            details are derived from it on demand.
        wire_reasons: reasons read from a webhook reply.
        wire_details: per-attestor lines read from a webhook reply.
        wire_notes: the webhook reply's warnings and other audit annotations
            (shown in reports, not matched).
    """

    kind: str
    name: str | None
    outcome: Outcome
    message: str
    decision: Decision | None = None
    wire_reasons: tuple[str, ...] = ()
    wire_details: tuple[str, ...] = ()
    wire_notes: tuple[str, ...] = ()
    evaluation: EvaluateGkePolicyResponse | None = None
    #: What would make the denied images pass, computed on demand (failure
    #: reports only); None on the webhook path, whose message has the hint.
    fixer: Callable[[], tuple[Fix, ...]] | None = field(
        default=None, compare=False, repr=False
    )

    @classmethod
    def from_decision(
        cls,
        kind: str,
        name: str | None,
        decision: Decision,
        attestors: Mapping[str, Attestor] | None = None,
        platform_policy: PlatformPolicy | None = None,
    ) -> Reply:
        """The reply of an in-process decision (``attestors`` or
        ``platform_policy``: what it was judged with, so fixes can name
        notes, keys and commands)."""
        fixer = (
            None
            if decision.verdict_allowed
            else functools.partial(
                fixes, decision, attestors or {}, platform_policy=platform_policy
            )
        )
        return cls(
            kind, name, outcome_of(decision), decision.message, decision, fixer=fixer
        )

    def fixes(self) -> tuple[Fix, ...]:
        """What would make the policy admit the denied images (may be empty)."""
        return () if self.fixer is None else self.fixer()

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reason sentence of each image the policy denies (in order)."""
        if self.decision is None:
            return self.wire_reasons
        return tuple(v.reason for v in self.decision.images if not v.allowed)

    @property
    def details(self) -> tuple[str, ...]:
        """``IMAGE: ATTESTOR: CODE: DETAIL`` per unsatisfied required attestor."""
        if self.decision is None:
            return self.wire_details
        return unsatisfied_attestor_lines(self.decision)

    @property
    def text(self) -> str:
        """What a ``reason`` pattern is searched in: reasons, then details, one a line."""
        return "\n".join((*self.reasons, *self.details))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "outcome": self.outcome.value,
            "message": self.message,
            "reasons": list(self.reasons),
            "details": list(self.details),
        }
        if self.decision is not None:
            out["decision"] = self.decision.to_dict()
        if self.evaluation is not None:
            out["evaluation"] = self.evaluation.to_dict()
        if self.wire_notes:
            out["notes"] = list(self.wire_notes)
        return out


def _check_one(
    what: str, want: Outcome | None, expect: Expectation, reply: Reply
) -> list[str]:
    problems = []
    if want is not None and reply.outcome is not want:
        problems.append(f"{what}: expected {want.value}, got {reply.outcome.value}")
    if expect.reason is not None and not expect.reason.search(reply.text):
        problems.append(
            f"{what}: expected a reason matching /{expect.reason.pattern}/, got: "
            + ("; ".join(reply.reasons) or reply.message)
        )
    return problems


def check_deploy(
    event: Deploy, reply: Reply, pods: tuple[Reply, ...]
) -> tuple[str, ...]:
    """The expectation failures of one deploy (empty when it holds)."""
    expect = event.expect
    if expect is None:
        return ()
    if (
        expect.reason is None
        and expect.check is None
        and not pods
        and reply.outcome is expect.outcome
    ):
        return ()  # the common case, without building any text
    problems = _check_one(event.kind, expect.outcome, expect, reply)
    if expect.check is not None:
        from kritis_sim.scenarios.platform import unmet_check

        problems += [f"{event.kind}: {p}" for p in unmet_check(expect.check, reply)]
    for i, pod in enumerate(pods):
        problems += _check_one(f"Pod {i + 1} of {len(pods)}", expect.pods, expect, pod)
    return tuple(problems)
