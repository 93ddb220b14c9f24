"""The webhook's audit log: one JSON object per line, one line per decision.

Each record says when, which request (uid, kind, namespace, name), the deploy
target, every image with its verdict and reason, whether breakglass was used
(and which marker asked for it), whether dry-run admitted a denial, whether the
decision failed closed, and how long it took. Breakglass is always recorded,
whatever the verdict, as GKE's Cloud Audit Logs do, and so is a breakglass
marker that was not honoured because it sat on a controller's own metadata.
An UPDATE that changes no image gets a record too, saying its images were not
re-judged (``imagesRejudged: false``).

This module formats and writes lines; it does not decide what to log about.
Writes are serialised by a lock so concurrent requests never interleave.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from kritis_sim.admission.workloads import NotRejudged, Workload
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.decision import Decision
from kritis_sim.model.fix import Fix

__all__ = ["AuditLog", "AuditRecord", "audit_record", "not_rejudged_record"]

AuditRecord = dict[str, Any]


def audit_record(
    *,
    time: datetime,
    endpoint: str,
    uid: str | None,
    operation: str | None,
    workload: Workload,
    target: DeployTarget,
    decision: Decision,
    latency_ms: float,
    fixes: tuple[Fix, ...] = (),
) -> AuditRecord:
    """The JSON-ready record of one decision (``fixes``: what would make each
    denied image pass, from :mod:`kritis_sim.core.fixes`; omitted when none)."""
    record: AuditRecord = {
        "time": time.isoformat(),
        "endpoint": endpoint,
        "uid": uid,
        "operation": operation,
        "kind": workload.kind,
        "namespace": workload.namespace,
        "name": workload.name,
        "target": {
            "cluster": target.cluster,
            "namespace": target.namespace,
            "serviceAccount": target.service_account,
            "istioIdentity": target.istio_identity,
        },
        "allowed": decision.allowed,
        "verdictAllowed": decision.verdict_allowed,
        "breakglass": decision.breakglass,
        "breakglassMarkers": list(workload.breakglass),
        "misplacedBreakglass": list(workload.misplaced_breakglass),
        "dryRun": decision.dry_run,
        "failedClosed": decision.failed_closed,
        "message": decision.message,
        "images": [
            {
                "image": v.image,
                "allowed": v.allowed,
                "rule": v.rule.describe(),
                "reason": v.reason,
                "dryRun": v.dry_run,
            }
            for v in decision.images
        ],
        "latencyMs": round(latency_ms, 3),
    }
    if fixes:
        record["fixes"] = [f.to_dict() for f in fixes]
    return record


def not_rejudged_record(
    *,
    time: datetime,
    uid: str,
    outcome: NotRejudged,
    latency_ms: float,
) -> AuditRecord:
    """The record of an UPDATE admitted without re-judging its images."""
    workload = outcome.workload
    return {
        "time": time.isoformat(),
        "endpoint": "validate",
        "uid": uid,
        "operation": "UPDATE",
        "kind": workload.kind,
        "namespace": workload.namespace,
        "name": workload.name,
        "allowed": True,
        "imagesRejudged": False,
        "message": outcome.reason,
        "images": [{"image": image, "rejudged": False} for image in workload.images],
        "breakglassMarkers": list(workload.breakglass),
        "latencyMs": round(latency_ms, 3),
    }


@dataclass
class AuditLog:
    """Append JSON lines to a text stream.

    Use :meth:`open` for a path (or ``-`` for stderr) and :meth:`close` when
    done; closing never closes stderr.
    """

    stream: TextIO
    owned: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @classmethod
    def open(cls, target: str | Path) -> AuditLog:
        """``-`` means stderr; anything else is a file opened for appending."""
        if str(target) == "-":
            return cls(sys.stderr)
        return cls(Path(target).open("a", encoding="utf-8"), owned=True)

    def write(self, record: AuditRecord) -> None:
        """Write one record as one line and flush."""
        line = json.dumps(record, separators=(",", ":"), sort_keys=True)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Close the file if this log opened it."""
        if self.owned:
            self.stream.close()
