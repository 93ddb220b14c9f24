"""The emulator's API checked against a plain-dict model (Hypothesis stateful)."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.grafeas.store import Store
from tests.unit.grafeas.conftest import NOTE, Api, occurrence

projects = st.sampled_from(["p", "q"])
note_ids = st.sampled_from(["n1", "n2", "n3"])
uris = st.sampled_from([f"https://gcr.io/p/i{i}@sha256:{'a' * 64}" for i in range(3)])
key_ids = st.text("abcdef", min_size=1, max_size=5)


class EmulatorModel(RuleBasedStateMachine):
    """Random create / patch / delete / paged list sequences vs. dicts."""

    occurrences = Bundle("occurrences")

    def make_store(self) -> Store:
        return MemoryStore()

    def __init__(self) -> None:
        super().__init__()
        self.api = Api(self.make_store())
        self.notes: dict[str, dict[str, Any]] = {}
        self.occs: dict[str, dict[str, Any]] = {}

    def teardown(self) -> None:
        self.api.close()

    @rule(project=projects, note_id=note_ids)
    def create_note(self, project: str, note_id: str) -> None:
        name = f"projects/{project}/notes/{note_id}"
        reply = self.api.post(
            f"/v1/projects/{project}/notes", params={"noteId": note_id}, json=NOTE
        )
        if name in self.notes:
            assert reply.status_code == 409
        else:
            assert reply.status_code == 200, reply.text
            self.notes[name] = reply.json()

    @rule(project=projects, note_id=note_ids)
    def delete_note(self, project: str, note_id: str) -> None:
        name = f"projects/{project}/notes/{note_id}"
        reply = self.api.delete(f"/v1/{name}")
        assert reply.status_code == (200 if self.notes.pop(name, None) else 404)

    @rule(
        target=occurrences,
        project=projects,
        uri=uris,
        note_project=projects,
        note_id=note_ids,
    )
    def create_occurrence(
        self, project: str, uri: str, note_project: str, note_id: str
    ) -> str:
        body = occurrence(uri, f"projects/{note_project}/notes/{note_id}")
        reply = self.api.post(f"/v1/projects/{project}/occurrences", json=body)
        assert reply.status_code == 200, reply.text
        occ = reply.json()
        self.occs[occ["name"]] = occ
        name: str = occ["name"]
        return name

    @rule(name=occurrences, key_id=key_ids)
    def patch_occurrence(self, name: str, key_id: str) -> None:
        sigs = [{"signature": "AAAA", "publicKeyId": key_id}]
        reply = self.api.patch(
            f"/v1/{name}",
            params={"updateMask": "attestation.signatures"},
            json={"attestation": {"signatures": sigs}},
        )
        if name not in self.occs:
            assert reply.status_code == 404
            return
        assert reply.status_code == 200, reply.text
        self.occs[name]["attestation"]["signatures"] = sigs
        self.occs[name]["updateTime"] = reply.json()["updateTime"]
        assert reply.json() == self.occs[name]

    @rule(name=consumes(occurrences))
    def delete_occurrence(self, name: str) -> None:
        reply = self.api.delete(f"/v1/{name}")
        assert reply.status_code == (200 if self.occs.pop(name, None) else 404)

    @rule(
        project=projects,
        uri=st.none() | uris,
        note_id=st.none() | note_ids,
        page_size=st.integers(1, 4),
    )
    def list_paged(
        self, project: str, uri: str | None, note_id: str | None, page_size: int
    ) -> None:
        terms = [f'resourceUrl="{uri}"'] if uri else []
        terms += [f'noteId="{note_id}"'] if note_id else []
        got: list[dict[str, Any]] = []
        token = ""
        for _ in range(100):
            reply = self.api.get(
                f"/v1/projects/{project}/occurrences",
                params={
                    "filter": " AND ".join(terms),
                    "pageSize": page_size,
                    "pageToken": token,
                },
            )
            assert reply.status_code == 200, reply.text
            page = reply.json()
            assert len(page["occurrences"]) <= page_size
            got += page["occurrences"]
            token = page["nextPageToken"]
            if not token:
                break
        expected = [
            o
            for n, o in self.occs.items()
            if n.startswith(f"projects/{project}/")
            and (uri is None or o["resourceUri"] == uri)
            and (note_id is None or o["noteName"].endswith(f"/notes/{note_id}"))
        ]
        assert got == expected  # same items, in creation order

    @rule(project=projects, note_id=note_ids)
    def list_note_occurrences(self, project: str, note_id: str) -> None:
        name = f"projects/{project}/notes/{note_id}"
        reply = self.api.get(f"/v1/{name}/occurrences", params={"pageSize": 1000})
        if name not in self.notes:
            assert reply.status_code == 404
            return
        expected = [o for o in self.occs.values() if o["noteName"] == name]
        assert reply.json()["occurrences"] == expected

    @invariant()
    def notes_agree(self) -> None:
        for project in ("p", "q"):
            listed = self.api.get(f"/v1/projects/{project}/notes").json()["notes"]
            assert listed == [
                n for k, n in self.notes.items() if k.startswith(f"projects/{project}/")
            ]


class SqliteEmulatorModel(EmulatorModel):
    def make_store(self) -> Store:
        return SqliteStore(":memory:")


# Two fifths of the profile's examples, at least 25 (dev and mutation keep
# their 25, ci runs 40 instead of 100, thorough 800): at 100 x 25 steps each
# machine was one of the slowest unit tests (~11 s on a quiet machine).
_MACHINE = settings(
    deadline=None,
    stateful_step_count=25,
    max_examples=max(25, settings().max_examples * 2 // 5),
)
TestMemoryEmulator = EmulatorModel.TestCase
TestMemoryEmulator.settings = _MACHINE
TestSqliteEmulator = SqliteEmulatorModel.TestCase
TestSqliteEmulator.settings = _MACHINE
