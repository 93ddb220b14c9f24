"""Binary Authorization v1 platform policies: the REST routes gcloud beta uses.

* ``GET v1/projects/P/platforms``: the two platforms, ``gke`` and ``cloudRun``
  (``pageSize``/``pageToken`` honoured).
* ``v1/projects/P/platforms/{gke|cloudRun}/policies``: create (``POST
  ?policyId=ID``), list (``GET``, ``pageSize``/``pageToken``); and
  ``.../policies/ID``: get, replace (``PUT``, the whole resource), delete
  (``?etag=``). Bodies are validated with the platform-policy loader
  (:mod:`kritis_sim.model.platform`): a refusal is ``400 INVALID_ARGUMENT``
  naming the field (``gkePolicy.checkSets[1].scope: ...``); a sub-policy of the
  other platform is refused as the API does. The server sets ``name``,
  ``updateTime`` and ``etag``; a stale ``etag`` on replace or delete is
  ``409 ABORTED``; a policy id outside ``[a-zA-Z0-9_-]+`` is a 400; another
  platform is ``404 NOT_FOUND`` (``400`` when listing, as documented).
* ``POST v1/projects/P/platforms/gke/policies/ID:evaluate``: see
  :mod:`.platform_evaluate`.

Policies live in the store's ``platformPolicies`` collection (SQLite with
``--db``). Not here: IAM methods, Cloud Run evaluation (the API has none).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kritis_sim.errors import InputError
from kritis_sim.grafeas._http import emulator, ok, page_params, read_json
from kritis_sim.grafeas.binauthz_api import _body_object, _etag
from kritis_sim.grafeas.filters import Filter
from kritis_sim.grafeas.googleerrors import ApiError, InvalidArgument, NotFound
from kritis_sim.grafeas.names import check_id, now_rfc3339
from kritis_sim.grafeas.platform_evaluate import evaluate
from kritis_sim.grafeas.store import Collection, Record, Scan
from kritis_sim.model.platform import PlatformPolicy

__all__ = ["PLATFORMS", "routes"]

#: Platform ids and the sub-policy field each takes.
PLATFORMS = {"gke": "gkePolicy", "cloudRun": "cloudRunPolicy"}
_POLICY_ID = re.compile(r"[a-zA-Z0-9_-]{1,128}")
_COLLECTION: Collection = "platformPolicies"
_OUTPUT_ONLY = ("updateTime",)


def _platform(request: Request, *, listing: bool = False) -> tuple[str, str]:
    """``(platform id, projects/P/platforms/X)``; an unknown platform is refused."""
    project = check_id(request.path_params["project"], "project")
    platform = request.path_params["platform"]
    if platform not in PLATFORMS:
        message = (
            f"platform {platform!r} not found in projects/{project}: "
            f"expected one of {', '.join(PLATFORMS)}"
        )
        raise InvalidArgument(message) if listing else NotFound(message)
    return platform, f"projects/{project}/platforms/{platform}"


def _policy_name(parent: str, policy_id: str, what: str = "policy id") -> str:
    if not _POLICY_ID.fullmatch(policy_id):
        raise InvalidArgument(
            f"{what} {policy_id!r}: expected letters, digits, '_' and '-' (at most 128)"
        )
    return f"{parent}/policies/{policy_id}"


def _name_of(request: Request) -> tuple[str, str, str]:
    platform, parent = _platform(request)
    return platform, parent, _policy_name(parent, request.path_params["policy"])


def _validated(body: Any, platform: str, name: str) -> dict[str, Any]:
    """The stored form of a create/replace body: validated, canonical, named."""
    doc = _body_object(body, "platformPolicy")
    given = doc.get("name")
    if given not in (None, "", name):
        raise InvalidArgument(f"name: body says {given!r} but the URL says {name!r}")
    wanted = PLATFORMS[platform]
    others = [f for f in PLATFORMS.values() if f != wanted and f in doc]
    if others:
        raise InvalidArgument(
            f"{others[0]}: a policy of platform {platform!r} holds a {wanted}, "
            f"not a {others[0]}"
        )
    clean = {k: v for k, v in doc.items() if k not in _OUTPUT_ONLY}
    clean["name"] = name
    try:
        policy = PlatformPolicy.from_dict(clean)
    except InputError as exc:
        where = f"{exc.path}: " if exc.path else ""
        raise InvalidArgument(f"{where}{exc.message}") from None
    data = policy.to_dict()
    data.pop("etag", None)
    data["updateTime"] = now_rfc3339()
    data["etag"] = _etag(data)
    return data


def _check_etag(given: object, stored: dict[str, Any], name: str) -> None:
    if given in (None, ""):
        return
    if given != stored.get("etag"):
        raise ApiError(
            "ABORTED",
            f"etag {given!r} does not match the current etag of {name} "
            f"({stored.get('etag')!r}); read the policy again and retry",
        )


async def list_platforms(request: Request) -> JSONResponse:
    project = check_id(request.path_params["project"], "project")
    size, token = page_params(request)
    start = 0
    if token:
        if not token.isdigit() or not 0 < int(token) < len(PLATFORMS):
            raise InvalidArgument(f"pageToken: {token!r} is not a valid page token")
        start = int(token)
    if size is not None and size < 0:
        raise InvalidArgument(f"pageSize: must not be negative, got {size}")
    end = len(PLATFORMS) if not size else min(len(PLATFORMS), start + size)
    names = [f"projects/{project}/platforms/{p}" for p in PLATFORMS][start:end]
    following = str(end) if end < len(PLATFORMS) else ""
    return ok({"platforms": [{"name": n} for n in names], "nextPageToken": following})


async def create_policy(request: Request) -> JSONResponse:
    platform, parent = _platform(request)
    policy_id = request.query_params.get("policyId")
    if not policy_id:
        raise InvalidArgument("policyId: the query parameter is required")
    name = _policy_name(parent, policy_id, "policyId")
    data = _validated(await read_json(request, "platformPolicy"), platform, name)
    emulator(request).store.insert(
        _COLLECTION, [Record(name=name, parent=parent, data=data)]
    )
    return ok(data)


async def get_policy(request: Request) -> JSONResponse:
    _, _, name = _name_of(request)
    data = emulator(request).store.get(_COLLECTION, name)
    if data is None:
        raise NotFound(f"policy {name} not found")
    return ok(data)


async def list_policies(request: Request) -> JSONResponse:
    _, parent = _platform(request, listing=True)
    size, token = page_params(request)
    page = emulator(request).store.list(
        _COLLECTION, Scan(parent=parent), Filter(), page_size=size, page_token=token
    )
    return ok({"platformPolicies": page.items, "nextPageToken": page.next_page_token})


async def replace_policy(request: Request) -> JSONResponse:
    platform, parent, name = _name_of(request)
    body = await read_json(request, "platformPolicy")
    store = emulator(request).store
    stored = store.get(_COLLECTION, name)
    if stored is None:
        raise NotFound(f"policy {name} not found")
    data = _validated(body, platform, name)
    _check_etag(body.get("etag"), stored, name)
    if not store.replace(_COLLECTION, Record(name=name, parent=parent, data=data)):
        raise NotFound(f"policy {name} not found")
    return ok(data)


async def delete_policy(request: Request) -> JSONResponse:
    _, _, name = _name_of(request)
    store = emulator(request).store
    stored = store.get(_COLLECTION, name)
    if stored is None:
        raise NotFound(f"policy {name} not found")
    _check_etag(request.query_params.get("etag"), stored, name)
    if not store.delete(_COLLECTION, name):
        raise NotFound(f"policy {name} not found")
    return ok({})


async def evaluate_policy(request: Request) -> JSONResponse:
    project = check_id(request.path_params["project"], "project")
    parent = f"projects/{project}/platforms/gke"
    name = _policy_name(parent, request.path_params["policy"])
    body = await read_json(request, "evaluateGkePolicyRequest")
    store = emulator(request).store
    stored = store.get(_COLLECTION, name)
    if stored is None:
        raise NotFound(f"policy {name} not found")
    metadata = emulator(request).image_metadata
    return ok(evaluate(PlatformPolicy.from_dict(stored), body, store, metadata))


def routes() -> list[Route]:
    """Starlette routes of the platform-policy surface."""
    base = "/v1/projects/{project}/platforms"
    policies = f"{base}/{{platform}}/policies"
    return [
        Route(base, list_platforms, methods=["GET"]),
        Route(
            f"{base}/gke/policies/{{policy}}:evaluate",
            evaluate_policy,
            methods=["POST"],
        ),
        Route(policies, create_policy, methods=["POST"]),
        Route(policies, list_policies, methods=["GET"]),
        Route(f"{policies}/{{policy}}", get_policy, methods=["GET"]),
        Route(f"{policies}/{{policy}}", replace_policy, methods=["PUT"]),
        Route(f"{policies}/{{policy}}", delete_policy, methods=["DELETE"]),
    ]
