"""The defect registry: enough realistic bugs, each tied to existing cases."""

from __future__ import annotations

import pytest

from kritis_sim.cli.main import main
from kritis_sim.conformance.case import CATALOGUE
from kritis_sim.conformance.defects import DEFECTS
from kritis_sim.conformance.defects_platform import PLATFORM_DEFECTS

CASES = CATALOGUE


def test_at_least_twenty_defects() -> None:
    assert len(DEFECTS) >= 20


def test_every_defect_names_existing_catching_cases() -> None:
    for defect in DEFECTS.values():
        assert defect.caught_by, defect.name
        for name in defect.caught_by:
            assert (CASES / name / "expect.yaml").is_file(), (defect.name, name)


def test_list_defects_prints_one_name_per_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["conformance-adapter", "--list-defects"]) == 0
    from kritis_sim.conformance.defects_kritis import KRITIS_DEFECTS

    assert capsys.readouterr().out.split() == [*DEFECTS, *PLATFORM_DEFECTS, *KRITIS_DEFECTS]


def test_capabilities_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance-adapter", "capabilities"]) == 0
    assert "store-faults" in capsys.readouterr().out
