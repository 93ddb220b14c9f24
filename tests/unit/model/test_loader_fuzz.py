"""Fuzzing the file loaders (issue 10.7): random bytes and mutated valid files
either load or raise an InputError with a one-line message naming the source;
never another exception, never a long wait."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim._yaml import decode_input, load_documents
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import load_attestors
from kritis_sim.model.occurrence import load_occurrences
from kritis_sim.model.policy import load_policy
from tests.unit.core.world import IMAGE, World, require

_world = World()
_QA = _world.attestor("qa")
_OCC = _world.attest(_QA).to_dict()

POLICY = yaml.safe_dump(
    {
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/ok/*"}],
        "defaultAdmissionRule": require(
            _QA, kritisSimMaxAttestationAgeByAttestor={_QA: "24h"}
        ),
        "clusterAdmissionRules": {"us-east1-b.prod": require(_QA)},
    }
)
ATTESTORS = yaml.safe_dump({"attestors": [_world.attestors[_QA].to_dict()]})
OCCURRENCES = json.dumps({"occurrences": [_OCC]}, indent=1) + "\n---\n" + yaml.safe_dump(
    [_OCC]
)
assert IMAGE

_Loader = Callable[[str], Any]
LOADERS: dict[str, tuple[str, _Loader]] = {
    "policy": (POLICY, lambda t: load_policy(t, source="f.yaml")),
    "attestors": (ATTESTORS, lambda t: load_attestors(t, source="f.yaml")),
    "occurrences": (OCCURRENCES, lambda t: load_occurrences(t, source="f.yaml")),
    "yaml": (POLICY, lambda t: list(load_documents(t, "f.yaml"))),
}

#: Pieces that make YAML interesting: structure, tags, anchors, odd scalars.
_PIECES = st.sampled_from(
    [
        "\n", "\n  ", "\n- ", ": ", "[", "]", "{", "}", ",", "---\n", "...\n",
        "&a ", "*a", "!foo ", "!!binary ", "!!python/object:os.system ", "<<: ",
        "~", "null", "'", '"', "\\u00", "\t", "#", "\x00", "\x85", "\ufeff", "=",
        "1" * 5000, "0x1F", "1e999", ".nan", "2024-01-01", "? ", "|\n ", ">-\n ",
        "%YAML 1.1\n", "é", "\U0001f680", "\ud800",
    ]
)  # fmt: skip


def _mutated(valid: str) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = valid
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            cut = draw(st.integers(0, 8))
            piece = draw(_PIECES | st.text(max_size=4))
            text = text[:at] + piece + text[at + cut :]
        return text

    return build()


def _check(load: _Loader, text: str) -> None:
    start = time.perf_counter()
    try:
        load(text)
    except InputError as exc:
        assert exc.source == "f.yaml"
        assert exc.message and "\n" not in str(exc), str(exc)
    assert time.perf_counter() - start < 5


_SETTINGS = settings(
    max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None
)


@_SETTINGS
@given(st.sampled_from(sorted(LOADERS)), st.data())
def test_mutated_valid_files_load_or_are_refused(name: str, data: st.DataObject) -> None:
    valid, load = LOADERS[name]
    _check(load, data.draw(_mutated(valid)))


@_SETTINGS
@given(st.sampled_from(sorted(LOADERS)), st.binary(max_size=300))
def test_random_bytes_load_or_are_refused(name: str, raw: bytes) -> None:
    _, load = LOADERS[name]
    try:
        text = decode_input(raw, "f.yaml")
    except InputError as exc:
        assert exc.source == "f.yaml" and "\n" not in str(exc)
        return
    _check(load, text)


@_SETTINGS
@given(st.sampled_from(sorted(LOADERS)), st.text(max_size=200))
def test_random_text_loads_or_is_refused(name: str, text: str) -> None:
    _check(LOADERS[name][1], text)


def test_the_valid_files_load() -> None:
    for valid, load in LOADERS.values():
        assert load(valid)
