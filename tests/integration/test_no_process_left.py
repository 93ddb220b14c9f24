"""Nothing kritis-sim starts outlives it: timeouts, SIGTERM and SIGINT.

Every process started here carries a unique marker in its environment
(inherited by its children and grandchildren), so the test finds the whole
tree in ``/proc`` without knowing its pids, and checks that none of it runs
(zombies waiting for init do not count) a few seconds after kritis-sim ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kritis_sim import _processes
from kritis_sim.conformance.case import CATALOGUE
from kritis_sim.conformance.protocol import Adapter

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="needs Linux /proc"
)

ROOT = Path(__file__).resolve().parents[2]
MARK = "KRITIS_SIM_TEST_MARKER"
#: Two cases with different configurations: two setups, the second one slow.
CASES = ("store_500_deny", "default_always_allow")

#: The reference adapter, except that every ``setup`` after the first hangs:
#: the run is interrupted with the reference server up and a command running.
SLOW_REFERENCE = """\
import os, sys, time
from pathlib import Path
if sys.argv[1] == "setup":
    flag = Path(__file__).with_suffix(".seen")
    if flag.exists():
        time.sleep(600)
    flag.touch()
os.execv(sys.executable, [sys.executable, "-m",
         "kritis_sim.conformance.reference_adapter", *sys.argv[1:]])
"""

#: An adapter that never cooperates: ``start`` leaves a grandchild sleeping,
#: serves a socket that never answers and never returns; ``stop`` does nothing.
STUBBORN = """\
import json, socket, subprocess, sys
cmd = sys.argv[1]
if cmd == "capabilities":
    from kritis_sim.conformance.features import ALL_FEATURES
    print(json.dumps(sorted(ALL_FEATURES)))
elif cmd == "start":
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(f"http://127.0.0.1:{server.getsockname()[1]}", flush=True)
    held = []
    while True:
        held.append(server.accept())
"""


def _marked(marker: str) -> dict[int, str]:
    """pid -> command line of every live process carrying ``marker``."""
    needle = f"{MARK}={marker}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text(errors="replace")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat.rpartition(")")[2].split()[:1] != ["Z"]:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(
                errors="replace"
            )
    return found


def _wait_for(marker: str, fragment: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(fragment in cmd for cmd in _marked(marker).values()):
            return
        time.sleep(0.05)
    pytest.fail(f"no process running {fragment!r} within {timeout:g} s")


def _assert_none_left(marker: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while (left := _marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == {}, f"still running {timeout:g} s later: {left}"


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A marker in this process's environment (so children inherit it); any
    marked process still alive at the end is killed, so a failure leaks nothing."""
    value = uuid.uuid4().hex
    monkeypatch.setenv(MARK, value)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    yield value
    for pid in _marked(value):
        if pid != os.getpid():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _default_sigint() -> None:  # pragma: no cover - runs in the child
    # A child of a shell started in the background may inherit SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _conformance(
    adapter: str, tmp_path: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """``kritis-sim conformance`` with the adapter script over :data:`CASES`."""
    script = tmp_path / "adapter.py"
    script.write_text(adapter)
    cases = tmp_path / "cases"
    for name in CASES:
        shutil.copytree(CATALOGUE / name, cases / name)
    with (tmp_path / "kritis-sim.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "kritis_sim.cli.main", "conformance",
             "--entrypoint", f"{sys.executable} {script}", "--cases", str(cases),
             *extra],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            preexec_fn=_default_sigint, cwd=tmp_path,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("adapter", "ready", "sig", "code"),
    [
        # The reference adapter's server is up and a second setup hangs.
        (SLOW_REFERENCE, "adapter.py setup", signal.SIGTERM, 128 + 15),
        # A start that never returns, a grandchild, a request never answered.
        (STUBBORN, "time.sleep(600)", signal.SIGINT, 130),
    ],
    ids=["reference-sigterm", "stubborn-sigint"],
)
def test_killed_conformance_run_leaves_no_process_behind(
    marker: str,
    tmp_path: Path,
    adapter: str,
    ready: str,
    sig: signal.Signals,
    code: int,
) -> None:
    # The reference adapter declares the persistent mode; the slow-setup
    # script hangs a per-call ``setup``, so that run uses the per-call protocol
    # (test_persistent covers processes left by persistent adapters).
    extra = ("--per-call",) if adapter is SLOW_REFERENCE else ()
    run = _conformance(adapter, tmp_path, *extra)
    try:
        _wait_for(marker, ready)
        if adapter is SLOW_REFERENCE:
            _wait_for(marker, "kritis_sim.conformance.adapter_server")
        else:
            time.sleep(0.3)  # let the runner send its first request
        run.send_signal(sig)
        assert run.wait(timeout=30) == code
    finally:
        if run.poll() is None:
            run.kill()
    _assert_none_left(marker)


def test_adapter_stop_ends_what_a_stubborn_start_left(
    marker: str, tmp_path: Path
) -> None:
    adapter = tmp_path / "stubborn.py"
    adapter.write_text(STUBBORN)
    session = Adapter(f"{sys.executable} {adapter}")
    endpoint = session.start(tmp_path)
    assert endpoint.base_url.startswith("http://127.0.0.1:")
    _wait_for(marker, "time.sleep(600)")
    session.stop(tmp_path)
    _assert_none_left(marker)


def test_run_timeout_ends_the_whole_group(marker: str) -> None:
    script = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "time.sleep(600)\n"
    )
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        _processes.run([sys.executable, "-c", script], timeout=1.0)
    assert time.monotonic() - started < 5
    _assert_none_left(marker)
