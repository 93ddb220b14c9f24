"""``kritis-sim emulator`` as a process: clean stop on signals, SQLite durability."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.integration._emulator import start_emulator, stop_emulator

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
