"""Grafeas v1 REST routes (the paths Container Analysis also serves).

Notes: create (``?noteId=``), get, list, patch (``?updateMask=``), delete,
``notes:batchCreate``, and ``notes/N/occurrences``. Occurrences: create (the
server assigns the id), get, list, patch, delete, ``occurrences:batchCreate``
and ``occurrences/O/notes``. Every path exists under ``projects/P`` and under
``projects/P/locations/L``. Lists take ``filter`` (see :mod:`.filters`),
``pageSize`` and ``pageToken``. Replies carry enum names.

Not here: IAM methods, ``vulnerabilitySummary``, or checking that an
occurrence's note exists (Grafeas' reference server does not either).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kritis_sim.grafeas._http import emulator, ok, page_params, parent_of, read_json
from kritis_sim.grafeas.filters import parse_filter
from kritis_sim.grafeas.googleerrors import InvalidArgument, NotFound
from kritis_sim.grafeas.messages import (
    NOTE_MASK,
    OCCURRENCE_MASK,
    apply_update_mask,
    check_note,
    check_occurrence,
    check_patch,
)
from kritis_sim.grafeas.names import check_id, new_occurrence_id, now_rfc3339
from kritis_sim.grafeas.store import Record, Scan

__all__ = ["MAX_BATCH", "routes"]

#: Most notes or occurrences one batchCreate may carry.
MAX_BATCH = 1000
_OUTPUT_ONLY = frozenset({"name", "createTime", "updateTime", "kind"})
_NOTE_FILTER_FIELDS = frozenset({"kind", "note_id", "note_project", "note_name"})


def _note_name(request: Request) -> str:
    return f"{parent_of(request)}/notes/{check_id(request.path_params['note'], 'note')}"


def _occurrence_name(request: Request) -> str:
    occ = check_id(request.path_params["occurrence"], "occurrence")
    return f"{parent_of(request)}/occurrences/{occ}"


def _update_mask(request: Request) -> str | None:
    query = request.query_params
    return query.get("updateMask", query.get("update_mask"))


def _new_note(parent: str, note_id: str, body: Any, now: str) -> Record:
    note = check_note(body)
    name = f"{parent}/notes/{check_id(note_id, 'note')}"
    note.update(name=name, createTime=now, updateTime=now)
    return Record(name=name, parent=parent, data=note)


def _new_occurrence(parent: str, body: Any, now: str) -> Record:
    occ = check_occurrence(body)
    occ.update(
        name=f"{parent}/occurrences/{new_occurrence_id()}",
        createTime=now,
        updateTime=now,
    )
    return Record.for_occurrence(parent, occ)


# --- notes ---------------------------------------------------------------------


async def create_note(request: Request) -> JSONResponse:
    parent = parent_of(request)
    note_id = request.query_params.get("noteId", request.query_params.get("note_id"))
    if not note_id:
        raise InvalidArgument("noteId: the query parameter is required")
    record = _new_note(parent, note_id, await read_json(request, "note"), now_rfc3339())
    emulator(request).store.insert("notes", [record])
    return ok(record.data)


async def get_note(request: Request) -> JSONResponse:
    name = _note_name(request)
    note = emulator(request).store.get("notes", name)
    if note is None:
        raise NotFound(f"note {name} not found")
    return ok(note)


async def list_notes(request: Request) -> JSONResponse:
    flt = parse_filter(request.query_params.get("filter"), allowed=_NOTE_FILTER_FIELDS)
    size, token = page_params(request)
    page = emulator(request).store.list(
        "notes", Scan(parent=parent_of(request)), flt, page_size=size, page_token=token
    )
    return ok({"notes": page.items, "nextPageToken": page.next_page_token})


async def patch_note(request: Request) -> JSONResponse:
    name = _note_name(request)
    patch = check_patch(await read_json(request, "note"), "note")
    store = emulator(request).store
    stored = store.get("notes", name)
    if stored is None:
        raise NotFound(f"note {name} not found")
    merged = apply_update_mask(
        stored, patch, _update_mask(request), _OUTPUT_ONLY, NOTE_MASK
    )
    merged.pop("kind", None)
    note = check_note(merged)
    note.update(
        name=name, createTime=stored.get("createTime"), updateTime=now_rfc3339()
    )
    if not store.replace(
        "notes", Record(name=name, parent=parent_of(request), data=note)
    ):
        raise NotFound(f"note {name} not found")
    return ok(note)


async def delete_note(request: Request) -> JSONResponse:
    name = _note_name(request)
    if not emulator(request).store.delete("notes", name):
        raise NotFound(f"note {name} not found")
    return ok({})


async def batch_create_notes(request: Request) -> JSONResponse:
    parent = parent_of(request)
    body = await read_json(request, "batchCreateNotes")
    notes = body.get("notes") if isinstance(body, dict) else None
    if not isinstance(notes, dict) or not notes:
        raise InvalidArgument("notes: expected a non-empty object of {noteId: Note}")
    if len(notes) > MAX_BATCH:
        raise InvalidArgument(f"notes: at most {MAX_BATCH} per batch, got {len(notes)}")
    _check_batch_keys(body, "notes", parent)
    now = now_rfc3339()
    records = [_new_note(parent, nid, note, now) for nid, note in notes.items()]
    emulator(request).store.insert("notes", records)
    return ok({"notes": [r.data for r in records]})


def _check_batch_keys(body: dict[str, Any], items: str, parent: str) -> None:
    unknown = set(body) - {items, "parent"}
    if unknown:
        raise InvalidArgument(
            f"Unknown name {sorted(unknown)[0]!r}: Cannot find field."
        )
    if body.get("parent", parent) != parent:
        raise InvalidArgument(
            f"parent: body says {body['parent']!r} but the URL says {parent!r}"
        )


async def list_note_occurrences(request: Request) -> JSONResponse:
    name = _note_name(request)
    store = emulator(request).store
    if store.get("notes", name) is None:
        raise NotFound(f"note {name} not found")
    flt = parse_filter(request.query_params.get("filter"))
    size, token = page_params(request)
    where = Scan(note_name=name, resource_uri=flt.resource_url, kind=flt.kind)
    page = store.list("occurrences", where, flt, page_size=size, page_token=token)
    return ok({"occurrences": page.items, "nextPageToken": page.next_page_token})


# --- occurrences -----------------------------------------------------------------


async def create_occurrence(request: Request) -> JSONResponse:
    record = _new_occurrence(
        parent_of(request), await read_json(request, "occurrence"), now_rfc3339()
    )
    emulator(request).store.insert("occurrences", [record])
    return ok(record.data)


async def get_occurrence(request: Request) -> JSONResponse:
    name = _occurrence_name(request)
    occ = emulator(request).store.get("occurrences", name)
    if occ is None:
        raise NotFound(f"occurrence {name} not found")
    return ok(occ)


async def list_occurrences(request: Request) -> JSONResponse:
    flt = parse_filter(request.query_params.get("filter"))
    size, token = page_params(request)
    where = Scan(
        parent=parent_of(request),
        resource_uri=flt.resource_url,
        kind=flt.kind,
        note_name=flt.exact_note_name,
    )
    page = emulator(request).store.list(
        "occurrences", where, flt, page_size=size, page_token=token
    )
    return ok({"occurrences": page.items, "nextPageToken": page.next_page_token})


async def patch_occurrence(request: Request) -> JSONResponse:
    name = _occurrence_name(request)
    patch = check_patch(await read_json(request, "occurrence"), "occurrence")
    store = emulator(request).store
    stored = store.get("occurrences", name)
    if stored is None:
        raise NotFound(f"occurrence {name} not found")
    merged = apply_update_mask(
        stored, patch, _update_mask(request), _OUTPUT_ONLY, OCCURRENCE_MASK
    )
    merged.pop("kind", None)
    occ = check_occurrence(merged)
    occ.update(name=name, createTime=stored.get("createTime"), updateTime=now_rfc3339())
    if not store.replace("occurrences", Record.for_occurrence(parent_of(request), occ)):
        raise NotFound(f"occurrence {name} not found")
    return ok(occ)


async def delete_occurrence(request: Request) -> JSONResponse:
    name = _occurrence_name(request)
    if not emulator(request).store.delete("occurrences", name):
        raise NotFound(f"occurrence {name} not found")
    return ok({})


async def batch_create_occurrences(request: Request) -> JSONResponse:
    parent = parent_of(request)
    body = await read_json(request, "batchCreateOccurrences")
    occs = body.get("occurrences") if isinstance(body, dict) else None
    if not isinstance(occs, list) or not occs:
        raise InvalidArgument("occurrences: expected a non-empty list of Occurrence")
    if len(occs) > MAX_BATCH:
        raise InvalidArgument(
            f"occurrences: at most {MAX_BATCH} per batch, got {len(occs)}"
        )
    _check_batch_keys(body, "occurrences", parent)
    now = now_rfc3339()
    records = [_new_occurrence(parent, occ, now) for occ in occs]
    emulator(request).store.insert("occurrences", records)
    return ok({"occurrences": [r.data for r in records]})


async def get_occurrence_note(request: Request) -> JSONResponse:
    name = _occurrence_name(request)
    store = emulator(request).store
    occ = store.get("occurrences", name)
    if occ is None:
        raise NotFound(f"occurrence {name} not found")
    note = store.get("notes", occ["noteName"])
    if note is None:
        raise NotFound(f"note {occ['noteName']} of occurrence {name} not found")
    return ok(note)


def routes() -> list[Route]:
    """Starlette routes for both ``projects/P`` and ``projects/P/locations/L``."""
    out: list[Route] = []
    for base in (
        "/v1/projects/{project}",
        "/v1/projects/{project}/locations/{location}",
    ):
        out += [
            Route(f"{base}/notes", create_note, methods=["POST"]),
            Route(f"{base}/notes", list_notes, methods=["GET"]),
            Route(f"{base}/notes:batchCreate", batch_create_notes, methods=["POST"]),
            Route(
                f"{base}/notes/{{note}}/occurrences",
                list_note_occurrences,
                methods=["GET"],
            ),
            Route(f"{base}/notes/{{note}}", get_note, methods=["GET"]),
            Route(f"{base}/notes/{{note}}", patch_note, methods=["PATCH"]),
            Route(f"{base}/notes/{{note}}", delete_note, methods=["DELETE"]),
            Route(f"{base}/occurrences", create_occurrence, methods=["POST"]),
            Route(f"{base}/occurrences", list_occurrences, methods=["GET"]),
            Route(
                f"{base}/occurrences:batchCreate",
                batch_create_occurrences,
                methods=["POST"],
            ),
            Route(
                f"{base}/occurrences/{{occurrence}}/notes",
                get_occurrence_note,
                methods=["GET"],
            ),
            Route(
                f"{base}/occurrences/{{occurrence}}", get_occurrence, methods=["GET"]
            ),
            Route(
                f"{base}/occurrences/{{occurrence}}",
                patch_occurrence,
                methods=["PATCH"],
            ),
            Route(
                f"{base}/occurrences/{{occurrence}}",
                delete_occurrence,
                methods=["DELETE"],
            ),
        ]
    return out
