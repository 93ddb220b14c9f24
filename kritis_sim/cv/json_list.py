"""A fast reader of big JSON Lists (``kubectl get ... -A -o json``).

The general reader (:func:`kritis_sim.cli.review_inputs.iter_values`) composes
every node in Python to know every field's line, about 30,000 nodes a second,
and refuses inputs of more than 200,000 nodes (docs/limits.md): a 10,000-Pod
List is beyond both. :func:`json_list_items` reads a top-level JSON List (or
array) with the standard library's C decoder instead, one item at a time, and
keeps the line each item starts on, so items are placed as the general reader
places them (``file:line items[i]``). The 8 MiB whole-file limit still bounds
memory; the node limit (which exists to bound the Python composer's time) is
not needed here.

What the general reader would refuse differently is left to it: anything
that is not a plain JSON List or array (YAML, several documents, trailing
text), duplicate keys, ``NaN``/``Infinity``, nesting deep enough to exhaust
the C decoder's recursion make :func:`json_list_items` return None. When an
item turns out to be unusable, :func:`exact_locator` reads that item's text
again with the general reader, so the error names the exact line of the
field. This module reads; it does not judge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kritis_sim._locator import Locator, Path
from kritis_sim._yaml import load_one

__all__ = ["FastItem", "exact_locator", "json_list_items"]

_WS = " \t\n\r"


class _Fallback(Exception):
    """The general reader must read this text."""


@dataclass(frozen=True, slots=True)
class FastItem:
    """One item: its value, a locator knowing its line, its path, and where
    its text is (``start``, ``end`` offsets)."""

    value: Any
    locator: Locator
    path: Path
    start: int
    end: int


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Fallback  # the general reader names the duplicate key
    return out


def _constant(name: str) -> Any:
    raise _Fallback  # NaN, Infinity: the general reader says what is wrong


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)


def _ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _array(text: str, pos: int) -> tuple[list[tuple[Any, int, int]], int]:
    """``(value, start, end)`` of each element of the array at ``pos``, and
    the position after its ``]``."""
    spans: list[tuple[Any, int, int]] = []
    pos = _ws(text, pos + 1)
    if text.startswith("]", pos):
        return spans, pos + 1
    while True:
        value, end = _DECODER.raw_decode(text, pos)
        spans.append((value, pos, end))
        pos = _ws(text, end)
        if text.startswith(",", pos):
            pos = _ws(text, pos + 1)
        elif text.startswith("]", pos):
            return spans, pos + 1
        else:
            raise _Fallback


def _object(text: str, pos: int) -> tuple[list[tuple[Any, int, int]], int]:
    """The items of the List object at ``pos``, and the position after it."""
    top: dict[str, Any] = {}
    spans: list[tuple[Any, int, int]] = []
    pos = _ws(text, pos + 1)
    while not text.startswith("}", pos):
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _ws(text, pos)
        if not isinstance(key, str) or key in top or not text.startswith(":", pos):
            raise _Fallback
        pos = _ws(text, pos + 1)
        if key == "items" and text.startswith("[", pos):
            spans, pos = _array(text, pos)
            top[key] = spans
        else:
            top[key], pos = _DECODER.raw_decode(text, pos)
        pos = _ws(text, pos)
        if text.startswith(",", pos):
            pos = _ws(text, pos + 1)
        elif not text.startswith("}", pos):
            raise _Fallback
    kind = top.get("kind")
    if not (
        isinstance(kind, str)
        and kind.endswith("List")
        and isinstance(top.get("apiVersion"), str)
        and isinstance(top.get("items"), list)
    ):
        raise _Fallback  # not a List (or items not a list): the general reader
    return spans, pos + 1


def _scan(text: str, source: str) -> list[FastItem]:
    pos = _ws(text, 0)
    if text.startswith("[", pos):
        spans, pos = _array(text, pos)
        prefix: Path = ()
    elif text.startswith("{", pos):
        spans, pos = _object(text, pos)
        prefix = ("items",)
    else:
        raise _Fallback
    if _ws(text, pos) != len(text):
        raise _Fallback
    out, line, counted = [], 1, 0
    for i, (value, start, end) in enumerate(spans):
        if isinstance(value, list) or (
            prefix == () and isinstance(value, dict) and "items" in value
        ):
            raise _Fallback  # nested arrays and Lists: the general reader expands them
        line += text.count("\n", counted, start)
        counted = start
        path: Path = (*prefix, i)
        out.append(
            FastItem(value, Locator(source, {(): 1, path: line}), path, start, end)
        )
    return out


def json_list_items(text: str, source: str) -> list[FastItem] | None:
    """The items of a JSON List or array, or None when the general reader
    must read ``text``."""
    try:
        return _scan(text, source)
    except (_Fallback, ValueError, RecursionError, IndexError):
        return None


def exact_locator(text: str, item: FastItem) -> tuple[Any, Locator]:
    """``item`` read again by the general reader: its value and a locator
    with the line of every field, placed in the whole file."""
    value, inner = load_one(text[item.start : item.end], item.locator.source)
    first = item.locator.lines[item.path]
    lines = {(*item.path, *p): n + first - 1 for p, n in inner.lines.items()}
    return value, Locator(item.locator.source, {(): 1, **lines})
