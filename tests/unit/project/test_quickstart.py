"""The README Quickstart holds exactly two commands and .ci/run runs the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _quickstart_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## Quickstart\n.*?```sh\n(.*?)```", text, re.S | re.M)
    assert match, "README.md has no Quickstart code block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_quickstart_has_exactly_two_commands() -> None:
    assert len(_quickstart_commands()) == 2


def test_ci_runs_readme_test_command_verbatim() -> None:
    test_command = _quickstart_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


def test_main_job_runs_bundled_scenarios() -> None:
    assert "kritis-sim run scenarios/" in _quickstart_commands()[0]
    assert list((ROOT / "scenarios").glob("*.yaml")), "no bundled scenarios"
