"""Kubernetes objects for scenario deploys: built from images, or read from files.

A deploy either names images (wrapped here in a Pod or a controller such as a
Deployment or CronJob) or points at a real manifest file. Manifest files may
name scenario artifacts with placeholders, ``${web}`` for the artifact by
digest and ``${web:v1.2}`` by tag, so a manifest works with derived digests.

Every deploy becomes an ``AdmissionReview`` (``admission.k8s.io/v1``), the same
bytes the webhook path sends; the Pods a controller would create from its
template become further reviews. :func:`check_metadata` checks the shape of the
metadata the simulator reads and marks (located in the manifest), and
:func:`mark_breakglass` / :func:`mark_kritis_breakglass` set GKE's label or
Kritis' annotation. This module does not decide anything.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from kritis_sim._yaml import Locator, Path
from kritis_sim.admission.workloads import (
    BREAKGLASS_ANNOTATION_KRITIS,
    BREAKGLASS_LABEL,
)
from kritis_sim.errors import ScenarioError
from kritis_sim.model._fields import type_name

__all__ = [
    "KINDS",
    "PLACEHOLDER",
    "admission_review",
    "check_metadata",
    "mark_breakglass",
    "mark_kritis_breakglass",
    "pod_from_template",
    "pod_template",
    "substitute",
    "wrap_images",
]

#: kind -> (apiVersion, path from the object to its pod template; () for a Pod).
KINDS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "Pod": ("v1", ()),
    "PodTemplate": ("v1", ("template",)),
    "ReplicationController": ("v1", ("spec", "template")),
    "Deployment": ("apps/v1", ("spec", "template")),
    "ReplicaSet": ("apps/v1", ("spec", "template")),
    "StatefulSet": ("apps/v1", ("spec", "template")),
    "DaemonSet": ("apps/v1", ("spec", "template")),
    "Job": ("batch/v1", ("spec", "template")),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template")),
}

_RESOURCES = {
    "Pod": "pods",
    "PodTemplate": "podtemplates",
    "ReplicationController": "replicationcontrollers",
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Job": "jobs",
    "CronJob": "cronjobs",
}

#: ``${artifact}`` or ``${artifact:tag}`` inside a manifest string.
PLACEHOLDER = re.compile(r"\$\{([a-z0-9][a-z0-9._-]*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]*))?\}")


def substitute(data: Any, resolve: Callable[[str, str | None], str]) -> Any:
    """A copy of ``data`` with every placeholder in its strings resolved.

    ``resolve(artifact, tag_or_None)`` returns the image string or raises.
    """
    if isinstance(data, str):
        return PLACEHOLDER.sub(lambda m: resolve(m.group(1), m.group(2)), data)
    if isinstance(data, list):
        return [substitute(v, resolve) for v in data]
    if isinstance(data, dict):
        return {k: substitute(v, resolve) for k, v in data.items()}
    return data


def _container_name(image: str, index: int) -> str:
    base = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()
    base = re.sub(r"[^a-z0-9-]", "-", base).strip("-")[:40] or "app"
    return f"{base}-{index}" if index else base


def wrap_images(
    kind: str,
    name: str,
    namespace: str,
    images: tuple[str, ...],
    *,
    service_account: str,
    breakglass: bool,
) -> dict[str, Any]:
    """A minimal ``kind`` object running ``images`` (one container each)."""
    api_version, template_path = KINDS[kind]
    labels: dict[str, str] = {"app": name}
    if breakglass:
        labels[BREAKGLASS_LABEL] = "true"
    pod_spec: dict[str, Any] = {
        "containers": [
            {"name": _container_name(image, i), "image": image}
            for i, image in enumerate(images)
        ],
    }
    if service_account != "default":
        pod_spec["serviceAccountName"] = service_account
    obj: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
    }
    if not template_path:
        obj["metadata"]["labels"] = labels
        obj["spec"] = pod_spec
        return obj
    node = obj
    for step in template_path[:-1]:
        node = node.setdefault(step, {})
    node[template_path[-1]] = {"metadata": {"labels": labels}, "spec": pod_spec}
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        obj["spec"]["selector"] = {"matchLabels": {"app": name}}
    if kind == "CronJob":
        obj["spec"]["schedule"] = "0 3 * * *"
    return obj


def pod_template(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template of a controller object (None for a Pod or none found)."""
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in KINDS or not KINDS[kind][1]:
        return None
    node: Any = obj
    for step in KINDS[kind][1]:
        node = node.get(step) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def pod_from_template(
    obj: Mapping[str, Any], namespace: str, index: int
) -> dict[str, Any] | None:
    """The ``index``-th Pod a controller creates from its template."""
    template = pod_template(obj)
    if template is None:
        return None
    owner = str(obj.get("metadata", {}).get("name", "workload"))
    suffix = hashlib.sha256(f"{owner}/{index}".encode()).hexdigest()[:5]
    metadata = copy.deepcopy(dict(template.get("metadata") or {}))
    metadata["name"] = f"{owner}-{suffix}"
    metadata["namespace"] = namespace
    metadata["ownerReferences"] = [
        {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": owner}
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": copy.deepcopy(dict(template.get("spec") or {})),
    }


def admission_review(obj: Mapping[str, Any], namespace: str, uid: str) -> dict[str, Any]:
    """An ``admission.k8s.io/v1`` CREATE review of ``obj`` in ``namespace``."""
    kind = str(obj.get("kind"))
    api_version = str(obj.get("apiVersion", "v1"))
    group, _, version = api_version.rpartition("/")
    name = obj.get("metadata", {}).get("name")
    request: dict[str, Any] = {
        "uid": uid,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {
            "group": group,
            "version": version,
            "resource": _RESOURCES.get(kind, kind.lower() + "s"),
        },
        "namespace": namespace,
        "operation": "CREATE",
        "userInfo": {"username": "system:serviceaccount:ci:deployer", "groups": []},
        "object": dict(obj),
        "oldObject": None,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
    if isinstance(name, str):
        request["name"] = name
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def check_metadata(obj: dict[str, Any], locator: Locator, template: tuple[str, ...]) -> None:
    """The object's (and its pod template's) metadata, labels and annotations are mappings.

    The simulator reads and marks these before the workload parser sees the
    object, so their shape is checked here, located in the manifest.
    """

    def refuse(path: Path, value: object) -> NoReturn:
        raise locator.error(ScenarioError, path, f"expected a mapping, got {type_name(value)}")

    holders: list[tuple[Path, dict[str, Any]]] = [((), obj)]
    node: Any = obj
    for i, key in enumerate(template):
        node = node.get(key)
        if node is None:
            break
        if not isinstance(node, dict):
            refuse(template[: i + 1], node)
    else:
        if template:
            holders.append((template, node))
    for path, holder in holders:
        meta = holder.get("metadata")
        if meta is None:
            continue
        if not isinstance(meta, dict):
            refuse((*path, "metadata"), meta)
        for key in ("labels", "annotations"):
            value = meta.get(key)
            if value is not None and not isinstance(value, dict):
                refuse((*path, "metadata", key), value)


def mark_breakglass(obj: dict[str, Any]) -> None:
    """GKE's marker: the breakglass label on the pod template (or the Pod)."""
    template = pod_template(obj)
    node: dict[str, Any] = obj if template is None else template  # type: ignore[assignment]
    meta = node.setdefault("metadata", {})
    meta.setdefault("labels", {})[BREAKGLASS_LABEL] = "true"


def mark_kritis_breakglass(obj: dict[str, Any]) -> None:
    """Kritis' marker: an annotation on the object's own metadata."""
    obj.setdefault("metadata", {}).setdefault("annotations", {})[BREAKGLASS_ANNOTATION_KRITIS] = "true"
