"""The whole catalogue against kritis-sim's own webhook over TLS, and the
defective variants against the cases that must catch them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kritis_sim.conformance.case import load_catalogue
from kritis_sim.conformance.defects import DEFECTS
from kritis_sim.conformance.report import to_json, to_junit
from kritis_sim.conformance.runner import run_cases

CASES = Path(__file__).resolve().parents[2] / "conformance" / "cases"
ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"


def test_whole_catalogue_passes_against_reference_adapter() -> None:
    cases = load_catalogue(CASES)
    result = run_cases(ADAPTER, cases)
    failed = [f"{r.name}: {r.detail}" for r in result.results if r.outcome == "failed"]
    assert failed == []
    assert result.summary["passed"] == len(cases)
    report = to_json(result)
    assert set(report["summary"]) == {"passed", "failed", "skipped", "xfailed"}
    assert "<testsuite" in to_junit(result)
    assert result.seconds < 60, f"catalogue took {result.seconds:.1f} s"


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_is_caught_by_its_named_cases(name: str) -> None:
    wanted = set(DEFECTS[name].caught_by)
    cases = [c for c in load_catalogue(CASES) if c.name in wanted]
    result = run_cases(f"{ADAPTER} --defect {name}", cases)
    assert not result.ok, f"defect {name} passed {sorted(wanted)}"
    caught = [r.name for r in result.results if r.outcome == "failed"]
    assert caught, name


def test_strict_xfail_turns_a_pass_into_a_failure(tmp_path: Path) -> None:
    cases = [c for c in load_catalogue(CASES) if c.name == "default_always_allow"]
    result = run_cases(ADAPTER, cases, xfail={"default_*": "pretend"})
    assert result.summary["failed"] == 1 and "XPASS" in result.results[0].detail
