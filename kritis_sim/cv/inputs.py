"""What ``kritis-sim cv`` reads: the workloads users already have, as items.

Each SNAPSHOT argument is one of:

* a snapshot file: ``kubectl get pods,deployments,... -A -o json|yaml``
  output (a ``kind: List``), manifests (several YAML documents), or a JSON
  array: read as ``review`` reads its INPUT
  (:func:`kritis_sim.admission.review_inputs.iter_values`);
* a directory of such files (``*.yaml``, ``*.yml``, ``*.json``, sorted by
  name, not recursive; none is an error);
* a Kubernetes audit log or kritis-sim's webhook audit log (JSON lines;
  :mod:`kritis_sim.cv.audit_logs`).

The kind of a file is told by ``--input-format`` or, by default, by its
first non-blank line: a JSON object of ``apiVersion: audit.k8s.io/...`` is a
Kubernetes audit log, one with ``endpoint`` and ``latencyMs`` a webhook audit
log, anything else a snapshot. Snapshots are read whole, within the
input limits (8 MiB); audit logs are read line by line, so only each line
is bound by that limit. The same object (kind, namespace, name) met
again in a later input replaces the earlier one, counted as skipped. This
module reads; it does not judge.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kritis_sim._input import MAX_INPUT_BYTES, read_input
from kritis_sim.admission.review_inputs import iter_values
from kritis_sim.cv.audit_logs import Found, read_k8s_audit, read_webhook_audit
from kritis_sim.cv.items import CvItem, Skip, item_from_object
from kritis_sim.cv.json_list import (
    MAX_SNAPSHOT_BYTES,
    FastItem,
    exact_locator,
    json_list_items,
    large_list_items,
)
from kritis_sim.cv.lines import file_byte_lines, first_line
from kritis_sim.errors import InputError

__all__ = [
    "FORMATS",
    "Inputs",
    "gc_paused",
    "input_files",
    "kind_of",
    "read_inputs",
    "snapshot_items",
    "sniff",
]

InputFormat = Literal["auto", "snapshot", "k8s-audit", "webhook-audit"]
FORMATS: tuple[str, ...] = ("auto", "snapshot", "k8s-audit", "webhook-audit")
_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Inputs:
    """The items to validate and what was skipped, in input order."""

    items: list[CvItem] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def skip_counts(self) -> dict[str, int]:
        """Skipped items per reason, most frequent first."""
        return dict(Counter(s.reason for s in self.skipped).most_common())


#: What the first line of an audit log must hold: the API group, or the
#: webhook record's key; a backslash may escape either, so it is one too.
_MARKS = ("audit.k8s.io/", "latencyMs", "\\")


def sniff(text: str) -> str:
    """``snapshot``, ``k8s-audit`` or ``webhook-audit`` from the first line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not any(mark in first for mark in _MARKS):
        # Neither sign is in the line (a minified snapshot's one line is the
        # whole file: no need to decode megabytes to learn that).
        return "snapshot"
    try:
        value = json.loads(first)
    except ValueError:
        return "snapshot"
    if not isinstance(value, dict):
        return "snapshot"
    if str(value.get("apiVersion", "")).startswith("audit.k8s.io/"):
        return "k8s-audit"
    if "endpoint" in value and "latencyMs" in value:
        return "webhook-audit"
    return "snapshot"


def snapshot_items(text: str, source: str, namespace: str) -> list[Found]:
    """The items of a snapshot (or manifests) text, in order. A JSON List
    or array is read by the fast reader (:mod:`kritis_sim.cv.json_list`);
    an item it read that turns out unusable is read again by the general
    reader, so the error names the field's line."""
    if len(text) > MAX_INPUT_BYTES:
        fast: list[FastItem] | None = large_list_items(text, source)
    else:
        fast = json_list_items(text, source)
    if fast is None:
        return [
            item_from_object(value, locator, path, namespace=namespace)
            for value, locator, path in iter_values(text, source)
        ]
    out: list[Found] = []
    for item in fast:
        try:
            out.append(
                item_from_object(
                    item.value, item.locator, item.path, namespace=namespace
                )
            )
        except InputError:
            value, locator = exact_locator(text, item)
            item_from_object(value, locator, item.path, namespace=namespace)
            raise  # pragma: no cover - the general reader refuses it too
    return out


def input_files(path: str) -> list[str]:
    """``path``, or the input files of the directory ``path`` (sorted)."""
    if not Path(path).is_dir():
        return [path]
    found = sorted(
        str(p) for p in Path(path).iterdir() if p.is_file() and p.suffix in _SUFFIXES
    )
    if not found:
        raise InputError(
            "the directory holds no " + ", ".join(f"*{s}" for s in _SUFFIXES) + " file",
            source=path,
        )
    return found


def kind_of(path: str, input_format: str) -> str:
    """``snapshot``, ``k8s-audit`` or ``webhook-audit``: ``input_format``,
    or for ``auto`` what the first non-blank line of the file says."""
    if input_format != "auto":
        return input_format
    if path == "-":
        return "stdin"
    return sniff(first_line(path))


def _read_one(path: str, input_format: str, namespace: str) -> Iterator[Found]:
    kind = kind_of(path, input_format)
    if kind == "stdin":
        text = read_input(path)
        kind = sniff(text)
    elif kind in ("k8s-audit", "webhook-audit"):
        lines: Iterable[bytes] | str = (
            file_byte_lines(path) if path != "-" else read_input(path)
        )
        reader = read_k8s_audit if kind == "k8s-audit" else read_webhook_audit
        return reader(lines, path)
    else:
        text = read_input(path, limit=MAX_SNAPSHOT_BYTES)
    if kind == "k8s-audit":
        return read_k8s_audit(text, path)
    if kind == "webhook-audit":
        return read_webhook_audit(text, path)
    return iter(snapshot_items(text, path, namespace))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (restored after, as it was).

    Reading a snapshot builds one large tree of acyclic objects (the decoded
    JSON, the items): each automatic collection meanwhile walks all of it
    again, which took a third of a 10,000-Pod ``cv`` pass. Reference
    counting still frees everything as usual; only cycles wait for the next
    collection after the block."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_inputs(
    paths: list[str], *, input_format: str = "auto", namespace: str = "default"
) -> Inputs:
    """Every item of every SNAPSHOT argument (read with :func:`gc_paused`).

    Raises:
        InputError: an unreadable file or item (file, line and field named),
            or inputs that hold no workload and skip nothing (empty).
    """
    if input_format not in FORMATS:
        raise InputError(
            f"expected one of {list(FORMATS)}, got {input_format!r}",
            path="--input-format",
        )
    with gc_paused():
        out = _read_all(paths, input_format, namespace)
    if not out.items and not out.skipped:
        raise InputError(
            "no objects to validate (the input is empty)", source=", ".join(paths)
        )
    return out


def _read_all(paths: list[str], input_format: str, namespace: str) -> Inputs:
    out = Inputs()
    latest: dict[tuple[str, str, str], int] = {}
    for arg in paths:
        for path in input_files(arg):
            for found in _read_one(path, input_format, namespace):
                if isinstance(found, Skip):
                    out.skipped.append(found)
                    continue
                if found.key in latest:
                    out.skipped.append(
                        Skip(
                            "the same object again in a later input",
                            out.items[latest[found.key]].where,
                        )
                    )
                    out.items[latest[found.key]] = found
                    continue
                latest[found.key] = len(out.items)
                out.items.append(found)
    return out
