"""The admission webhook as a Starlette ASGI app.

Routes:

* ``POST /validate``: AdmissionReview (``admission.k8s.io/v1`` or ``v1beta1``),
  answered in the version sent;
* ``POST /imagereview``: ImageReview (``imagepolicy.k8s.io/v1alpha1``), the
  ImagePolicyWebhook protocol GKE's enforcement rides on;
* ``GET /healthz`` (the process is up), ``GET /readyz`` (the policy source
  answers), ``GET /metrics`` (Prometheus text).

A body that cannot be judged (not JSON, wrong apiVersion or kind, no request or
uid, an object of unknown shape) or that the API server would never send (an
unserved kind or apiVersion, a bad namespace or name) gets HTTP 400 with a
message; a body over ``max_body_bytes`` gets 413. Everything else gets a review
reply: an unexpected internal error becomes a denial, never an admission and
never a 500. An UPDATE that changes no image is admitted unjudged and audited
(``judge_updates``, see :mod:`kritis_sim.admission.updates`). Decisions
are made by an :class:`~kritis_sim.admission.enforcer.Enforcer` within the
request's ``?timeout=`` minus a margin. :class:`WebhookConfig` and
:func:`parse_timeout` live in :mod:`kritis_sim.admission.webhook_config`
(re-exported here).

The same app runs in-process (``httpx.ASGITransport``) and over TLS
(:class:`kritis_sim.serving.ServerThread`). This module wires HTTP to the
other admission modules; it does not parse images or decide.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kritis_sim.admission.audit import audit_record, not_rejudged_record
from kritis_sim.admission.enforcer import (
    Enforcer,
)
from kritis_sim.admission.metrics import CONTENT_TYPE, Metrics, verdict_label
from kritis_sim.admission.review import (
    AdmissionVerdict,
    admission_reply,
    decode_json,
    image_review_reply,
    parse_admission_review,
    parse_image_review,
)
from kritis_sim.admission.verdicts import decision_verdict, not_applicable_verdict
from kritis_sim.admission.webhook_config import (
    WebhookConfig,
    parse_timeout,
    request_budget,
)
from kritis_sim.admission.workloads import (
    NotApplicable,
    NotRejudged,
    Workload,
    deploy_target,
    workload_from_admission,
    workload_from_image_review,
)
from kritis_sim.core.fixes import Fix, judge_fixes
from kritis_sim.errors import InputError

__all__ = ["WebhookConfig", "create_app", "parse_timeout"]

READY_TIMEOUT_S = 5.0


class _BodyTooLargeError(Exception):
    pass


class _Webhook:
    """Request handlers sharing one enforcer, metrics and audit log."""

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self.enforcer = Enforcer(
            config.policy_provider,
            config.source,
            clock=config.clock,
            options=config.options,
            workers=config.workers,
            judge_provider=config.judge_provider,
        )
        self.metrics = Metrics(lambda: self.enforcer.store_errors)

    async def _body(self, request: Request) -> bytes:
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > limit:
                raise _BodyTooLargeError
            # The server frames the body by Content-Length: it cannot run
            # longer. Read the ASGI messages directly (Request.body() adds a
            # visible share of a request's cost for the same bytes).
            parts: list[bytes] = []
            while True:
                message = await request.receive()
                if message["type"] != "http.request":
                    raise ClientDisconnect
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    return parts[0] if len(parts) == 1 else b"".join(parts)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _BodyTooLargeError
            chunks.append(chunk)
        return b"".join(chunks)

    def _budget(self, request: Request) -> float:
        return request_budget(
            request.scope["query_string"],
            self.config.default_timeout,
            self.config.timeout_margin,
        )

    def _refuse(self, endpoint: str, status: int, message: str) -> Response:
        self.metrics.bad_request(endpoint)
        return _json({"error": message, "code": status}, status_code=status)

    async def _judge(
        self,
        endpoint: str,
        workload: Workload,
        budget: float,
        uid: str | None,
        operation: str | None,
        started: float,
    ) -> AdmissionVerdict:
        target = deploy_target(
            workload,
            cluster=self.config.cluster,
            trust_domain=self.config.istio_trust_domain,
        )
        remaining = max(budget - (time.perf_counter() - started), 0.001)
        decision, judge, read = await self.enforcer.judged(
            target,
            workload.images,
            breakglass=bool(workload.breakglass),
            budget=remaining,
        )
        elapsed = time.perf_counter() - started
        found: tuple[Fix, ...] = ()
        if not decision.verdict_allowed and not decision.failed_closed:
            # The seen key ids come from what the decision read: no store
            # read is made for them.
            found = judge_fixes(decision, judge, read)
        self.metrics.decision(
            endpoint,
            verdict_label(
                allowed=decision.allowed,
                verdict_allowed=decision.verdict_allowed,
                dry_run=decision.dry_run,
                breakglass=decision.breakglass,
            ),
            elapsed,
        )
        if self.config.audit_log is not None:
            self.config.audit_log.write(
                audit_record(
                    time=self.config.clock(),
                    endpoint=endpoint,
                    uid=uid,
                    operation=operation,
                    workload=workload,
                    target=target,
                    decision=decision,
                    latency_ms=elapsed * 1000,
                    fixes=found,
                )
            )
        return decision_verdict(decision, workload, target, found)

    async def validate(self, request: Request) -> Response:
        """POST /validate: an AdmissionReview."""
        started = time.perf_counter()
        try:
            budget = self._budget(request)
            parsed = parse_admission_review(decode_json(await self._body(request)))
            found = (self.config.interpret or workload_from_admission)(
                parsed, judge_updates=self.config.judge_updates
            )
        except _BodyTooLargeError:
            return self._refuse("validate", 413, self._too_large())
        except InputError as exc:
            return self._refuse("validate", 400, str(exc))
        except Exception as exc:  # a bug: refuse, never a 500 or a traceback
            return self._refuse("validate", 400, _unreadable(exc))
        if isinstance(found, NotRejudged):
            self._not_rejudged(parsed.uid, found, started)
            verdict = not_applicable_verdict(found)
        elif isinstance(found, NotApplicable):
            self.metrics.decision(
                "validate", "not_applicable", time.perf_counter() - started
            )
            verdict = not_applicable_verdict(found)
        else:
            try:
                verdict = await self._judge(
                    "validate", found, budget, parsed.uid, parsed.operation, started
                )
            except Exception as exc:
                verdict = _internal_error(exc)
        return _json(admission_reply(parsed, verdict))

    async def imagereview(self, request: Request) -> Response:
        """POST /imagereview: an ImageReview."""
        started = time.perf_counter()
        try:
            budget = self._budget(request)
            parsed = parse_image_review(decode_json(await self._body(request)))
            workload = workload_from_image_review(parsed)
        except _BodyTooLargeError:
            return self._refuse("imagereview", 413, self._too_large())
        except InputError as exc:
            return self._refuse("imagereview", 400, str(exc))
        except Exception as exc:  # a bug: refuse, never a 500 or a traceback
            return self._refuse("imagereview", 400, _unreadable(exc))
        try:
            verdict = await self._judge(
                "imagereview", workload, budget, None, None, started
            )
        except Exception as exc:
            verdict = _internal_error(exc)
        return _json(image_review_reply(verdict))

    def _not_rejudged(self, uid: str, outcome: NotRejudged, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.metrics.decision("validate", "not_rejudged", elapsed)
        if self.config.audit_log is not None:
            self.config.audit_log.write(
                not_rejudged_record(
                    time=self.config.clock(),
                    uid=uid,
                    outcome=outcome,
                    latency_ms=elapsed * 1000,
                )
            )

    def _too_large(self) -> str:
        return f"request body exceeds {self.config.max_body_bytes} bytes"

    async def healthz(self, request: Request) -> Response:
        """GET /healthz."""
        return PlainTextResponse("ok\n")

    async def readyz(self, request: Request) -> Response:
        """GET /readyz: 200 when the policy provider answers, else 503."""
        try:
            await asyncio.wait_for(
                run_in_threadpool(self.enforcer.check_policy), READY_TIMEOUT_S
            )
        except Exception as exc:
            return PlainTextResponse(
                f"not ready: policy source failed: {exc}\n", status_code=503
            )
        return PlainTextResponse("ready\n")

    async def metrics_text(self, request: Request) -> Response:
        """GET /metrics."""
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)


def _json(content: Any, status_code: int = 200) -> Response:
    """A compact UTF-8 JSON response (what JSONResponse sends, via orjson)."""
    return Response(
        orjson.dumps(content), status_code=status_code, media_type="application/json"
    )


def _unreadable(exc: Exception) -> str:
    return (
        "kritis-sim could not read the request (internal error, nothing was "
        f"admitted): {type(exc).__name__}: {exc}"
    )


def _internal_error(exc: Exception) -> AdmissionVerdict:
    message = (
        "kritis-sim webhook internal error, denying (fail closed): "
        f"{type(exc).__name__}: {exc}"
    )
    return AdmissionVerdict(
        allowed=False, message=message, audit_annotations={"failed-closed": "true"}
    )


def create_app(config: WebhookConfig) -> Starlette:
    """Build the webhook app. ``app.state.webhook`` holds the handlers
    (``.enforcer``, ``.metrics``); call ``app.state.webhook.enforcer.close()``
    when done to release worker threads."""
    hook = _Webhook(config)
    routes: list[Any] = [
        Route("/validate", hook.validate, methods=["POST"]),
        Route("/imagereview", hook.imagereview, methods=["POST"]),
        Route("/healthz", hook.healthz, methods=["GET"]),
        Route("/readyz", hook.readyz, methods=["GET"]),
        Route("/metrics", hook.metrics_text, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.webhook = hook
    return app
