"""The attestation source after the store restarts behind a pooled connection.

A restart the client never saw fail (its pooled keep-alive connection is now
dead) must not cost a failed lookup: the first query afterwards answers.
The outage itself (queries fail closed, recovery < 1 s) is tested against a
real process in ``tests/integration/test_emulator_process.py``.
"""

from __future__ import annotations

from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.client import GrafeasAttestationSource, GrafeasRestClient
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.store import Record
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.conftest import NOTE, occurrence

URI = "https://gcr.io/p/img@sha256:" + "a" * 64


def test_first_query_after_an_unseen_restart_succeeds() -> None:
    store = MemoryStore()
    data = {
        **occurrence(URI),
        "name": "projects/p/occurrences/o",
        "kind": "ATTESTATION",
    }
    store.insert("occurrences", [Record.for_occurrence("projects/p", data)])
    note = {**NOTE, "name": "projects/p/notes/n"}
    store.insert("notes", [Record(name=note["name"], parent="projects/p", data=note)])
    server = ServerThread(create_app(store)).start()
    port = int(server.base_url.rsplit(":", 1)[1])
    source = GrafeasAttestationSource(GrafeasRestClient(server.base_url, timeout=2))
    try:
        for _ in range(2):
            assert len(source.occurrences(URI, "projects/p/notes/n")) == 1
            server.stop()  # closes the client's pooled keep-alive connection
            server = ServerThread(create_app(store), port=port).start()
            assert len(source.occurrences(URI, "projects/p/notes/n")) == 1
    finally:
        source.close()
        server.stop()
