"""Platform-policy conformance over the wire: the reference passes every
``platform_*`` case, and each platform defect is caught by its named case.

Everything runs in one adapter session (a persistent adapter that picks each
case's defect from a ``# defect: NAME`` first line in its ``policy.yaml``).
To keep the suite fast, the reference runs over the wire on the cases the
defects name and every fourth other case (``kritis-sim conformance --select
'platform_*'`` runs them all: about 10 s); every platform case is checked
against the reference in-process by tests/unit/conformance/test_catalogue.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kritis_sim.conformance.case import CATALOGUE, Case, load_case
from kritis_sim.conformance.defects_platform import PLATFORM_DEFECTS
from kritis_sim.conformance.runner import run_cases

_PER_CASE_DEFECT = """
import sys
from pathlib import Path
from kritis_sim.conformance import reference_adapter as ref
def setup(case, grafeas, out, _defect):
    first = case.joinpath("policy.yaml").read_text().splitlines()[0]
    defect = first.split()[-1] if first.startswith("# defect: ") else None
    ref.setup(case, grafeas, out, defect)
from kritis_sim.conformance.reference_serve import serve
sys.exit(serve(setup=setup) if sys.argv[1] == "serve" else ref.main(sys.argv[1:]))
"""


def platform_cases() -> list[Case]:
    return [load_case(d) for d in sorted(CATALOGUE.glob("platform_*"))]


def _defect_copies(tmp_path: Path) -> tuple[list[Case], dict[str, str]]:
    cases, defect_of = [], {}
    for name, defect in sorted(PLATFORM_DEFECTS.items()):
        for case in defect.caught_by:
            copy_name = f"{name}__{case}"  # keeps a _deny suffix
            copy = tmp_path / "cases" / copy_name
            shutil.copytree(CATALOGUE / case, copy)
            policy = copy / "policy.yaml"
            policy.write_text(f"# defect: {name}\n" + policy.read_text(), "utf-8")
            cases.append(load_case(copy))
            defect_of[copy_name] = name
    return cases, defect_of


def test_catalogue_has_80_platform_cases_and_10_defects() -> None:
    cases = platform_cases()
    assert len(cases) >= 80
    assert len(PLATFORM_DEFECTS) >= 10
    names = {c.name for c in cases}
    for defect in PLATFORM_DEFECTS.values():
        assert set(defect.caught_by) <= names, defect.name
    verdicts = {c.expect.verdict for c in cases}
    assert verdicts == {"CONFORMANT", "NON_CONFORMANT", "ERROR"}


def test_reference_passes_platform_cases_and_every_defect_is_caught(
    tmp_path: Path,
) -> None:
    script = tmp_path / "adapter.py"
    script.write_text(_PER_CASE_DEFECT, encoding="utf-8")
    named = {n for d in PLATFORM_DEFECTS.values() for n in d.caught_by}
    reference = [
        c for i, c in enumerate(platform_cases()) if c.name in named or i % 4 == 0
    ]
    copies, defect_of = _defect_copies(tmp_path)
    result = run_cases(f"{sys.executable} {script}", [*reference, *copies])
    outcomes = {r.name: r for r in result.results}
    failed = [
        f"{c.name}: {outcomes[c.name].detail}"
        for c in reference
        if outcomes[c.name].outcome != "passed"
    ]
    assert failed == []
    missed = []
    for copy_name, defect in defect_of.items():
        r = outcomes[copy_name]
        # Caught for its bug: the verdict flips (not a protocol error).
        if r.outcome != "failed" or not r.detail.startswith("expected "):
            missed.append(f"{defect} ({copy_name}): {r.outcome} {r.detail}")
    assert missed == []
    assert result.seconds < 60, f"took {result.seconds:.1f} s"
