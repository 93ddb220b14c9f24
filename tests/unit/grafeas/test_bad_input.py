"""Bad requests get a 4xx Google-style error, never a 500, and change nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kritis_sim.grafeas.store import Scan
from tests.unit.grafeas.conftest import NOTE, Api, assert_google_error, occurrence

P = "/v1/projects/p"
_BIG = b'{"x": "' + b"a" * (4 * 1024 * 1024) + b'"}'

CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("POST", f"{P}/notes?noteId=m", {"content": b"{not json"}, 400, "Invalid JSON"),
    ("POST", f"{P}/notes?noteId=m", {"content": b""}, 400, "required"),
    ("POST", f"{P}/notes?noteId=m", {"content": b"[1, 2]"}, 400, "JSON object"),
    ("POST", f"{P}/notes?noteId=m", {"content": b'{"a": NaN}'}, 400, "NaN"),
    ("POST", f"{P}/notes?noteId=m", {"json": {**NOTE, "bogus": 1}}, 400, "bogus"),
    ("POST", f"{P}/notes?noteId=m", {"json": {}}, 400, "exactly one detail"),
    (
        "POST",
        f"{P}/notes?noteId=m",
        {"json": {**NOTE, "build": {}}},
        400,
        "exactly one detail",
    ),
    ("POST", f"{P}/notes?noteId=m", {"json": {**NOTE, "kind": 99}}, 400, "NoteKind"),
    ("POST", f"{P}/notes", {"json": NOTE}, 400, "noteId"),
    ("POST", f"{P}/notes?noteId=a/b", {"json": NOTE}, 400, "invalid note id"),
    ("POST", f"{P}/notes?noteId=..", {"json": NOTE}, 400, "invalid note id"),
    ("POST", f"{P}/notes?noteId=m", {"content": _BIG}, 413, "limit"),
    ("POST", f"{P}/notes?noteId=n", {"json": NOTE}, 409, "already exists"),
    (
        "POST",
        f"{P}/occurrences",
        {"json": {**occurrence(), "resourceUri": 3}},
        400,
        "resourceUri",
    ),
    (
        "POST",
        f"{P}/occurrences",
        {"json": {**occurrence(), "noteName": "notes/x"}},
        400,
        "noteName",
    ),
    (
        "POST",
        f"{P}/occurrences",
        {"json": {**occurrence(), "noteName": "projects/../notes/x"}},
        400,
        "noteName",
    ),
    (
        "POST",
        f"{P}/occurrences",
        {"json": {**occurrence(), "attestation": {"serializedPayload": "!!"}}},
        400,
        "base64",
    ),
    (
        "POST",
        f"{P}/occurrences",
        {"json": {**occurrence(), "attestation": {"signatures": {}}}},
        400,
        "signatures",
    ),
    (
        "POST",
        f"{P}/occurrences:batchCreate",
        {"json": {"occurrences": []}},
        400,
        "non-empty",
    ),
    (
        "POST",
        f"{P}/occurrences:batchCreate",
        {"json": {"occurrences": [occurrence()], "extra": 1}},
        400,
        "extra",
    ),
    ("PATCH", f"{P}/notes/n?updateMask=name", {"json": NOTE}, 400, "updateMask"),
    ("PATCH", f"{P}/notes/n", {"json": {"nope": 1}}, 400, "nope"),
    ("GET", f"{P}/occurrences?pageSize=abc", {}, 400, "pageSize"),
    ("GET", f"{P}/occurrences?pageSize=-1", {}, 400, "pageSize"),
    ("GET", f"{P}/occurrences?pageToken=zzz", {}, 400, "pageToken"),
    ("GET", f"{P}/occurrences?filter=kind%3D%22NOPE%22", {}, 400, "NoteKind"),
    (
        "PUT",
        f"{P}/policy",
        {
            "json": {
                "defaultAdmissionRule": {
                    "evaluationMode": "ALWAYS_ALOW",
                    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                }
            }
        },
        400,
        "defaultAdmissionRule.evaluationMode",
    ),
    (
        "PUT",
        f"{P}/policy",
        {"json": {"defaultAdmissionRule": {}, "name": "projects/q/policy"}},
        400,
        "name",
    ),
    (
        "POST",
        f"{P}/attestors?attestorId=a",
        {"json": {"userOwnedGrafeasNote": {}}},
        400,
        "noteReference",
    ),
    (
        "POST",
        f"{P}/attestors?attestorId=a",
        {
            "json": {
                "userOwnedGrafeasNote": {"noteReference": "projects/p/notes/missing"}
            }
        },
        404,
        "missing",
    ),
    ("DELETE", f"{P}/attestors/nope", {}, 404, "nope"),
    ("PUT", f"{P}/notes/n", {"json": NOTE}, 501, "PUT"),
    ("GET", "/v1/nothing/here", {}, 404, "no such"),
]


def _snapshot(api: Api) -> str:
    collections = ("notes", "occurrences", "attestors", "policies")
    return json.dumps(
        [list(api.store.list_all(c, Scan())) for c in collections], sort_keys=True
    )


@pytest.mark.parametrize(("method", "url", "kwargs", "code", "needle"), CASES)
def test_bad_request_is_google_error_and_changes_nothing(
    memory_api: Api,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    code: int,
    needle: str,
) -> None:
    memory_api.post(f"{P}/notes", params={"noteId": "n"}, json=NOTE)
    memory_api.post(f"{P}/occurrences", json=occurrence())
    before = _snapshot(memory_api)
    reply = memory_api.request(method, url, **kwargs)
    status = reply.json()["error"]["status"]
    message = assert_google_error(reply, code, status)
    assert needle.lower() in message.lower()
    assert _snapshot(memory_api) == before


def test_dot_dot_project_in_raw_path_is_refused(memory_api: Api) -> None:
    # httpx would normalise "..", so send the raw ASGI path through the app
    import asyncio

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/projects/../notes",
        "raw_path": b"",
        "query_string": b"",
        "headers": [],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("test", 80),
        "root_path": "",
    }
    asyncio.run(memory_api.app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert b"invalid project id" in sent[1]["body"]
