"""The signed world of the CLI tests, and the ``cv`` fixtures on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.main import main
from tests.unit.cli.conftest import NOW, CliWorld, cli_world

__all__ = ["FIXTURES", "NOW", "CliWorld", "cli_world", "run_cv"]

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cv"


def run_cv(
    world: CliWorld, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    """``kritis-sim cv`` with the world's policy, attestors and occurrences;
    returns the exit code, the JSON lines of stdout and stderr."""
    code = main(
        [
            "cv",
            *args,
            "--policy",
            world.path("policy.yaml"),
            "--attestors",
            world.path("attestors.yaml"),
            "--occurrences",
            world.path("occurrences.json"),
            "--now",
            NOW,
        ]
    )
    out = capsys.readouterr()
    lines = [json.loads(line) for line in out.out.splitlines() if line.strip()]
    return code, lines, out.err
