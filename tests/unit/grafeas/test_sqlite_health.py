"""The ``--db`` file: checked at start (exit 2), and corruption while serving (503).

A file that is not SQLite, is another application's database, or is corrupt
or truncated is refused when the store opens, with one line naming it; the
``kritis-sim emulator`` command then exits 2 without a traceback. A corruption
met while serving answers ``503 UNAVAILABLE`` (Google's shape, with
``Connection: close``) and every later write is refused rather than accepted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kritis_sim.cli.main import main
from kritis_sim.errors import InputError
from kritis_sim.grafeas.sqlite_store import APPLICATION_ID, SqliteStore
from kritis_sim.grafeas.store import Record, Scan
from tests.unit.grafeas.conftest import NOTE, Api, assert_google_error

PAGE = 4096


def _filled(path: Path, rows: int = 200) -> Path:
    store = SqliteStore(path)
    store.insert(
        "notes",
        [
            Record(name=f"projects/p/notes/n{i}", parent="projects/p",
                   data={"attestation": {}, "text": "x" * 200})
            for i in range(rows)
        ],
    )  # fmt: skip
    store.close()
    return path


def _other_app_db(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)")
    db.commit()
    db.close()
    return path


def _truncated(path: Path) -> Path:
    data = _filled(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _garbage_pages(path: Path) -> Path:
    data = bytearray(_filled(path).read_bytes())
    data[2 * PAGE :] = b"\xff" * (len(data) - 2 * PAGE)
    path.write_bytes(bytes(data))
    return path


def _text(path: Path) -> Path:
    path.write_text("name,value\nnot,a database\n" * 100)
    return path


def _newer(path: Path) -> Path:
    _filled(path, rows=1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    return path


BAD_FILES = [
    (_text, "file is not a database"),
    (_other_app_db, "not a kritis-sim emulator database (tables: accounts)"),
    (_truncated, "corrupt"),
    (_garbage_pages, "corrupt"),
    (_newer, "schema version 99"),
]


@pytest.mark.parametrize(
    ("make", "needle"), BAD_FILES, ids=lambda v: getattr(v, "__name__", "")
)
def test_unusable_db_is_refused_at_start(
    tmp_path: Path, make: object, needle: str
) -> None:
    assert callable(make)
    path = make(tmp_path / "emulator.db")
    with pytest.raises(InputError) as err:
        SqliteStore(path)
    assert str(path) in str(err.value)
    assert needle in str(err.value)


def test_truncated_db_exits_2_at_start_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _truncated(tmp_path / "emulator.db")
    assert main(["emulator", "--db", str(path), "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"kritis-sim: error: {path}: ")
    assert "corrupt" in err


def test_directory_or_missing_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--db", str(tmp_path), "--quiet"]) == 2
    assert "is a directory" in capsys.readouterr().err
    missing = tmp_path / "no" / "such" / "dir.db"
    assert main(["emulator", "--db", str(missing), "--quiet"]) == 2
    assert "cannot open the database" in capsys.readouterr().err


def test_new_empty_and_older_files_are_accepted_and_marked(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    SqliteStore(empty).close()
    # a file made before the schema marks existed: same table, no marks
    legacy = _filled(tmp_path / "legacy.db", rows=3)
    db = sqlite3.connect(legacy)
    db.execute("PRAGMA application_id=0")
    db.execute("PRAGMA user_version=0")
    db.close()
    store = SqliteStore(legacy)
    assert len(list(store.list_all("notes", Scan()))) == 3
    store.close()
    for path in (empty, legacy):
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        db.close()


def _corrupt_under(store: SqliteStore) -> None:
    """Overwrite every page after the first two, then make the store re-read.

    The store's connection caches pages; a second connection checkpoints the
    WAL into the file first, and after the damage bumps ``user_version`` (page
    1 only), which tells the store's connection its cache is stale.
    """
    path = Path(store.path)
    other = sqlite3.connect(path)
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(2 * PAGE)
        fh.write(b"\xff" * (size - 2 * PAGE))
    other.execute("PRAGMA user_version=1")
    other.close()


def test_corruption_while_serving_is_503_and_refuses_writes(tmp_path: Path) -> None:
    api = Api(SqliteStore(_filled(tmp_path / "emulator.db")))
    try:
        assert api.get("/v1/projects/p/notes/n1").status_code == 200
        _corrupt_under(api.store)  # type: ignore[arg-type]
        for method, url, kwargs in [
            ("GET", "/v1/projects/p/notes", {}),
            ("GET", "/v1/projects/p/notes/n150", {}),
            ("POST", "/v1/projects/p/notes?noteId=new", {"json": NOTE}),
            ("DELETE", "/v1/projects/p/notes/n1", {}),
            ("POST", "/v1/projects/p/notes?noteId=new2", {"json": NOTE}),
        ]:
            reply = api.request(method, url, **kwargs)
            message = assert_google_error(reply, 503, "UNAVAILABLE")
            assert "corrupt" in message and str(tmp_path) in message
            assert reply.headers["connection"] == "close"
        # a write that would not touch a damaged page is refused all the same
        reply = api.put(
            "/v1/projects/q/policy",
            json={"defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW",
                  "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}},
        )  # fmt: skip
        assert "writes are refused" in assert_google_error(reply, 503, "UNAVAILABLE")
    finally:
        api.close()
