"""``kritis-sim conformance`` output for CI: the closing line, no hard wrapping,
and a failing case explained with a command that reruns just that case."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

from kritis_sim.cli.conformance import closing_line
from kritis_sim.cli.main import main
from kritis_sim.conformance.case import CATALOGUE

ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"
DEFECTIVE = f"{ADAPTER} --defect star-crosses-slash"
CAUGHT = "allowlist_star_not_cross_slash_deny"
PASSING = "allowlist_star_tag"
OTHER = "allowlist_star_name_suffix"


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """A small catalogue: the two cases and one more, so --case has to choose."""
    for name in (CAUGHT, PASSING, OTHER):
        shutil.copytree(CATALOGUE / name, tmp_path / name)
    return tmp_path


def test_failing_case_is_explained_and_rerun_command_runs_just_it(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["conformance", "--entrypoint", DEFECTIVE, "--cases", str(cases)]
    code = main([*args, "--quiet", "--case", CAUGHT, "--case", PASSING])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines()[-1] == "1 passed, 1 failed, 0 skipped"
    lines = err.splitlines()
    assert f". {PASSING}" not in lines  # --quiet: failures only
    start = lines.index(f"F {CAUGHT}")
    block = "\n".join(lines[start : start + 6])
    assert "expected: denied" in block
    assert "why:      a trailing '*' never matches '/'" in block
    assert "got:      allowed" in block
    assert "problem:  expected denied, got allowed" in block
    assert f"case:     {cases / CAUGHT}" in block
    rerun = next(x for x in lines[start:] if x.startswith("    rerun:    "))
    words = shlex.split(rerun.removeprefix("    rerun:    "))
    # One line, longer than a terminal: not hard-wrapped when not a terminal.
    assert len(rerun) > 120 and words[:2] == ["kritis-sim", "conformance"]
    assert words[words.index("--case") + 1] == CAUGHT
    assert main(words[1:]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "0 passed, 1 failed, 0 skipped"
    assert f"F {CAUGHT}" in err and PASSING not in err and OTHER not in err
    assert "rerun:" in err


def test_unknown_case_name_is_an_input_error(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["conformance", "--entrypoint", ADAPTER, "--cases", str(cases)]
    assert main([*args, "--case", "nope"]) == 2
    assert "no case named nope" in capsys.readouterr().err


def test_a_run_that_would_check_nothing_is_an_input_error(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["conformance", "--entrypoint", ADAPTER, "--cases", str(cases)]
    assert main([*args, "--select", "no-such-case"]) == 2
    assert "nothing would be checked" in capsys.readouterr().err


def test_closing_line_counts_expected_failures_as_skipped() -> None:
    summary = {"passed": 3, "failed": 1, "skipped": 2, "xfailed": 4}
    assert closing_line(summary) == "3 passed, 1 failed, 6 skipped"
