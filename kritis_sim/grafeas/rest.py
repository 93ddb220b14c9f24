"""The httpx REST client for Grafeas v1 and Binary Authorization v1: requests and pages.

:class:`GrafeasRestClient` sends one request with bounded timeouts and turns
every failure into :class:`~kritis_sim.errors.GrafeasError` (transport,
timeout, non-JSON reply, endless pagination) or
:class:`~kritis_sim.errors.GrafeasApiError` (a Google-style error reply);
:meth:`GrafeasRestClient.paginate` follows ``nextPageToken`` to the end, so a
failed listing never turns into an empty list. It never looks for
credentials (pass ``headers``). What the listings mean (attestation sources,
platform occurrences, policies) is :mod:`kritis_sim.grafeas.client`, which
re-exports this client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

import httpx

from kritis_sim.errors import GrafeasApiError, GrafeasError

__all__ = ["DEFAULT_TIMEOUT", "GrafeasRestClient"]

#: Connect/read/write/pool timeouts in seconds.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_MAX_PAGES = 100_000


class GrafeasRestClient:
    """Synchronous REST client; use as a context manager or call :meth:`close`.

    Args:
        base_url: e.g. ``http://127.0.0.1:8080`` or
            ``https://containeranalysis.googleapis.com``.
        timeout: an ``httpx.Timeout`` or seconds.
        headers: extra headers (e.g. ``Authorization``).
        transport: an httpx transport (``MockTransport``, ``WSGITransport``) for tests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"accept": "application/json", **(headers or {})},
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> GrafeasRestClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """Send one request to ``/v1/{path}`` and return the JSON object reply.

        Raises:
            GrafeasApiError: the server answered with an error status.
            GrafeasError: transport failure, timeout, or a reply that is not a
                JSON object.
        """
        url = f"/v1/{path.lstrip('/')}"
        what = f"{method} {self.base_url}{url}"
        # The whole URL at once: httpx parses it once, where merging a base
        # URL and ``params`` parses it three times (half a request's cost in
        # the client on a long filter; the URL sent is the same).
        query = f"?{httpx.QueryParams(params)}" if params else ""
        try:
            reply = self._http.request(
                method, f"{self.base_url}{url}{query}", json=body
            )
        except httpx.TimeoutException as exc:
            raise GrafeasError(f"{what}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise GrafeasError(f"{what}: {type(exc).__name__}: {exc}") from exc
        try:
            data = reply.json()
        except ValueError:
            data = None
        if reply.is_error:
            error = data.get("error") if isinstance(data, dict) else None
            if isinstance(error, dict):
                raise GrafeasApiError(
                    reply.status_code,
                    str(error.get("status") or reply.reason_phrase),
                    f"{what}: {error.get('message', '')}",
                )
            raise GrafeasApiError(
                reply.status_code,
                reply.reason_phrase or "UNKNOWN",
                f"{what}: {reply.text[:200]!r}",
            )
        if not isinstance(data, dict):
            raise GrafeasError(
                f"{what}: reply is not a JSON object: {reply.text[:200]!r}"
            )
        return data

    def paginate(
        self,
        path: str,
        field: str,
        *,
        params: Mapping[str, str | int] | None = None,
        page_size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of ``field`` across all pages of a list call.

        Raises:
            GrafeasError: as :meth:`request`, or when the server repeats a page
                token or a reply's ``field`` is not a list.
        """
        query: dict[str, str | int] = {**(params or {}), "pageSize": page_size}
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            data = self.request("GET", path, params=query)
            items = data.get(field, [])
            if not isinstance(items, list):
                raise GrafeasError(f"GET {path}: {field!r} in the reply is not a list")
            yield from items
            token = data.get("nextPageToken") or ""
            if not isinstance(token, str):
                raise GrafeasError(f"GET {path}: nextPageToken is not a string")
            if not token:
                return
            if token in seen:
                raise GrafeasError(
                    f"GET {path}: the server repeated page token {token!r}"
                )
            seen.add(token)
            query["pageToken"] = token
        raise GrafeasError(f"GET {path}: more than {_MAX_PAGES} pages")
