"""Request plumbing shared by the emulator's route modules.

Reading a JSON body under a size limit, reading list parameters, and the
``Emulator`` state object routes get from ``request.app.state``. Every failure
is an :class:`~kritis_sim.grafeas.googleerrors.ApiError`, never a 500.

Bodies are decoded with orjson, which is strict RFC 8259: UTF-8 only (a byte
order mark, UTF-16/32, invalid UTF-8 and lone surrogates, raw or as ``\\ud800``
escapes, are refused), no ``NaN``/``Infinity``, no number that overflows a
double. Nesting deeper than :data:`MAX_JSON_DEPTH` is refused too (protobuf's
JSON parser has the same limit), so nothing the emulator stores can fail to
serialise later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from kritis_sim.grafeas.googleerrors import ApiError, InvalidArgument
from kritis_sim.grafeas.names import parent_name
from kritis_sim.grafeas.store import Store
from kritis_sim.model.platform.results import ImageMetadata

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "Emulator",
    "emulator",
    "ok",
    "page_params",
    "parent_of",
    "read_json",
]

#: Largest request body accepted; larger ones get 413.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
#: Deepest nesting of objects and arrays accepted in a request body.
MAX_JSON_DEPTH = 100
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclasses.dataclass(slots=True)
class Emulator:
    """What the routes share: the store, the limits, and the registry
    metadata (upload times by image) platform-policy evaluation reads."""

    store: Store
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    image_metadata: Mapping[str, ImageMetadata] = dataclasses.field(
        default_factory=dict
    )


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
    _check_encoding(raw, what)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise _too_deep_error(what) from None
        near = exc.doc[exc.pos : exc.pos + 24] if isinstance(exc.doc, str) else ""
        at = f" near {near!r}" if near else ""
        raise InvalidArgument(
            f"Invalid JSON payload received ({what}): {exc}{at}"
        ) from None
    # Only a body with more brackets than the limit can nest deeper than it.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _too_deep(value):
        raise _too_deep_error(what)
    return value


def _too_deep_error(what: str) -> ApiError:
    return InvalidArgument(
        f"Invalid JSON payload received ({what}): objects and arrays nested "
        f"more than {MAX_JSON_DEPTH} levels deep"
    )


def _check_encoding(raw: bytes, what: str) -> None:
    """Refuse a BOM and UTF-16/32 with a message that says so (Google: UTF-8 only)."""
    if raw.startswith(_UTF8_BOM):
        raise InvalidArgument(
            f"Invalid JSON payload received ({what}): the body starts with a "
            "UTF-8 byte order mark; send UTF-8 JSON without a BOM"
        )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4]:
        raise InvalidArgument(
            f"Invalid JSON payload received ({what}): the body is not UTF-8 "
            "(it looks like UTF-16 or UTF-32); the API takes UTF-8 JSON only"
        )


def _too_deep(value: Any) -> bool:
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= MAX_JSON_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


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
