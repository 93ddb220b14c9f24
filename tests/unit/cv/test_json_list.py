"""The fast JSON List reader places and reads items exactly as the general
reader does, refuses bad items naming the field's line, and falls back to the
general reader for everything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kritis_sim._yaml as yaml_limits
from kritis_sim.admission.review_inputs import iter_values
from kritis_sim.cv.inputs import snapshot_items
from kritis_sim.cv.items import item_from_object
from kritis_sim.cv.json_list import json_list_items
from kritis_sim.errors import ManifestError

from .conftest import FIXTURES


def _slow(text: str, source: str) -> list[object]:
    return [
        item_from_object(v, loc, p, namespace="default")
        for v, loc, p in iter_values(text, source)
    ]


@pytest.mark.parametrize("name", ["snapshot.json", "messy-snapshot.json"])
def test_fast_reader_equals_the_general_reader_on_kubectl_output(name: str) -> None:
    text = (FIXTURES / name).read_text()
    assert json_list_items(text, name) is not None  # the fast path is taken
    assert snapshot_items(text, name, "default") == _slow(text, name)


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: List\nitems: []\n",  # YAML
        '{"apiVersion": "v1", "kind": "List", "items": [], "kind": "List"}',  # dup key
        '{"apiVersion": "v1", "kind": "List", "items": [{"a": NaN}]}',
        '{"apiVersion": "v1", "kind": "Pod"}',  # not a List
        '[{"apiVersion": "v1", "kind": "List", "items": []}]',  # nested List
        '{"apiVersion": "v1", "kind": "List", "items": []} trailing',
        "[" * 100_000,
    ],
)
def test_anything_else_goes_to_the_general_reader(text: str) -> None:
    assert json_list_items(text, "x.json") is None


@pytest.mark.parametrize(
    "item",
    [
        '{"kind": "Pod", "metadata": {"name": "a", "name": "b"}}',
        '{"kind": "Pod", "spec": {"x": "a:b", "x": "c"}}',  # colons in values
        '{"kind": "Pod", "a": {"b": 1}, "a": {"b": 2}}',
        '{"kind": "Pod", "a": "\\u003a", "a": 1}',  # an escaped colon too
    ],
)
def test_a_duplicate_key_inside_an_item_goes_to_the_general_reader(
    item: str,
) -> None:
    for text in (
        f'{{"apiVersion": "v1", "kind": "List", "items": [{item}]}}',
        f"[{item}]",
    ):
        assert json_list_items(text, "x.json") is None


@pytest.mark.parametrize(
    "item",
    [
        '{"kind": "Pod", "a": "\\u003a:", "b": "x\\":y"}',  # escaped colon, quote
        '{"kind": "Pod", "n": 123456789012345678901234567890}',  # beyond 64 bits
        '{"kind": "Pod", "s": "\\ud800"}',  # a lone surrogate
    ],
)
def test_items_the_colon_count_cannot_vouch_for_are_read_exactly(item: str) -> None:
    text = f'{{"apiVersion": "v1", "kind": "List", "items": [{item}]}}'
    found = json_list_items(text, "x.json")
    assert found is not None and found[0].value == json.loads(item)


def test_a_bad_item_is_refused_at_the_line_of_its_field() -> None:
    pods = json.loads((FIXTURES / "snapshot.json").read_text())
    pods["items"][3]["spec"]["containers"][0]["imagePullPolicyy"] = "Never"
    text = json.dumps(pods, indent=4)
    line = next(
        n for n, t in enumerate(text.splitlines(), 1) if "imagePullPolicyy" in t
    )
    with pytest.raises(ManifestError) as caught:
        snapshot_items(text, "big.json", "default")
    assert caught.value.line == line
    assert caught.value.path == "items[3].spec.containers[0].imagePullPolicyy"


def test_a_list_beyond_the_node_limit_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_limits, "MAX_NODES", 50)
    text = (FIXTURES / "snapshot.json").read_text()
    assert len(snapshot_items(text, "snapshot.json", "default")) == 12
