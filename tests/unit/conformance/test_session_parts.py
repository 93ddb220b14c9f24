"""The parts a conformance session starts, in-process: the suite's Grafeas
request accounting (kritis_sim.conformance.store), the reference adapter's
reloading webhook before its first configuration and its warm-up
(adapter_server, reference_serve), and the Kritis translation's YAML text
(kritis_case)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from kritis_sim.conformance.adapter_server import ReloadingWebhook
from kritis_sim.conformance.case import CATALOGUE, Fault, iter_case_dirs, load_case
from kritis_sim.conformance.kritis_case import translate, translation_text
from kritis_sim.conformance.reference_serve import serve
from kritis_sim.conformance.store import FaultInjector, SuiteGrafeas


def _requests(app: object, *calls: tuple[str, str]) -> list[httpx.Response]:
    """``calls`` (method, path) sent to the ASGI ``app`` in-process, in order."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [await c.request(m, p, json={}) for m, p in calls]

    return asyncio.run(run())


def test_requests_since_a_mark_stay_right_once_the_log_is_full() -> None:
    """A mark is a count, not an index into the kept log: after more requests
    than the log keeps, the requests since a mark are still the right ones
    (an index would find none, and every case would have made 0)."""
    grafeas = SuiteGrafeas()
    grafeas.injector.log = collections.deque(maxlen=3)
    _requests(
        grafeas.injector, *[("GET", f"/v1/projects/p{i}/notes") for i in range(5)]
    )
    mark = grafeas.request_count
    assert mark == 5 and grafeas.requests_since(mark) == []
    _requests(
        grafeas.injector,
        ("GET", "/v1/projects/a/notes"),
        ("GET", "/v1/projects/b/notes"),
    )
    got = grafeas.requests_since(mark)
    assert [path for _, path, _, _ in got] == [
        "/v1/projects/a/notes",
        "/v1/projects/b/notes",
    ]
    assert len(grafeas.requests_since(0)) == 3  # what is kept, never more


def test_reloading_webhook_answers_503_until_its_first_configuration() -> None:
    hook = ReloadingWebhook()
    (reply,) = _requests(hook, ("POST", "/validate"))
    assert reply.status_code == 503 and "no configuration yet" in reply.text
    hook.close()  # nothing to release, and no error


def test_serve_warms_up_before_any_step_and_stops_cleanly() -> None:
    """The server comes up in the background as serve starts; a session that
    only stops still answers, and every thread it started is gone."""
    before = set(threading.enumerate())
    out = io.StringIO()
    assert (
        serve(stdin=io.StringIO('{"command": "stop", "config": "x"}\n'), stdout=out)
        == 0
    )
    assert json.loads(out.getvalue()) == {"ok": True}
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_serve_reports_a_failed_warm_up_at_start_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kritis_sim.conformance import adapter_server

    def broken() -> None:
        raise OSError("no certificates today")

    monkeypatch.setattr(adapter_server, "preload", broken)
    steps = [
        {"command": "start", "config": str(tmp_path)},
        {"command": "bogus"},
        {"command": "stop", "config": str(tmp_path)},
    ]
    out = io.StringIO()
    serve(stdin=io.StringIO("".join(json.dumps(s) + "\n" for s in steps)), stdout=out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answers[0] == {"ok": False, "error": "OSError: no certificates today"}
    assert answers[1]["ok"] is False and answers[2] == {"ok": True}


def test_kritis_translation_text_is_what_the_python_dumper_writes() -> None:
    """libyaml writes the translation (faster); the text is PyYAML's own."""
    dirs = [d for d in iter_case_dirs(CATALOGUE) if d.name.startswith("kritis_")]
    cases = [c for c in map(load_case, dirs[:12]) if c.target.semantics == "kritis"]
    checked = 0
    for case in cases:
        policy, attestors = case.policy(), case.attestors()
        vulns = case.target.kritis_vulnerabilities
        try:
            docs = translate(policy, attestors, vulns)
        except Exception:  # configurations with no Kritis form
            continue
        expected = yaml.safe_dump_all(docs, sort_keys=False)
        assert translation_text(policy, attestors, vulns) == expected, case.name
        checked += 1
    assert checked >= 5


def _answer(status: int) -> object:
    async def app(scope: object, receive: object, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


@pytest.mark.parametrize(
    ("fault", "status"),
    [(None, 200), (Fault("status", status=503), 503), (Fault("reset"), -1)],
)
def test_a_request_is_logged_before_its_reply_reaches_the_client(
    fault: Fault | None, status: int
) -> None:
    """Whoever has a reply finds the request in the log: logged after the
    reply, the suite's last seeding request was counted for the next case."""
    injector = FaultInjector(_answer(200))
    injector.fault = fault
    seen: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen.append(injector.total)

    scope = {"type": "http", "method": "GET", "path": "/v1/x", "query_string": b"a=1"}
    with contextlib.suppress(Exception):  # the reset fault raises, as it should
        asyncio.run(injector(scope, receive, send))
    assert seen == [1]
    assert list(injector.log) == [("GET", "/v1/x", "a=1", status)]


def test_reviews_go_to_their_path_with_the_request_budget(tmp_path: Path) -> None:
    """The review URL (parsed once per path and budget) is BASE/path?timeout=Ns."""
    from kritis_sim.conformance.session import Session

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        sent = json.loads(request.content)
        if sent["kind"] == "ImageReview":
            return httpx.Response(200, json={**sent, "status": {"allowed": True}})
        uid = sent["request"]["uid"]
        return httpx.Response(
            200, json={**sent, "response": {"uid": uid, "allowed": True}}
        )

    session = Session(None, SuiteGrafeas(), tmp_path)  # type: ignore[arg-type]
    session.client = httpx.Client(
        base_url="https://enforcer.test/", transport=httpx.MockTransport(handler)
    )
    names = [
        "default_always_allow",
        "store_latency_past_deadline_deny",
        "imagereview_attested",
    ]
    for name in [*names, names[0]]:
        session.send(load_case(CATALOGUE / name))
    session.client.close()
    assert seen == [
        "https://enforcer.test/validate?timeout=10s",
        "https://enforcer.test/validate?timeout=2s",
        "https://enforcer.test/imagereview?timeout=10s",
        "https://enforcer.test/validate?timeout=10s",
    ]
