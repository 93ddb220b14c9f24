"""Fuzzing the case loader: mutated or random case files give an InputError that
names the file, never another exception. Examples come from the Hypothesis
profile (25 dev, 100 ci, 2000 thorough; about 30 ms each)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.conformance.case import CATALOGUE, load_case
from kritis_sim.errors import InputError

SEED_CASES = ("freshness_just_inside", "store_503_deny", "imagereview_attested")
DOCS = ("world.yaml", "request.yaml", "expect.yaml")

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["(", "[a-", "2026-13-45T99:00:00Z", "1", "7", "latency", "*"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


@st.composite
def mutated_case(draw: st.DrawFn) -> tuple[str, dict[str, str | bytes]]:
    """A seed case's file texts with one or two fields replaced by junk, or a
    whole file replaced by random text or bytes."""
    seed = draw(st.sampled_from(SEED_CASES))
    files: dict[str, str | bytes] = {
        name: (CATALOGUE / seed / name).read_text(encoding="utf-8")
        for name in (*DOCS, "policy.yaml", "attestors.yaml", "README.md")
    }
    replaced: set[str] = set()
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(DOCS))
        how = draw(st.sampled_from(["field", "field", "field", "text", "bytes"]))
        if how == "field" and name in replaced:
            continue  # already random text or bytes: no fields to replace
        if how in ("text", "bytes"):
            replaced.add(name)
        if how == "text":
            files[name] = draw(st.text(max_size=60))
        elif how == "bytes":
            files[name] = draw(st.binary(max_size=40))
        else:
            text = files[name]
            data = yaml.safe_load(text) if isinstance(text, str) else None
            path = draw(st.sampled_from(_paths(data)))
            data = _replace(data, path, draw(junk))
            files[name] = yaml.safe_dump(data, allow_unicode=True)
    if draw(st.integers(0, 9)) == 0:
        files[draw(st.sampled_from(["policy.yaml", "README.md"]))] = b"\xff\xfe\x00"
    return seed, files


@given(mutated_case())
def test_mutated_case_files_give_input_errors_naming_the_file(
    case: tuple[str, dict[str, str | bytes]],
) -> None:
    _seed, files = case
    root = Path(tempfile.mkdtemp(prefix="fuzz-case-"))
    try:
        for name, content in files.items():
            target = root / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        try:
            load_case(root)
        except InputError as exc:
            assert any(str(root / f) in str(exc) for f in files), str(exc)
    finally:
        shutil.rmtree(root)


@pytest.mark.parametrize(
    ("file", "text", "where"),
    [
        (
            "world.yaml",
            "time: 2026-01-15T12:00:00Z\nfault: {kind: status, status: x}\n",
            "world.yaml:2: fault.status",
        ),
        ("world.yaml", "time: yesterday\n", "world.yaml:1: time"),
        (
            "world.yaml",
            "time: '2026-01-15T12:00:00Z'\noccurrences:\n- occurrence: {createTime: soon}\n",
            "occurrences[0].occurrence.createTime",
        ),
        (
            "world.yaml",
            "time: '2026-01-15T12:00:00Z'\noccurrences:\n- form: teleported\n  occurrence: {}\n",
            "unknown form 'teleported'",
        ),
        (
            "world.yaml",
            "time: '2026-01-15T12:00:00Z'\noccurrences:\n- form: gcloud-resource-uri\n  occurrence: {resourceUri: 'https://x'}\n",
            "not in form 'gcloud-resource-uri'",
        ),
        ("request.yaml", "timeoutSeconds: 0\n", "request.yaml:1: timeoutSeconds"),
        ("request.yaml", "dryRun: 'yes'\n", "dryRun: expected true or false"),
        (
            "expect.yaml",
            "allowed: true\nwarnings: ['(']\n",
            "expect.yaml:2: warnings[0]",
        ),
        (
            "expect.yaml",
            "allowed: true\nauditAnnotations: {a: 1}\n",
            "auditAnnotations.a",
        ),
    ],
)
def test_bad_fields_are_located(
    tmp_path: Path, file: str, text: str, where: str
) -> None:
    case = tmp_path / "c"
    shutil.copytree(CATALOGUE / "freshness_just_inside", case)
    (case / file).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(case)
    assert where in str(info.value)
    assert str(case / file) in str(info.value)
