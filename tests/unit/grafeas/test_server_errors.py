"""Unexpected failures: 500 in Google's shape, and ``Connection: close`` on any 5xx."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.store import Collection
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.conftest import NOTE, Api, assert_google_error


class _BrokenStore(MemoryStore):
    """Reads of notes fail with a bug-like exception; everything else works."""

    def get(self, collection: Collection, name: str) -> dict[str, Any] | None:
        if collection == "notes":
            raise RuntimeError("simulated bug")
        return super().get(collection, name)


def test_unexpected_exception_is_500_in_google_shape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = Api(_BrokenStore())  # ASGITransport re-raises anything that escapes
    try:
        with caplog.at_level(logging.ERROR, logger="kritis_sim.grafeas"):
            reply = api.get("/v1/projects/p/notes/n")
        message = assert_google_error(reply, 500, "INTERNAL")
        assert message == "internal error: RuntimeError"
        assert reply.headers["connection"] == "close"
        assert "simulated bug" in caplog.text  # logged for the operator
        assert api.app.state.request_log[-1] == ("GET", "/v1/projects/p/notes/n", 500)
        # the app keeps serving
        assert api.post("/v1/projects/p/notes?noteId=n", json=NOTE).status_code == 200
    finally:
        api.close()


def test_every_5xx_closes_the_connection(memory_api: Api) -> None:
    reply = memory_api.put("/v1/projects/p/notes/n", json=NOTE)
    assert_google_error(reply, 501, "UNIMPLEMENTED")
    assert reply.headers["connection"] == "close"
    ok = memory_api.get("/v1/projects/p/notes")
    assert "connection" not in ok.headers
    bad = memory_api.get("/v1/projects/p/notes?pageSize=x")
    assert bad.status_code == 400 and "connection" not in bad.headers


def test_5xx_over_http_closes_and_the_next_request_reconnects() -> None:
    with (
        ServerThread(create_app(_BrokenStore())) as server,
        httpx.Client(base_url=server.base_url, timeout=5) as client,
    ):
        reply = client.get("/v1/projects/p/notes/n")
        assert reply.status_code == 500
        assert reply.headers["connection"] == "close"
        assert reply.json()["error"]["status"] == "INTERNAL"
        again = client.get("/v1/projects/p/attestors")
        assert again.status_code == 200
