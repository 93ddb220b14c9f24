"""Platform-policy answers for scenarios: the judge adapter and what it produces.

The simulator asks one question of a platform-guarded environment: how does
``evaluate_platform_policy`` judge these images, here, now?
:func:`evaluate` is the one place that calls it (a small adapter, to be
replaced by the shared ``PlatformJudge`` when that seam exists), and the rest
of this module turns its ``EvaluateGkePolicyResponse`` into what scenarios
read:

* :func:`reply_from_evaluation`: an admission :class:`~.result.Reply`
  (CONFORMANT admits; NON_CONFORMANT or ERROR refuses, unless breakglass
  admits it, as the webhook does), with one reason line per check that is not
  CONFORMANT: ``IMAGE: checkSets[I] 'NAME': TYPE 'DISPLAY': VERDICT: WHY``;
* :func:`responsible`: the checks and check sets a ``check``/``checkSet``
  expectation is matched against;
* :func:`judgement_from_evaluation`: the CV :class:`~kritis_sim.cv.judge.Judgement`
  (``checkResults`` shaped as GKE logs them: failing checks only).

No I/O, no clock (``now`` is given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kritis_sim.core.platform import (
    BuilderRoots,
    PlatformOccurrences,
    evaluate_platform_policy,
)
from kritis_sim.cv.judge import ImageResult as CvImage
from kritis_sim.cv.judge import Judgement
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import (
    EvaluateGkePolicyResponse,
    ImageMetadata,
    ImageResult,
    Verdict,
)
from kritis_sim.scenarios.result import Reply
from kritis_sim.scenarios.schema import Outcome, Request
from kritis_sim.scenarios.schema_world import CheckExpectation

if TYPE_CHECKING:
    from kritis_sim.scenarios.world import World

__all__ = [
    "evaluate",
    "judgement_from_evaluation",
    "platform_reply",
    "reason_lines",
    "responsible",
    "unmet_check",
]


def evaluate(
    policy: PlatformPolicy,
    images: Sequence[str],
    *,
    namespace: str,
    service_account: str,
    now: datetime,
    occurrences: PlatformOccurrences,
    metadata: Mapping[str, ImageMetadata],
    builders: Mapping[TrustedBuilder, BuilderRoots],
    pod_name: str | None = None,
) -> EvaluateGkePolicyResponse:
    """The platform policy's judgement of one workload (the judge seam)."""
    return evaluate_platform_policy(
        policy,
        images,
        namespace=namespace,
        service_account=service_account,
        now=now,
        occurrences=occurrences,
        image_metadata=metadata,
        pod_name=pod_name,
        trusted_builders=builders,
    )


def _image_lines(image: ImageResult) -> list[str]:
    if image.verdict is Verdict.CONFORMANT:
        return []
    result = image.check_set_result
    if result is None:
        return [f"{image.image_uri}: {image.verdict.value}: {image.explanation or ''}"]
    head = f"{image.image_uri}: checkSets[{result.index}]"
    if result.display_name:
        head += f" {result.display_name!r}"
    if not result.check_results:
        return [f"{head}: {result.verdict.value}: {result.explanation or ''}"]
    out = []
    for check in result.check_results:
        if check.verdict is Verdict.CONFORMANT:
            continue
        name = f" {check.display_name!r}" if check.display_name else ""
        out.append(
            f"{head}: {check.type}{name}: {check.verdict.value}: {check.explanation or ''}"
        )
    return out


def reason_lines(response: EvaluateGkePolicyResponse) -> tuple[str, ...]:
    """One line per check (or image) that is not CONFORMANT, in image order."""
    return tuple(line for pod in response.results for i in pod.image_results for line in _image_lines(i))


def outcome_of(response: EvaluateGkePolicyResponse, breakglass: bool) -> Outcome:
    """CONFORMANT admits; otherwise refused, or admitted by breakglass."""
    if response.verdict is Verdict.CONFORMANT:
        return Outcome.ALLOWED
    return Outcome.BREAKGLASS if breakglass else Outcome.DENIED


def message_of(response: EvaluateGkePolicyResponse, outcome: Outcome) -> str:
    """The one-paragraph summary of an admission under a platform policy."""
    if outcome is Outcome.ALLOWED:
        return "Allowed by the platform policy: every image is CONFORMANT"
    lines = "; ".join(reason_lines(response))
    if outcome is Outcome.BREAKGLASS:
        return f"Admitted by breakglass; the platform policy's verdict is {response.verdict.value}: {lines}"
    return f"Denied by the platform policy ({response.verdict.value}): {lines}"


