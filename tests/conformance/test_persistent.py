"""The persistent adapter mode (``ENTRY serve``, JSON lines) and adapters that
misbehave in it: garbage on stdout, an exit mid-run, no answer, a late answer.

One adapter script misbehaves differently per configuration and otherwise
runs the reference's serve loop, so one run shows that each broken
configuration fails only its own cases, with a message naming what the
adapter last said, within the reply limit, and that every process it started
is ended.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from kritis_sim.conformance.case import CATALOGUE, load_case
from kritis_sim.conformance.runner import open_session, run_cases

ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"

#: case name -> how the adapter misbehaves on the ``setup`` of its configuration.
BAD = {
    "keyid_case_differs_deny": "garbage",
    "keyid_swapped_between_keys_deny": "exit",
    "attestor_without_keys_deny": "hang",
    "attestors_two_both": "slow",
}
#: Cases sharing those configurations, and one good configuration.
SAME_CONFIG = {
    "keyid_custom_uri": "garbage",
    "keyid_trailing_space_deny": "garbage",
    "multikey_first_key": "exit",
    "attestors_two_none_deny": "slow",
}
GOOD = [
    "default_always_allow",
    "digest_uppercase_hex_deny",
    "tag_only_always_allow_allowed",
]

_SCRIPT = """
import json, os, subprocess, sys, time
from pathlib import Path
PIDS, BAD = sys.argv[1], json.loads(sys.argv[2])
def note(pid):
    with open(PIDS, "a") as f:
        f.write(f"{pid}\\n")
def lines():
    for line in sys.stdin:
        req = json.loads(line)
        mode = BAD.get(Path(req.get("case", "")).name)
        if mode == "garbage":
            sys.__stdout__.write("Loading plugins... done\\n")
            sys.__stdout__.flush()
            continue
        if mode == "exit":
            print("fatal: cannot translate the policy", file=sys.stderr, flush=True)
            os._exit(3)
        if mode == "hang":
            note(subprocess.Popen(["sleep", "300"]).pid)
            time.sleep(300)
        if mode == "slow":
            time.sleep(4)
        yield line
if sys.argv[3] == "capabilities":
    print(json.dumps(["persistent"]))
elif sys.argv[3] == "serve":
    note(os.getpid())
    from kritis_sim.conformance.reference_serve import serve
    sys.exit(serve(stdin=lines()))
else:
    sys.exit(f"the per-call protocol is not used: {sys.argv[3:]}")
"""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rpartition(")")[2].split()[0] != "Z"


def test_bad_adapters_fail_their_configuration_only_and_leave_nothing(
    tmp_path: Path,
) -> None:
    import json

    script, pids = tmp_path / "bad.py", tmp_path / "pids"
    script.write_text(_SCRIPT, encoding="utf-8")
    names = [*BAD, *SAME_CONFIG, *GOOD]
    cases = [load_case(CATALOGUE / n) for n in names]
    entry = f"{sys.executable} {script} {pids} '{json.dumps(BAD)}'"
    started = time.monotonic()
    result = run_cases(entry, cases, reply_timeout=2.0)
    elapsed = time.monotonic() - started
    by_name = {r.name: r for r in result.results}
    assert [by_name[n].detail for n in GOOD if by_name[n].outcome != "passed"] == []
    expect = {
        "garbage": "answered setup with a line that is not a JSON object "
        "with a boolean \"ok\" (last output: 'Loading plugins... done'",
        "exit": "closed its output during setup (exit code 3)",
        "hang": "gave no answer to setup within 2 s",
        "slow": "gave no answer to setup within 2 s",
    }
    for name, mode in {**BAD, **SAME_CONFIG}.items():
        r = by_name[name]
        assert r.outcome == "failed", name
        assert r.detail.startswith("protocol: adapter serve "), r.detail
        assert expect[mode] in r.detail, (name, r.detail)
    assert (
        "stderr: 'fatal: cannot translate the policy'"
        in by_name["multikey_first_key"].detail
    )
    # Two 2 s setup timeouts (start keeps its 60 s: a first start brings
    # the server up, which takes seconds on a busy machine) and five serve starts; nothing waits for the 300 s sleeps.
    assert elapsed < 30
    recorded = [int(p) for p in pids.read_text().split()]
    assert len(recorded) >= 5  # a fresh serve after each broken one, + sleep
    assert [p for p in recorded if _running(p)] == []


def test_reference_serve_switches_configuration_without_a_process(
    tmp_path: Path,
) -> None:
    """The reference adapter runs in persistent mode: one serve process for
    several configurations, each switch a reload (measured by the adapter)."""
    names = ["default_always_allow", "default_always_deny_deny", "keyid_custom_uri"]
    cases = [load_case(CATALOGUE / n) for n in names]
    with open_session(ADAPTER, tmp_path) as (session, capabilities):
        assert "persistent" in capabilities
        for case in cases:
            session.configure(case)
        adapter = session.adapter
        assert type(adapter).__name__ == "ServedAdapter"
        proc = adapter._proc  # one process served all three
        assert proc is not None and len(adapter.start_seconds) == 3
    assert proc.poll() is not None


def test_per_call_protocol_still_works_for_a_persistent_adapter() -> None:
    """persistent=False ignores the capability: setup/start/stop processes."""
    cases = [load_case(CATALOGUE / "keyid_custom_uri")]
    result = run_cases(ADAPTER, cases, persistent=False)
    assert result.summary["passed"] == 1, result.results


def test_docs_example_persistent_adapter_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copyable adapter of docs/conformance.md, as printed there."""
    docs = Path(__file__).parents[2] / "docs" / "conformance.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("<!-- example-persistent-adapter -->\n```python\n", 1)[1]
    script = tmp_path / "adapter.py"
    script.write_text(block.split("\n```\n", 1)[0], encoding="utf-8")
    monkeypatch.setenv("PER_CALL_ADAPTER", ADAPTER)
    names = ["default_always_allow", "digest_uppercase_hex_deny"]  # one config
    with open_session(f"{sys.executable} {script}", tmp_path) as (session, caps):
        assert caps == {"persistent"}
        assert type(session.adapter).__name__ == "ServedAdapter"
        from kritis_sim.conformance.runner import judge_all

        results = list(
            judge_all(session, [load_case(CATALOGUE / n) for n in names], caps, {})
        )
    assert [(r.name, r.outcome, r.detail) for r in results] == [
        (n, "passed", "") for n in names
    ]


