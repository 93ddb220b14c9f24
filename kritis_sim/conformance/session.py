"""One adapter session: the adapter, the suite's Grafeas and the webhook client.

A :class:`Session` is what the runner (:mod:`kritis_sim.conformance.runner`),
the generated differential mode (:mod:`kritis_sim.conformance.differential`)
and the pytest form of the suite (:mod:`kritis_sim.conformance.test_suite`)
share: the adapter (per-call :class:`~kritis_sim.conformance.protocol.Adapter`
or persistent :class:`~kritis_sim.conformance.served.ServedAdapter`), the
suite's Grafeas (:class:`~kritis_sim.conformance.store.SuiteGrafeas`), the
configuration the adapter serves now, and one keep-alive HTTP client to its
webhook. It configures the adapter (only when a case's configuration differs
from the current one) and sends one review, timing the reply.
:func:`open_session` opens one and ends everything it started on exit.

It is not the runner: it plans no waves, compares no replies and classifies
no outcomes; it does not know what a case expects, only what it sends.
"""

from __future__ import annotations

import contextlib
import ssl
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.protocol import Adapter, Endpoint
from kritis_sim.conformance.reviews import build_review, review_path
from kritis_sim.conformance.served import PERSISTENT, REPLY_TIMEOUT_S, ServedAdapter
from kritis_sim.conformance.store import SuiteGrafeas
from kritis_sim.errors import ConformanceError

__all__ = ["CONCURRENCY", "GRACE_S", "Session", "open_session"]

#: How long past the request's ?timeout= the suite waits for a reply at all
#: (so a late reply is measured and reported, not just a transport error).
GRACE_S = 5.0
#: How many reviews of one configuration are in flight at once by default.
CONCURRENCY = 4


class Session:
    """One adapter, one Grafeas, the current endpoint and HTTP client.

    Args:
        adapter: the adapter, per-call or persistent.
        grafeas: the suite's Grafeas, already started.
        work: where configuration directories go.
    """

    def __init__(
        self, adapter: Adapter | ServedAdapter, grafeas: SuiteGrafeas, work: Path
    ) -> None:
        self.adapter = adapter
        self.grafeas = grafeas
        self.work = work
        self.config_key: str | None = None
        self.config_dir: Path | None = None
        self.endpoint: Endpoint | None = None
        self.client: httpx.Client | None = None
        self._n = 0
        self._broken: tuple[str, str] | None = None
        self._urls: dict[tuple[str, str, int], httpx.URL] = {}
        #: Sends the reviews of a wave concurrently (None: one at a time).
        self.pool: ThreadPoolExecutor | None = None
        #: The most reviews in flight at once.
        self.concurrency = 1

    def configure(self, case: Case) -> None:
        """Make the adapter serve ``case``'s configuration (a no-op when it
        already does). A configuration the adapter failed on fails its other
        cases with the same message, without asking the adapter again.

        Raises:
            ConformanceError: the adapter could not be configured.
        """
        if case.config_key == self.config_key and self.endpoint is not None:
            return
        if self._broken is not None and self._broken[0] == case.config_key:
            raise ConformanceError(self._broken[1])
        self._n += 1
        config_dir = self.work / f"config-{self._n:04d}"
        self.config_key = None
        try:
            self.adapter.setup(case.path, self.grafeas.url, config_dir)
            self.config_dir = config_dir
            endpoint = self.adapter.start(config_dir)
        except ConformanceError as exc:
            self._broken = (case.config_key, str(exc))
            raise
        self.config_key = case.config_key
        if self.endpoint != endpoint:
            if self.client is not None:
                self.client.close()
            verify: bool | ssl.SSLContext = (
                ssl.create_default_context(cafile=endpoint.ca_file)
                if endpoint.ca_file
                else True
            )
            self.client = httpx.Client(
                base_url=endpoint.base_url,
                verify=verify,
                limits=httpx.Limits(max_keepalive_connections=32),
            )
            self.endpoint = endpoint

    def reconfigure(self) -> None:
        """Forget the current configuration: the next case is set up afresh
        (for an adapter whose answers depend on more than the case)."""
        self.config_key = None
        self._broken = None

    @property
    def configurations(self) -> int:
        """How many configurations the adapter was given so far."""
        return self._n

    def _review_url(self, path: str, budget: int) -> httpx.URL:
        """``BASE/path?timeout=Ns``, parsed once per endpoint, path and budget
        (httpx parses a URL again to merge a base and parameters: about 6% of
        the suite process's CPU time per review, measured)."""
        assert self.client is not None
        key = (str(self.client.base_url), path, budget)
        url = self._urls.get(key)
        if url is None:
            base = key[0].rstrip("/")
            url = self._urls[key] = httpx.URL(f"{base}{path}?timeout={budget}s")
        return url

    def send(self, case: Case) -> tuple[dict[str, Any], int, Any, float]:
        """POST the case's review; returns (sent, status, body, reply seconds).

        Raises:
            ConformanceError: no reply within the request's ``?timeout=`` plus
                :data:`GRACE_S`, or the request failed.
        """
        assert self.client is not None
        sent = build_review(case.request)
        budget = case.request.timeout_s
        url = self._review_url(review_path(case.request), budget)
        t0 = time.perf_counter()
        try:
            for attempt in (1, 2):
                try:
                    reply = self.client.post(url, json=sent, timeout=budget + GRACE_S)
                    break
                except httpx.RemoteProtocolError:
                    # A kept-alive connection the server closed as the review
                    # went out (it answered nothing): sent once more, on a
                    # fresh connection; the time of both attempts counts.
                    if attempt == 2:
                        raise
        except httpx.TimeoutException:
            raise ConformanceError(
                f"no reply within {budget + GRACE_S:.0f} s (the request's "
                f"?timeout={budget}s plus {GRACE_S:.0f} s of grace)"
            ) from None
        except httpx.HTTPError as exc:
            raise ConformanceError(f"webhook request failed: {exc!r}") from None
        elapsed = time.perf_counter() - t0
        try:
            body = reply.json()
        except ValueError:
            body = reply.text
        return sent, reply.status_code, body, elapsed

    def close(self) -> None:
        """Stop the review pool, the client and the adapter."""
        if self.pool is not None:
            self.pool.shutdown()
        if self.client is not None:
            self.client.close()
        if self.config_dir is not None or isinstance(self.adapter, ServedAdapter):
            self.adapter.stop(self.config_dir or self.work)


