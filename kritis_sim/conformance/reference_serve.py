"""The reference adapter's persistent mode: ``conformance-adapter serve``.

One process reads the protocol steps as JSON lines on standard input
(:mod:`kritis_sim.conformance.served` is the suite's side) and answers each
with one JSON line on standard output. It serves kritis-sim's webhook itself,
over TLS on 127.0.0.1 with a fresh CA, from a background thread. The
server is brought up (modules, certificates) in the background from the
moment the process starts, while the suite starts its Grafeas and the first
``setup`` is answered; each ``start`` waits for it and swaps a configuration in
(:class:`~kritis_sim.conformance.adapter_server.ReloadingWebhook`), which costs
a few milliseconds and no process. ``stop`` answers, stops the server and
returns; so does the end of the input.

Standard output carries only the answers: anything else the process would
print goes to standard error. A step that fails answers ``{"ok": false,
"error": ...}`` and the loop goes on; this module never exits on bad input.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

__all__ = ["SetupFn", "serve"]

#: ``setup(case_dir, grafeas_url, out_dir, defect)``, as in reference_adapter.
SetupFn = Callable[[Path, str, Path, "str | None"], None]


class _Server:
    """The webhook, warmed up in the background from the first moment."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="kritis-ref-serve-")
        self.webhook: Any = None
        self.thread: Any = None
        self.ca = ""
        self._warming: threading.Thread | None = None
        self._warm_error: Exception | None = None

    def warm_in_background(self) -> None:
        """:meth:`warm` in a thread, so that steps are answered meanwhile."""

        def run() -> None:
            try:
                self.warm()
            except Exception as exc:  # raised again by the next start
                self._warm_error = exc

        self._warming = threading.Thread(target=run, name="warm-up", daemon=True)
        self._warming.start()

    def _warmed(self) -> None:
        """Wait for the background warm-up; raise what it raised, once."""
        if self._warming is not None:
            self._warming.join()
            self._warming = None
        error, self._warm_error = self._warm_error, None
        if error is not None:
            raise error

    def warm(self) -> None:
        """Load the webhook's modules, make the TLS certificates and start
        the server (answering 503 until the first ``start``), so that the
        first ``start`` is a reload like the others."""
        from kritis_sim.admission.certs import make_certs, write_certs
        from kritis_sim.conformance.adapter_server import ReloadingWebhook, preload
        from kritis_sim.serving import ServerThread

        preload()
        paths = write_certs(make_certs(["localhost"]), Path(self._tmp.name))
        webhook = ReloadingWebhook()
        self.thread = ServerThread(
            webhook,
            ssl_certfile=str(paths["tls.crt"]),
            ssl_keyfile=str(paths["tls.key"]),
        ).start()
        self.ca, self.webhook = str(paths["ca.crt"]), webhook

    def start(self, config: Path) -> dict[str, Any]:
        self._warmed()
        if self.webhook is None:
            self.warm()
        self.webhook.reload(config)
        return {"ok": True, "url": self.thread.base_url, "ca": self.ca}

    def close(self) -> None:
        try:
            self._warmed()
        except Exception:  # nothing was started then, or only part of it
            pass
        if self.thread is not None:
            self.thread.stop()
        if self.webhook is not None:
            self.webhook.close()
        self._tmp.cleanup()


def _step(
    request: Any, server: _Server, setup: SetupFn, defect: str | None
) -> dict[str, Any]:
    if not isinstance(request, dict) or not isinstance(request.get("command"), str):
        return {"ok": False, "error": 'expected a JSON object with a "command"'}
    command = request["command"]
    if command == "setup":
        setup(
            Path(request["case"]), str(request["grafeas"]), Path(request["out"]), defect
        )
        return {"ok": True}
    if command == "start":
        return server.start(Path(request["config"]))
    if command == "stop":
        return {"ok": True}
    return {"ok": False, "error": f"unknown command {command!r}"}


def serve(
    defect: str | None = None,
    *,
    setup: SetupFn | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Answer protocol steps until ``stop`` or the end of the input.

    Args:
        defect: the defect every configuration gets (None: the reference).
        setup: replaces :func:`kritis_sim.conformance.reference_adapter.setup`
            (tests use it to pick a defect per case).
        stdin: where steps are read (default: ``sys.stdin``).
        stdout: where answers go (default: ``sys.stdout``, which is then
            pointed at stderr so nothing else can reach the channel).
    """
    from kritis_sim.conformance import reference_adapter

    setup = setup or reference_adapter.setup
    source = stdin or sys.stdin
    channel = stdout or sys.stdout
    if stdout is None:
        sys.stdout = sys.stderr
    server = _Server()
    try:
        server.warm_in_background()
        for line in source:
            try:
                request = json.loads(line)
            except ValueError:
                request = None
            try:
                reply = _step(request, server, setup, defect)
            except Exception as exc:  # answered, never fatal
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            channel.write(json.dumps(reply) + "\n")
            channel.flush()
            if isinstance(request, dict) and request.get("command") == "stop":
                break
    finally:
        server.close()
    return 0
