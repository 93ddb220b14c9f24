"""Workloads from kritis-sim's own webhook audit log (JSON lines).

Each line is one record of :mod:`kritis_sim.admission.audit`; its kind,
namespace, name, images, the service account of its deploy target, breakglass
markers and time make the workload (container names are not recorded there).
A record that names no service account (an UPDATE that was not re-judged)
takes the one last seen for the same object, else it is skipped with that
reason. A line that is not JSON or not such a record is unusable: the file and
line are named. This module reads; it does not judge. The Kubernetes audit log
reader is :mod:`kritis_sim.cv.audit_logs` (which re-exports these readers).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kritis_sim.admission.workloads import Workload
from kritis_sim.cv.items import (
    CvItem,
    Found,
    Skip,
    keep_pod_deploy_time,
    record_time,
    unspecified_containers,
)
from kritis_sim.cv.lines import Lines, json_lines
from kritis_sim.errors import InputError, ManifestError

__all__ = ["read_webhook_audit", "webhook_admissions"]


def _field(
    record: Mapping[str, Any], key: str, where: str, line: int, want: type
) -> Any:
    value = record.get(key)
    if not isinstance(value, want):
        raise ManifestError(
            f"expected {want.__name__}, got {value!r} (a kritis-sim webhook audit record)",
            path=key,
            source=where,
            line=line,
        )
    return value


def _webhook_records(
    lines: Lines, source: str, accounts: dict[tuple[str, str, str], str]
) -> Iterator[tuple[tuple[str, str, str], CvItem] | Skip]:
    """``(key, item)`` per record of a webhook audit log; ``accounts`` holds
    the service account last seen per object (an UPDATE record that was not
    re-judged names none)."""
    for entry in json_lines(lines, source):
        if isinstance(entry, Skip):
            yield entry
            continue
        line, record = entry
        if not isinstance(record, dict) or "endpoint" not in record:
            raise InputError(
                "expected a kritis-sim webhook audit record (an object with "
                "'endpoint', 'kind', 'namespace' and 'images')",
                source=source,
                line=line,
            )
        kind = _field(record, "kind", source, line, str)
        namespace = _field(record, "namespace", source, line, str)
        images: list[str] = []
        for i, image in enumerate(_field(record, "images", source, line, list)):
            if not isinstance(image, dict) or not isinstance(image.get("image"), str):
                raise ManifestError(
                    f"expected {{'image': STRING, ...}}, got {image!r}",
                    path=f"images[{i}]",
                    source=source,
                    line=line,
                )
            images.append(image["image"])
        name = record.get("name") if isinstance(record.get("name"), str) else None
        key = (kind, namespace, name or f"{source}:{line}")
        target = record.get("target")
        account = target.get("serviceAccount") if isinstance(target, dict) else None
        if account is None:
            account = accounts.get(key)
        if not isinstance(account, str):
            yield Skip(
                "record names no service account (an UPDATE not re-judged)",
                f"{source}:{line}",
            )
            continue
        accounts[key] = account
        workload = Workload(
            kind=kind,
            name=name,
            namespace=namespace,
            images=tuple(images),
            service_account=account,
            breakglass=tuple(
                str(m)
                for m in _field(
                    {"breakglassMarkers": record.get("breakglassMarkers") or []},
                    "breakglassMarkers",
                    source,
                    line,
                    list,
                )
            ),
        )
        yield (
            key,
            CvItem(
                workload=workload,
                containers=unspecified_containers(workload.images),
                deploy_time=record_time(record.get("time"), source, line, "time"),
                where=f"{source}:{line}",
            ),
        )


def read_webhook_audit(text: Lines, source: str) -> Iterator[Found]:
    """Workloads of kritis-sim's webhook audit log, latest record per object.

    Raises:
        InputError: a line that is not JSON or not such a record.
    """
    live: dict[tuple[str, str, str], CvItem] = {}
    accounts: dict[tuple[str, str, str], str] = {}
    for found in _webhook_records(text, source, accounts):
        if isinstance(found, Skip):
            yield found
            continue
        key, item = found
        earlier = live.pop(key, None)
        if earlier is not None:
            yield Skip("replaced by a later record", item.where)
            item = keep_pod_deploy_time(item, earlier)
        live[key] = item
    yield from live.values()


def webhook_admissions(lines: Lines, source: str) -> Iterator[Found]:
    """Every record of kritis-sim's webhook audit log as one admission, in
    order (memory grows only with the number of objects, for their service
    accounts).

    Raises:
        InputError: a line that is not JSON or not such a record.
    """
    for found in _webhook_records(lines, source, {}):
        yield found if isinstance(found, Skip) else found[1]
