"""The machine-readable report of a scenario run (``--format json``).

Shape::

    {"kritisSim": "<version>", "via": "inprocess", "ok": true,
     "summary": {"scenarios": N, "deploys": N, "allowed": N, "denied": N,
                 "dryRun": N, "breakglass": N, "expectationFailures": N,
                 "passed": N, "failed": N, "skipped": N},
     "scenarios": [<ScenarioResult.to_dict()>, ...]}

Each scenario entry holds its stages, environments, counts, the environments
each artifact reached, failures, and the full timeline with every decision.
This module builds plain data and JSON text; it writes no files.
"""

from __future__ import annotations

import json
from typing import Any

from kritis_sim import __version__
from kritis_sim.scenarios.result import RunSummary
from kritis_sim.scenarios.schema import Outcome

__all__ = ["report_data", "report_json", "summary_counts"]


def summary_counts(summary: RunSummary) -> dict[str, int]:
    """The summary table's numbers, and the checks passed, failed and skipped."""
    passed, failed, skipped = summary.tally()
    return {
        "scenarios": len(summary.results),
        "deploys": summary.deploys,
        "allowed": summary.count(Outcome.ALLOWED),
        "denied": summary.count(Outcome.DENIED),
        "dryRun": summary.count(Outcome.DRY_RUN),
        "breakglass": summary.count(Outcome.BREAKGLASS),
        "expectationFailures": summary.expectation_failures,
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
    }


def report_data(summary: RunSummary, *, via: str = "inprocess") -> dict[str, Any]:
    """The report as plain data."""
    return {
        "kritisSim": __version__,
        "via": via,
        "ok": summary.ok,
        "summary": summary_counts(summary),
        "scenarios": [r.to_dict() for r in summary.results],
    }


def report_json(summary: RunSummary, *, via: str = "inprocess") -> str:
    """The report as indented JSON text (with a trailing newline)."""
    return json.dumps(report_data(summary, via=via), indent=2, sort_keys=False) + "\n"
