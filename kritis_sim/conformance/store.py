"""The suite's Grafeas: kritis-sim's emulator on 127.0.0.1, with faults and a log.

The implementation under test reads attestations from this server (its URL is
passed to the adapter's ``setup``). Before each case the suite stores the
case's notes (through the Grafeas v1 REST API) and occurrences (straight into
the emulator's store, because ``createTime`` is output-only over REST and
freshness cases need chosen ages; an attestation goes to its note's project,
another kind to the project of its ``name``), then turns on the case's fault, if any:

* ``status``: every Grafeas request gets that HTTP status with a Google-style
  error body;
* ``reset``: the reply starts, then the connection is dropped mid-body;
* ``latency``: every reply is delayed.

Faults apply to ``/v1/`` paths only and never to the suite's own seeding. Every
request is appended to :attr:`SuiteGrafeas.request_log` as
``(method, path, query, status)`` so tests can assert what an enforcer asked
(status -1: the injected reset; 0: no reply started), as its reply starts:
whoever has a reply finds the request logged.

This module knows nothing about webhooks or adapters.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from kritis_sim.conformance.case import Fault, World
from kritis_sim.conformance.world import note_body, note_parent, shifted_occurrences
from kritis_sim.errors import ConformanceError
from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.googleerrors import ApiError
from kritis_sim.grafeas.messages import parse_kind
from kritis_sim.grafeas.store import Record, Store
from kritis_sim.serving import ServerThread

__all__ = ["FaultInjector", "RequestLogEntry", "SuiteGrafeas"]

RequestLogEntry = tuple[str, str, str, int]
Scope = dict[str, Any]
Message = dict[str, Any]
_STATUS_NAMES = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def _project(occ: dict[str, Any]) -> str:
    """Where an occurrence is stored: an attestation in its note's project (as
    the classic cases always were); another kind (VULNERABILITY, DISCOVERY,
    BUILD: their notes live in provider projects such as ``goog-vulnz``) in the
    project of its ``name``, ``projects/P/occurrences/ID``."""
    name = str(occ.get("name") or "")
    if occ.get("kind") not in ("ATTESTATION", 7) and "/occurrences/" in name:
        return name.partition("/occurrences/")[0]
    project, _ = note_parent(str(occ.get("noteName", "")))
    return project


class _ResetError(Exception):
    """Raised inside the app to make uvicorn drop the connection."""


class FaultInjector:
    """Pure ASGI middleware that injects the current :class:`Fault` and logs.

    Args:
        app: the emulator app.
        log_size: how many requests the log keeps.
    """

    def __init__(self, app: Any, log_size: int = 10_000) -> None:
        self.app = app
        self.fault: Fault | None = None
        self.log: collections.deque[RequestLogEntry] = collections.deque(
            maxlen=log_size
        )
        #: How many requests were ever logged (the log keeps the last ones).
        self.total = 0
        #: Held while an entry is logged, so that the log and ``total`` agree.
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method", ""), scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        fault = self.fault if path.startswith("/v1/") else None
        logged = False

        def log(status: int) -> None:
            # Logged before the reply can reach the client: a client that has
            # its answer finds its request in the log.
            nonlocal logged
            if not logged:
                logged = True
                with self.lock:
                    self.log.append((method, path, query, status))
                    self.total += 1

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                log(message["status"])
            await send(message)

        try:
            if fault is None:
                await self.app(scope, receive, _send)
            elif fault.kind == "latency":
                await asyncio.sleep(fault.latency_s)
                await self.app(scope, receive, _send)
            elif fault.kind == "status":
                await self._error(fault.status, _send)
            else:
                log(-1)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", b"4096")],
                    }
                )  # fmt: skip
                await send(
                    {"type": "http.response.body", "body": b'{"occ', "more_body": True}
                )
                raise _ResetError("injected connection reset")
        finally:
            log(0)  # no reply was started

    @staticmethod
    async def _error(code: int, send: Any) -> None:
        name = _STATUS_NAMES.get(code, "UNKNOWN")
        body = json.dumps(
            {"error": {"code": code, "message": "injected fault", "status": name}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())],
            }
        )  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class SuiteGrafeas:
    """The emulator served on 127.0.0.1 in a background thread.

    Use as a context manager; :attr:`url` is the base URL once started.
    """

    def __init__(self) -> None:
        app = create_app()
        self._store: Store = app.state.emulator.store
        self.injector = FaultInjector(app)
        self._server = ServerThread(
            self.injector, host="127.0.0.1", port=0, log_level="critical"
        )
        self._client: httpx.Client | None = None
        self._notes: set[str] = set()
        self._seeded: list[str] = []
        self.url = ""

    def __enter__(self) -> SuiteGrafeas:
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        self._server.start()
        self.url = self._server.base_url
        self._client = httpx.Client(base_url=self.url, timeout=10.0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
        self._server.stop()

    @property
    def request_log(self) -> list[RequestLogEntry]:
        """Every request so far, oldest first."""
        return list(self.injector.log)

    @property
    def request_count(self) -> int:
        """How many requests were made so far (a mark for :meth:`requests_since`)."""
        return self.injector.total

    def requests_since(self, mark: int) -> list[RequestLogEntry]:
        """The requests made after :attr:`request_count` was ``mark``, oldest
        first (the log keeps the last 10,000: a long run's mark stays right,
        where an index into the full log would not)."""
        with self.injector.lock:
            log, total = list(self.injector.log), self.injector.total
        count = min(total - mark, len(log))
        return log[len(log) - count :] if count > 0 else []

    def set_fault(self, fault: Fault | None) -> None:
        """Inject ``fault`` from now on (None: behave)."""
        self.injector.fault = fault

    def _post(self, path: str, body: Any, *, ok: tuple[int, ...] = (200,)) -> None:
        assert self._client is not None
        reply = self._client.post(path, json=body)
        if reply.status_code not in ok:
            raise ConformanceError(
                f"seeding the suite's Grafeas failed: POST {path} -> "
                f"{reply.status_code} {reply.text[:300]}"
            )

    def seed(self, world: World, now: datetime) -> int:
        """Store the world's notes and occurrences (times shifted to ``now``),
        replacing the occurrences of the previous :meth:`seed`.

        Returns:
            How many occurrences were stored.
        """
        return self.seed_many([world], now)

    def seed_many(self, worlds: Sequence[World], now: datetime) -> int:
        """Store several worlds' notes and occurrences at once (one store
        insert), replacing the occurrences of the previous seeding.

        Returns:
            How many occurrences were stored.
        """
        self.set_fault(None)
        for name in self._seeded:
            self._store.delete("occurrences", name)
        self._seeded = []
        for note in sorted({n for world in worlds for n in world.notes}):
            if note in self._notes:
                continue
            parent, note_id = note_parent(note)
            self._post(
                f"/v1/{parent}/notes?noteId={note_id}", note_body(note), ok=(200, 409)
            )
            self._notes.add(note)
        records = []
        occurrences = [o for world in worlds for o in shifted_occurrences(world, now)]
        for occ in occurrences:
            project = _project(occ)
            occ["name"] = f"{project}/occurrences/{uuid.uuid4().hex}"
            record = Record.for_occurrence(project, occ)
            if not isinstance(record.kind, str | None):
                # Served as written (kind: 7, as to an int-enum client), but
                # indexed by name so that kind="ATTESTATION" filters find it.
                try:
                    record = replace(record, kind=parse_kind(record.kind))
                except ApiError as exc:
                    raise ConformanceError(
                        f"cannot seed {occ['name']}: {exc}"
                    ) from None
            records.append(record)
        # Straight into the store: createTime is output-only over REST, and
        # freshness cases need occurrences of a chosen age.
        try:
            self._store.insert("occurrences", records)
        except ApiError as exc:
            raise ConformanceError(
                f"seeding the suite's Grafeas failed: {exc}"
            ) from None
        self._seeded = [r.name for r in records]
        return len(records)
