"""The wire-form, duration-unit and timing defects: each is caught by its new
cases and by no older case (checked in-process over the whole catalogue, so no
adapter is needed; tests/conformance runs them over the wire)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import pytest
import yaml

from kritis_sim.conformance.case import CATALOGUE, Case, load_catalogue
from kritis_sim.conformance.defects import DEFECTS
from kritis_sim.conformance.defects_wire import ITEM_EDITS, WIRE_DEFECTS
from kritis_sim.conformance.features import ALL_FEATURES
from kritis_sim.conformance.reference import reference_result
from kritis_sim.conformance.reviews import compare

NEW = ("form_", "freshness_unit_")


@functools.cache
def catalogue() -> tuple[Case, ...]:
    """The classic cases (the wire defects mutate a classic enforcer; platform
    defects have their own test, test_platform_conformance)."""
    return tuple(c for c in load_catalogue(CATALOGUE) if c.target.model == "classic" and c.target.semantics == "gcp")


def _with_defect(case: Case, name: str) -> Case | None:
    """``case`` as the defective enforcer would see it (None: no change)."""
    defect = DEFECTS[name]
    if name in ITEM_EDITS:
        edit = ITEM_EDITS[name]
        occs: list[Any] = []
        for occ in case.world.occurrences:
            edited = edit(dict(occ))
            if edited is not None and edited.get("kind") in ("ATTESTATION", 7):
                occs.append(edited)
        if occs == [dict(o) for o in case.world.occurrences]:
            return None
        world = dataclasses.replace(case.world, occurrences=tuple(occs))
        return dataclasses.replace(case, world=world)
    text = case.policy_text
    if defect.policy_text is not None:
        text = defect.policy_text(text)
    if defect.policy is not None:
        text = yaml.safe_dump(defect.policy(case.policy()).to_dict())
        if defect.policy(case.policy()) == case.policy():
            return None
    if text == case.policy_text:
        return None
    return dataclasses.replace(case, policy_text=text)


def _caught(case: Case) -> bool:
    got = reference_result(case).observed
    return got.allowed != case.expect.allowed


@pytest.mark.parametrize("name", [d.name for d in WIRE_DEFECTS if not d.late], ids=str)
def test_wire_defect_is_caught_by_its_new_cases_only(name: str) -> None:
    caught = set()
    for case in catalogue():
        changed = _with_defect(case, name)
        if changed is not None and _caught(changed):
            caught.add(case.name)
    assert caught == set(DEFECTS[name].caught_by)
    assert all(n.startswith(NEW) for n in caught)


def test_every_new_case_has_a_defect_with_teeth() -> None:
    new = {c.name for c in catalogue() if c.name.startswith(NEW)}
    named = {n for d in WIRE_DEFECTS for n in d.caught_by}
    assert new and new <= named


def test_new_cases_declare_their_forms() -> None:
    for case in catalogue():
        if case.name.startswith("form_"):
            assert all(case.world.forms), case.name
        readme = (case.path / "README.md").read_text(encoding="utf-8")
        if case.name.startswith(NEW):
            assert "Why:" in readme and "Source of the form:" in readme, case.name


def test_the_late_defect_changes_only_the_reply_time() -> None:
    (late,) = [d for d in WIRE_DEFECTS if d.late]
    assert late.late_by is not None and late.late_by > 0
    assert late.policy is late.source is late.after is late.request is None
    case = next(c for c in catalogue() if c.name in late.caught_by)
    # The verdict is the reference's: only the timing check can catch it.
    got = reference_result(case).observed
    assert compare(case.expect, got, capabilities=ALL_FEATURES) == []
    assert case.request.timeout_s <= 2  # keeps the over-the-wire test short
