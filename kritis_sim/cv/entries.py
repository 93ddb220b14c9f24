"""CV log entries in the shape GKE writes them to Cloud Logging.

One Cloud Logging ``LogEntry`` per violating Pod, whose ``jsonPayload`` is a
``google.cloud.binaryauthorization.v1beta1.ContinuousValidationEvent`` with a
``podEvent`` (``pod``, ``podNamespace``, ``policyName`` for platform
policies, ``deployTime``, ``verdict``, ``images`` with ``image``,
``containerName``, ``containerType``, ``result``, ``description`` and
``checkResults``), or with a ``configErrorEvent`` (``description``). Field
names are the proto3 JSON names documented in
``shared/reference/continuous-validation.md`` §4; ``resource`` is the
``k8s_cluster`` of ``--cluster`` and ``--project``, ``severity`` is
``WARNING``, ``logName`` is ``projects/P/logs/binaryauthorization.googleapis.com%2Fcontinuous_validation``.

Choices where the reference is silent: only denied images are listed (as the
documented example); an image with ``checkResults`` carries no
``description`` (legacy CV's field, absent in the platform-policy example);
a Pod whose evaluation failed gets verdict
``POLICY_CONFORMANCE_VERDICT_UNSPECIFIED``; ``endTime`` is absent (only
running Pods are validated); a breakglassed Pod is marked in the entry's
``labels`` (``kritis-sim/breakglass``), a LogEntry field GKE's payload does
not carry; fields that are unknown (no project, no cluster, no container
name) are left out rather than invented. This module formats; it judges
nothing.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kritis_sim.cv.items import CvItem
from kritis_sim.cv.judge import Judgement

__all__ = [
    "BREAKGLASS_LABEL",
    "EVENT_TYPE",
    "LOG_ID",
    "Cluster",
    "config_error_entry",
    "dumps",
    "pod_event_entry",
    "rfc3339",
]

EVENT_TYPE = (
    "type.googleapis.com/google.cloud.binaryauthorization.v1beta1."
    "ContinuousValidationEvent"
)
LOG_ID = "binaryauthorization.googleapis.com%2Fcontinuous_validation"
#: LogEntry label marking a breakglassed Pod (its value: the markers).
BREAKGLASS_LABEL = "kritis-sim/breakglass"


@dataclass(frozen=True, slots=True)
class Cluster:
    """The monitored ``k8s_cluster``; None parts are not known."""

    project: str | None
    location: str | None
    name: str | None

    @classmethod
    def parse(cls, cluster: str | None, project: str | None) -> Cluster:
        """From ``--cluster LOCATION.NAME`` (None: not given) and a project."""
        location, _, name = (cluster or "").partition(".")
        return cls(project, location or None, name or None)

    def resource(self) -> dict[str, Any]:
        labels = {
            "project_id": self.project,
            "location": self.location,
            "cluster_name": self.name,
        }
        return {
            "type": "k8s_cluster",
            "labels": {k: v for k, v in labels.items() if v is not None},
        }


@functools.lru_cache(maxsize=4096)
def rfc3339(when: datetime) -> str:
    """``2022-11-22T01:06:53Z`` (UTC, microseconds only when present);
    remembered (a pass writes the same ``now`` into every entry, and the
    Pods of one rollout share deploy times)."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _entry(
    payload: dict[str, Any], cluster: Cluster, now: datetime, seed: str
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "insertId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}@{rfc3339(now)}")),
        "jsonPayload": {"@type": EVENT_TYPE, **payload},
        "resource": cluster.resource(),
        "timestamp": rfc3339(now),
        "severity": "WARNING",
    }
    if cluster.project is not None:
        entry["logName"] = f"projects/{cluster.project}/logs/{LOG_ID}"
    return entry


def pod_event_entry(
    item: CvItem, judgement: Judgement, *, cluster: Cluster, now: datetime
) -> dict[str, Any]:
    """The ``podEvent`` entry of one Pod that violates (or failed to evaluate)."""
    workload = item.workload
    images: list[dict[str, Any]] = []
    for container, result in zip(item.containers, judgement.images, strict=True):
        if result.allowed and judgement.error is None:
            continue
        image: dict[str, Any] = {"image": result.image}
        if container.name is not None:
            image["containerName"] = container.name
        image["containerType"] = container.type
        image["result"] = "ALLOW" if result.allowed else "DENY"
        if result.check_results:  # platform policies: the checks say why
            image["checkResults"] = list(result.check_results)
        else:
            image["description"] = result.description
        images.append(image)
    event: dict[str, Any] = {
        "pod": workload.name or "",
        "podNamespace": workload.namespace,
    }
    if judgement.policy_name is not None:
        event["policyName"] = judgement.policy_name
    if item.deploy_time is not None:
        event["deployTime"] = rfc3339(item.deploy_time)
    event["verdict"] = (
        "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED"
        if judgement.error is not None
        else "VIOLATES_POLICY"
    )
    event["images"] = images
    entry = _entry(
        {"podEvent": event}, cluster, now, f"{workload.namespace}/{workload.name}"
    )
    if workload.breakglass:
        entry["labels"] = {BREAKGLASS_LABEL: ", ".join(workload.breakglass)}
    return entry


def config_error_entry(
    description: str, *, cluster: Cluster, now: datetime
) -> dict[str, Any]:
    """A ``configErrorEvent`` entry."""
    return _entry(
        {"configErrorEvent": {"description": description}}, cluster, now, description
    )


def dumps(entry: dict[str, Any]) -> str:
    """One entry as one JSON line."""
    return json.dumps(entry, separators=(",", ":"))
