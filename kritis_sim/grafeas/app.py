"""The emulator as one ASGI app: Grafeas v1 + Binary Authorization v1 REST.

:func:`create_app` wires a :class:`~kritis_sim.grafeas.store.Store` (in-memory
by default) to the routes of :mod:`.grafeas_api`, :mod:`.binauthz_api` and
:mod:`.platform_api` (platform policies),
adds ``GET /healthz``, turns every refusal into a Google-style error body
(unknown paths and methods included), and logs one line per request to the
``kritis_sim.grafeas`` logger. The most recent requests are also kept in
``app.state.request_log`` (method, path, status) for tests to assert on.

The outermost layer (:class:`_Frame`) also refuses a query string that is not
UTF-8 once percent-decoded (400), turns an unexpected exception into
``500 INTERNAL`` in Google's shape (logged with its traceback, never sent),
and adds ``Connection: close`` to every 5xx reply so a client never reuses a
connection to a server in trouble.

Run it in-process with ``httpx.ASGITransport``, or over HTTP with
:class:`kritis_sim.serving.ServerThread` / ``kritis-sim emulator``.
"""

from __future__ import annotations

import collections
import logging
import time
import urllib.parse
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kritis_sim.grafeas import binauthz_api, grafeas_api, platform_api
from kritis_sim.grafeas._http import DEFAULT_MAX_BODY_BYTES, Emulator
from kritis_sim.grafeas.googleerrors import ApiError, error_body, error_response
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.store import Store
from kritis_sim.model.platform.results import ImageMetadata

__all__ = ["RequestLogEntry", "create_app"]

logger = logging.getLogger("kritis_sim.grafeas")

RequestLogEntry = tuple[str, str, int]

_HTTP_STATUS_NAMES = {404: "NOT_FOUND", 405: "UNIMPLEMENTED", 400: "INVALID_ARGUMENT"}


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = _HTTP_STATUS_NAMES.get(exc.status_code, "INVALID_ARGUMENT")
    code = 404 if exc.status_code == 404 else exc.status_code
    if exc.status_code == 405:
        message = f"method {request.method} is not supported on {request.url.path}"
        code = 501
    elif exc.status_code == 404:
        message = f"no such resource collection or method: {request.url.path}"
    else:
        message = str(exc.detail)
    return JSONResponse(error_body(code, status, message), status_code=code)


def _query_problem(query: bytes) -> str | None:
    """Why the raw query string is unusable (not UTF-8 once decoded), or None."""
    if b"%" not in query and query.isascii():
        return None
    try:
        urllib.parse.unquote_to_bytes(query.replace(b"+", b" ")).decode()
    except UnicodeDecodeError as exc:
        return f"the query string is not valid UTF-8 once percent-decoded: {exc}"
    return None


class _Frame:
    """Pure ASGI middleware around the whole app.

    One log line and one ``request_log`` entry per request; a query string that
    is not UTF-8 gets 400; an unexpected exception becomes ``500 INTERNAL``
    (Google's shape); every 5xx carries ``Connection: close``.
    """

    def __init__(self, app: ASGIApp, log: collections.deque[RequestLogEntry]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def _send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                if status >= 500:
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() != b"connection"
                    ]
                    headers.append((b"connection", b"close"))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            problem = _query_problem(scope.get("query_string", b""))
            if problem is not None:
                reply: Response = JSONResponse(
                    error_body(400, "INVALID_ARGUMENT", problem), status_code=400
                )
                await reply(scope, receive, _send)
            else:
                await self.app(scope, receive, _send)
        except ClientDisconnect:
            # The client went away mid-request (e.g. an interrupted run): there
            # is nobody to answer, and nothing went wrong on this side.
            logger.info(
                "client disconnected on %s %s", scope.get("method"), scope.get("path")
            )
            return
        except Exception as exc:
            logger.exception(
                "internal error on %s %s", scope.get("method"), scope.get("path")
            )
            if started:
                raise  # the server closes the connection
            body = error_body(500, "INTERNAL", f"internal error: {type(exc).__name__}")
            await JSONResponse(body, status_code=500)(scope, receive, _send)
        finally:
            path = scope.get("path", "")
            self.log.append((scope.get("method", ""), path, status))
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %d %.1fms",
                    scope.get("method", ""),
                    path,
                    status,
                    (time.perf_counter() - start) * 1000,
                )


def create_app(
    store: Store | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    request_log_size: int = 1000,
    image_metadata: Mapping[str, ImageMetadata] | None = None,
) -> Starlette:
    """Build the emulator app.

    Args:
        store: where resources live; a fresh :class:`MemoryStore` by default.
        max_body_bytes: larger request bodies get ``413``.
        request_log_size: how many recent requests ``app.state.request_log`` keeps.
        image_metadata: upload times by image (as
            :func:`~kritis_sim.model.image_metadata.load_image_metadata` reads
            them) for ``imageFreshnessCheck`` in ``:evaluate``; none by default.

    Returns:
        An ASGI app; ``.state.emulator.store`` is the store,
        ``.state.request_log`` the recent ``(method, path, status)`` triples.
    """
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        *grafeas_api.routes(),
        *binauthz_api.routes(),
        *platform_api.routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
        },
    )
    # a path with a trailing or doubled slash is a 404, as on Google, not a
    # redirect (which would carry no error body and drop a PUT's body)
    app.router.redirect_slashes = False
    app.state.emulator = Emulator(
        store=store or MemoryStore(),
        max_body_bytes=max_body_bytes,
        image_metadata=dict(image_metadata or {}),
    )
    log: collections.deque[RequestLogEntry] = collections.deque(maxlen=request_log_size)
    app.state.request_log = log
    app.add_middleware(_Frame, log=log)
    return app
