"""Workloads from audit logs: Kubernetes ``audit.k8s.io/v1`` Events and
kritis-sim's own webhook audit log, both JSON lines.

Kubernetes audit log: each line is an ``Event``. The workload is the
``requestObject`` of a ``create`` or ``update`` of a workload resource
(``pods``, ``deployments``, ...), read at stage ``ResponseComplete`` and only
when the request succeeded; it is admitted at ``requestReceivedTimestamp``.
A later ``delete`` of the same object removes it, a later create/update
replaces it. Everything else is skipped with a reason: other verbs
(``patch`` carries a patch, not the object), other stages, subresources,
failed requests, events without ``requestObject`` (audit level ``Metadata``),
Events of other ``audit.k8s.io`` versions, and a truncated last line (a log
still being written). A line in the middle that is not JSON, or a line that
is not an audit Event at all, is unusable: the file and line are named.

kritis-sim's webhook audit log is read by :mod:`kritis_sim.cv.webhook_audit`;
:func:`read_webhook_audit` and :func:`webhook_admissions` are re-exported
here. This module reads; it does not judge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from kritis_sim._yaml import Locator
from kritis_sim.admission.k8s_schema import name_problem
from kritis_sim.admission.workloads import Workload
from kritis_sim.cv.items import (
    CvItem,
    Found,
    Skip,
    item_from_object,
    keep_pod_deploy_time,
    record_time,
)
from kritis_sim.cv.lines import Lines, json_lines
from kritis_sim.cv.webhook_audit import read_webhook_audit, webhook_admissions
from kritis_sim.errors import InputError, ManifestError

__all__ = [
    "Change",
    "Found",
    "Lines",
    "json_lines",
    "k8s_audit_admissions",
    "k8s_audit_changes",
    "read_k8s_audit",
    "read_webhook_audit",
    "webhook_admissions",
]

#: Workload resources (objectRef.resource) -> kind.
RESOURCES = {
    "pods": "Pod",
    "podtemplates": "PodTemplate",
    "replicationcontrollers": "ReplicationController",
    "deployments": "Deployment",
    "replicasets": "ReplicaSet",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
    "jobs": "Job",
    "cronjobs": "CronJob",
}


def _str(event: Mapping[str, Any], key: str) -> str | None:
    value = event.get(key)
    return value if isinstance(value, str) else None


def _event(event: Any, source: str, line: int) -> tuple[str, dict[str, Any]] | Skip:
    """``(verb, ...)`` for a create/update/delete to apply, else a Skip.
    (Runs once per event: the place is written only for a Skip.)"""
    get = event.get if type(event) is dict else None
    api_version = get("apiVersion") if get is not None else None
    if (
        get is None
        or type(api_version) is not str
        or not api_version.startswith("audit.k8s.io/")
        or get("kind") != "Event"
    ):
        raise InputError(
            "expected a Kubernetes audit Event (apiVersion audit.k8s.io/v1, "
            f"kind Event), got apiVersion {api_version!r}",
            source=source,
            line=line,
        )
    if api_version != "audit.k8s.io/v1":
        return Skip(
            f"audit Event of {api_version} (only audit.k8s.io/v1 is read)",
            f"{source}:{line}",
        )
    stage = get("stage")
    if stage != "ResponseComplete":
        return Skip(
            f"stage {stage} (only ResponseComplete is read)", f"{source}:{line}"
        )
    ref = get("objectRef")
    ref = ref if type(ref) is dict else {}
    resource = ref.get("resource")
    if type(resource) is not str or resource not in RESOURCES:
        resource = resource if type(resource) is str else None
        return Skip(f"resource {resource} runs no pods", f"{source}:{line}")
    subresource = ref.get("subresource")
    if subresource:
        return Skip(f"subresource {resource}/{subresource}", f"{source}:{line}")
    verb = get("verb")
    verb = verb if type(verb) is str else None
    status = get("responseStatus")
    code = status.get("code") if type(status) is dict else None
    if isinstance(code, int) and not 200 <= code < 300:
        return Skip(f"{verb} failed (code {code})", f"{source}:{line}")
    if verb in ("delete", "create", "update"):
        return verb, ref
    return Skip(
        f"verb {verb} (only create, update and delete are read)", f"{source}:{line}"
    )


#: requestObjects remembered per log (see :func:`_again`).
_MEMO_KEPT = 4096


def _memo_key(
    obj: dict[str, Any], namespace: str, filled: bool
) -> tuple[bytes, bool, str] | None:
    """The requestObject as JSON (before its name is filled in from the
    response), the namespace, and whether the name is filled in; None when
    it cannot be serialised."""
    try:
        return orjson.dumps(obj), filled, namespace
    except (TypeError, orjson.JSONEncodeError):
        return None


def _again(
    found: CvItem | Skip,
    source: str,
    line: int,
    admitted: datetime | None,
    name: str | None,
) -> CvItem | Skip:
    """The item of a requestObject read before, for this event.

    A controller creates its Pods from one template: their requestObjects
    are the same bytes (``generateName``, no name) and only the name the
    server gave (``responseObject``), the time and the line differ. Reading
    is a pure function of the object, so the earlier answer holds with this
    event's line, time and name; the name is checked as ``metadata.name``
    would be. This runs once per event: the ``file:line requestObject``
    place is written directly (what ``where_of`` gives for a locator
    holding only the event's line) and a locator is built only for an
    error."""
    where = f"{source}:{line} requestObject"
    if type(found) is Skip:
        return Skip(found.reason, where)
    assert isinstance(found, CvItem)
    workload = found.workload
    if name is not None and name != workload.name:
        problem = name_problem(name)
        if problem is not None:
            raise Locator(source, {(): line}).error(
                ManifestError, ("requestObject", "metadata", "name"), problem
            )
        workload = Workload(
            workload.kind,
            name,
            workload.namespace,
            workload.images,
            workload.service_account,
            workload.breakglass,
            workload.misplaced_breakglass,
        )
    # The constructor, not dataclasses.replace.
    return CvItem(workload, found.containers, admitted, where, found.owner)


@dataclass(frozen=True, slots=True)
class Change:
    """One event of a log that changes an object: ``verb`` is ``create``,
    ``update`` or ``delete``; ``item`` what the object now runs (None for a
    delete, a :class:`Skip` when the object does not apply)."""

    verb: str
    key: tuple[str, str, str]
    item: CvItem | Skip | None
    where: str


def k8s_audit_changes(lines: Lines, source: str) -> Iterator[Change | Skip]:
    """Every event of a Kubernetes audit log, in order: a :class:`Change`
    for a successful create, update or delete of a workload, else a Skip.
    Holds one event in memory at a time.

    Raises:
        InputError: a line that is not JSON or not an audit Event, or a
            ``requestObject`` the API server would refuse (file:line named).
    """
    memo: dict[tuple[bytes, bool, str], CvItem | Skip] = {}
    for entry in json_lines(lines, source):
        if isinstance(entry, Skip):
            yield entry
            continue
        line, event = entry
        found = _event(event, source, line)
        if isinstance(found, Skip):
            yield found
            continue
        verb, ref = found
        where = f"{source}:{line}"
        kind = RESOURCES[ref["resource"]]
        namespace: Any = _str(ref, "namespace") or ""
        key = (kind, namespace, _str(ref, "name") or "")
        if verb == "delete":
            yield Change(verb, key, None, where)
            continue
        obj = event.get("requestObject")
        if not isinstance(obj, dict):
            yield Skip(f"{verb} without requestObject (audit level Metadata)", where)
            continue
        obj.setdefault("kind", kind)
        if "apiVersion" not in obj and isinstance(ref.get("apiVersion"), str):
            group = ref.get("apiGroup") or ""
            obj["apiVersion"] = (
                f"{group}/{ref['apiVersion']}" if group else ref["apiVersion"]
            )
        meta = obj.get("metadata")
        response = event.get("responseObject")
        stored = response.get("metadata") if isinstance(response, dict) else None
        name = key[2] or (stored.get("name") if isinstance(stored, dict) else None)
        given = meta.get("name") if isinstance(meta, dict) else None
        if not namespace:
            namespace = meta.get("namespace") if isinstance(meta, dict) else None
        if not isinstance(namespace, str) or not namespace:
            raise InputError(
                f"a {kind} without a namespace (objectRef.namespace and "
                "requestObject.metadata.namespace are empty); it cannot be placed",
                path="objectRef.namespace",
                source=source,
                line=line,
            )
        admitted = record_time(
            event.get("requestReceivedTimestamp"),
            source,
            line,
            "requestReceivedTimestamp",
        )
        filled = not given and isinstance(name, str)
        memo_key = _memo_key(obj, namespace, filled)
        item = memo.get(memo_key) if memo_key is not None else None
        if item is None:
            if isinstance(meta, dict) and filled:
                meta["name"] = name  # generateName: the stored object says the name
            item = item_from_object(
                obj,
                Locator(source, {(): line}),
                ("requestObject",),
                namespace=namespace,
                deploy_time=admitted,
            )
            if memo_key is not None:
                if len(memo) >= _MEMO_KEPT:
                    del memo[next(iter(memo))]
                memo[memo_key] = item
        else:
            item = _again(item, source, line, admitted, name if filled else None)
        if not key[2] and isinstance(item, CvItem):
            key = item.key
        yield Change(verb, key, item, where)


def read_k8s_audit(text: Lines, source: str) -> Iterator[Found]:
    """Workloads of a Kubernetes audit log, latest state per object.

    Raises:
        InputError: as :func:`k8s_audit_changes`.
    """
    live: dict[tuple[str, str, str], CvItem] = {}
    for change in k8s_audit_changes(text, source):
        if isinstance(change, Skip):
            yield change
            continue
        if change.item is None:
            if live.pop(change.key, None) is not None:
                yield Skip("deleted later in the audit log", change.where)
            continue
        item = change.item
        if isinstance(item, Skip):
            yield item
            continue
        earlier = live.pop(change.key, None)
        if earlier is not None:
            yield Skip("replaced by a later update", change.where)
            item = keep_pod_deploy_time(item, earlier)
        live[change.key] = item
    yield from live.values()


def k8s_audit_admissions(lines: Lines, source: str) -> Iterator[Found]:
    """Every admission of a Kubernetes audit log, in order: each successful
    create or update of a workload is one item, however often the object
    comes back; a delete is skipped (nothing is admitted). Streams: memory
    does not grow with the log.

    Raises:
        InputError: as :func:`k8s_audit_changes`.
    """
    for change in k8s_audit_changes(lines, source):
        if isinstance(change, Skip):
            yield change
        elif change.item is None:
            yield Skip("verb delete (nothing is admitted)", change.where)
        else:
            yield change.item


#: The former private name, still used by tests.
_time = record_time
