"""Fixtures for the emulator's unit tests: the app in-process over ASGITransport."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.grafeas.store import Store

NOTE = {"attestation": {"hint": {"humanReadableName": "n"}}}
DIGEST = "sha256:" + "a" * 64


def occurrence(
    uri: str = f"https://gcr.io/p/img@{DIGEST}", note: str = "projects/p/notes/n"
) -> dict[str, Any]:
    """A minimal, well-formed ATTESTATION occurrence body."""
    return {
        "resourceUri": uri,
        "noteName": note,
        "attestation": {
            "serializedPayload": "e30=",
            "signatures": [{"signature": "AAAA", "publicKeyId": "k"}],
        },
    }


class Api:
    """A synchronous facade over ``httpx.AsyncClient(transport=ASGITransport(app))``."""

    def __init__(self, store: Store, **kwargs: Any) -> None:
        self.app = create_app(store, **kwargs)
        self.store = store
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://emulator"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(
            self._client.request(method, url, **kwargs)
        )

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()
        self.store.close()


def make_store(kind: str, tmp_path: Path) -> Store:
    return SqliteStore(tmp_path / "emulator.db") if kind == "sqlite" else MemoryStore()


@pytest.fixture(params=["memory", "sqlite"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    client = Api(make_store(request.param, tmp_path))
    yield client
    client.close()


@pytest.fixture
def memory_api() -> Iterator[Api]:
    client = Api(MemoryStore())
    yield client
    client.close()


def assert_google_error(reply: httpx.Response, code: int, status: str) -> str:
    """Check the exact Google error shape; return the message."""
    assert reply.status_code == code, reply.text
    body = reply.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["code"] == code
    assert body["error"]["status"] == status
    message: str = body["error"]["message"]
    assert message
    return message
