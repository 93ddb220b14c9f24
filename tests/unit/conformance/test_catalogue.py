"""The case catalogue: shape, naming, and agreement with the reference decision."""

from __future__ import annotations

import functools

import pytest

from kritis_sim.conformance.case import CASE_FILES, CATALOGUE, Case, load_catalogue
from kritis_sim.conformance.features import ALL_FEATURES
from kritis_sim.conformance.reference import reference_result
from kritis_sim.conformance.reviews import compare

CASES = CATALOGUE


@functools.cache
def catalogue() -> tuple[Case, ...]:
    return load_catalogue(CASES)


def test_catalogue_has_at_least_150_cases() -> None:
    assert len(catalogue()) >= 150


def test_every_case_has_all_files_and_a_traced_readme() -> None:
    for case in catalogue():
        for name in CASE_FILES:
            assert (case.path / name).is_file(), f"{case.name} lacks {name}"
        readme = (case.path / "README.md").read_text(encoding="utf-8")
        assert "Traces to:" in readme and "Checks:" in readme, case.name


def test_deny_suffix_means_denied() -> None:
    for case in catalogue():
        assert case.must_deny == (not case.expect.allowed), case.name


def test_features_are_known() -> None:
    for case in catalogue():
        assert set(case.expect.features) <= ALL_FEATURES, case.name


@pytest.mark.parametrize("case", catalogue(), ids=lambda c: c.name)
def test_case_matches_reference_decision(case: Case) -> None:
    got = reference_result(case).observed
    assert compare(case.expect, got, capabilities=ALL_FEATURES) == []
