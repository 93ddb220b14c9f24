"""The whole catalogue against kritis-sim's own webhook over TLS, and the
defective variants against the cases that must catch them.

Cost: every adapter session starts one ``serve`` process (the persistent
mode), and a change of configuration is a reload in it. The catalogue runs
once, in two disjoint shards (xdist runs them side by side), with the
strict-xfail check folded into the first shard; every defect runs its named
cases in one more session, through an adapter that picks each case's defect.
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
    cases = [
        c
        for c in load_catalogue(CASES)
        if _shard(c) == shard and c.target.model == "classic"
        and c.target.semantics == "gcp" and not c.name.startswith("pgp_")
    ]  # platform, Kritis-profile and PGP cases: sessions of their own in
    # test_platform_conformance and test_kritis_conformance
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


#: An adapter serving, for each case, the defect its policy.yaml names in a
#: first-line comment: one adapter session for every defect. It speaks both
#: protocols: ``serve`` (persistent, used by default) and the per-call steps.
_PER_CASE_DEFECT = """
import sys
from pathlib import Path
from kritis_sim.conformance import reference_adapter as ref
def setup(case, grafeas, out, _defect):
    defect = case.joinpath("policy.yaml").read_text().splitlines()[0].split()[-1]
    ref.setup(case, grafeas, out, defect)
argv = sys.argv[1:]
if argv[0] == "serve":
    from kritis_sim.conformance.reference_serve import serve
    sys.exit(serve(setup=setup))
if argv[0] == "setup":
    setup(Path(argv[argv.index("--case") + 1]), argv[argv.index("--grafeas") + 1],
          Path(argv[argv.index("--out") + 1]), None)
else:
    sys.exit(ref.main(argv))
"""


def _defect_cases(tmp_path: Path) -> tuple[list[Case], dict[str, str]]:
    """Every defect's cases (a wire defect's first named case only: which
    cases catch those is checked in-process over the whole catalogue by
    tests/unit/conformance/test_wire_defects.py), each copied with its
    defect named in a policy comment, which also makes each copy its own
    configuration."""
    cases, defect_of = [], {}
    for name in sorted(DEFECTS):
        wanted = DEFECTS[name].caught_by
        for case in wanted[:1] if name in WIRE else wanted:
            copy_name = f"{name}__{case}"  # keeps a _deny suffix
            copy = tmp_path / "cases" / copy_name
            shutil.copytree(CASES / case, copy)
            policy = copy / "policy.yaml"
            policy.write_text(f"# defect: {name}\n" + policy.read_text(), "utf-8")
            cases.append(load_case(copy))
            defect_of[copy_name] = name
    return cases, defect_of


def test_every_defect_is_caught_by_its_named_cases(tmp_path: Path) -> None:
    """Each defective variant fails at least one of the cases it names, for
    its bug (a verdict flip, or for late-reply the timing check), all in one
    adapter session (the per-case defect adapter above)."""
    script = tmp_path / "adapter.py"
    script.write_text(_PER_CASE_DEFECT, encoding="utf-8")
    cases, defect_of = _defect_cases(tmp_path)
    result = run_cases(f"{sys.executable} {script}", cases)
    caught: dict[str, list[CaseResult]] = {name: [] for name in DEFECTS}
    for r in result.results:
        if r.outcome == "failed":
            caught[defect_of[r.name]].append(r)
    problems = []
    for name in sorted(DEFECTS):
        try:
            _assert_caught(name, caught[name])
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")
    assert problems == []
