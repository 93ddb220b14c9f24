"""Google-style API errors (``google.rpc.Status`` over REST) for the emulator.

:class:`ApiError` is raised anywhere inside the emulator (store, validation,
routes) and turned into exactly ``{"error": {"code", "message", "status"}}``
by :func:`error_response`. The status names and HTTP codes follow
``google.rpc.Code`` as Google's REST front end maps them.

This module does not parse replies from real servers; the httpx client in
:mod:`kritis_sim.grafeas.client` does that.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

__all__ = [
    "HTTP_STATUS",
    "AlreadyExists",
    "ApiError",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "error_body",
    "error_response",
]

#: ``google.rpc.Code`` name -> HTTP status, as Google's REST front end maps them.
HTTP_STATUS: dict[str, int] = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL": 500,
    "UNKNOWN": 500,
    "DATA_LOSS": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


class ApiError(Exception):
    """A request the emulator refuses; becomes a Google-style error reply.

    Args:
        status: the ``google.rpc.Code`` name, e.g. ``"NOT_FOUND"``.
        message: what is wrong, naming the field or resource.
        http_status: overrides the usual HTTP code for ``status`` (e.g. 413).
    """

    def __init__(
        self, status: str, message: str, *, http_status: int | None = None
    ) -> None:
        if status not in HTTP_STATUS:
            raise ValueError(f"unknown google.rpc.Code name {status!r}")
        self.status = status
        self.message = message
        self.http_status = http_status or HTTP_STATUS[status]
        super().__init__(f"{self.http_status} {status}: {message}")


def InvalidArgument(message: str) -> ApiError:
    """``400 INVALID_ARGUMENT``: the request itself is malformed."""
    return ApiError("INVALID_ARGUMENT", message)


def FailedPrecondition(message: str) -> ApiError:
    """``400 FAILED_PRECONDITION``: well formed, but the state forbids it."""
    return ApiError("FAILED_PRECONDITION", message)


def NotFound(message: str) -> ApiError:
    """``404 NOT_FOUND``."""
    return ApiError("NOT_FOUND", message)


def AlreadyExists(message: str) -> ApiError:
    """``409 ALREADY_EXISTS``."""
    return ApiError("ALREADY_EXISTS", message)


def error_body(code: int, status: str, message: str) -> dict[str, object]:
    """The JSON body Google's REST front end sends for an error.

    A lone surrogate in ``message`` (quoted from bad input) is written as a
    ``\\udXXX`` escape, so the error itself can always be sent as UTF-8.
    """
    if not message.isascii():
        message = message.encode("utf-8", "backslashreplace").decode()
    return {"error": {"code": code, "message": message, "status": status}}


def error_response(error: ApiError) -> JSONResponse:
    """Render ``error`` as a Starlette response."""
    return JSONResponse(
        error_body(error.http_status, error.status, error.message),
        status_code=error.http_status,
    )
