"""Generated worlds judged by an adapter: cases built in memory, late replies.

:class:`GeneratedCases` turns a generated world into a case whose expectation
is the reference decision: only what ``setup`` reads (policy, attestors,
request target) is written to disk, once per configuration; the worlds stay in
memory. :class:`BatchJudge` runs a batch of them in an open adapter session and
returns each case's problem ("" when it agreed).

The late-reply retry: a reply that arrives after the request's ``?timeout=``
fails its case even when the verdict is right (an API server would have given
up on it). On a machine short of CPU a correct adapter can miss the budget now
and then, which would stop a long run with a "disagreement" that passes when
rerun. With ``late_retries`` N > 0, a case whose *only* problem is a late reply
is sent again, alone, up to N times, and passes if a reply comes in time; each
resend is counted (reported as ``lateResent`` in the JSON report, next to
``lateRetries`` N). A wrong verdict, a malformed reply or no reply at all is
never retried. The default, 0, keeps the check exact.

Nothing here draws worlds or shrinks.
"""

from __future__ import annotations

import collections
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.generated import (
    case_data,
    config_yaml,
    probe_case,
    world_digest,
)
from kritis_sim.conformance.reference import reference_result
from kritis_sim.conformance.runner import judge_all
from kritis_sim.conformance.session import Session
from kritis_sim.strategies import GeneratedWorld

__all__ = ["BatchJudge", "GeneratedCases", "only_late"]

#: The whole problem text of a reply whose only fault is its lateness
#: (:func:`kritis_sim.conformance.results.late`).
_LATE = re.compile(r"reply took [0-9.]+ s, past the request's \?timeout=\d+s budget")


def _tag_only(obj: Any) -> bool:
    """Whether an ``image`` anywhere in ``obj`` has no digest."""
    if isinstance(obj, dict):
        return any(
            ("@" not in value) if key == "image" and isinstance(value, str)
            else _tag_only(value)
            for key, value in obj.items()
        )  # fmt: skip
    if isinstance(obj, list):
        return any(_tag_only(value) for value in obj)
    return False


def only_late(problem: str) -> bool:
    """Whether ``problem`` says a reply was late and nothing else."""
    return _LATE.fullmatch(problem) is not None


class GeneratedCases:
    """Generated worlds as cases for one run, files written once per
    configuration under ``root``; only the last :attr:`KEEP` configurations
    are kept (a long run has tens of thousands), an older one is written
    again if it comes back."""

    KEEP = 256

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirs: collections.OrderedDict[str, tuple[Path, str, str]] = (
            collections.OrderedDict()
        )
        self._made = 0

    def case(self, world: GeneratedWorld, allowed: bool | None = None) -> Case:
        """``world`` as a case whose expectation is the reference decision
        (``allowed``, when already decided)."""
        name = f"generated_{world_digest(world)}"
        config = json.dumps(world.config, sort_keys=True)
        entry = self._dirs.get(config)
        if entry is not None:
            self._dirs.move_to_end(config)
        else:
            draft = case_data(world, name, True)
            path = self.root / f"config_{self._made:06d}"
            self._made += 1
            path.mkdir(parents=True)
            policy_text = config_yaml(dict(draft.policy))
            attestors_text = config_yaml([dict(a) for a in draft.attestors])
            for file, text in (("policy.yaml", policy_text),
                               ("attestors.yaml", attestors_text),
                               ("request.yaml", config_yaml(dict(draft.request)))):  # fmt: skip
                (path / file).write_text(text, encoding="utf-8")
            entry = self._dirs[config] = (path, policy_text, attestors_text)
            if len(self._dirs) > self.KEEP:
                _, (old, _, _) = self._dirs.popitem(last=False)
                shutil.rmtree(old, ignore_errors=True)
        path, policy_text, attestors_text = entry
        probe = probe_case(world, path, (policy_text, attestors_text))
        if allowed is None:
            allowed = reference_result(probe).observed.allowed
        return replace(
            probe,
            name=name + ("" if allowed else "_deny"),
            expect=replace(probe.expect, allowed=allowed),
        )


@dataclass
class BatchJudge:
    """Judges batches of generated worlds in ``session``.

    Attributes:
        late_retries: the most resends of a case whose only problem is a
            late reply (0: none, the exact check).
        late_resent: how many resends there were so far.
    """

    session: Session
    capabilities: frozenset[str]
    cases: GeneratedCases
    late_retries: int = 0
    late_resent: int = 0

    def __call__(
        self, worlds: Sequence[tuple[GeneratedWorld, bool | None]]
    ) -> list[str]:
        """Each world's problem ("" when the adapter agreed), in order;
        ``worlds`` pairs each world with its reference decision when made."""
        batch = [self.cases.case(world, allowed) for world, allowed in worlds]
        # Cases that may share a wave first: a case that must run alone
        # (an image without a digest: waves.case_keys) would close the wave
        # it meets.
        alone = [_tag_only(world.workload) for world, _ in worlds]
        order = sorted(range(len(batch)), key=alone.__getitem__)
        results = judge_all(
            self.session, [batch[i] for i in order], self.capabilities, {}
        )
        problems = [""] * len(batch)
        for i, result in zip(order, results, strict=True):
            problems[i] = result.detail if result.outcome == "failed" else ""
        for i, case in enumerate(batch):
            tries = 0
            while tries < self.late_retries and only_late(problems[i]):
                tries += 1
                self.late_resent += 1
                (result,) = judge_all(self.session, [case], self.capabilities, {})
                problems[i] = result.detail if result.outcome == "failed" else ""
        return problems
