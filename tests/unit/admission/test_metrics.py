"""The metrics registry: counters and a cumulative latency histogram."""

from __future__ import annotations

import re

from kritis_sim.admission.metrics import LATENCY_BUCKETS, Metrics, verdict_label


def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_histogram_is_cumulative_with_bounds_inclusive() -> None:
    metrics = Metrics(lambda: 3)
    for seconds in (0.0005, 0.001, 0.003, 0.003, 20.0):
        metrics.decision("validate", "allowed", seconds)
    samples = _samples(metrics.render())
    name = "kritis_sim_webhook_request_duration_seconds"

    def bucket(le: str) -> float:
        return samples[f'{name}_bucket{{endpoint="validate",le="{le}"}}']

    assert bucket("0.001") == 2  # le is "less than or equal"
    assert bucket("0.0025") == 2
    assert bucket("0.005") == 4
    assert bucket("10") == 4
    assert bucket("+Inf") == 5
    assert samples[f'{name}_count{{endpoint="validate"}}'] == 5
    assert abs(samples[f'{name}_sum{{endpoint="validate"}}'] - 20.0075) < 1e-9
    # Every bound appears once, in increasing order, and never decreases.
    values = [bucket(le) for le in re.findall(r'le="([^"]+)"', metrics.render())]
    assert len(values) == len(LATENCY_BUCKETS) + 1
    assert values == sorted(values)
    assert samples["kritis_sim_webhook_store_errors_total"] == 3
    assert (
        samples['kritis_sim_webhook_decisions_total{endpoint="validate",verdict="allowed"}']
        == 5
    )


def test_verdict_labels() -> None:
    assert verdict_label(allowed=False, verdict_allowed=False, dry_run=True, breakglass=True) == "denied"
    assert verdict_label(allowed=True, verdict_allowed=True, dry_run=False, breakglass=False) == "allowed"
    assert verdict_label(allowed=True, verdict_allowed=False, dry_run=True, breakglass=False) == "dry_run"
    assert verdict_label(allowed=True, verdict_allowed=False, dry_run=False, breakglass=True) == "breakglass"
