"""``kritis-sim emulator`` as a process: clean stop on signals, SQLite durability,
a damaged ``--db`` refused at start, and clients recovering after an outage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kritis_sim.errors import GrafeasError
from kritis_sim.grafeas.client import GrafeasAttestationSource, GrafeasRestClient
from kritis_sim.grafeas.sqlite_store import SqliteStore
from tests.integration._emulator import start_emulator, stop_emulator
from tests.unit.grafeas.conftest import Api

NOTE = {"attestation": {"hint": {"humanReadableName": "n"}}}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(sig: signal.Signals) -> None:
    proc, url = start_emulator()
    try:
        assert httpx.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    finally:
        code, err = stop_emulator(proc, sig)
    assert code == 0, err
    assert "Traceback" not in err


def test_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "emulator.db"
    proc, url = start_emulator("--db", str(db))
    try:
        httpx.post(
            f"{url}/v1/projects/p/notes", params={"noteId": "n"}, json=NOTE, timeout=5
        ).raise_for_status()
        occ = {
            "resourceUri": "https://gcr.io/p/i@sha256:" + "a" * 64,
            "noteName": "projects/p/notes/n",
            "attestation": {"serializedPayload": "e30=", "signatures": []},
        }
        created = httpx.post(
            f"{url}/v1/projects/p/occurrences", json=occ, timeout=5
        ).json()
    finally:
        code, _ = stop_emulator(proc, signal.SIGKILL)
    assert code == -signal.SIGKILL
    proc, url = start_emulator("--db", str(db))
    try:
        again = httpx.get(f"{url}/v1/{created['name']}", timeout=5)
        assert again.status_code == 200
        assert again.json() == created
        listed = httpx.get(f"{url}/v1/projects/p/notes/n/occurrences", timeout=5).json()
        assert [o["name"] for o in listed["occurrences"]] == [created["name"]]
    finally:
        stop_emulator(proc, signal.SIGTERM)


def test_truncated_db_exits_2_at_start(tmp_path: Path) -> None:
    db = tmp_path / "emulator.db"
    # Filled in-process through the same app and store `emulator --db` runs
    # (one interpreter start-up less); the refusal below is a real process.
    api = Api(SqliteStore(db))
    try:
        for i in range(50):
            api.post(
                "/v1/projects/p/notes",
                params={"noteId": f"n{i}"},
                json={"attestation": {"hint": {"humanReadableName": "x" * 300}}},
            ).raise_for_status()
    finally:
        api.close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    done = subprocess.run(
        [sys.executable, "-m", "kritis_sim.cli.main", "emulator", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"kritis-sim: error: {db}: ")
    assert "corrupt" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_attestation_source_recovers_within_1s_after_an_outage(tmp_path: Path) -> None:
    """Fail closed while the store is down, answer again < 1 s after it is back."""
    db = tmp_path / "emulator.db"
    proc, url = start_emulator("--db", str(db))
    port = url.rsplit(":", 1)[1]
    uri = "https://gcr.io/p/i@sha256:" + "a" * 64
    occ = {
        "resourceUri": uri,
        "noteName": "projects/p/notes/n",
        "attestation": {
            "serializedPayload": "e30=",
            "signatures": [{"signature": "AAAA", "publicKeyId": "k"}],
        },
    }
    source = GrafeasAttestationSource(GrafeasRestClient(url, timeout=2.0))
    try:
        httpx.post(
            f"{url}/v1/projects/p/notes", params={"noteId": "n"}, json=NOTE, timeout=5
        ).raise_for_status()
        httpx.post(
            f"{url}/v1/projects/p/occurrences", json=occ, timeout=5
        ).raise_for_status()
        assert len(source.occurrences(uri, "projects/p/notes/n")) == 1
        stop_emulator(proc, signal.SIGKILL)
        for _ in range(3):  # fails closed: an error, never an empty answer
            with pytest.raises(GrafeasError):
                source.occurrences(uri, "projects/p/notes/n")
        proc, url = start_emulator("--db", str(db), "--port", port)
        back = time.monotonic()
        while True:
            try:
                found = source.occurrences(uri, "projects/p/notes/n")
                break
            except GrafeasError:
                assert time.monotonic() - back < 1.0, "no recovery within 1 s"
                time.sleep(0.02)
        recovered = time.monotonic() - back
        assert len(found) == 1
        assert recovered < 1.0
        print(f"recovered {recovered * 1000:.1f} ms after the emulator was back")
    finally:
        source.close()
        stop_emulator(proc, signal.SIGTERM)
