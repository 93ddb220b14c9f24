"""``--generated N`` and ``--generated-seconds S``: a case cap and a time budget."""

from __future__ import annotations

import pytest

from kritis_sim.cli.conformance import generated_budget
from kritis_sim.cli.main import main


@pytest.mark.parametrize(
    ("examples", "seconds", "budget"),
    [
        (None, None, None),
        (0, None, None),
        (None, 0.0, None),
        (20, None, (20, None)),
        (20, 5.0, (20, 5.0)),
        (None, 5.0, (2**31 - 1, 5.0)),
    ],
)
def test_generated_budget(
    examples: int | None,
    seconds: float | None,
    budget: tuple[int, float | None] | None,
) -> None:
    assert generated_budget(examples, seconds) == budget


@pytest.mark.parametrize("flag", ["--generated", "--generated-seconds"])
def test_negative_budgets_are_usage_errors(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["conformance", "--entrypoint", "x", flag, "-1"])
    assert info.value.code == 2
    assert "must be >= 0" in capsys.readouterr().err


def test_help_documents_the_time_budget(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["conformance", "--help"])
    out = capsys.readouterr().out
    assert "--generated-seconds S" in out and "whichever comes" in out
