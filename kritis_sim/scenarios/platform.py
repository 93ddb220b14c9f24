"""Platform-policy answers for scenarios, through the shared judge seam.

A platform-guarded environment is judged by
:class:`kritis_sim.core.judges.PlatformJudge` (``evaluate_platform_policy``
over the world's occurrences, upload times and builders' roots of trust), the
same judge the webhook's ``--platform-policy`` uses, so a deploy's
:class:`~.result.Reply` is read from its model-neutral ``Decision`` exactly as
for the classic policy (CONFORMANT admits; NON_CONFORMANT or ERROR refuses,
unless breakglass admits it). CV passes use
:class:`kritis_sim.cv.judge.PlatformJudge` (:func:`cv_judge`).

:func:`responsible` finds the checks and check sets a ``check``/``checkSet``
expectation is matched against: from the evaluation when the reply has it
(in-process), else from the reason lines (``... denied by check set 0 'prod'
(namespace prod): check 1 VulnerabilityCheck 'no criticals': NON_CONFORMANT:
...``), which the webhook sends in its ``denial-reasons`` audit annotation.
No I/O, no clock.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kritis_sim.core.judges import PlatformJudge
from kritis_sim.core.target import TargetSettings
from kritis_sim.cv.judge import PlatformJudge as CvPlatformJudge
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse, Verdict
from kritis_sim.scenarios.result import Reply
from kritis_sim.scenarios.schema import Request
from kritis_sim.scenarios.schema_world import CheckExpectation

if TYPE_CHECKING:
    from kritis_sim.scenarios.world import World

__all__ = ["cv_judge", "judge", "platform_reply", "responsible", "unmet_check"]

_SET = re.compile(r"denied by check set (\d+)(?: (?P<q>['\"])(?P<name>.*?)(?P=q))? \(")
_CHECK = re.compile(
    r"check (\d+) (?P<type>[A-Za-z]+)(?: (?P<q>['\"])(?P<name>.*?)(?P=q))?: (?:NON_CONFORMANT|ERROR)"
)


def judge(world: World, environment: str) -> PlatformJudge:
    """The judge of ``environment``'s platform policy as the world stands now."""
    return PlatformJudge(
        world.platform_policies[environment],
        image_metadata=world.metadata,
        trusted_builders=world.builder_roots,
    )


def cv_judge(world: World, environment: str) -> CvPlatformJudge:
    """The CV judge of ``environment``'s platform policy as the world stands now."""
    return CvPlatformJudge(
        world.platform_policies[environment],
        world.platform_source,
        TargetSettings(cluster=None, trust_domain=None),
        image_metadata=world.metadata,
        trusted_builders=world.builder_roots,
    )


def platform_reply(world: World, environment: str, request: Request) -> Reply:
    """The in-process answer of the platform policy guarding ``environment``."""
    decision = judge(world, environment).judge(
        request.images,
        world.target(environment, request.namespace, request.service_account),
        world.platform_source,
        world.clock.now(),
        breakglass=request.breakglass,
    )
    reply = Reply.from_decision(
        request.kind,
        request.name,
        decision,
        platform_policy=world.platform_policies[environment],
    )
    detail = decision.detail
    if isinstance(detail, EvaluateGkePolicyResponse):
        import dataclasses

        reply = dataclasses.replace(reply, evaluation=detail)
    return reply


def _from_text(text: str) -> tuple[set[str], set[str]]:
    checks: set[str] = set()
    sets: set[str] = set()
    for line in text.splitlines():
        found = _SET.search(line)
        if found is None:
            continue
        sets.add(found.group(1))
        if found.group("name"):
            sets.add(found.group("name"))
        for check in _CHECK.finditer(line, found.end()):
            checks.add(check.group("type").lower())
            if check.group("name"):
                checks.add(check.group("name"))
    return checks, sets


def responsible(reply: Reply) -> tuple[set[str], set[str]]:
    """``(checks, check sets)`` that are not CONFORMANT: check types (lower-cased)
    and display names; check-set display names and indexes."""
    response = reply.evaluation
    if response is None:
        return _from_text(reply.text)
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


def unmet_check(expect: CheckExpectation, reply: Reply) -> list[str]:
    """Why ``expect`` does not hold for ``reply`` (empty when it does)."""
    checks, sets = responsible(reply)
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
