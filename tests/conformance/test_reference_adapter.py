"""The whole catalogue against kritis-sim's own webhook over TLS, and the
defective variants against the cases that must catch them.

Cost: every adapter session spawns one server process, and each change of
configuration costs a ``setup`` and a ``start`` subprocess. So the catalogue
runs once, in two disjoint shards (xdist runs them side by side), with the
strict-xfail check folded into the first shard; each defect runs only its named
cases, read directly rather than by loading the catalogue.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from kritis_sim.conformance.case import CATALOGUE, Case, load_case, load_catalogue
from kritis_sim.conformance.defects import DEFECTS
from kritis_sim.conformance.defects_wire import WIRE_DEFECTS
from kritis_sim.conformance.report import to_json, to_junit
from kritis_sim.conformance.runner import CaseResult, run_cases

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


def _assert_caught(name: str, caught: list[CaseResult]) -> None:
    assert caught, f"defect {name} was not caught"
    if DEFECTS[name].late:  # right verdict, too late: the timing check catches it
        assert all(r.detail.startswith("reply took ") for r in caught), caught
        assert all("past the request's ?timeout=" in r.detail for r in caught)
        return
    # Caught for its bug: the verdict flips, not a protocol error or a reason.
    assert any(r.detail.startswith("expected ") for r in caught), [
        r.detail for r in caught
    ]


@pytest.mark.parametrize("name", sorted(set(DEFECTS) - WIRE))
def test_defect_is_caught_by_its_named_cases(name: str) -> None:
    wanted = DEFECTS[name].caught_by
    result = run_cases(
        f"{ADAPTER} --defect {name}", [load_case(CASES / n) for n in wanted]
    )
    _assert_caught(name, [r for r in result.results if r.outcome == "failed"])


#: An adapter serving, for each case, the defect its policy.yaml names in a
#: first-line comment: one adapter session for all the wire defects.
_PER_CASE_DEFECT = """
import sys
from pathlib import Path
from kritis_sim.conformance import reference_adapter as ref
argv = sys.argv[1:]
if argv[0] == "setup":
    case = Path(argv[argv.index("--case") + 1])
    defect = case.joinpath("policy.yaml").read_text().splitlines()[0].split()[-1]
    out = Path(argv[argv.index("--out") + 1])
    ref.setup(case, argv[argv.index("--grafeas") + 1], out, defect)
else:
    sys.exit(ref.main(argv))
"""


def test_wire_defects_are_caught_over_the_wire(tmp_path: Path) -> None:
    """Each wire defect fails its first named case. Exactly which cases catch
    them is checked in-process over the whole catalogue
    (tests/unit/conformance/test_wire_defects.py); here one case each shows
    the defective adapter really has the bug. The policy comment makes each
    case its own configuration, so every case gets its own ``setup``."""
    script = tmp_path / "adapter.py"
    script.write_text(_PER_CASE_DEFECT, encoding="utf-8")
    cases, defect_of = [], {}
    for name in sorted(WIRE):
        case = DEFECTS[name].caught_by[0]
        copy = tmp_path / "cases" / case
        shutil.copytree(CASES / case, copy)
        policy = copy / "policy.yaml"
        policy.write_text(f"# defect: {name}\n" + policy.read_text(), "utf-8")
        cases.append(load_case(copy))
        defect_of[case] = name
    result = run_cases(f"{sys.executable} {script}", cases)
    for r in result.results:
        _assert_caught(defect_of[r.name], [r] if r.outcome == "failed" else [])
