"""SQLite :class:`~kritis_sim.grafeas.store.Store` (``kritis-sim emulator --db FILE``).

Durability: WAL journal with ``synchronous=FULL``, and every write is its own
transaction committed before the HTTP reply is sent, so an acknowledged write
survives ``kill -9`` of the emulator (and a power cut, as far as the disk's
fsync is honest).

One table holds every collection; ``seq`` is ``INTEGER PRIMARY KEY
AUTOINCREMENT`` so a number is never reused after a delete, which keeps page
tokens stable. Indexes on ``(collection, parent, resource_uri, kind, seq)``,
``(collection, note_name, seq)``, ``(collection, note_name, resource_uri, seq)``
and ``(collection, parent, seq)`` make listing
one resource's or one note's occurrences cost the same with a thousand or a
million rows stored; each scan names its index (``INDEXED BY``) so the query
planner cannot wander onto a full scan.

One connection is shared under a lock (SQLite serialises writers anyway).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from kritis_sim.grafeas.googleerrors import AlreadyExists
from kritis_sim.grafeas.store import Collection, Record, Scan, Store

__all__ = ["SqliteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    name TEXT NOT NULL,
    parent TEXT NOT NULL,
    resource_uri TEXT,
    kind TEXT,
    note_name TEXT,
    data TEXT NOT NULL,
    UNIQUE (collection, name)
);
CREATE INDEX IF NOT EXISTS records_resource
    ON records (collection, parent, resource_uri, kind, seq);
CREATE INDEX IF NOT EXISTS records_note ON records (collection, note_name, seq);
CREATE INDEX IF NOT EXISTS records_note_resource
    ON records (collection, note_name, resource_uri, seq);
CREATE INDEX IF NOT EXISTS records_parent ON records (collection, parent, seq);
"""


class SqliteStore(Store):
    """A thread-safe store in one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def insert(self, collection: Collection, records: Sequence[Record]) -> None:
        rows = [
            (
                collection,
                r.name,
                r.parent,
                r.resource_uri,
                r.kind,
                r.note_name,
                json.dumps(r.data, separators=(",", ":")),
            )
            for r in records
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO records (collection, name, parent, resource_uri,"
                    " kind, note_name, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                raise AlreadyExists(
                    _first_duplicate(self._db, collection, records)
                ) from None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, collection: Collection, name: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM records WHERE collection = ? AND name = ?",
                (collection, name),
            ).fetchone()
        return None if row is None else _loads(row[0])

    def replace(self, collection: Collection, record: Record) -> bool:
        with self._lock:
            cur = self._db.execute(
                "UPDATE records SET parent = ?, resource_uri = ?, kind = ?,"
                " note_name = ?, data = ? WHERE collection = ? AND name = ?",
                (
                    record.parent,
                    record.resource_uri,
                    record.kind,
                    record.note_name,
                    json.dumps(record.data, separators=(",", ":")),
                    collection,
                    record.name,
                ),
            )
            return cur.rowcount > 0

    def delete(self, collection: Collection, name: str) -> bool:
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM records WHERE collection = ? AND name = ?",
                (collection, name),
            )
            return cur.rowcount > 0

    def scan(
        self, collection: Collection, where: Scan, *, after: int, limit: int
    ) -> list[tuple[int, dict[str, Any]]]:
        if where.note_name is not None and where.resource_uri is not None:
            index = "records_note_resource"
        elif where.note_name is not None:
            index = "records_note"
        elif where.resource_uri is not None and where.parent is not None:
            index = "records_resource"
        else:
            index = "records_parent"
        clauses = ["collection = ?", "seq > ?"]
        params: list[Any] = [collection, after]
        for column, value in (
            ("parent", where.parent),
            ("resource_uri", where.resource_uri),
            ("kind", where.kind),
            ("note_name", where.note_name),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if index == "records_parent" and where.parent is None:
            index = ""  # a whole-collection scan: the primary key order will do
        indexed = f" INDEXED BY {index}" if index else ""
        sql = (
            f"SELECT seq, data FROM records{indexed} WHERE {' AND '.join(clauses)}"
            " ORDER BY seq LIMIT ?"
        )
        params.append(limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [(seq, _loads(text)) for seq, text in rows]


def _first_duplicate(
    db: sqlite3.Connection, collection: str, records: Sequence[Record]
) -> str:
    seen: set[str] = set()
    for record in records:
        if record.name in seen:
            return f"{record.name} already exists"
        seen.add(record.name)
        hit = db.execute(
            "SELECT 1 FROM records WHERE collection = ? AND name = ?",
            (collection, record.name),
        ).fetchone()
        if hit is not None:
            return f"{record.name} already exists"
    return "a resource with the same name already exists"


def _loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value
