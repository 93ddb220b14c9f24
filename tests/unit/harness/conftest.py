"""A scripted :class:`~kritis_sim.harness._process.Runner` for harness tests.

``FakeRunner`` records every command line (and its stdin) and answers from a
list of ``(argv prefix, Completed-or-callable)`` rules, first match wins;
commands no rule matches succeed with empty output. No process is started.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest

from kritis_sim.errors import CommandError
from kritis_sim.harness._process import Completed

Answer = (
    tuple[int, str, str] | Callable[[tuple[str, ...], str | None], tuple[int, str, str]]
)


@dataclass
class FakeRunner:
    rules: list[tuple[tuple[str, ...], Answer]] = field(default_factory=list)
    calls: list[tuple[tuple[str, ...], str | None, float]] = field(default_factory=list)

    def on(self, *prefix: str, answer: Answer) -> FakeRunner:
        self.rules.append((prefix, answer))
        return self

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        stdin: str | None = None,
        check: bool = True,
    ) -> Completed:
        args = tuple(argv)
        self.calls.append((args, stdin, timeout))
        result: tuple[int, str, str] = (0, "", "")
        for prefix, answer in self.rules:
            if args[: len(prefix)] == prefix:
                result = answer(args, stdin) if callable(answer) else answer
                break
        code, out, err = result
        if check and code != 0:
            raise CommandError(args, f"failed with exit status {code}", stderr=err)
        return Completed(args, code, out, err)

    def argvs(self) -> list[tuple[str, ...]]:
        return [argv for argv, _, _ in self.calls]


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()
