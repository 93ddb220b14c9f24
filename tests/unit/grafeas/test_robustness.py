"""A refused write changes nothing and can never poison later reads (issue 10.6).

Before these checks, a note whose text held a lone surrogate (JSON
``"\\ud800"``) or a number like ``1e999`` was stored, and every listing that
included it answered 500 from then on. Now such bodies are refused with 400
before anything is written, and every listing keeps working.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kritis_sim.grafeas.googleerrors import ApiError
from kritis_sim.grafeas.store import Record, Scan, Store
from tests.unit.grafeas.conftest import NOTE, Api, assert_google_error, occurrence

P = "/v1/projects/p"
POLICY = {
    "defaultAdmissionRule": {
        "evaluationMode": "ALWAYS_ALLOW",
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
    }
}


def _note_with(value: bytes) -> bytes:
    return b'{"attestation": {"hint": {"humanReadableName": ' + value + b"}}}"


#: (label, a JSON value as raw bytes, needle in the message)
POISON: list[tuple[str, bytes, str]] = [
    ("escaped lone high surrogate", b'"\\ud800"', "surrogate"),
    ("escaped lone low surrogate", b'"a\\udfffb"', "surrogate"),
    ("surrogate as a key", b'{"\\ud83d": 1}', "surrogate"),
    ("UTF-8-encoded surrogate bytes", b'"\xed\xa0\x80"', "UTF-8"),
    ("invalid UTF-8", b'"\xff"', "UTF-8"),
    ("number overflowing a double", b"1e999", "infinity"),
    ("150 levels deep", b"[" * 150 + b"]" * 150, "100 levels"),
    ("5000 levels deep", b"[" * 5000 + b"]" * 5000, "100 levels"),
]

LISTINGS = [
    f"{P}/notes",
    f"{P}/occurrences",
    f"{P}/notes/n/occurrences",
    f"{P}/attestors",
    f"{P}/policy",
    f"{P}/notes/n",
]


def _snapshot(store: Store) -> str:
    collections = ("notes", "occurrences", "attestors", "policies")
    return json.dumps(
        [list(store.list_all(c, Scan())) for c in collections], sort_keys=True
    )


def _seed(api: Api) -> str:
    assert api.post(f"{P}/notes", params={"noteId": "n"}, json=NOTE).status_code == 200
    occ = api.post(f"{P}/occurrences", json=occurrence()).json()
    assert api.put(f"{P}/policy", json=POLICY).status_code == 200
    return str(occ["name"])


def _writes(value: bytes, occ_name: str) -> list[tuple[str, str, bytes]]:
    """The same poisonous value sent to every writing endpoint.

    Each body puts ``value`` where only the JSON shape around it is checked,
    so without the encoding checks it would reach the store.
    """
    note = _note_with(value)
    good_occ = json.dumps(occurrence()).encode()
    bad_occ = (
        b'{"resourceUri": "u", "noteName": "projects/p/notes/n", '
        b'"build": {"x": ' + value + b"}}"
    )
    return [
        ("POST", f"{P}/notes?noteId=m", note),
        ("POST", f"{P}/notes:batchCreate", b'{"notes": {"m1": ' + note + b"}}"),
        (
            "POST",
            f"{P}/notes:batchCreate",
            b'{"notes": {"m1": ' + json.dumps(NOTE).encode() + b', "m2": ' + note
            + b"}}",
        ),
        ("PATCH", f"{P}/notes/n", note),
        ("POST", f"{P}/occurrences", bad_occ),
        (
            "POST",
            f"{P}/occurrences:batchCreate",
            b'{"occurrences": [' + good_occ + b", " + bad_occ + b"]}",
        ),
        ("PATCH", f"/v1/{occ_name}", b'{"envelope": {"x": ' + value + b"}}"),
        (
            "PUT",
            f"{P}/policy",
            json.dumps(POLICY).encode()[:-1] + b', "description": ' + value + b"}",
        ),
        (
            "POST",
            f"{P}/attestors?attestorId=a",
            b'{"userOwnedGrafeasNote": {"noteReference": "projects/p/notes/n"}, '
            b'"description": ' + value + b"}",
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "value", "needle"), POISON, ids=[p[0] for p in POISON]
)
def test_refused_write_leaves_every_listing_working(
    api: Api, label: str, value: bytes, needle: str
) -> None:
    occ_name = _seed(api)
    before = _snapshot(api.store)
    listed = {url: api.get(url).json() for url in LISTINGS}
    for method, url, content in _writes(value, occ_name):
        reply = api.request(method, url, content=content)
        message = assert_google_error(reply, 400, "INVALID_ARGUMENT")
        if url.endswith("noteId=m"):
            assert needle.lower() in message.lower(), message
        assert "\n" not in message and "Traceback" not in message
    assert _snapshot(api.store) == before
    for url in LISTINGS:
        reply = api.get(url)
        assert reply.status_code == 200, (url, reply.text)
        if url != f"{P}/policy":
            assert reply.json() == listed[url]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"\xef\xbb\xbf" + json.dumps(NOTE).encode(), "byte order mark"),
        (json.dumps(NOTE).encode("utf-16"), "UTF-16"),
        (json.dumps(NOTE).encode("utf-16-le"), "UTF-16"),
        (json.dumps(NOTE).encode("utf-32"), "UTF-16 or UTF-32"),
        (json.dumps(NOTE).encode("latin-1") + b"\xe9", "UTF-8"),
    ],
    ids=["utf-8 BOM", "utf-16 BOM", "utf-16 no BOM", "utf-32", "latin-1 byte"],
)
def test_non_utf8_bodies_are_400_naming_the_encoding(
    memory_api: Api, content: bytes, needle: str
) -> None:
    reply = memory_api.post(f"{P}/notes?noteId=m", content=content)
    assert needle.lower() in assert_google_error(reply, 400, "INVALID_ARGUMENT").lower()
    assert list(memory_api.store.list_all("notes", Scan())) == []


def test_nesting_up_to_the_limit_is_stored_and_listed(api: Api) -> None:
    deep = _note_with(b"[" * 97 + b"]" * 97)  # 3 object levels + 97 arrays = 100
    assert api.post(f"{P}/notes?noteId=m", content=deep).status_code == 200
    assert api.get(f"{P}/notes").status_code == 200
    deeper = _note_with(b"[" * 98 + b"]" * 98)
    message = assert_google_error(
        api.post(f"{P}/notes?noteId=k", content=deeper), 400, "INVALID_ARGUMENT"
    )
    assert "100 levels" in message


@pytest.mark.parametrize(
    ("mask", "needle"),
    [
        ("bogus", "unknown field path 'bogus'"),
        ("attestation.bogus", "attestation has no field 'bogus'"),
        ("attestation.hint.x", "hint has no field 'x'"),
        ("shortDescription.x", "shortDescription has no field 'x'"),
        ("short_description,nope", "'nope'"),
        ("name", "cannot be updated"),
        ("shortDescription,,relatedUrl", "cannot be updated"),
    ],
)
def test_unknown_update_mask_paths_are_400(api: Api, mask: str, needle: str) -> None:
    _seed(api)
    before = _snapshot(api.store)
    reply = api.patch(f"{P}/notes/n", params={"updateMask": mask}, json=NOTE)
    assert needle in assert_google_error(reply, 400, "INVALID_ARGUMENT")
    assert _snapshot(api.store) == before


def test_known_update_mask_paths_still_work(api: Api) -> None:
    occ_name = _seed(api)
    reply = api.patch(
        f"{P}/notes/n",
        params={"updateMask": "attestation.hint.human_readable_name,shortDescription"},
        json={"attestation": {"hint": {"humanReadableName": "new"}},
              "shortDescription": "s"},
    )  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert reply.json()["attestation"]["hint"]["humanReadableName"] == "new"
    # a path inside a detail the emulator does not model is taken as given
    build = {"build": {"builderVersion": "1"}}
    assert api.post(f"{P}/notes?noteId=b", json=build).status_code == 200
    reply = api.patch(
        f"{P}/notes/b",
        params={"updateMask": "build.builderVersion"},
        json={"build": {"builderVersion": "2"}},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["build"] == {"builderVersion": "2"}
    bad = api.patch(
        f"/v1/{occ_name}",
        params={"updateMask": "attestation.signatures.x"},
        json={"remediation": "r"},
    )
    assert "signatures has no field 'x'" in assert_google_error(
        bad, 400, "INVALID_ARGUMENT"
    )


@pytest.mark.parametrize(
    "project",
    ["P", "My-Project", "my_project", "my-project-", "1abc", "-p", "a" * 31,
     "example.com:P", "p%20q", "%E2%82%AC"],
)  # fmt: skip
def test_invalid_project_ids_are_400(memory_api: Api, project: str) -> None:
    for method, url in [
        ("GET", f"/v1/projects/{project}/notes"),
        ("POST", f"/v1/projects/{project}/occurrences"),
        ("GET", f"/v1/projects/{project}/policy"),
        ("GET", f"/v1/projects/{project}/attestors"),
    ]:
        reply = memory_api.request(method, url, json=occurrence())
        message = assert_google_error(reply, 400, "INVALID_ARGUMENT")
        assert "invalid project id" in message and "project ID" in message


@pytest.mark.parametrize(
    "project", ["p", "my-project", "a" * 30, "example.com:my-proj", "123456789012"]
)
def test_real_project_ids_are_accepted(memory_api: Api, project: str) -> None:
    reply = memory_api.post(
        f"/v1/projects/{project}/notes", params={"noteId": "n"}, json=NOTE
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["name"] == f"projects/{project}/notes/n"


def test_invalid_project_in_note_name_is_400(memory_api: Api) -> None:
    reply = memory_api.post(
        f"{P}/occurrences", json=occurrence(note="projects/Upper/notes/n")
    )
    assert "invalid project id" in assert_google_error(reply, 400, "INVALID_ARGUMENT")


def test_query_string_that_is_not_utf8_is_400(memory_api: Api) -> None:
    reply = memory_api.get(f"{P}/occurrences?filter=resourceUrl%3D%22%FF%22")
    message = assert_google_error(reply, 400, "INVALID_ARGUMENT")
    assert "query string is not valid UTF-8" in message


def _record(name: str, text: str) -> Record:
    return Record(name=name, parent="projects/p", data={"shortDescription": text})


def test_store_refuses_a_batch_with_one_unstorable_record(api: Api) -> None:
    store = api.store
    with pytest.raises(ApiError) as err:
        store.insert(
            "notes",
            [
                _record("projects/p/notes/a", "ok"),
                _record("projects/p/notes/b", "\ud800"),
            ],
        )
    assert err.value.status == "INVALID_ARGUMENT"
    assert list(store.list_all("notes", Scan())) == []
    store.insert("notes", [_record("projects/p/notes/a", "ok")])
    with pytest.raises(ApiError):
        store.replace("notes", _record("projects/p/notes/a", "\udfff"))
    assert store.get("notes", "projects/p/notes/a") == {"shortDescription": "ok"}


def test_batch_create_is_all_or_nothing_on_duplicates(api: Api) -> None:
    _seed(api)
    before = _snapshot(api.store)
    reply = api.post(
        f"{P}/notes:batchCreate", json={"notes": {"x": NOTE, "y": NOTE, "n": NOTE}}
    )
    assert_google_error(reply, 409, "ALREADY_EXISTS")
    assert _snapshot(api.store) == before


def test_error_message_quoting_a_surrogate_is_still_sent() -> None:
    from kritis_sim.grafeas.googleerrors import error_response

    reply = error_response(ApiError("NOT_FOUND", "no \ud800 here"))
    body: dict[str, Any] = json.loads(reply.body)
    assert body["error"]["message"] == "no \\ud800 here"


@pytest.mark.parametrize(
    "path", ["/v1/projects/p/notes/", "/v1/projects/p/occurrences//", "/v1/projects/p/"]
)
def test_trailing_slash_is_404_not_a_redirect(memory_api: Api, path: str) -> None:
    reply = memory_api.put(path, json=NOTE)
    assert "no such resource" in assert_google_error(reply, 404, "NOT_FOUND")
