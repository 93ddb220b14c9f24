"""The persistent adapter mode: one ``ENTRY serve`` process, JSON lines both ways.

An adapter that lists ``persistent`` in its ``capabilities`` is started once,
as ``ENTRY serve``, and then receives each protocol step as one JSON object per
line on its standard input; it answers each with one JSON object per line on
its standard output, in order (docs/conformance.md)::

    {"command": "setup", "case": DIR, "grafeas": URL, "out": DIR}
    {"command": "start", "config": DIR}     -> {"ok": true, "url": URL, "ca": FILE}
    {"command": "stop", "config": DIR}      -> {"ok": true}, then exit

Every other reply is ``{"ok": true}``, or ``{"ok": false, "error": TEXT}`` for a
step that failed. This saves the process start of every ``setup`` and
``start`` of the per-call protocol (:mod:`kritis_sim.conformance.protocol`),
whose :class:`~kritis_sim.conformance.protocol.Adapter` interface
:class:`ServedAdapter` keeps, so the runner does not care which one it has.

Bad adapters are contained: a reply that is not a JSON object, an adapter
that exits, one that does not answer within the step's limit: each raises
:class:`~kritis_sim.errors.ConformanceError` naming the adapter's last output
(stdout line and the tail of its stderr), and the process group is ended.
The next step starts a fresh ``serve`` process, so one broken configuration
costs only its own cases. Nothing here knows about cases.
"""

from __future__ import annotations

import collections
import json
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from kritis_sim import _processes
from kritis_sim.conformance.protocol import Endpoint
from kritis_sim.errors import ConformanceError

__all__ = [
    "PERSISTENT",
    "REPLY_TIMEOUT_S",
    "START_TIMEOUT_S",
    "STOP_GRACE_S",
    "ServedAdapter",
]

#: The capability tag that asks for this mode.
PERSISTENT = "persistent"
#: The longest the suite waits for the answer to a ``setup`` or ``stop``.
REPLY_TIMEOUT_S = 60.0
#: The longest the suite waits for the answer to a ``start`` (which may have
#: to bring a server up).
START_TIMEOUT_S = 60.0
#: After the answer to ``stop``: how long ``serve`` has to exit by itself
#: before its process group gets SIGTERM (then SIGKILL as long again later).
STOP_GRACE_S = 5.0
_EOF = object()


def _pump(stream: Any, lines: queue.Queue[Any]) -> None:
    """Move ``stream``'s lines into ``lines``; ``_EOF`` when it closes."""
    try:
        with stream:
            for line in stream:
                lines.put(line)
    except (OSError, ValueError):
        pass
    lines.put(_EOF)


