"""tools/mutation_summary.py: per-module counts, the equivalents list, exit codes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "mutation_summary.py"
_spec = importlib.util.spec_from_file_location("mutation_summary", TOOL)
assert _spec is not None and _spec.loader is not None
mutation_summary = importlib.util.module_from_spec(_spec)
sys.modules["mutation_summary"] = mutation_summary  # dataclasses look it up
_spec.loader.exec_module(mutation_summary)


def _meta(root: Path, module: str, codes: dict[str, int | None]) -> None:
    path = root / (module + ".meta")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": codes}), "utf-8")


@pytest.fixture
def results(tmp_path: Path) -> Path:
    root = tmp_path / "mutants"
    _meta(
        root,
        "kritis_sim/core/decide.py",
        {"d_1": 1, "d_2": 1, "d_3": 36, "d_4": 0, "d_5": 0, "d_6": 33, "d_7": None},
    )
    return root


def _run(root: Path, *args: str, equivalents: str = "") -> int:
    eq = root.parent / "equivalents.txt"
    eq.write_text(equivalents, "utf-8")
    return mutation_summary.main(
        ["--mutants", str(root), "--equivalents", str(eq), *args]
    )


def test_counts_and_score(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(results, "--survivors") == 0
    out = capsys.readouterr().out.splitlines()
    # killed 2 + timeout 1 = 3 of 6 checked (the unchecked one is left out)
    assert out[1].split() == [
        "kritis_sim/core/decide.py",
        "3",
        "2",
        "1",
        "0",
        "1",
        "50.0%",
    ]
    assert "  d_4 (survived)" in out and "  d_6 (no tests)" in out
    assert _run(results, "--fail-under", "50") == 0
    assert _run(results, "--fail-under", "51") == 1


def test_listed_equivalents_leave_the_denominator(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = "d_4 | kritis_sim/core/decide.py:1 | a -> b | same value\n"
    assert _run(results, "--fail-under", "60", equivalents="# c\n\n" + line) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[-1] == "60.0%"


@pytest.mark.parametrize(
    "line",
    [
        "d_1 | f.py:1 | x | killed, so not equivalent\n",
        "d_99 | f.py:1 | x | no such mutant\n",
    ],
)
def test_stale_equivalents_fail(results: Path, line: str) -> None:
    assert _run(results, equivalents=line) == 2


def test_malformed_equivalent_line_is_refused(results: Path) -> None:
    with pytest.raises(SystemExit, match=r"equivalents.txt:1: expected"):
        _run(results, equivalents="d_4 | only two\n")


def test_no_results(tmp_path: Path) -> None:
    assert _run(tmp_path / "mutants") == 2


def test_module_filter_leaves_other_modules_and_their_equivalents_out(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _meta(results, "kritis_sim/core/kritis/decide.py", {"k_1": 1, "k_2": 1})
    stale = "k_1 | f.py:1 | x | killed, but in a module left out\n"
    assert _run(results, "--module", "kritis_sim/core/decide.py", equivalents=stale) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == ["kritis_sim/core/decide.py", "total"]
    assert _run(results, "--module", "kritis_sim/core/kritis/*.py", equivalents=stale) == 2


def test_an_unchecked_equivalent_is_no_problem(results: Path) -> None:
    # a run of one core leaves the other cores' mutants unchecked
    assert _run(results, equivalents="d_7 | f.py:1 | x | not checked yet\n") == 0
