"""The reference adapter's server process: kritis-sim's webhook, reloadable.

Started once by ``kritis-sim conformance-adapter start`` and kept running for
the whole suite, so each case costs a configuration reload, not a process
start. It serves, on 127.0.0.1:

* the webhook (:func:`kritis_sim.admission.webhook.create_app`) over TLS with a
  fresh CA (``ca.crt`` in the state directory);
* a control endpoint over plain HTTP: ``POST /reload`` (body: the config
  directory) and ``POST /shutdown``.

A reload builds a new webhook app from the directory written by ``setup``
(``policy.yaml``, ``attestors.yaml``, ``adapter.json``) and swaps it in; the
old app's worker threads are released. With a defect configured, the defect's
hooks are applied around the reference components (see
:mod:`kritis_sim.conformance.defects`).

Run as ``python -m kritis_sim.conformance.adapter_server --config DIR --state FILE``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import re
import ssl
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kritis_sim.admission.certs import make_certs, write_certs
from kritis_sim.admission.enforcer import Enforcer, Judged, StaticPolicy
from kritis_sim.admission.webhook import WebhookConfig, create_app
from kritis_sim.conformance.defect_hooks import Context
from kritis_sim.conformance.defects import DEFECTS, Defect, get_defect
from kritis_sim.core.source import AttestationSource
from kritis_sim.core.target import DeployTarget
from kritis_sim.grafeas.client import GrafeasAttestationSource, GrafeasRestClient
from kritis_sim.model.attestor import Attestor, load_attestors
from kritis_sim.model.policy import Policy, load_policy
from kritis_sim.serving import ServerThread

__all__ = ["ReloadingWebhook", "main", "preload"]

Scope = dict[str, Any]


class _DefectiveEnforcer(Enforcer):
    """The reference enforcer with a defect's before/after decision hooks."""

    def __init__(
        self, defect: Defect, ctx: dict[str, Any], *args: Any, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self._defect = defect
        self._ctx = ctx

    async def judged(
        self,
        target: DeployTarget,
        images: Sequence[str],
        *,
        breakglass: bool,
        budget: float,
    ) -> Judged:
        imgs = tuple(images)
        if self._defect.before is not None:
            target, imgs, breakglass = self._defect.before(target, imgs, breakglass)
        judged = await super().judged(
            target, imgs, breakglass=breakglass, budget=budget
        )
        if self._defect.after is None:
            return judged
        ctx = Context(
            self._ctx["policy"], self._ctx["attestors"], self._ctx["source"],
            target, imgs, breakglass, datetime.now(UTC),
        )  # fmt: skip
        return judged._replace(decision=self._defect.after(judged.decision, ctx))


class _RequestRewriter:
    """ASGI middleware applying a defect's request hook to AdmissionReviews."""

    def __init__(self, app: Any, defect: Defect) -> None:
        self.app = app
        self.defect = defect

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope.get("path") != "/validate"
            or self.defect.request is None
        ):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            body = json.dumps(self.defect.request(json.loads(body))).encode()
        except (ValueError, AttributeError, TypeError):
            pass
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app(dict(scope, headers=headers), replay, send)


class _LateReply:
    """ASGI middleware holding every reply until ``late_by`` seconds past the
    request's ``?timeout=`` (the verdict itself is untouched)."""

    def __init__(self, app: Any, late_by: float) -> None:
        self.app = app
        self.late_by = late_by

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        match = re.search(r"(?:^|&)timeout=(\d+)s", query)
        due = time.monotonic() + float(match.group(1) if match else 10) + self.late_by

        async def late_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            await send(message)

        await self.app(scope, receive, late_send)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every Grafeas client of the process: building one
    reads the CA bundle, which took most of a configuration reload."""
    return httpx.create_ssl_context()


@functools.lru_cache(maxsize=256)
def _policy(text: str) -> Policy:
    """A policy parsed once per text: many configurations share one (their
    values are frozen, so sharing them between webhooks is safe)."""
    return load_policy(text)


@functools.lru_cache(maxsize=256)
def _attestors(text: str) -> tuple[Attestor, ...]:
    """Attestors parsed once per text (their keys with them): the 81
    catalogue configurations hold 24 different attestor files."""
    return load_attestors(text)


def preload() -> None:
    """Do now what the first reload would: import httpx's transport (httpcore)
    and build the shared TLS context, so that a first configuration switch
    costs what the later ones do."""
    import httpcore  # noqa: F401  (httpx imports it on the first transport)

    _tls_context()


def _source(
    settings: dict[str, Any], defect: Defect | None, attestors: Sequence[Attestor]
) -> AttestationSource:
    """A fresh attestation source on the suite's Grafeas (the defect's wrapper
    applied): each enforcer owns, and closes, its own (and its connections)."""
    client = GrafeasRestClient(
        settings["grafeas"], transport=httpx.HTTPTransport(verify=_tls_context())
    )
    source: AttestationSource = GrafeasAttestationSource(client)
    if defect is not None and defect.source is not None:
        source = defect.source(source, attestors, client)
    return source


def build_platform_webhook(
    config_dir: Path, settings: dict[str, Any]
) -> tuple[Any, Any]:
    """The webhook enforcing a platform case's policy: the loaders and judge
    of ``kritis-sim webhook --platform-policy`` (``--trusted-builders``,
    ``--image-metadata``), reading occurrences from the suite's Grafeas, with
    a platform defect's hooks (:mod:`kritis_sim.conformance.defects_platform`)."""
    from kritis_sim.admission.enforcer import StaticJudge
    from kritis_sim.admission.platform_inputs import (
        load_gke_policy,
        load_trusted_builders,
    )
    from kritis_sim.conformance.defects_platform import get_platform_defect
    from kritis_sim.core.judges import PlatformJudge
    from kritis_sim.grafeas.client import GrafeasPlatformOccurrences
    from kritis_sim.model.image_metadata import load_image_metadata_file

    defect = get_platform_defect(settings.get("defect"))
    policy = load_gke_policy(str(config_dir / "policy.yaml"))
    builders = config_dir / "trusted-builders.json"
    metadata = config_dir / "image-metadata.json"
    if defect is not None and defect.policy is not None:
        policy = defect.policy(policy)
    judge: Any = PlatformJudge(
        policy,
        image_metadata=load_image_metadata_file(metadata) if metadata.is_file() else {},
        trusted_builders=load_trusted_builders(
            str(builders) if builders.is_file() else None
        ),
    )
    if defect is not None and defect.judge is not None:
        judge = defect.judge(judge)
    client = GrafeasRestClient(
        settings["grafeas"], transport=httpx.HTTPTransport(verify=_tls_context())
    )
    source: Any = GrafeasPlatformOccurrences(client)
    if defect is not None and defect.source is not None:
        source = defect.source(source)
    app = create_app(
        WebhookConfig(
            policy_provider=None, judge_provider=StaticJudge(judge), source=source
        )
    )
    return app, app.state.webhook


