"""Grafeas v1 REST routes of the emulator, in-process, on both stores."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.unit.grafeas.conftest import NOTE, Api, assert_google_error, occurrence

P = "/v1/projects/p"


def _note(api: Api, note_id: str = "n", project: str = "p") -> None:
    reply = api.post(
        f"/v1/projects/{project}/notes", params={"noteId": note_id}, json=NOTE
    )
    assert reply.status_code == 200, reply.text


def test_note_create_get_list_delete(api: Api) -> None:
    _note(api)
    got = api.get(f"{P}/notes/n").json()
    assert got["name"] == "projects/p/notes/n"
    assert got["kind"] == "ATTESTATION"
    assert got["createTime"].endswith("Z")
    assert api.get(f"{P}/notes").json()["notes"] == [got]
    assert api.delete(f"{P}/notes/n").json() == {}
    assert_google_error(api.get(f"{P}/notes/n"), 404, "NOT_FOUND")


def test_note_duplicate_is_409(api: Api) -> None:
    _note(api)
    reply = api.post(f"{P}/notes", params={"noteId": "n"}, json=NOTE)
    assert "projects/p/notes/n" in assert_google_error(reply, 409, "ALREADY_EXISTS")


def test_note_patch_with_update_mask(api: Api) -> None:
    _note(api)
    reply = api.patch(
        f"{P}/notes/n",
        params={"updateMask": "shortDescription,attestation.hint.humanReadableName"},
        json={
            "shortDescription": "s",
            "attestation": {"hint": {"humanReadableName": "new"}},
        },
    )
    assert reply.status_code == 200, reply.text
    note = api.get(f"{P}/notes/n").json()
    assert note["shortDescription"] == "s"
    assert note["attestation"]["hint"]["humanReadableName"] == "new"


def test_occurrence_create_assigns_id_times_and_kind(api: Api) -> None:
    body = {**occurrence(), "kind": 7}  # the grafeas client sends enum numbers
    reply = api.post(
        f"{P}/occurrences", params={"$alt": "json;enum-encoding=int"}, json=body
    )
    assert reply.status_code == 200, reply.text
    occ = reply.json()
    assert occ["name"].startswith("projects/p/occurrences/")
    assert occ["kind"] == "ATTESTATION"
    assert occ["createTime"] == occ["updateTime"]
    assert api.get(f"/v1/{occ['name']}").json() == occ


def test_occurrence_kind_must_match_detail(api: Api) -> None:
    reply = api.post(f"{P}/occurrences", json={**occurrence(), "kind": "BUILD"})
    assert "ATTESTATION" in assert_google_error(reply, 400, "INVALID_ARGUMENT")


def test_occurrence_patch_and_delete(api: Api) -> None:
    name = api.post(f"{P}/occurrences", json=occurrence()).json()["name"]
    reply = api.patch(
        f"/v1/{name}",
        params={"updateMask": "attestation.signatures"},
        json={
            "attestation": {"signatures": [{"signature": "BBBB", "publicKeyId": "k2"}]}
        },
    )
    assert reply.status_code == 200, reply.text
    occ = api.get(f"/v1/{name}").json()
    assert occ["attestation"]["signatures"][0]["publicKeyId"] == "k2"
    assert occ["attestation"]["serializedPayload"] == "e30="
    assert api.delete(f"/v1/{name}").json() == {}
    assert_google_error(api.delete(f"/v1/{name}"), 404, "NOT_FOUND")


def test_list_filters_and_pages(api: Api) -> None:
    _note(api)
    _note(api, "other")
    mine = "https://gcr.io/p/img@sha256:" + "b" * 64
    for _ in range(5):
        api.post(f"{P}/occurrences", json=occurrence(mine))
    api.post(f"{P}/occurrences", json=occurrence())
    api.post(f"{P}/occurrences", json=occurrence(mine, "projects/p/notes/other"))
    seen: list[str] = []
    token = ""
    while True:
        page = api.get(
            f"{P}/occurrences",
            params={
                "filter": f'resourceUrl="{mine}" AND noteId="n"',
                "pageSize": 2,
                "pageToken": token,
            },
        ).json()
        seen += [o["name"] for o in page["occurrences"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5
    kritis = api.get(
        f"{P}/occurrences", params={"filter": f'resource_url="{mine}"'}
    ).json()
    assert len(kritis["occurrences"]) == 6
    by_note = api.get(f"{P}/notes/other/occurrences").json()["occurrences"]
    assert [o["resourceUri"] for o in by_note] == [mine]
    suffix = api.get(
        f"{P}/notes/n/occurrences",
        params={"filter": 'has_suffix(resourceUrl, "' + "b" * 64 + '")'},
    ).json()["occurrences"]
    assert len(suffix) == 5


@pytest.mark.parametrize(
    "flt",
    [
        'resourceUrl="x" OR kind="BUILD"',
        'severity="HIGH"',
        'kind!="BUILD"',
        "resourceUrl=x",
        'NOT kind="BUILD"',
        'has_suffix(kind, "D")',
    ],
)
def test_unsupported_filters_are_400(api: Api, flt: str) -> None:
    reply = api.get(f"{P}/occurrences", params={"filter": flt})
    assert "filter" in assert_google_error(reply, 400, "INVALID_ARGUMENT")


def test_batch_create_is_atomic(api: Api) -> None:
    reply = api.post(
        f"{P}/occurrences:batchCreate", json={"occurrences": [occurrence()] * 3}
    )
    assert len(reply.json()["occurrences"]) == 3
    bad = api.post(
        f"{P}/occurrences:batchCreate",
        json={"occurrences": [occurrence(), {**occurrence(), "resourceUri": 5}]},
    )
    assert_google_error(bad, 400, "INVALID_ARGUMENT")
    assert len(api.get(f"{P}/occurrences").json()["occurrences"]) == 3
    notes = api.post(f"{P}/notes:batchCreate", json={"notes": {"a": NOTE, "b": NOTE}})
    assert [n["name"] for n in notes.json()["notes"]] == [
        "projects/p/notes/a",
        "projects/p/notes/b",
    ]
    dup = api.post(f"{P}/notes:batchCreate", json={"notes": {"c": NOTE, "a": NOTE}})
    assert_google_error(dup, 409, "ALREADY_EXISTS")
    assert_google_error(api.get(f"{P}/notes/c"), 404, "NOT_FOUND")
    too_many = api.post(
        f"{P}/occurrences:batchCreate", json={"occurrences": [occurrence()] * 1001}
    )
    assert "1000" in assert_google_error(too_many, 400, "INVALID_ARGUMENT")


def test_occurrence_note_and_locations_paths(api: Api) -> None:
    _note(api)
    name = api.post(f"{P}/occurrences", json=occurrence()).json()["name"]
    assert api.get(f"/v1/{name}/notes").json()["name"] == "projects/p/notes/n"
    loc = "/v1/projects/p/locations/us-central1"
    note = api.post(f"{loc}/notes", params={"noteId": "n"}, json=NOTE).json()
    assert note["name"] == "projects/p/locations/us-central1/notes/n"
    assert api.get(f"{loc}/notes/n").status_code == 200


def test_healthz_and_request_log(api: Api) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert ("GET", "/healthz", 200) in list(api.app.state.request_log)


def test_base64_follows_the_decision_rule(api: Api) -> None:
    """The emulator accepts exactly the base64 the decision reads: line breaks
    (as Go's decoder and gcloud's wrapped output) but no other whitespace."""
    wrapped = occurrence()
    wrapped["attestation"]["serializedPayload"] = "e3\r\n0="
    wrapped["attestation"]["signatures"][0]["signature"] = "AA\nAA"
    reply = api.post(f"{P}/occurrences", json=wrapped)
    assert reply.status_code == 200, reply.text
    assert reply.json()["attestation"]["serializedPayload"] == "e3\r\n0="
    spaced = occurrence()
    spaced["attestation"]["serializedPayload"] = "e3 0="
    reply = api.post(f"{P}/occurrences", json=spaced)
    assert reply.status_code == 400
    assert "unexpected character ' '" in reply.json()["error"]["message"]


def test_a_client_that_disconnects_mid_body_is_not_an_internal_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """An interrupted client (e.g. a killed conformance run) is logged as a
    disconnect, not as an internal error with a traceback, and nothing is sent."""
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"{P}/occurrences",
        "raw_path": f"{P}/occurrences".encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    with caplog.at_level(logging.INFO, logger="kritis_sim"):
        asyncio.run(api.app(scope, receive, send))
    assert sent == []
    assert "internal error" not in caplog.text
    assert api.get(f"{P}/occurrences").json()["occurrences"] == []
