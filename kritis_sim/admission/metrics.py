"""Webhook metrics in the Prometheus text exposition format (version 0.0.4).

Three families, enough to watch an enforcer:

* ``kritis_sim_webhook_decisions_total{endpoint, verdict}``: a counter, verdict
  one of ``allowed``, ``denied``, ``dry_run``, ``breakglass``, ``not_applicable``,
  ``not_rejudged`` (an UPDATE that changes no image);
* ``kritis_sim_webhook_request_duration_seconds{endpoint}``: a histogram of
  decision latency;
* ``kritis_sim_webhook_store_errors_total``: store and policy-source failures
  and timeouts (each one made a decision fail closed);

plus ``kritis_sim_webhook_bad_requests_total`` for HTTP 400/413 replies.

A tiny thread-safe registry written for these families only; it is not a
general Prometheus client.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable

__all__ = ["CONTENT_TYPE", "LATENCY_BUCKETS", "Metrics", "verdict_label"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Histogram upper bounds in seconds.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

_PREFIX = "kritis_sim_webhook_"


def verdict_label(
    *, allowed: bool, verdict_allowed: bool, dry_run: bool, breakglass: bool
) -> str:
    """The ``verdict`` label of one decision."""
    if not allowed:
        return "denied"
    if verdict_allowed:
        return "allowed"
    return "dry_run" if dry_run else "breakglass" if breakglass else "allowed"


def _format(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


class Metrics:
    """Counters and a latency histogram, rendered on demand.

    Args:
        store_errors: reads an external store-error count (the Enforcer's)
            at render time, so there is one source of truth.
    """

    def __init__(self, store_errors: Callable[[], int] = lambda: 0) -> None:
        self._lock = threading.Lock()
        self._decisions: dict[tuple[str, str], int] = defaultdict(int)
        self._bad_requests: dict[str, int] = defaultdict(int)
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = defaultdict(float)
        self._counts: dict[str, int] = defaultdict(int)
        self._store_errors = store_errors

    def decision(self, endpoint: str, verdict: str, seconds: float) -> None:
        """Count one decision and observe its latency."""
        with self._lock:
            self._decisions[(endpoint, verdict)] += 1
            # One slot per bucket plus +Inf, counted singly here and summed
            # into Prometheus' cumulative form only when rendered.
            buckets = self._buckets.get(endpoint)
            if buckets is None:
                buckets = self._buckets[endpoint] = [0] * (len(LATENCY_BUCKETS) + 1)
            buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self._sums[endpoint] += seconds
            self._counts[endpoint] += 1

    def bad_request(self, endpoint: str) -> None:
        """Count one request answered with HTTP 4xx."""
        with self._lock:
            self._bad_requests[endpoint] += 1

    def render(self) -> str:
        """The exposition text."""
        with self._lock:
            decisions = dict(self._decisions)
            bad = dict(self._bad_requests)
            buckets = {k: list(v) for k, v in self._buckets.items()}
            sums, counts = dict(self._sums), dict(self._counts)
        lines = [
            f"# HELP {_PREFIX}decisions_total Admission decisions by verdict.",
            f"# TYPE {_PREFIX}decisions_total counter",
        ]
        for (endpoint, verdict), n in sorted(decisions.items()):
            lines.append(
                f'{_PREFIX}decisions_total{{endpoint="{endpoint}",'
                f'verdict="{verdict}"}} {n}'
            )
        name = f"{_PREFIX}request_duration_seconds"
        lines += [
            f"# HELP {name} Time to decide one review.",
            f"# TYPE {name} histogram",
        ]
        for endpoint, counts_le in sorted(buckets.items()):
            cumulative = 0
            for bound, n in zip(LATENCY_BUCKETS, counts_le, strict=False):
                cumulative += n
                lines.append(
                    f'{name}_bucket{{endpoint="{endpoint}",le="{_format(bound)}"}} '
                    f"{cumulative}"
                )
            total = counts[endpoint]
            lines.append(f'{name}_bucket{{endpoint="{endpoint}",le="+Inf"}} {total}')
            lines.append(f'{name}_sum{{endpoint="{endpoint}"}} {sums[endpoint]!r}')
            lines.append(f'{name}_count{{endpoint="{endpoint}"}} {total}')
        lines += [
            f"# HELP {_PREFIX}store_errors_total Store or policy-source failures "
            "and timeouts (each failed closed).",
            f"# TYPE {_PREFIX}store_errors_total counter",
            f"{_PREFIX}store_errors_total {self._store_errors()}",
            f"# HELP {_PREFIX}bad_requests_total Reviews refused with HTTP 4xx.",
            f"# TYPE {_PREFIX}bad_requests_total counter",
        ]
        for endpoint, n in sorted(bad.items()):
            lines.append(f'{_PREFIX}bad_requests_total{{endpoint="{endpoint}"}} {n}')
        return "\n".join(lines) + "\n"
