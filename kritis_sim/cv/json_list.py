"""A fast reader of big JSON Lists (``kubectl get ... -A -o json``).

The general reader (:func:`kritis_sim.admission.review_inputs.iter_values`) composes
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
import re
from dataclasses import dataclass
from typing import Any

import orjson

from kritis_sim._input import MAX_INPUT_BYTES
from kritis_sim._locator import Locator, Path, format_path
from kritis_sim._yaml import load_one
from kritis_sim.errors import InputError

__all__ = [
    "MAX_SNAPSHOT_BYTES",
    "FastItem",
    "exact_locator",
    "json_list_items",
    "large_list_items",
]

#: The longest snapshot file read (``kubectl get -A -o json`` of 10,000
#: Pods is about 40 MB). Beyond :data:`MAX_INPUT_BYTES` only a JSON List or
#: array is read (:func:`large_list_items`), each item within that limit.
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024

#: Skips JSON whitespace (a regular expression: a large List may hold
#: megabytes of it).
_SKIP_WS = re.compile(r"[ \t\n\r]*").match


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
#: The C decoder alone, twice as fast; it keeps the last of duplicate keys,
#: so its result is used only when :func:`_same_keys` shows none was dropped.
_FAST = json.JSONDecoder(parse_constant=_constant)


def _ws(text: str, pos: int) -> int:
    match = _SKIP_WS(text, pos)  # matches always (possibly empty)
    return pos if match is None else match.end()


#: Finds where an element ends when :data:`_DECODER` gives up on it (a
#: duplicate key, NaN): the general reader then reads that element alone.
_PLAIN = json.JSONDecoder()
#: Stands for an element the general reader must read (large inputs only).
_SLOW = object()


def _array(
    text: str, pos: int, slow: bool = False, decoder: json.JSONDecoder = _DECODER
) -> tuple[list[tuple[Any, int, int]], int]:
    """``(value, start, end)`` of each element of the array at ``pos``, and
    the position after its ``]``. With ``slow``, an element the C decoder
    gives up on is ``(_SLOW, start, end)`` instead of a fallback."""
    spans: list[tuple[Any, int, int]] = []
    pos = _ws(text, pos + 1)
    if text.startswith("]", pos):
        return spans, pos + 1
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except _Fallback:
            if not slow:
                raise
            value, end = _SLOW, _PLAIN.raw_decode(text, pos)[1]
        spans.append((value, pos, end))
        pos = _ws(text, end)
        if text.startswith(",", pos):
            pos = _ws(text, pos + 1)
        elif text.startswith("]", pos):
            return spans, pos + 1
        else:
            raise _Fallback


def _object(
    text: str, pos: int, slow: bool = False, decoder: json.JSONDecoder = _DECODER
) -> tuple[list[tuple[Any, int, int]], int, dict[str, Any]]:
    """The items of the List object at ``pos``, the position after it, and
    its other fields."""
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
            spans, pos = _array(text, pos, slow, decoder)
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
    return spans, pos + 1, top


def _spans(
    text: str, slow: bool, decoder: json.JSONDecoder
) -> tuple[list[tuple[Any, int, int]], Path, Any]:
    """The items' ``(value, start, end)``, their path prefix, and the whole
    document as decoded (for :func:`_same_keys`)."""
    pos = _ws(text, 0)
    if text.startswith("[", pos):
        spans, pos = _array(text, pos, slow, decoder)
        prefix: Path = ()
        doc: Any = [value for value, _, _ in spans]
    elif text.startswith("{", pos):
        spans, pos, top = _object(text, pos, slow, decoder)
        prefix = ("items",)
        doc = {**top, "items": [value for value, _, _ in spans]}
    else:
        raise _Fallback
    if _ws(text, pos) != len(text):
        raise _Fallback
    return spans, prefix, doc


def _same_keys(text: str, doc: Any) -> bool:
    """Whether decoding ``text`` into ``doc`` dropped no duplicate key.

    Outside strings a colon follows each key, and inside them colons are
    kept as they are (unless escaped as ``\\u003a``: then False, unsure);
    so ``doc`` written back holds as many colons as ``text`` exactly when
    no pair was dropped. False also when ``doc`` cannot be written back
    (an integer beyond 64 bits, a lone surrogate): unsure.
    """
    if "\\u003a" in text or "\\u003A" in text:
        return False
    try:
        written = orjson.dumps(doc)
    except (TypeError, orjson.JSONEncodeError):
        return False
    return written.count(b":") == text.count(":")


def _scan(text: str, source: str, slow: bool = False) -> list[FastItem]:
    spans, prefix, doc = _spans(text, slow, _FAST)
    if not _same_keys(text, doc):  # the decoder that tells a duplicate key
        spans, prefix, _ = _spans(text, slow, _DECODER)
    out, line, counted = [], 1, 0
    for i, (value, start, end) in enumerate(spans):
        if isinstance(value, list) or (
            prefix == () and isinstance(value, dict) and "items" in value
        ):
            raise _Fallback  # nested arrays and Lists: the general reader expands them
        line += text.count("\n", counted, start)
        counted = start
        path: Path = (*prefix, i)
        item = FastItem(value, Locator(source, {(): 1, path: line}), path, start, end)
        if slow and end - start > MAX_INPUT_BYTES:
            raise item.locator.error(
                InputError,
                path,
                f"the item is longer than the limit of {MAX_INPUT_BYTES} "
                "characters (each item of a large List is bound by it)",
            )
        if value is _SLOW:  # the general reader reads it, or says what is wrong
            try:
                value, locator = exact_locator(text, item)
            except InputError as exc:  # its line counts from the item's first
                first, inner = line - 1, exc.path or ""
                glue = "" if not inner or inner.startswith("[") else "."
                raise type(exc)(
                    exc.message,
                    path=(format_path(path) + glue + inner) or None,
                    source=source,
                    line=None if exc.line is None else exc.line + first,
                ) from None
            item = FastItem(value, locator, path, start, end)
        out.append(item)
    return out


def json_list_items(text: str, source: str) -> list[FastItem] | None:
    """The items of a JSON List or array, or None when the general reader
    must read ``text``."""
    try:
        return _scan(text, source)
    except (_Fallback, ValueError, RecursionError, IndexError):
        return None


def large_list_items(text: str, source: str) -> list[FastItem]:
    """The items of a snapshot longer than :data:`MAX_INPUT_BYTES` (up to
    :data:`MAX_SNAPSHOT_BYTES`), which the general reader does not read:
    it must be one JSON List or array; each item is bound by
    :data:`MAX_INPUT_BYTES`, and an item the C decoder gives up on
    (duplicate keys, NaN) is read alone by the general reader, so its
    error names the field's line as for a small file.

    Raises:
        InputError: not a JSON List or array, an item too long, or an item
            the general reader refuses (file:line named).
    """
    try:
        return _scan(text, source, slow=True)
    except (_Fallback, ValueError, RecursionError, IndexError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"a snapshot longer than {MAX_INPUT_BYTES} characters is read only "
            "when it is one JSON List or array (kubectl get -o json), and this "
            "one is not (YAML, several documents, nested Lists or text after "
            "it); split it or give it as JSON",
            source=source,
        ) from None


def exact_locator(text: str, item: FastItem) -> tuple[Any, Locator]:
    """``item`` read again by the general reader: its value and a locator
    with the line of every field, placed in the whole file."""
    value, inner = load_one(text[item.start : item.end], item.locator.source)
    first = item.locator.lines[item.path]
    lines = {(*item.path, *p): n + first - 1 for p, n in inner.lines.items()}
    return value, Locator(item.locator.source, {(): 1, **lines})
