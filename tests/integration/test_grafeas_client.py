"""The official ``grafeas`` Python client (REST transport) against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("grafeas.grafeas_v1")

from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from grafeas.grafeas_v1 import GrafeasClient
from grafeas.grafeas_v1.services.grafeas.transports import GrafeasRestTransport
from grafeas.grafeas_v1.types import common, grafeas

from kritis_sim.grafeas.app import create_app
from kritis_sim.serving import ServerThread

DIGEST = "sha256:" + "a" * 64


@pytest.fixture(scope="module")
def client() -> Iterator[GrafeasClient]:
    with ServerThread(create_app()) as server:
        yield GrafeasClient(
            transport=GrafeasRestTransport(
                host=server.base_url, credentials=AnonymousCredentials()
            )
        )


def _occ(uri: str) -> grafeas.Occurrence:
    return grafeas.Occurrence(
        resource_uri=uri,
        note_name="projects/g/notes/n",
        attestation={
            "serialized_payload": b"{}",
            "signatures": [{"signature": b"\x01\x02", "public_key_id": "k"}],
        },
    )


def test_notes_and_occurrences_round_trip(client: GrafeasClient) -> None:
    note = client.create_note(
        parent="projects/g",
        note_id="n",
        note=grafeas.Note(attestation={"hint": {"human_readable_name": "n"}}),
    )
    assert note.name == "projects/g/notes/n"
    assert note.kind == common.NoteKind.ATTESTATION
    with pytest.raises(gexc.Conflict):
        client.create_note(parent="projects/g", note_id="n", note=note)
    uri = f"https://gcr.io/g/img@{DIGEST}"
    created = client.create_occurrence(parent="projects/g", occurrence=_occ(uri))
    assert created.kind == common.NoteKind.ATTESTATION
    assert created.attestation.signatures[0].signature == b"\x01\x02"
    got = client.get_occurrence(name=created.name)
    assert got.resource_uri == uri
    batch = client.batch_create_occurrences(
        parent="projects/g", occurrences=[_occ(uri) for _ in range(4)]
    )
    assert len(batch.occurrences) == 4
    pager = client.list_occurrences(
        request={
            "parent": "projects/g",
            "filter": f'resourceUrl="{uri}"',
            "page_size": 2,
        }
    )
    assert len(list(pager)) == 5
    by_note = list(client.list_note_occurrences(name="projects/g/notes/n"))
    assert len(by_note) == 5
    assert client.get_occurrence_note(name=created.name).name == "projects/g/notes/n"
    updated = client.update_occurrence(
        name=created.name,
        occurrence=grafeas.Occurrence(
            attestation={"signatures": [{"signature": b"\x03", "public_key_id": "k2"}]}
        ),
        update_mask={"paths": ["attestation.signatures"]},
    )
    assert updated.attestation.signatures[0].public_key_id == "k2"
    client.delete_occurrence(name=created.name)
    with pytest.raises(gexc.NotFound):
        client.get_occurrence(name=created.name)
    notes = client.batch_create_notes(
        parent="projects/g",
        notes={
            "b1": grafeas.Note(build={"builder_version": "1"}),
            "b2": grafeas.Note(attestation={}),
        },
    )
    assert {n.name for n in notes.notes} == {
        "projects/g/notes/b1",
        "projects/g/notes/b2",
    }
    assert len(list(client.list_notes(parent="projects/g"))) == 3
    client.delete_note(name="projects/g/notes/b1")
    with pytest.raises(gexc.BadRequest):
        list(client.list_occurrences(parent="projects/g", filter='severity="HIGH"'))
