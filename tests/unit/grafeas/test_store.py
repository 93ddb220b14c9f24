"""Store backends: keyset pagination, atomic batches, indexes, thread safety."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kritis_sim.grafeas.filters import Filter, parse_filter
from kritis_sim.grafeas.googleerrors import ApiError
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.grafeas.store import Record, Scan, Store
from tests.unit.grafeas.conftest import make_store


def _occ(i: int, uri: str = "u", note: str = "projects/p/notes/n") -> Record:
    data = {
        "name": f"projects/p/occurrences/{i}",
        "resourceUri": uri,
        "noteName": note,
        "kind": "ATTESTATION",
        "attestation": {},
    }
    return Record.for_occurrence("projects/p", data)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return make_store(request.param, tmp_path)


def test_pages_are_stable_under_concurrent_inserts(store: Store) -> None:
    store.insert("occurrences", [_occ(i) for i in range(10)])
    where = Scan(parent="projects/p", resource_uri="u")
    first = store.list("occurrences", where, Filter(), page_size=4, page_token=None)
    store.insert("occurrences", [_occ(i) for i in range(10, 13)])
    store.delete("occurrences", "projects/p/occurrences/1")
    names = [o["name"] for o in first.items]
    token = first.next_page_token
    while token:
        page = store.list("occurrences", where, Filter(), page_size=4, page_token=token)
        names += [o["name"] for o in page.items]
        token = page.next_page_token
    assert names == [f"projects/p/occurrences/{i}" for i in range(13)]


def test_token_for_another_query_is_refused(store: Store) -> None:
    store.insert("occurrences", [_occ(i) for i in range(3)])
    page = store.list(
        "occurrences", Scan(parent="projects/p"), Filter(), page_size=1, page_token=None
    )
    with pytest.raises(ApiError, match="different listing"):
        store.list(
            "occurrences",
            Scan(parent="projects/q"),
            Filter(),
            page_size=1,
            page_token=page.next_page_token,
        )


def test_batch_insert_is_all_or_nothing(store: Store) -> None:
    store.insert("occurrences", [_occ(1)])
    with pytest.raises(ApiError, match="already exists"):
        store.insert("occurrences", [_occ(2), _occ(1)])
    assert store.get("occurrences", "projects/p/occurrences/2") is None


def test_replace_reindexes_and_keeps_position(store: Store) -> None:
    store.insert("occurrences", [_occ(1), _occ(2)])
    assert store.replace("occurrences", _occ(1, uri="v"))
    assert [
        o["name"]
        for o in store.list_all(
            "occurrences", Scan(parent="projects/p", resource_uri="v")
        )
    ] == ["projects/p/occurrences/1"]
    assert [
        o["name"] for o in store.list_all("occurrences", Scan(parent="projects/p"))
    ] == ["projects/p/occurrences/1", "projects/p/occurrences/2"]


def test_filter_beyond_index_still_pages(store: Store) -> None:
    store.insert(
        "occurrences", [_occ(i, note=f"projects/p/notes/{i % 3}") for i in range(30)]
    )
    flt = parse_filter('noteId="1"')
    page = store.list(
        "occurrences", Scan(parent="projects/p"), flt, page_size=100, page_token=None
    )
    assert len(page.items) == 10 and page.next_page_token == ""


def test_concurrent_writers(store: Store) -> None:
    def work(t: int) -> None:
        for i in range(50):
            store.insert("occurrences", [_occ(t * 1000 + i)])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(list(store.list_all("occurrences", Scan(parent="projects/p")))) == 200


def test_sqlite_uses_indexes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    db = store._db
    for where, index in [
        (
            Scan(parent="projects/p", resource_uri="u", kind="ATTESTATION"),
            "records_resource",
        ),
        (Scan(note_name="projects/p/notes/n"), "records_note"),
    ]:
        assert store.scan("occurrences", where, after=0, limit=1) == []
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM records INDEXED BY "
            + index
            + " WHERE collection='occurrences' AND seq > 0 ORDER BY seq"
        ).fetchall()
        assert any(index in str(row) for row in plan)
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = db.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, sync) == ("wal", 2)
    store.close()
