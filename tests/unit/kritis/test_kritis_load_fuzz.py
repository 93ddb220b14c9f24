"""Fuzz of the Kritis loader: any mutation of valid resources loads, or is
refused with one located input error; never another exception."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kritis_sim.errors import InputError
from kritis_sim.model.kritis import load_kritis_text
from tests.unit.kritis.world import aa, gap, isp

BASE = [aa(), gap(patterns=("gcr.io/p/*",)), isp(maximumSeverity="HIGH", imageAllowlist=["x"],
        allowlistCVEs=["projects/goog-vulnz/notes/CVE-1"])]  # fmt: skip
values = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=8),
    st.lists(st.text(max_size=4), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


@settings(max_examples=60)
@given(data=st.data())
def test_mutated_resources_load_or_fail_located(data: st.DataObject) -> None:
    docs = copy.deepcopy(BASE)
    which = data.draw(st.integers(0, len(docs) - 1))
    path = data.draw(st.sampled_from(_paths(docs[which])[1:]))
    parent: Any = docs[which]
    for part in path[:-1]:
        parent = parent[part]
    action = data.draw(st.sampled_from(["set", "rename", "drop"]))
    if action == "set":
        parent[path[-1]] = data.draw(values)
    elif isinstance(parent, dict):
        value = parent.pop(path[-1])
        if action == "rename":
            parent[data.draw(st.text(min_size=1, max_size=6))] = value
    text = "\n---\n".join(json.dumps(d) for d in docs)
    strict = data.draw(st.booleans())
    try:
        load_kritis_text(text, "fuzz.yaml", strict=strict)
    except InputError as exc:
        assert exc.source == "fuzz.yaml"
        assert "\n" not in exc.message