def build_webhook(config_dir: Path) -> tuple[Any, Any]:
    """The webhook app for one ``setup`` output directory, and its enforcer."""
    settings = json.loads((config_dir / "adapter.json").read_text(encoding="utf-8"))
    if settings.get("model") == "platform":
        return build_platform_webhook(config_dir, settings)
    if settings.get("semantics") == "kritis":
        from kritis_sim.conformance.defects_kritis import build_kritis_webhook

        return build_kritis_webhook(config_dir, settings, _source(settings, None, ()))
    name = settings.get("defect")
    defect = get_defect(name if name in DEFECTS else None)  # platform: no-op here
    policy_text = (config_dir / "policy.yaml").read_text(encoding="utf-8")
    if defect is not None and defect.policy_text is not None:
        policy_text = defect.policy_text(policy_text)
    policy = _policy(policy_text)
    attestors = _attestors((config_dir / "attestors.yaml").read_text(encoding="utf-8"))
    if defect is not None and defect.policy is not None:
        policy = defect.policy(policy)
    config = WebhookConfig(
        policy_provider=StaticPolicy(policy, attestors),
        source=_source(settings, defect, attestors),
        cluster=settings.get("cluster"),
        istio_trust_domain=settings.get("istioTrustDomain"),
    )
    app = create_app(config)
    hook = app.state.webhook
    if defect is not None and (defect.before or defect.after):
        hook.enforcer.close()  # closes its source too: the replacement gets its own
        source = _source(settings, defect, attestors)
        ctx = {"policy": policy, "attestors": attestors, "source": source}
        hook.enforcer = _DefectiveEnforcer(
            defect, ctx, config.policy_provider, source,
            clock=config.clock, options=config.options, workers=config.workers,
        )  # fmt: skip
    outer: Any = app
    if defect is not None and defect.request is not None:
        outer = _RequestRewriter(app, defect)
    if defect is not None and defect.late_by is not None:
        outer = _LateReply(outer, defect.late_by)
    return outer, hook


async def _unconfigured(scope: Scope, receive: Any, send: Any) -> None:
    """What :class:`ReloadingWebhook` answers before its first configuration."""
    if scope["type"] != "http":
        return
    body = b"no configuration yet: start one first\n"
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class ReloadingWebhook:
    """An ASGI app forwarding to the current webhook; :meth:`reload` swaps it.

    Args:
        config_dir: the first configuration (None: answer 503 until the first
            :meth:`reload`).
    """

    def __init__(self, config_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._app: Any = _unconfigured
        self._hook: Any = None
        if config_dir is not None:
            self._app, self._hook = build_webhook(config_dir)

    def reload(self, config_dir: Path) -> None:
        """Serve the configuration in ``config_dir`` from now on."""
        app, hook = build_webhook(config_dir)
        with self._lock:
            old, self._app, self._hook = self._hook, app, hook
        if old is not None:
            old.enforcer.close()

    def close(self) -> None:
        """Release the current webhook's enforcer (its workers and source)."""
        with self._lock:
            hook = self._hook
        if hook is not None:
            hook.enforcer.close()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)


def _control_app(webhook: ReloadingWebhook, stop: threading.Event) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def reload(request: Request) -> PlainTextResponse:
        try:
            webhook.reload(Path((await request.body()).decode()))
        except Exception as exc:
            return PlainTextResponse(f"reload failed: {exc}\n", status_code=500)
        return PlainTextResponse("ok\n")

    async def shutdown(request: Request) -> PlainTextResponse:
        stop.set()
        return PlainTextResponse("bye\n")

    return Starlette(routes=[Route("/reload", reload, methods=["POST"]),
                             Route("/shutdown", shutdown, methods=["POST"])])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until ``/shutdown`` or SIGTERM; write the state file when ready."""
    parser = argparse.ArgumentParser(prog="kritis_sim.conformance.adapter_server")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args(argv)
    state_dir = args.state.parent
    paths = write_certs(make_certs(["localhost"]), state_dir / "tls")
    webhook = ReloadingWebhook(args.config)
    stop = threading.Event()
    with ServerThread(webhook, ssl_certfile=str(paths["tls.crt"]), ssl_keyfile=str(paths["tls.key"])) as hook_server, \
            ServerThread(_control_app(webhook, stop)) as control:  # fmt: skip
        state = {
            "url": hook_server.base_url,
            "ca": str(paths["ca.crt"]),
            "control": control.base_url,
        }
        tmp = args.state.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(args.state)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