def responsible(response: EvaluateGkePolicyResponse) -> tuple[set[str], set[str]]:
    """``(checks, check sets)`` that are not CONFORMANT: check types (lower-cased)
    and display names; check-set display names and indexes."""
    checks: set[str] = set()
    sets: set[str] = set()
    for pod in response.results:
        for image in pod.image_results:
            result = image.check_set_result
            if image.verdict is Verdict.CONFORMANT or result is None:
                continue
            sets.add(str(result.index))
            if result.display_name:
                sets.add(result.display_name)
            for check in result.check_results:
                if check.verdict is not Verdict.CONFORMANT:
                    checks.add(check.type.lower())
                    if check.display_name:
                        checks.add(check.display_name)
    return checks, sets


def unmet_check(
    expect: CheckExpectation, response: EvaluateGkePolicyResponse | None
) -> list[str]:
    """Why ``expect`` does not hold for ``response`` (empty when it does)."""
    if response is None:
        return ["expected a platform-policy evaluation, but the reply has none"]
    checks, sets = responsible(response)
    problems = []
    if expect.check is not None and expect.check not in checks and expect.check.lower() not in checks:
        problems.append(
            f"expected check {expect.check!r} to be responsible, got "
            + (", ".join(sorted(checks)) or "no failing check")
        )
    if expect.check_set is not None and expect.check_set not in sets:
        problems.append(
            f"expected check set {expect.check_set!r} to be responsible, got "
            + (", ".join(sorted(sets)) or "no failing check set")
        )
    return problems


def _cv_checks(image: ImageResult) -> tuple[dict[str, Any], ...]:
    """``ImageDetails.checkResults``: the failing checks, as GKE logs them."""
    result = image.check_set_result
    if result is None:
        return ()
    out = []
    for check in result.check_results:
        if check.verdict is Verdict.CONFORMANT:
            continue
        entry: dict[str, Any] = {"checkSetIndex": str(result.index)}
        if result.display_name:
            entry["checkSetName"] = result.display_name
        if result.scope is not None:
            entry["checkSetScope"] = result.scope.to_dict()
        entry["checkIndex"] = str(check.index)
        if check.display_name:
            entry["checkName"] = check.display_name
        entry["checkType"] = check.type
        entry["verdict"] = (
            "NON_CONFORMANT" if check.verdict is Verdict.NON_CONFORMANT else "CHECK_VERDICT_UNSPECIFIED"
        )
        name = f' with display name "{check.display_name}"' if check.display_name else ""
        entry["explanation"] = (
            f"{check.type} at index {check.index}{name} has verdict "
            f"{check.verdict.value}. {check.explanation or ''}".rstrip()
        )
        out.append(entry)
    return tuple(out)


def judgement_from_evaluation(
    response: EvaluateGkePolicyResponse, policy_name: str | None
) -> Judgement:
    """The CV judgement: a Pod violates when an image is NON_CONFORMANT; an
    ERROR-only Pod is an evaluation that could not be completed (logged with
    verdict ``POLICY_CONFORMANCE_VERDICT_UNSPECIFIED``, never conformant)."""
    images = tuple(
        CvImage(
            i.image_uri,
            i.verdict is Verdict.CONFORMANT,
            "; ".join(_image_lines(i)) or "CONFORMANT",
            _cv_checks(i),
        )
        for pod in response.results
        for i in pod.image_results
    )
    error = None
    if response.verdict is Verdict.ERROR:
        error = "; ".join(reason_lines(response))
    return Judgement(
        conforms=response.verdict is Verdict.CONFORMANT,
        images=images,
        error=error,
        policy_name=policy_name,
        rule="platform policy",
        detail=response,
    )


def platform_reply(world: World, environment: str, request: Request) -> Reply:
    """The in-process answer of the platform policy guarding ``environment``."""
    policy = world.platform_policies[environment]
    response = evaluate(
        policy,
        request.images,
        namespace=request.namespace,
        service_account=request.service_account,
        now=world.clock.now(),
        occurrences=world.platform_source,
        metadata=world.metadata,
        builders=world.builder_roots,
        pod_name=request.name,
    )
    outcome = outcome_of(response, request.breakglass)
    return Reply(
        request.kind,
        request.name,
        outcome,
        message_of(response, outcome),
        None,
        reason_lines(response),
        evaluation=response,
    )
