"""Child processes in their own process groups, ended when kritis-sim ends.

Every server, adapter or tool process kritis-sim starts goes through
:func:`spawn` (long-lived) or :func:`run` (run to completion, with a timeout).
Both start the child in a new session, so it and everything it starts (unless
they leave the group themselves) share one process group, and record that
group. Then:

- :func:`end` stops one child: it waits for it to exit on its own, then sends
  SIGTERM to its whole group, then SIGKILL;
- :func:`run` ends the whole group when the command times out or the caller
  is interrupted (:func:`subprocess.run` kills only the child, leaving its
  children behind);
- on SIGINT or SIGTERM, kritis-sim sends SIGTERM to every recorded group and
  then behaves as before: SIGINT raises :class:`KeyboardInterrupt`, SIGTERM
  (default action) raises ``SystemExit(143)``, so ``finally`` blocks (an
  adapter's ``stop``, temporary directories) still run; a signal that was
  ignored stays ignored;
- at interpreter exit every group still recorded is ended (SIGTERM, a short
  grace period, SIGKILL).

The handlers are installed on the first :func:`spawn` or :func:`run` from the
main thread. Not covered, by nature: SIGKILL of kritis-sim itself, and
processes that put themselves in a new session or group (a daemonizing
adapter must end them in its ``stop``). A group whose members have all exited
is forgotten (a zombie counts as exited), so a later process reusing the id is
never signalled. This module knows nothing of what the children are.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["end", "end_all", "group_alive", "run", "spawn"]

#: Seconds a group has between SIGTERM and SIGKILL when kritis-sim exits.
EXIT_GRACE_S = 3.0

_lock = threading.Lock()
_groups: dict[int, subprocess.Popen[Any]] = {}
_previous: dict[int, Any] = {}
_hooked: list[bool] = []
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stat_fields(pid: str) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` still runs (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - the id now belongs to another user
        return False
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - no procfs: trust killpg
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        # fields after the command name: state, ppid, pgrp, ...
        if fields and len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _wait_group(proc: subprocess.Popen[Any], deadline: float) -> bool:
    """Reap the leader and wait until the group is empty; True when it is."""
    while True:
        proc.poll()
        if not group_alive(proc.pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _forget(proc: subprocess.Popen[Any]) -> None:
    with _lock:
        _groups.pop(proc.pid, None)


def end(proc: subprocess.Popen[Any], grace: float = 5.0, *, wait: bool = True) -> None:
    """End ``proc`` and its process group, then forget the group.

    Waits up to ``grace`` seconds for the group to exit on its own (unless
    ``wait`` is False), then sends SIGTERM to the group, waits up to ``grace``
    again, then sends SIGKILL.
    """
    if not (wait and _wait_group(proc, time.monotonic() + grace)):
        _signal_group(proc.pid, signal.SIGTERM)
        if not _wait_group(proc, time.monotonic() + grace):
            _signal_group(proc.pid, signal.SIGKILL)
            _wait_group(proc, time.monotonic() + grace)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    _forget(proc)


def end_all(grace: float = EXIT_GRACE_S) -> None:
    """End every recorded group: SIGTERM to all, ``grace`` seconds, SIGKILL."""
    with _lock:
        procs = list(_groups.values())
    for proc in procs:
        _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        if not _wait_group(proc, deadline):
            _signal_group(proc.pid, signal.SIGKILL)
    for proc in procs:
        _wait_group(proc, time.monotonic() + 1.0)
        _forget(proc)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    with _lock:
        pgids = list(_groups)
    for pgid in pgids:
        _signal_group(pgid, signal.SIGTERM)
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        raise SystemExit(128 + signum)


def _install() -> None:
    """Install the exit hook (once) and the signal handlers (once, from the
    main thread: Python only allows it there)."""
    with _lock:
        if not _hooked:
            atexit.register(end_all)
            _hooked.append(True)
        if _previous or threading.current_thread() is not threading.main_thread():
            return
        for sig in _SIGNALS:
            current = signal.getsignal(sig)
            _previous[sig] = current
            if current != signal.SIG_IGN:  # ignored stays ignored
                signal.signal(sig, _on_signal)


def _register(proc: subprocess.Popen[Any]) -> None:
    with _lock:
        # Forget groups that have emptied, so their ids are never signalled.
        for pid, old in list(_groups.items()):
            if old.poll() is not None and not group_alive(pid):
                del _groups[pid]
        _groups[proc.pid] = proc


def spawn(argv: Sequence[str], **popen_kwargs: Any) -> subprocess.Popen[Any]:
    """Start ``argv`` (no shell) in a new session and record its group.

    Keyword arguments go to :class:`subprocess.Popen` (``start_new_session``
    is always set). Stop the child with :func:`end`.
    """
    _install()
    popen_kwargs["start_new_session"] = True
    # argv is a list from our own callers; no shell is involved.
    proc: subprocess.Popen[Any] = subprocess.Popen(list(argv), **popen_kwargs)
    _register(proc)
    return proc


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Like ``subprocess.run(argv, input=..., capture_output=True, text=True)``.

    The child runs in its own process group, which is ended (SIGTERM, then
    SIGKILL) when ``timeout`` passes or the caller is interrupted, so nothing it
    started is left behind. Without ``input`` its stdin is ``/dev/null``.

    Raises:
        subprocess.TimeoutExpired: after ending the group.
        OSError: the program could not be started.
    """
    proc = spawn(
        argv,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        end(proc, grace=1.0, wait=False)
        out, err = "", ""
        with contextlib.suppress(subprocess.TimeoutExpired):
            out, err = proc.communicate(timeout=1.0)
        raise subprocess.TimeoutExpired(
            proc.args, timeout, output=out, stderr=err
        ) from None
    except BaseException:
        end(proc, grace=1.0, wait=False)
        raise
    if not group_alive(proc.pid):
        _forget(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