class ServedAdapter:
    """Drives one adapter's ``serve`` process (started on first use).

    Args:
        argv: the adapter command line, already split.
        reply_timeout: seconds to wait for the answer to ``setup`` or ``stop``.
        start_timeout: seconds to wait for the answer to ``start``.
        stop_grace: seconds ``serve`` has to exit after answering ``stop``.
    """

    def __init__(
        self,
        argv: list[str],
        *,
        reply_timeout: float = REPLY_TIMEOUT_S,
        start_timeout: float = START_TIMEOUT_S,
        stop_grace: float = STOP_GRACE_S,
    ) -> None:
        self.argv = argv
        self.reply_timeout = reply_timeout
        self.start_timeout = start_timeout
        self.stop_grace = stop_grace
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[Any] = queue.Queue()
        self._last: collections.deque[str] = collections.deque(maxlen=1)
        self._logdir = tempfile.TemporaryDirectory(prefix="kritis-serve-")
        self._log = Path(self._logdir.name) / "stderr.log"
        #: Seconds each ``start`` took (the configuration switch), in order.
        self.start_seconds: list[float] = []

    def _spawn(self) -> subprocess.Popen[str]:
        try:
            with self._log.open("a", encoding="utf-8") as err:
                proc = _processes.spawn(
                    [*self.argv, "serve"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                    bufsize=1,
                )
        except OSError as exc:
            raise ConformanceError(f"adapter serve failed to run: {exc}") from None
        self._lines = queue.Queue()
        self._last.clear()
        threading.Thread(
            target=_pump, args=(proc.stdout, self._lines), daemon=True
        ).start()
        self._proc = proc
        return proc

    def launch(self) -> None:
        """Start ``serve`` now rather than at the first step, so that it loads
        while the suite prepares the rest (a no-op when it runs already).

        Raises:
            ConformanceError: the process could not be started.
        """
        if self._proc is None:
            self._spawn()

    def kill(self) -> None:
        """End the ``serve`` process group without a ``stop`` step (for a
        session that could not open); a no-op when none runs."""
        self._end(wait=True)
        self._logdir.cleanup()

    def _end(self, *, wait: bool, grace: float = 1.0) -> None:
        """Close the process's stdin and end its group after ``grace``
        seconds (``wait`` for it to be reaped, or not); forget it. A no-op
        when none runs."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        _processes.end(proc, grace=grace, wait=wait)

    def last_output(self) -> str:
        """The adapter's last stdout line and the tail of its stderr."""
        line = self._last[0].rstrip("\n") if self._last else ""
        text = f"last output: {line[:300]!r}" if self._last else "no output"
        try:
            tail = self._log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            tail = ""
        tail = " | ".join(tail.strip().splitlines()[-3:])[-500:]
        return f"{text}; stderr: {tail!r}" if tail else text

    def _fail(self, problem: str) -> ConformanceError:
        """End the process (its state is unknown) and describe why."""
        self._end(wait=False)
        return ConformanceError(f"adapter serve {problem} ({self.last_output()})")

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one step and return its successful answer."""
        command = request["command"]
        proc = self._proc if self._proc is not None else self._spawn()
        if proc.poll() is not None:
            raise self._fail(f"exited with code {proc.returncode} before {command}")
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
        except OSError:
            raise self._fail(f"stopped reading its input before {command}") from None
        limit = self.start_timeout if command == "start" else self.reply_timeout
        try:
            line = self._lines.get(timeout=limit)
        except queue.Empty:
            raise self._fail(
                f"gave no answer to {command} within {limit:g} s"
            ) from None
        if line is _EOF:
            code = proc.poll()
            if code is None:
                try:
                    code = proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    code = None
            raise self._fail(f"closed its output during {command} (exit code {code})")
        self._last.append(line)
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise self._fail(
                f"answered {command} with a line that is not a JSON object "
                'with a boolean "ok"'
            )
        if not reply["ok"]:
            raise ConformanceError(
                f"adapter serve {command} failed: {str(reply.get('error'))[:2000]}"
            )
        return reply

    def setup(self, case_dir: Path, grafeas_url: str, out_dir: Path) -> None:
        """Translate the case into native configuration under ``out_dir``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self._call(
            {"command": "setup", "case": str(case_dir), "grafeas": grafeas_url,
             "out": str(out_dir)}
        )  # fmt: skip

    def start(self, config_dir: Path) -> Endpoint:
        """Serve ``config_dir``; returns the endpoint from the answer."""
        t0 = time.perf_counter()
        reply = self._call({"command": "start", "config": str(config_dir)})
        self.start_seconds.append(time.perf_counter() - t0)
        url, ca = reply.get("url"), reply.get("ca")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise self._fail(f"answered start without a webhook URL: {url!r:.200}")
        if ca is not None and not isinstance(ca, str):
            raise self._fail(f"answered start with a non-string ca: {ca!r:.200}")
        if url.startswith("https://") and ca is None:
            ca = str(config_dir / "ca.crt")
        return Endpoint(url, ca)

    def stop(self, config_dir: Path) -> None:
        """Ask ``serve`` to stop, then end whatever is left of its group."""
        proc = self._proc
        try:
            if proc is not None:
                self._call({"command": "stop", "config": str(config_dir)})
        finally:
            self._end(wait=True, grace=self.stop_grace)
            self._logdir.cleanup()
