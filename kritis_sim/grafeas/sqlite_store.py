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

Opening checks the file (:class:`~kritis_sim.errors.InputError` naming it
otherwise): it must be SQLite, hold exactly this schema (marked with
``application_id`` and ``user_version``; an empty file or a new path starts a
new database) and pass ``PRAGMA quick_check``. A corruption met while serving
answers ``503 UNAVAILABLE`` and from then on every write is refused with 503
(reads are still tried) until the file is repaired and the store reopened.

One connection is shared under a lock (SQLite serialises writers anyway).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from kritis_sim.errors import InputError
from kritis_sim.grafeas.googleerrors import AlreadyExists, ApiError
from kritis_sim.grafeas.store import Collection, Record, Scan, Store, encode_record

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "SqliteStore"]

logger = logging.getLogger("kritis_sim.grafeas")

#: ``PRAGMA application_id`` of a kritis-sim emulator database ("KSIM").
APPLICATION_ID = 0x4B53494D
#: ``PRAGMA user_version`` of the schema below.
SCHEMA_VERSION = 1
_COLUMNS = (
    "seq", "collection", "name", "parent", "resource_uri", "kind", "note_name", "data"
)  # fmt: skip
_INDEXES = frozenset(
    {"records_resource", "records_note", "records_note_resource", "records_parent"}
)
# SQLITE_CORRUPT and SQLITE_NOTADB (primary result codes)
_CORRUPT_CODES = frozenset({11, 26})

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
    """A thread-safe store in one SQLite file (``":memory:"`` for tests).

    Raises:
        InputError: from the constructor, naming the file, when it cannot be
            opened, is not a kritis-sim database, or is corrupt or truncated.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._broken: str | None = None
        if os.path.isdir(self.path):
            raise InputError("is a directory, not a database file", source=self.path)
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise InputError(
                f"cannot open the database: {exc}", source=self.path
            ) from None
        try:
            self._db.execute("PRAGMA busy_timeout=5000")
            self._open()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise InputError(
                f"corrupt, truncated or not a kritis-sim emulator database: {exc}",
                source=self.path,
            ) from None
        except InputError:
            self._db.close()
            raise

    def _open(self) -> None:
        tables = {
            name
            for (name,) in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if tables or app_id or version:
            self._check_schema(tables, app_id, version)
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise InputError(
                "the database is corrupt or truncated (PRAGMA quick_check: "
                f"{'; '.join(map(str, problems[:3]))})",
                source=self.path,
            )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        if not tables:
            self._db.executescript(_SCHEMA)
        if app_id != APPLICATION_ID or version != SCHEMA_VERSION:
            self._db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _check_schema(self, tables: set[str], app_id: int, version: int) -> None:
        """Refuse anything but this schema (files from before the marks included)."""
        if app_id not in (0, APPLICATION_ID):
            raise InputError(
                f"not a kritis-sim emulator database (application_id {app_id:#x})",
                source=self.path,
            )
        if version > SCHEMA_VERSION:
            raise InputError(
                f"made by a newer kritis-sim (schema version {version}; this one "
                f"reads {SCHEMA_VERSION})",
                source=self.path,
            )
        columns = tuple(
            row[1] for row in self._db.execute("PRAGMA table_info(records)")
        )
        indexes = {
            name
            for (name,) in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'records' AND name NOT LIKE 'sqlite_autoindex%'"
            )
        }
        if (
            tables != {"records", "sqlite_sequence"}
            or columns != _COLUMNS
            or indexes != _INDEXES
        ):
            raise InputError(
                "not a kritis-sim emulator database (tables: "
                f"{', '.join(sorted(tables)) or 'none'})",
                source=self.path,
            )

    @contextlib.contextmanager
    def _session(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """The connection under the lock; SQLite failures become 503s."""
        with self._lock:
            if write and self._broken is not None:
                raise ApiError("UNAVAILABLE", self._broken)
            try:
                yield self._db
            except sqlite3.IntegrityError:
                raise
            except sqlite3.DatabaseError as exc:
                raise self._unavailable(exc) from None

    def _unavailable(self, exc: sqlite3.DatabaseError) -> ApiError:
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _CORRUPT_CODES or "malformed" in str(exc):
            if self._broken is None:
                logger.error("database %s is corrupt: %s", self.path, exc)
            self._broken = (
                f"the emulator's database {self.path} is corrupt ({exc}); writes "
                "are refused until it is repaired and the emulator restarted"
            )
            return ApiError("UNAVAILABLE", self._broken)
        return ApiError("UNAVAILABLE", f"database {self.path} failed: {exc}")

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
                encode_record(r).decode(),
            )
            for r in records
        ]
        with self._session(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    "INSERT INTO records (collection, name, parent, resource_uri,"
                    " kind, note_name, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                raise AlreadyExists(_first_duplicate(db, collection, records)) from None
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def get(self, collection: Collection, name: str) -> dict[str, Any] | None:
        with self._session(write=False) as db:
            row = db.execute(
                "SELECT data FROM records WHERE collection = ? AND name = ?",
                (collection, name),
            ).fetchone()
        return None if row is None else _loads(row[0])

    def replace(self, collection: Collection, record: Record) -> bool:
        data = encode_record(record).decode()
        with self._session(write=True) as db:
            cur = db.execute(
                "UPDATE records SET parent = ?, resource_uri = ?, kind = ?,"
                " note_name = ?, data = ? WHERE collection = ? AND name = ?",
                (
                    record.parent,
                    record.resource_uri,
                    record.kind,
                    record.note_name,
                    data,
                    collection,
                    record.name,
                ),
            )
            return cur.rowcount > 0

    def delete(self, collection: Collection, name: str) -> bool:
        with self._session(write=True) as db:
            cur = db.execute(
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
        with self._session(write=False) as db:
            rows = db.execute(sql, params).fetchall()
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
    value: dict[str, Any] = orjson.loads(text)
    return value
