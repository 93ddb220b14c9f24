"""Fuzz ``review``'s manifest reading: mutated manifests are reviewed or refused.

Start from a valid Pod and Deployment, mutate values, keys and types (and
sometimes the text itself), and run ``kritis-sim review`` in-process. Every
example must end in exit 0 or 1 with a JSON answer, or exit 2 with one error
line naming the file; never another exception, never a traceback.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kritis_sim.cli.main import main

from .conftest import SIGNED, CliWorld, deployment, pod

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.text(max_size=12),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        out.append((*prefix, key))
        if isinstance(value, (dict, list)) and value:
            out.extend(_paths(value, (*prefix, key)))
    return out


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    doc = copy.deepcopy(draw(st.sampled_from((pod(SIGNED), deployment(SIGNED)))))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(("replace", "delete", "rename")))
        if action == "replace":
            parent[last] = draw(_JUNK)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[str(last)[:-1] or "x"] = parent.pop(last)
        if not isinstance(doc, dict) or not _paths(doc):
            break
    text = json.dumps(doc, indent=1)
    if draw(st.booleans()) and len(text) > 2:  # damage the text itself
        at = draw(st.integers(0, len(text) - 1))
        text = (
            text[:at] + draw(st.sampled_from(("", "\x00", "{", "- ", ": "))) + text[at:]
        )
    return text


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=_mutated())
def test_mutated_manifests_are_reviewed_or_refused_in_one_line(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    manifest = Path(cli_world.path("fuzzed.yaml"))
    manifest.write_text(text, encoding="utf-8")
    args = cli_world.review_args(
        str(manifest), "--occurrences", cli_world.path("occurrences.json")
    )
    code = main(args)
    out = capsys.readouterr()
    event(f"exit {code}")
    assert "Traceback" not in out.err
    assert code in (0, 1, 2), out.err
    if code == 2:
        errors = [line for line in out.err.splitlines() if "error" in line]
        assert len(errors) == 1, out.err
        assert "fuzzed.yaml" in errors[0], out.err
        assert out.out == ""
    else:
        json.loads(out.out)
