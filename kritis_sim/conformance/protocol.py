"""The suite's side of the adapter protocol (docs/conformance.md).

The implementation under test is reached through an *adapter*: any command
line, to which the suite appends one subcommand with its arguments in a fixed
order::

    ENTRYPOINT capabilities
    ENTRYPOINT setup --case DIR --grafeas URL --out DIR
    ENTRYPOINT start --config DIR
    ENTRYPOINT stop --config DIR

``capabilities`` prints a JSON list of feature tags. ``setup`` translates the
case's neutral policy and attestors into native configuration under ``--out``.
``start`` makes the enforcer serve that configuration and prints, on its first
line of standard output, the webhook base URL, optionally followed by a space
and the path of a PEM CA bundle for https (default: ``DIR/ca.crt``). ``start``
may keep running (the suite leaves it alone until ``stop``) or return once the
server is up. The suite may call ``start`` again with another configuration
without ``stop``; the adapter must then serve the new one (restart or reload).
``stop`` ends everything the adapter started.

Every adapter command runs in its own process group (:mod:`kritis_sim._processes`):
after ``stop``, and when kritis-sim is interrupted, whatever is left in the
group of a ``start`` (a server it left running) is ended too.

:class:`Adapter` runs these commands; it does not know about cases.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from kritis_sim import _processes
from kritis_sim.errors import ConformanceError

__all__ = ["Adapter", "Endpoint"]

_SETUP_TIMEOUT_S = 60.0
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the webhook answers.

    Attributes:
        base_url: ``https://127.0.0.1:PORT`` or ``http://...``.
        ca_file: the CA bundle that verifies the https certificate.
    """

    base_url: str
    ca_file: str | None = None


def _read_then_drain(proc: subprocess.Popen[str], line: list[str]) -> None:
    """Read the first line of ``proc``'s output, then discard the rest so a
    chatty long-running adapter never blocks on a full pipe."""
    assert proc.stdout is not None
    line.append(proc.stdout.readline())
    threading.Thread(target=_drain, args=(proc,), daemon=True).start()


def _drain(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    with proc.stdout:
        proc.stdout.read()


class Adapter:
    """Runs one adapter command line.

    Args:
        entrypoint: the command line, split like a POSIX shell would.
    """

    def __init__(self, entrypoint: str) -> None:
        self.argv = shlex.split(entrypoint)
        if not self.argv:
            raise ConformanceError("the adapter entrypoint is empty")
        self._started: list[subprocess.Popen[str]] = []

    def _run(self, args: list[str], timeout: float) -> str:
        try:
            done = _processes.run([*self.argv, *args], timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConformanceError(f"adapter {args[0]} failed to run: {exc}") from None
        if done.returncode != 0:
            raise ConformanceError(
                f"adapter {args[0]} exited {done.returncode}: {done.stderr.strip()[-2000:]}"
            )
        return done.stdout

    def capabilities(self) -> frozenset[str]:
        """The feature tags the adapter declares."""
        out = self._run(["capabilities"], _SETUP_TIMEOUT_S)
        try:
            tags = json.loads(out)
        except ValueError:
            raise ConformanceError(
                f"capabilities did not print JSON: {out[:200]!r}"
            ) from None
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ConformanceError("capabilities must print a JSON list of strings")
        return frozenset(tags)

    def setup(self, case_dir: Path, grafeas_url: str, out_dir: Path) -> None:
        """Translate the case into native configuration under ``out_dir``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self._run(
            [
                "setup",
                "--case",
                str(case_dir),
                "--grafeas",
                grafeas_url,
                "--out",
                str(out_dir),
            ],
            _SETUP_TIMEOUT_S,
        )

    def start(self, config_dir: Path) -> Endpoint:
        """Serve ``config_dir``; returns the endpoint from the first output line."""
        log = config_dir / "adapter-start.log"
        try:
            with log.open("a", encoding="utf-8") as err:
                proc = _processes.spawn(
                    [*self.argv, "start", "--config", str(config_dir)],
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                )
        except OSError as exc:
            raise ConformanceError(f"adapter start failed to run: {exc}") from None
        line: list[str] = []
        reader = threading.Thread(
            target=_read_then_drain, args=(proc, line), daemon=True
        )
        reader.start()
        reader.join(_START_TIMEOUT_S)
        if not line or not line[0].strip():
            _processes.end(proc, grace=1.0, wait=False)
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise ConformanceError(f"adapter start printed no URL: {tail.strip()}")
        self._started.append(proc)
        self._reap()
        fields = line[0].split()
        ca = fields[1] if len(fields) > 1 else None
        if fields[0].startswith("https://") and ca is None:
            ca = str(config_dir / "ca.crt")
        return Endpoint(fields[0], ca)

    def _reap(self) -> None:
        """Forget start processes that have exited (they returned after start)
        unless something they started still runs in their process group."""
        alive = []
        for proc in self._started:
            if proc.poll() is None or _processes.group_alive(proc.pid):
                alive.append(proc)
        self._started = alive

    def stop(self, config_dir: Path) -> None:
        """Ask the adapter to stop, then end any start process still running."""
        try:
            self._run(["stop", "--config", str(config_dir)], _SETUP_TIMEOUT_S)
        finally:
            for proc in self._started:
                _processes.end(proc, grace=5.0)  # the whole process group
            self._started = []
