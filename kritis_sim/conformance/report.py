"""Render a :class:`~kritis_sim.conformance.runner.SuiteResult`: JSON, JUnit, matrix.

* :func:`to_json`: ``{"summary": {passed, failed, skipped, xfailed}, "entrypoint",
  "capabilities", "seconds", "casesPerSecond", "configurations",
  "configurationsPerSecond", "generated": {cases, configurations, seconds,
  casesPerSecond, configurationsPerSecond, seed, batchSize, reloadSeconds,
  lateRetries, lateResent}
  (differential runs only), "cases": [...]}``;
* :func:`to_junit`: JUnit XML (one ``testcase`` per case; xfailed cases are
  reported as skipped with the reason, as pytest does);
* :func:`matrix`: a rich table of outcomes by feature tag (``core`` for cases
  without tags).

No I/O: callers write or print the results.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from rich.table import Table

from kritis_sim.conformance.features import CORE
from kritis_sim.conformance.runner import OUTCOMES, SuiteResult

__all__ = ["matrix", "to_json", "to_junit"]


def to_json(result: SuiteResult) -> dict[str, Any]:
    """The machine-readable report."""
    return {
        "summary": result.summary,
        "entrypoint": result.entrypoint,
        "capabilities": sorted(result.capabilities),
        "seconds": round(result.seconds, 3),
        "casesPerSecond": round(result.cases_per_second, 2),
        "configurations": result.configurations,
        "configurationsPerSecond": round(result.configurations_per_second, 2),
        **({"generated": result.generated} if result.generated else {}),
        "cases": [
            {
                "name": r.name,
                "outcome": r.outcome,
                "detail": r.detail,
                "features": list(r.features),
                "seconds": round(r.seconds, 4),
                "storeRequests": r.store_requests,
                "replySeconds": round(r.reply_seconds, 4),
                "expected": r.expected,
                "got": r.got,
            }
            for r in result.results
        ],
    }


def to_junit(result: SuiteResult) -> str:
    """JUnit XML text."""
    counts = result.summary
    suite = ET.Element(
        "testsuite",
        name="kritis-sim-conformance",
        tests=str(len(result.results)),
        failures=str(counts["failed"]),
        skipped=str(counts["skipped"] + counts["xfailed"]),
        errors="0",
        time=f"{result.seconds:.3f}",
    )
    for r in result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="conformance",
            name=r.name,
            time=f"{r.seconds:.3f}",
        )
        if r.outcome == "failed":
            ET.SubElement(case, "failure", message=r.detail[:500]).text = r.detail
        elif r.outcome in ("skipped", "xfailed"):
            prefix = "xfail: " if r.outcome == "xfailed" else ""
            ET.SubElement(case, "skipped", message=prefix + r.detail[:500])
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def matrix(result: SuiteResult) -> Table:
    """Outcome counts per feature tag."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for r in result.results:
        for tag in r.features or (CORE,):
            rows[tag][r.outcome] += 1
    table = Table(title=f"conformance: {result.entrypoint}")
    table.add_column("feature")
    styles = {
        "passed": "green",
        "failed": "red",
        "skipped": "yellow",
        "xfailed": "blue",
    }
    for outcome in OUTCOMES:
        table.add_column(outcome, justify="right", style=styles[outcome])
    for tag in sorted(rows, key=lambda t: (t != CORE, t)):
        table.add_row(tag, *(str(rows[tag][o]) for o in OUTCOMES))
    total = result.summary
    table.add_row("total", *(str(total[o]) for o in OUTCOMES), style="bold")
    return table
