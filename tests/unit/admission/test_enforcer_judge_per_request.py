"""What is said about a decision (denial fixes) is asked of the judge that made
it: ``Enforcer.decide_with_judge`` returns that judge, even when the provider
hands out a different judge for the next request (a policy switched between
two requests). Both the inline and the prefetching paths."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from kritis_sim.admission.enforcer import Enforcer, policy_failure
from kritis_sim.core.judges import Lookup
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.decision import Decision

NOW = datetime(2026, 11, 29, tzinfo=UTC)
TARGET = DeployTarget("us-east1.prod", "shop", "api")
IMAGE = "gcr.io/shop/api@sha256:" + "a" * 64


class _NamedJudge:
    """Denies with its own name as the reason; reads nothing."""

    def __init__(self, name: str) -> None:
        self.name = name

    def reads(
        self, images: Sequence[str], target: DeployTarget, now: datetime
    ) -> Iterable[Lookup]:
        return ()

    def judge(
        self,
        images: Sequence[str],
        target: DeployTarget,
        source: Any,
        now: datetime,
        *,
        breakglass: bool,
    ) -> Decision:
        return policy_failure(images, breakglass, self.name)


class _Alternating:
    """A judge provider switching judges on every call (a policy in flux)."""

    def __init__(self, *, nonblocking: bool) -> None:
        self._next = itertools.cycle([_NamedJudge("old"), _NamedJudge("new")])
        self.nonblocking = nonblocking

    def __call__(self) -> _NamedJudge:
        return next(self._next)


class _Source:
    nonblocking: ClassVar[bool] = True


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "prefetch"])
def test_each_decision_comes_with_the_judge_that_made_it(inline: bool) -> None:
    enforcer = Enforcer(
        None,
        _Source(),
        clock=lambda: NOW,
        judge_provider=_Alternating(nonblocking=inline),
    )

    async def both() -> list[tuple[Decision, Any]]:
        calls = [
            enforcer.decide_with_judge(
                TARGET, [IMAGE], breakglass=False, budget=5.0
            )
            for _ in range(4)
        ]
        return list(await asyncio.gather(*calls))

    try:
        answers = asyncio.run(both())
    finally:
        enforcer.close()
    names = set()
    for decision, judge in answers:
        assert judge is not None
        assert judge.name in decision.message
        names.add(judge.name)
    assert names == {"old", "new"}