def test_review_resent_once_when_a_kept_alive_connection_was_closed(
    tmp_path: Path,
) -> None:
    """A server that closed a kept-alive connection as the review went out
    answered nothing: the review is sent once more (the time of both counts);
    a second disconnect is the enforcer's failure."""
    import httpx

    from kritis_sim.conformance.session import Session
    from kritis_sim.conformance.store import SuiteGrafeas
    from kritis_sim.errors import ConformanceError

    case = load_case(CATALOGUE / "default_always_allow")
    drops = {"left": 1}

    def handler(request: httpx.Request) -> httpx.Response:
        if drops["left"]:
            drops["left"] -= 1
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        sent = json.loads(request.content)
        uid = sent["request"]["uid"]
        reply = {**sent, "response": {"uid": uid, "allowed": True}}
        return httpx.Response(200, json=reply)

    session = Session(None, SuiteGrafeas(), tmp_path)  # type: ignore[arg-type]
    session.client = httpx.Client(
        base_url="https://enforcer.test", transport=httpx.MockTransport(handler)
    )
    _, status, body, seconds = session.send(case)
    assert status == 200 and body["response"]["allowed"] is True and seconds >= 0
    drops["left"] = 2
    with pytest.raises(ConformanceError, match="Server disconnected"):
        session.send(case)
    session.client.close()


def test_serve_launched_while_the_grafeas_failed_to_start_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The serve process starts while the suite's Grafeas does; when the
    Grafeas fails, the session never opens and the serve process is ended."""
    from kritis_sim.conformance import served, store

    launched = []
    real_launch = served.ServedAdapter.launch

    def launch(self: served.ServedAdapter) -> None:
        real_launch(self)
        launched.append(self._proc)

    def broken(self: object) -> None:
        raise RuntimeError("address already in use")

    monkeypatch.setattr(served.ServedAdapter, "launch", launch)
    monkeypatch.setattr(store.SuiteGrafeas, "__enter__", broken)
    opening = open_session(ADAPTER, tmp_path)
    with pytest.raises(RuntimeError, match="address already in use"):
        opening.__enter__()
    assert len(launched) == 1
    proc = launched[0]
    assert proc is not None and proc.poll() is not None


def test_two_sessions_side_by_side_report_what_one_does(tmp_path: Path) -> None:
    """run_cases(sessions=2): two adapter instances on whole configurations;
    the same outcomes, and on_result in the same run order."""
    names = [
        "default_always_allow", "digest_uppercase_hex_deny", "keyid_custom_uri",
        "attestors_two_both", "attestors_two_none_deny", "store_reset_deny",
    ]  # fmt: skip
    cases = [load_case(CATALOGUE / n) for n in names]
    runs = []
    for sessions in (1, 2):
        seen: list[str] = []
        result = run_cases(
            ADAPTER, cases, workdir=tmp_path, sessions=sessions,
            on_result=lambda r, seen=seen: seen.append(r.name),
        )  # fmt: skip
        runs.append((seen, [(r.name, r.outcome, r.detail) for r in result.results]))
        assert result.summary["passed"] == len(names), result.results
    assert runs[0] == runs[1]
    assert runs[0][0] == [
        c.name for c in sorted(cases, key=lambda c: (c.config_key, c.name))
    ]
