"""Messy logs never crash the readers: any line is read, skipped with a
reason, or refused with an InputError naming the file and line."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.cv.audit_logs import read_k8s_audit, read_webhook_audit
from kritis_sim.cv.inputs import read_inputs
from kritis_sim.cv.items import CvItem, Skip
from kritis_sim.errors import InputError

from .conftest import FIXTURES

REAL = (FIXTURES / "audit.jsonl").read_text().splitlines()[:-1]
WEBHOOK = (FIXTURES / "webhook-audit.jsonl").read_text().splitlines()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    (
        "requestObject", "objectRef", "verb", "stage", "responseStatus",
        "requestReceivedTimestamp", "apiVersion", "kind", "images", "name",
        "namespace", "target", "breakglassMarkers", "time", "metadata", "spec",
    )
)  # fmt: skip


def _mutate(line: str, key: str, value: Any, nested: bool) -> str:
    doc = json.loads(line)
    if nested and isinstance(doc.get("requestObject"), dict):
        doc["requestObject"][key] = value
    else:
        doc[key] = value
    return json.dumps(doc)


def _read(reader: Any, lines: list[str]) -> None:
    try:
        for found in reader("\n".join(lines) + "\n", "fuzz.log"):
            assert isinstance(found, CvItem | Skip)
    except InputError as exc:
        assert "fuzz.log:" in str(exc)


@given(
    index=st.integers(0, len(REAL) - 1),
    key=KEYS,
    value=JSON,
    nested=st.booleans(),
)
def test_a_mutated_audit_event_is_read_skipped_or_refused(
    index: int, key: str, value: Any, nested: bool
) -> None:
    lines = list(REAL)
    lines[index] = _mutate(lines[index], key, value, nested)
    _read(read_k8s_audit, lines)


@given(index=st.integers(0, len(WEBHOOK) - 1), key=KEYS, value=JSON)
def test_a_mutated_webhook_record_is_read_skipped_or_refused(
    index: int, key: str, value: Any
) -> None:
    lines = list(WEBHOOK)
    lines[index] = _mutate(lines[index], key, value, False)
    _read(read_webhook_audit, lines)


SNAPSHOT = json.loads((FIXTURES / "snapshot.json").read_text())


@given(
    index=st.integers(0, len(SNAPSHOT["items"]) - 1),
    where=st.sampled_from(((), ("metadata",), ("spec",), ("status",))),
    key=KEYS | st.sampled_from(("creationTimestamp", "phase", "ownerReferences")),
    value=JSON,
)
def test_a_mutated_snapshot_item_is_read_skipped_or_refused(
    tmp_path_factory: Any, index: int, where: tuple[str, ...], key: str, value: Any
) -> None:
    doc = json.loads(json.dumps(SNAPSHOT))
    doc["items"] = [doc["items"][index]]  # one item: fast
    node = doc["items"][0]
    for step in where:
        node = node[step]
    node[key] = value
    path = tmp_path_factory.mktemp("snap") / "snap.json"
    path.write_text(json.dumps(doc, indent=4))
    try:
        read_inputs([str(path)])
    except InputError as exc:
        assert f"{path}:" in str(exc)