def _prepare(
    per_call: Adapter, persistent: bool, reply_timeout: float
) -> tuple[frozenset[str], Adapter | ServedAdapter]:
    """The adapter's capabilities and the adapter to drive; a persistent one's
    ``serve`` process is started at once, so that it loads meanwhile."""
    capabilities = per_call.capabilities()
    if not (persistent and PERSISTENT in capabilities):
        return capabilities, per_call
    served = ServedAdapter(per_call.argv, reply_timeout=reply_timeout)
    served.launch()
    return capabilities, served


@contextlib.contextmanager
def open_session(
    entrypoint: str,
    workdir: str | Path | None = None,
    *,
    persistent: bool = True,
    concurrency: int = CONCURRENCY,
    reply_timeout: float = REPLY_TIMEOUT_S,
) -> Iterator[tuple[Session, frozenset[str]]]:
    """An adapter with the suite's Grafeas around it, for running cases
    (:func:`~kritis_sim.conformance.runner.judge`,
    :func:`~kritis_sim.conformance.runner.judge_wave`); the adapter is stopped
    on exit.

    The suite's Grafeas starts while the adapter answers ``capabilities`` and,
    in the persistent mode, while its ``serve`` process loads (both are other
    processes), so opening costs about the longest of them, not their sum;
    on exit the adapter stops while the Grafeas does.

    Args:
        entrypoint: the adapter command line.
        workdir: where configuration directories go (default: a temporary one).
        persistent: use the adapter's persistent mode when it declares
            ``persistent`` (False: always the per-call protocol).
        concurrency: the most reviews in flight at once (1: one at a time).
        reply_timeout: persistent mode: how long a ``setup`` or ``stop`` may
            take (``start``: 60 s).
    """
    helper = ThreadPoolExecutor(1, "conformance-open")
    prepared = helper.submit(_prepare, Adapter(entrypoint), persistent, reply_timeout)
    session: Session | None = None
    closing: list[Future[None]] = []
    try:
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="kritis-conformance-", dir=workdir)
            )
            # Unwinds after the Grafeas stopped and before the directory goes
            # (a per-call adapter's stop reads its state there).
            stack.callback(lambda: [f.result() for f in closing])
            grafeas = stack.enter_context(SuiteGrafeas())
            capabilities, adapter = prepared.result()
            session = Session(adapter, grafeas, Path(tmp))
            if concurrency > 1:
                session.pool = ThreadPoolExecutor(concurrency, "conformance-review")
            session.concurrency = max(1, concurrency)
            try:
                yield session, capabilities
            finally:
                # The adapter stops while the suite's Grafeas does.
                closing.append(helper.submit(session.close))
    finally:
        helper.shutdown(wait=False)
        if session is None:  # the Grafeas failed to start: end a serve started
            try:
                _, adapter = prepared.result()
            except ConformanceError:
                pass
            else:
                if isinstance(adapter, ServedAdapter):
                    adapter.kill()
