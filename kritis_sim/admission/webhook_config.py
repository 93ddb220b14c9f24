"""What the admission webhook is configured with, and how long a request may take.

* :class:`WebhookConfig`: everything :func:`kritis_sim.admission.webhook.create_app`
  needs (policy or judge provider, store, cluster, clock, audit log, limits).
* :func:`parse_timeout`: a Go duration (``10s``, ``1m30s``, ``500ms``) as the
  API server sends in ``?timeout=``; anything else is a
  :class:`~kritis_sim.errors.WebhookRequestError` (HTTP 400).
* :func:`request_budget`: the seconds a decision may take, the request's
  timeout (or the default) minus a margin of at most half of it.

This module holds values and parsing; it serves nothing and decides nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.enforcer import (
    Clock,
    JudgeProvider,
    PolicyProvider,
    utc_now,
)
from kritis_sim.admission.updates import JudgeUpdates
from kritis_sim.admission.workloads import NotApplicable, Workload
from kritis_sim.core.decide import DecisionOptions
from kritis_sim.core.source import AttestationSource
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import WebhookRequestError

__all__ = ["MAX_BODY_BYTES", "WebhookConfig", "parse_timeout", "request_budget"]

MAX_BODY_BYTES = 3 * 1024 * 1024


def _default_options() -> DecisionOptions:
    return DecisionOptions(cache=VerificationCache())


@dataclass(frozen=True)
class WebhookConfig:
    """Everything the webhook needs.

    Attributes:
        policy_provider: returns ``(policy, attestors)`` per request; may raise
            (the classic policy model).
        source: the store the judge reads (attestations for the classic
            model; a ``PlatformOccurrences`` for platform policies).
        cluster: ``location.name`` of the guarded cluster (cluster rules).
        istio_trust_domain: derive Istio identities when set.
        clock: the time source (default: ``datetime.now(UTC)``).
        options: decision switches; by default with a shared VerificationCache.
        audit_log: where decisions are recorded (None: not recorded).
        default_timeout: seconds, when the request has no ``?timeout=``.
        timeout_margin: seconds kept back from the timeout for the reply
            (never more than half the timeout).
        max_body_bytes: larger bodies get HTTP 413.
        workers: threads for policy and store reads.
        judge_updates: ``changed`` (an UPDATE that changes no image is
            admitted unjudged, and audited) or ``all`` (every UPDATE is judged).
        judge_provider: returns the :class:`~kritis_sim.core.judges.Judge`
            per request (any policy model, e.g. ``StaticJudge(PlatformJudge(...))``);
            instead of ``policy_provider``.
        interpret: reads an AdmissionReview's object into what is judged
            (default :func:`workload_from_admission`, GKE's reading; the Kritis
            profile inspects other kinds and its own breakglass annotation).
    """

    policy_provider: PolicyProvider | None
    source: AttestationSource | Any
    cluster: str | None = None
    istio_trust_domain: str | None = None
    clock: Clock = utc_now
    options: DecisionOptions = field(default_factory=_default_options)
    audit_log: AuditLog | None = None
    default_timeout: float = 10.0
    timeout_margin: float = 1.0
    max_body_bytes: int = MAX_BODY_BYTES
    workers: int = 16
    judge_updates: JudgeUpdates = "changed"
    judge_provider: JudgeProvider | None = None
    interpret: Callable[..., Workload | NotApplicable] | None = None


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_timeout(text: str) -> float:
    """Parse a Go duration such as ``10s``, ``1m30s`` or ``500ms`` into seconds.

    Raises:
        WebhookRequestError: not a positive duration.
    """
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text or total <= 0:
        raise WebhookRequestError(
            f"expected a positive Go duration such as '10s', got {text!r}",
            path="?timeout",
        )
    return total


@functools.lru_cache(maxsize=256)
def request_budget(query: bytes, default_timeout: float, margin: float) -> float:
    """Seconds a decision may take, from the raw query string's ``timeout``.

    Memoised on the raw bytes: an API server sends the same ``?timeout=`` on
    every call, and parsing it each time was a visible share of a request. A
    bad value raises (and exceptions are never memoised)."""
    raw = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)).get(
        "timeout"
    )
    timeout = default_timeout if raw is None else parse_timeout(raw)
    return timeout - min(margin, timeout / 2)
