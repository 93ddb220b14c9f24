"""The whole catalogue against kritis-sim's own webhook over TLS, and the
defective variants against the cases that must catch them.

Cost: every adapter session spawns one server process, and each change of
configuration costs a ``setup`` and a ``start`` subprocess. So the catalogue
runs once, in two disjoint shards (xdist runs them side by side), with the
strict-xfail check folded into the first shard; each defect runs only its named
cases, read directly rather than by loading the catalogue.
"""

from __future__ import annotations

import sys

import pytest

from kritis_sim.conformance.case import CATALOGUE, Case, load_case, load_catalogue
from kritis_sim.conformance.defects import DEFECTS
from kritis_sim.conformance.defects_wire import WIRE_DEFECTS
from kritis_sim.conformance.report import to_json, to_junit
from kritis_sim.conformance.runner import run_cases

CASES = CATALOGUE
ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"
SHARDS = 2
XFAIL_PROBE = "default_always_allow"  # passes, so listing it must fail the run
WIRE = {d.name for d in WIRE_DEFECTS}


def _shard(case: Case) -> int:
    """Cases sharing a configuration stay in one shard (one setup for them)."""
    return int(case.config_key, 16) % SHARDS


@pytest.mark.parametrize("shard", range(SHARDS))
def test_catalogue_shard_passes_against_reference_adapter(shard: int) -> None:
    cases = [c for c in load_catalogue(CASES) if _shard(c) == shard]
    probe = XFAIL_PROBE if any(c.name == XFAIL_PROBE for c in cases) else None
    xfail = {probe: "pretend it fails"} if probe else {}
    result = run_cases(ADAPTER, cases, xfail=xfail)
    outcomes = {r.name: r for r in result.results}
    failed = [f"{r.name}: {r.detail}" for r in result.results if r.outcome == "failed"]
    if probe is not None:  # strict xfail: a listed case that passes fails
        assert "XPASS(strict)" in outcomes[probe].detail
        failed.remove(f"{probe}: {outcomes[probe].detail}")
    assert failed == []
    assert result.summary["passed"] == len(cases) - (probe is not None)
    report = to_json(result)
    assert set(report["summary"]) == {"passed", "failed", "skipped", "xfailed"}
    assert "<testsuite" in to_junit(result)
    assert result.seconds < 60, f"shard took {result.seconds:.1f} s"


def test_shards_cover_the_catalogue_and_the_xfail_probe() -> None:
    cases = load_catalogue(CASES)
    assert sorted({_shard(c) for c in cases}) == list(range(SHARDS))
    assert any(c.name == XFAIL_PROBE and c.expect.allowed for c in cases)


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_is_caught_by_its_named_cases(name: str) -> None:
    wanted = DEFECTS[name].caught_by
    if name in WIRE:
        # Exactly which cases catch these is checked in-process over the whole
        # catalogue (tests/unit/conformance/test_wire_defects.py); over the
        # wire one case shows the defective adapter really has the bug.
        wanted = wanted[:1]
    result = run_cases(
        f"{ADAPTER} --defect {name}", [load_case(CASES / n) for n in wanted]
    )
    caught = [r for r in result.results if r.outcome == "failed"]
    assert caught, f"defect {name} passed {sorted(wanted)}"
    if DEFECTS[name].late:  # right verdict, too late: the timing check catches it
        assert all(r.detail.startswith("reply took ") for r in caught), caught
        assert all("past the request's ?timeout=" in r.detail for r in caught)
        return
    # Caught for its bug: the verdict flips, not a protocol error or a reason.
    assert any(r.detail.startswith("expected ") for r in caught), [
        r.detail for r in caught
    ]
