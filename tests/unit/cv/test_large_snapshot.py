"""Snapshots beyond the 8 MiB whole-file limit: a JSON List (or array) up
to MAX_SNAPSHOT_BYTES is read item by item, each item within the 8 MiB
limit; an unusable item is refused naming its file, line and field, as for a
small file; anything else that large is refused, never read in part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kritis_sim.cv.inputs as cv_inputs
import kritis_sim.cv.json_list as json_list
from kritis_sim._input import MAX_INPUT_BYTES
from kritis_sim.cv.inputs import read_inputs, snapshot_items
from kritis_sim.cv.items import CvItem
from kritis_sim.errors import InputError, ManifestError
from kritis_sim.whatif.inputs import admissions

from .conftest import FIXTURES

#: Blank lines between items: the file passes 8 MiB, the items stay small.
PAD = "\n" * (MAX_INPUT_BYTES + 1024)


def _large(items_text: list[str]) -> str:
    """A kubectl-shaped List whose items are far apart."""
    body = ("," + PAD).join(items_text)
    return '{"apiVersion": "v1", "kind": "List", "items": [\n' + body + "\n]}\n"


def _pods() -> list[dict[str, object]]:
    doc = json.loads((FIXTURES / "snapshot.json").read_text())
    return [i for i in doc["items"] if i["kind"] == "Pod"][:2]


def _line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def test_a_list_beyond_8_mib_is_read_with_item_lines(tmp_path: Path) -> None:
    pods = _pods()
    texts = [json.dumps(p, indent=2) for p in pods]
    text = _large(texts)
    path = tmp_path / "pods.json"
    path.write_text(text)
    assert path.stat().st_size > MAX_INPUT_BYTES
    read = read_inputs([str(path)])
    assert [i.workload.name for i in read.items] == [
        p["metadata"]["name"]  # type: ignore[index]
        for p in pods
    ]
    line = _line_of(text, texts[1])  # the line the item starts on
    assert read.items[1].where == f"{path}:{line} items[1]"
    # what-if reads the same file the same way
    found = list(admissions([str(path)]))
    assert [i.where for i in found if isinstance(i, CvItem)] == [
        i.where for i in read.items
    ]


def test_an_unusable_item_of_a_large_list_is_named_by_line() -> None:
    pods = _pods()
    pods[1]["spec"]["containers"][0]["image"] = 42  # type: ignore[index]
    text = _large([json.dumps(p, indent=2) for p in pods])
    with pytest.raises(ManifestError) as caught:
        snapshot_items(text, "big.json", "default")
    assert caught.value.source == "big.json"
    assert caught.value.line == _line_of(text, '"image": 42')
    assert caught.value.path == "items[1].spec.containers[0].image"


def test_an_item_with_a_duplicate_key_is_refused_by_the_general_reader() -> None:
    item = json.dumps(_pods()[0], indent=2)
    dup = item.replace('"kind": "Pod"', '"kind": "Pod",\n  "kind": "Pod"', 1)
    text = _large([item, dup])
    with pytest.raises(InputError) as caught:
        snapshot_items(text, "big.json", "default")
    assert caught.value.source == "big.json"
    assert caught.value.line == text.count("\n", 0, text.rindex('"kind": "Pod"')) + 1
    assert "duplicate" in caught.value.message.lower()


def test_a_large_item_is_refused_naming_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(json_list, "MAX_INPUT_BYTES", 100)
    text = _large([json.dumps(p) for p in _pods()])
    with pytest.raises(InputError, match="longer than the limit of 100") as caught:
        snapshot_items(text, "big.json", "default")
    assert caught.value.line == 2  # the first item's line


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: List\nitems: []\n" + PAD,  # YAML
        '{"apiVersion": "v1", "kind": "Pod"}' + PAD + "x",  # not a List
    ],
    ids=["yaml", "not-a-list"],
)
def test_anything_but_a_json_list_beyond_8_mib_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="only when it is one JSON List or array"):
        snapshot_items(text, "big.yaml", "default")


def test_a_file_beyond_the_snapshot_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cv_inputs, "MAX_SNAPSHOT_BYTES", MAX_INPUT_BYTES + 10)
    path = tmp_path / "pods.json"
    path.write_text(_large([json.dumps(p) for p in _pods()]))
    with pytest.raises(InputError, match="larger than the limit"):
        read_inputs([str(path)])
