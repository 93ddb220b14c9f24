"""Request plumbing shared by the emulator's route modules.

Reading a JSON body under a size limit, reading list parameters, and the
``Emulator`` state object routes get from ``request.app.state``. Every failure
is an :class:`~kritis_sim.grafeas.googleerrors.ApiError`, never a 500.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from kritis_sim.grafeas.googleerrors import ApiError, InvalidArgument
from kritis_sim.grafeas.names import parent_name
from kritis_sim.grafeas.store import Store

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Emulator",
    "emulator",
    "ok",
    "page_params",
    "parent_of",
    "read_json",
]

#: Largest request body accepted; larger ones get 413.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclasses.dataclass(slots=True)
class Emulator:
    """What the routes share: the store and the limits."""

    store: Store
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


def emulator(request: Request) -> Emulator:
    """The :class:`Emulator` the app was built with."""
    state: Emulator = request.app.state.emulator
    return state


def parent_of(request: Request) -> str:
    """``projects/P`` or ``projects/P/locations/L`` from the path parameters."""
    params = request.path_params
    return parent_name(params["project"], params.get("location"))


def ok(body: dict[str, Any], status_code: int = 200) -> JSONResponse:
    """A JSON reply."""
    return JSONResponse(body, status_code=status_code)


async def read_json(request: Request, what: str) -> Any:
    """The request body parsed as JSON, refusing bodies over the size limit.

    Raises:
        ApiError: 413 for an oversized body, 400 for an empty or malformed one.
    """
    limit = emulator(request).max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise InvalidArgument(f"{what}: a JSON request body is required")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidArgument(
            f"Invalid JSON payload received ({what}): {exc}"
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _too_large(size: int, limit: int) -> ApiError:
    return ApiError(
        "RESOURCE_EXHAUSTED",
        f"request body of at least {size} bytes exceeds the limit of {limit} bytes",
        http_status=413,
    )


def page_params(request: Request) -> tuple[int | None, str | None]:
    """``pageSize`` (also ``page_size``) and ``pageToken`` from the query."""
    query = request.query_params
    raw_size = query.get("pageSize", query.get("page_size"))
    size: int | None = None
    if raw_size not in (None, ""):
        try:
            size = int(raw_size)
        except ValueError:
            raise InvalidArgument(
                f"pageSize: expected an integer, got {raw_size!r}"
            ) from None
    token = query.get("pageToken", query.get("page_token")) or None
    return size, token
