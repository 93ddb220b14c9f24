"""Binary Authorization v1 REST routes: the project policy and attestors.

* ``GET/PUT v1/projects/P/policy``: GET answers Google's default policy (allow
  everything, enforced, global evaluation on) until one is PUT. PUT validates
  with :class:`kritis_sim.model.policy.Policy` (kritis-sim's freshness
  extension is accepted), requires every ``requireAttestationsBy`` attestor to
  exist, honours ``etag`` (a stale one is ``409 ABORTED``) and sets ``name``,
  ``updateTime`` and ``etag``.
* ``GET v1/locations/L/policy``: a small stand-in for Google's system policy.
* Attestors: create (``?attestorId=``), get, list, update (PUT), delete, with
  default PKIX key ids filled in by :class:`kritis_sim.model.attestor.Attestor`.
  The attestor's note must exist in this emulator's Grafeas store, else
  ``404 NOT_FOUND`` naming it; ``noteReference`` cannot change on update.
* ``attestors/A:validateAttestationOccurrence``: see :mod:`.validation`.

Not here: IAM methods, platform policies (:mod:`.platform_api`), continuous
validation.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kritis_sim.errors import InputError
from kritis_sim.grafeas._http import emulator, ok, page_params, read_json
from kritis_sim.grafeas.filters import Filter
from kritis_sim.grafeas.googleerrors import ApiError, InvalidArgument, NotFound
from kritis_sim.grafeas.names import check_id, now_rfc3339, parent_name
from kritis_sim.grafeas.store import Record, Scan, Store
from kritis_sim.grafeas.validation import validate_occurrence
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.policy import Policy

__all__ = ["default_policy", "routes"]


def default_policy(project: str) -> dict[str, Any]:
    """The policy Google reports for a project that never set one."""
    return {
        "name": f"projects/{project}/policy",
        "globalPolicyEvaluationMode": "ENABLE",
        "defaultAdmissionRule": {
            "evaluationMode": "ALWAYS_ALLOW",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
        },
        "updateTime": now_rfc3339(),
    }


def _etag(data: dict[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k not in {"etag", "updateTime"}}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest[:16]}"'


def _invalid(exc: InputError) -> ApiError:
    where = f"{exc.path}: " if exc.path else ""
    return InvalidArgument(f"{where}{exc.message}")


def _body_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidArgument(f"{what}: expected a JSON object")
    return body


def _check_name(body: dict[str, Any], name: str) -> None:
    given = body.get("name")
    if given not in (None, "", name):
        raise InvalidArgument(f"name: body says {given!r} but the URL says {name!r}")


# --- policy ------------------------------------------------------------------------


async def get_policy(request: Request) -> JSONResponse:
    project = check_id(request.path_params["project"], "project")
    stored = emulator(request).store.get("policies", f"projects/{project}/policy")
    return ok(stored if stored is not None else default_policy(project))


async def put_policy(request: Request) -> JSONResponse:
    project = check_id(request.path_params["project"], "project")
    name = f"projects/{project}/policy"
    body = _body_object(await read_json(request, "policy"), "policy")
    _check_name(body, name)
    try:
        policy = Policy.from_dict({**body, "name": name})
    except InputError as exc:
        raise _invalid(exc) from None
    store = emulator(request).store
    _require_attestors(store, policy)
    stored = store.get("policies", name)
    if body.get("etag") and stored is not None and body["etag"] != stored.get("etag"):
        raise ApiError(
            "ABORTED",
            f"etag {body['etag']!r} does not match the current policy "
            f"({stored.get('etag')!r}); read the policy again and retry",
        )
    data = policy.to_dict()
    data.update(name=name, updateTime=now_rfc3339())
    data["etag"] = _etag(data)
    store.upsert("policies", Record(name=name, parent=f"projects/{project}", data=data))
    return ok(data)


def _require_attestors(store: Store, policy: Policy) -> None:
    rules = [("defaultAdmissionRule", policy.default_admission_rule)]
    specific = policy.specific_rules()
    if specific is not None:
        rules += [(f"{specific[0].value}[{k!r}]", r) for k, r in specific[1].items()]
    for where, rule in rules:
        for i, attestor in enumerate(rule.require_attestations_by):
            if store.get("attestors", attestor) is None:
                raise InvalidArgument(
                    f"{where}.requireAttestationsBy[{i}]: attestor {attestor} "
                    "does not exist"
                )


async def get_system_policy(request: Request) -> JSONResponse:
    location = check_id(request.path_params["location"], "location")
    return ok(
        {
            "name": f"locations/{location}/policy",
            "admissionWhitelistPatterns": [
                {"namePattern": "gcr.io/gke-release/**"},
                {"namePattern": "gke.gcr.io/**"},
                {"namePattern": "registry.k8s.io/**"},
            ],
            "defaultAdmissionRule": {
                "evaluationMode": "ALWAYS_DENY",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            },
        }
    )


# --- attestors ---------------------------------------------------------------------


def _attestor_from(body: dict[str, Any], name: str, store: Store) -> dict[str, Any]:
    _check_name(body, name)
    clean = {k: v for k, v in body.items() if k not in {"updateTime", "etag"}}
    try:
        attestor = Attestor.from_dict({**clean, "name": name})
    except InputError as exc:
        raise _invalid(exc) from None
    ids = [key.id for key in attestor.public_keys]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidArgument(
            f"userOwnedGrafeasNote.publicKeys: duplicate key id {duplicates[0]!r}"
        )
    if store.get("notes", attestor.note_reference) is None:
        raise NotFound(
            f"userOwnedGrafeasNote.noteReference: note {attestor.note_reference} "
            "not found; create it in Container Analysis first"
        )
    data = attestor.to_dict()
    data["updateTime"] = now_rfc3339()
    data["etag"] = _etag(data)
    return data


async def create_attestor(request: Request) -> JSONResponse:
    parent = parent_name(request.path_params["project"])
    attestor_id = request.query_params.get("attestorId")
    if not attestor_id:
        raise InvalidArgument("attestorId: the query parameter is required")
    name = f"{parent}/attestors/{check_id(attestor_id, 'attestor')}"
    body = _body_object(await read_json(request, "attestor"), "attestor")
    store = emulator(request).store
    data = _attestor_from(body, name, store)
    store.insert("attestors", [Record(name=name, parent=parent, data=data)])
    return ok(data)


def _attestor_name(request: Request) -> tuple[str, str]:
    parent = parent_name(request.path_params["project"])
    return (
        parent,
        f"{parent}/attestors/{check_id(request.path_params['attestor'], 'attestor')}",
    )


async def get_attestor(request: Request) -> JSONResponse:
    _, name = _attestor_name(request)
    data = emulator(request).store.get("attestors", name)
    if data is None:
        raise NotFound(f"attestor {name} not found")
    return ok(data)


async def update_attestor(request: Request) -> JSONResponse:
    parent, name = _attestor_name(request)
    body = _body_object(await read_json(request, "attestor"), "attestor")
    store = emulator(request).store
    stored = store.get("attestors", name)
    if stored is None:
        raise NotFound(f"attestor {name} not found")
    data = _attestor_from(body, name, store)
    old_note = stored["userOwnedGrafeasNote"]["noteReference"]
    if data["userOwnedGrafeasNote"]["noteReference"] != old_note:
        raise InvalidArgument(
            f"userOwnedGrafeasNote.noteReference: immutable (is {old_note})"
        )
    if not store.replace("attestors", Record(name=name, parent=parent, data=data)):
        raise NotFound(f"attestor {name} not found")
    return ok(data)


async def delete_attestor(request: Request) -> JSONResponse:
    _, name = _attestor_name(request)
    if not emulator(request).store.delete("attestors", name):
        raise NotFound(f"attestor {name} not found")
    return ok({})


async def list_attestors(request: Request) -> JSONResponse:
    parent = parent_name(request.path_params["project"])
    size, token = page_params(request)
    page = emulator(request).store.list(
        "attestors", Scan(parent=parent), Filter(), page_size=size, page_token=token
    )
    return ok({"attestors": page.items, "nextPageToken": page.next_page_token})


async def validate_attestation_occurrence(request: Request) -> JSONResponse:
    _, name = _attestor_name(request)
    body = _body_object(await read_json(request, "request"), "request")
    stored = emulator(request).store.get("attestors", name)
    if stored is None:
        raise NotFound(f"attestor {name} not found")
    return ok(validate_occurrence(Attestor.from_dict(stored), body))


def routes() -> list[Route]:
    """Starlette routes of the BinAuthz v1 surface."""
    base = "/v1/projects/{project}"
    return [
        Route(f"{base}/policy", get_policy, methods=["GET"]),
        Route(f"{base}/policy", put_policy, methods=["PUT"]),
        Route("/v1/locations/{location}/policy", get_system_policy, methods=["GET"]),
        Route(f"{base}/attestors", create_attestor, methods=["POST"]),
        Route(f"{base}/attestors", list_attestors, methods=["GET"]),
        Route(
            f"{base}/attestors/{{attestor}}:validateAttestationOccurrence",
            validate_attestation_occurrence,
            methods=["POST"],
        ),
        Route(f"{base}/attestors/{{attestor}}", get_attestor, methods=["GET"]),
        Route(f"{base}/attestors/{{attestor}}", update_attestor, methods=["PUT"]),
        Route(f"{base}/attestors/{{attestor}}", delete_attestor, methods=["DELETE"]),
    ]
