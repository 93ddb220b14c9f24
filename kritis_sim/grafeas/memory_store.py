"""In-memory :class:`~kritis_sim.grafeas.store.Store`: the emulator's default.

Rows are kept as compact UTF-8 JSON (so callers can never alias stored data and
a million occurrences stay small), numbered by a counter. Dict indexes map
``(collection, parent)``, ``(collection, parent, resourceUri)``,
``(collection, parent, resourceUri, kind)``, ``(collection, noteName)`` and
``(collection, noteName, resourceUri)`` to
sorted lists of sequence numbers, so a listing touches only the rows of the
index it uses. One lock guards everything. Nothing survives the process; use
:mod:`.sqlite_store` for that.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Hashable, Sequence
from typing import Any

import orjson

from kritis_sim.grafeas.googleerrors import AlreadyExists
from kritis_sim.grafeas.store import Collection, Record, Scan, Store, encode_record

__all__ = ["MemoryStore"]


# A row is a plain tuple: (name, parent, resource_uri, kind, note_name, json bytes). Tuples of atomic values are untracked by the garbage collector and
# index lists are ``array('q')``, so a million rows add almost nothing to GC work.
_Row = tuple[str, str, str | None, str | None, str | None, bytes]


def _row(record: Record) -> _Row:
    text = encode_record(record)
    return (
        record.name,
        record.parent,
        record.resource_uri,
        record.kind,
        record.note_name,
        text,
    )


def _keys(collection: str, row: _Row) -> list[tuple[Hashable, ...]]:
    _, parent, uri, kind, note, _ = row
    keys: list[tuple[Hashable, ...]] = [("c", collection), ("p", collection, parent)]
    if uri is not None:
        keys.append(("r", collection, parent, uri))
        keys.append(("rk", collection, parent, uri, kind))
    if note is not None:
        keys.append(("n", collection, note))
        if uri is not None:
            keys.append(("nr", collection, note, uri))
    return keys


def _satisfies(row: _Row, where: Scan) -> bool:
    _, parent, uri, kind, note, _ = row
    return (
        (where.parent is None or parent == where.parent)
        and (where.resource_uri is None or uri == where.resource_uri)
        and (where.kind is None or kind == where.kind)
        and (where.note_name is None or note == where.note_name)
    )


class MemoryStore(Store):
    """A thread-safe store that lives in this process only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self._rows: dict[int, _Row] = {}
        self._names: dict[tuple[str, str], int] = {}
        self._index: dict[tuple[Hashable, ...], array[int]] = {}

    def _add(self, collection: str, seq: int, row: _Row) -> None:
        self._rows[seq] = row
        self._names[(collection, row[0])] = seq
        for key in _keys(collection, row):
            # seq only grows, so appending keeps every list sorted
            seqs = self._index.get(key)
            if seqs is None:
                self._index[key] = array("q", (seq,))
            else:
                seqs.append(seq)

    def _remove(self, collection: str, seq: int) -> _Row:
        row = self._rows.pop(seq)
        del self._names[(collection, row[0])]
        for key in _keys(collection, row):
            seqs = self._index[key]
            del seqs[bisect.bisect_left(seqs, seq)]
            if not seqs:
                del self._index[key]
        return row

    def insert(self, collection: Collection, records: Sequence[Record]) -> None:
        rows = [_row(r) for r in records]  # check and serialise outside the lock
        with self._lock:
            seen: set[str] = set()
            for row in rows:
                if (collection, row[0]) in self._names or row[0] in seen:
                    raise AlreadyExists(f"{row[0]} already exists")
                seen.add(row[0])
            for row in rows:
                self._seq += 1
                self._add(collection, self._seq, row)

    def get(self, collection: Collection, name: str) -> dict[str, Any] | None:
        with self._lock:
            seq = self._names.get((collection, name))
            text = None if seq is None else self._rows[seq][5]
        return None if text is None else _loads(text)

    def replace(self, collection: Collection, record: Record) -> bool:
        row = _row(record)
        with self._lock:
            seq = self._names.get((collection, record.name))
            if seq is None:
                return False
            self._remove(collection, seq)
            self._add(collection, seq, row)
            # re-adding an old seq may have appended it out of order
            for key in _keys(collection, row):
                seqs = self._index[key]
                if len(seqs) > 1 and seqs[-1] < seqs[-2]:
                    self._index[key] = array("q", sorted(seqs))
            return True

    def delete(self, collection: Collection, name: str) -> bool:
        with self._lock:
            seq = self._names.get((collection, name))
            if seq is None:
                return False
            self._remove(collection, seq)
            return True

    def scan(
        self, collection: Collection, where: Scan, *, after: int, limit: int
    ) -> list[tuple[int, dict[str, Any]]]:
        if where.note_name is not None and where.resource_uri is not None:
            key: tuple[Hashable, ...] = (
                "nr",
                collection,
                where.note_name,
                where.resource_uri,
            )
        elif where.note_name is not None:
            key = ("n", collection, where.note_name)
        elif where.resource_uri is not None and where.parent is not None:
            if where.kind is not None:
                key = ("rk", collection, where.parent, where.resource_uri, where.kind)
            else:
                key = ("r", collection, where.parent, where.resource_uri)
        elif where.parent is not None:
            key = ("p", collection, where.parent)
        else:
            key = ("c", collection)
        out: list[tuple[int, bytes]] = []
        with self._lock:
            seqs = self._index.get(key, array("q"))
            start = bisect.bisect_right(seqs, after)
            for i in range(start, len(seqs)):
                seq = seqs[i]
                row = self._rows[seq]
                if _satisfies(row, where):
                    out.append((seq, row[5]))
                    if len(out) >= limit:
                        break
        return [(seq, _loads(text)) for seq, text in out]


def _loads(text: bytes) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(text)
    return value
