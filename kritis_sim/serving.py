"""Run an ASGI app under uvicorn: in a background thread, or in the foreground.

Shared by the Grafeas/BinAuthz emulator and the admission webhook.

* :class:`ServerThread` is a context manager for tests and embedding: it binds
  the socket itself (so ``port=0`` yields a real, known port before the first
  request), serves from a daemon thread and stops cleanly on exit.
* :func:`serve` is for CLIs: it prints the base URL on a line of its own once
  the server accepts connections, and returns (exit code 0) on SIGINT/SIGTERM.

This module does not build apps, configure logging or choose certificates.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from types import FrameType, TracebackType
from typing import Any, TextIO

import uvicorn

__all__ = ["ServerThread", "serve"]

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


class ServerThread:
    """Serve ``app`` from a background thread while the context is open.

    Args:
        app: any ASGI application.
        host: address to bind; tests must keep the default loopback address.
        port: port to bind; 0 picks a free one (read it back from ``base_url``).
        ssl_certfile: PEM certificate chain; with ``ssl_keyfile`` turns on TLS.
        ssl_keyfile: PEM private key for ``ssl_certfile``.
        log_level: uvicorn's own log level (its access log is always off).
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        log_level: str = "warning",
    ) -> None:
        if (ssl_certfile is None) != (ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile must be given together")
        self._host = host
        self._port = port
        self._tls = ssl_certfile is not None
        self._config = uvicorn.Config(
            app,
            host=host,
            port=port,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            server_header=False,
        )
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None
        self.base_url = ""

    def start(self) -> ServerThread:
        """Bind, start serving and wait until connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # IPPROTO_TCP (not 0) so asyncio turns on TCP_NODELAY for accepted sockets
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        port = sock.getsockname()[1]
        host = f"[{self._host}]" if family == socket.AF_INET6 else self._host
        scheme = "https" if self._tls else "http"
        self.base_url = f"{scheme}://{host}:{port}"
        self._thread = threading.Thread(
            target=self._run, name=f"uvicorn-{port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(
                    f"server on {self.base_url} failed to start"
                ) from self._error
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server on {self.base_url} did not start")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        assert self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start()/stop()
            self._error = exc

    def stop(self) -> None:
        """Ask the server to finish in-flight requests and wait for the thread."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(_STOP_TIMEOUT_S)
        if self._thread.is_alive():  # pragma: no cover - a stuck request
            self._server.force_exit = True
            self._thread.join(_STOP_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
        self._thread = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    ready_message_stream: TextIO | None = None,
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, then stop cleanly and return.

    Once the server accepts connections its base URL (for example
    ``http://127.0.0.1:40123``) is written to ``ready_message_stream`` on a line
    of its own and flushed. Must be called from the main thread.
    """
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {
        sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with ServerThread(
            app,
            host=host,
            port=port,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        ) as server:
            if ready_message_stream is not None:
                print(server.base_url, file=ready_message_stream, flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
