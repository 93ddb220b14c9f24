"""Fuzzing the new occurrence loaders (VULNERABILITY, DISCOVERY, BUILD, DSSE
envelope) and the in-toto payload parser: mutated fixtures and random input
either load or raise an InputError with a one-line message naming the source;
never another exception."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim._yaml import load_one
from kritis_sim.errors import InputError
from kritis_sim.model.discovery import DiscoveryOccurrence
from kritis_sim.model.envelope import Envelope
from kritis_sim.model.intoto import parse_statement
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "occurrences"
_Loader = Callable[..., Any]
LOADERS: dict[str, tuple[dict[str, Any], _Loader]] = {
    name: (json.loads((FIXTURES / file).read_text()), cls.from_dict)
    for name, file, cls in [
        ("vulnerability", "vulnerability-log4j.json", VulnerabilityOccurrence),
        ("discovery", "discovery-finished.json", DiscoveryOccurrence),
        ("build-v02", "build-slsa-v02.json", BuildOccurrence),
        ("build-v1", "build-slsa-v1.json", BuildOccurrence),
    ]
}
LOADERS["envelope"] = (LOADERS["build-v02"][0]["envelope"], Envelope.from_dict)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        ["", "=", "2024-01-01T00:00:00Z", "sha256", "CRITICAL", "ab" * 32]
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
SETTINGS = settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def _mutated(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    data: Any = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            return draw(JSON)
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return data


def _check(load: _Loader, data: Any, source: str = "<") -> None:
    try:
        loaded = load(data)
    except InputError as exc:
        assert str(exc).startswith(source), str(exc)
        assert exc.message and "\n" not in str(exc), str(exc)
        return
    assert type(loaded).from_dict(loaded.to_dict()) == loaded


@SETTINGS
@given(st.sampled_from(sorted(LOADERS)), st.data())
def test_mutated_fixtures_load_or_are_refused(name: str, data: st.DataObject) -> None:
    valid, load = LOADERS[name]
    _check(load, data.draw(_mutated(valid)))


@SETTINGS
@given(st.sampled_from(sorted(LOADERS)), JSON)
def test_random_json_loads_or_is_refused(name: str, value: Any) -> None:
    _check(LOADERS[name][1], value)


@SETTINGS
@given(st.sampled_from(sorted(LOADERS)), st.data())
def test_text_errors_name_the_file_and_line(name: str, data: st.DataObject) -> None:
    valid, load = LOADERS[name]
    text = json.dumps(data.draw(_mutated(valid)), indent=1)
    value, locator = load_one(text, "occ.json")
    try:
        load(value, locator=locator)
    except InputError as exc:
        assert exc.source == "occ.json" and exc.line is not None, str(exc)


@SETTINGS
@given(st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
def test_random_payloads_parse_or_are_refused(payload: bytes) -> None:
    try:
        parse_statement(payload, source="envelope.payload")
    except InputError as exc:
        assert str(exc).startswith("envelope.payload") and "\n" not in str(exc)
