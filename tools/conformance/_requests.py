"""Request builders for the conformance table: Pods, controllers, ImageReviews.

Each returns the mapping written to a case's ``request.yaml``: the review kind,
the Kubernetes object (or ImageReview spec), and the enforcer's ``target``
configuration (cluster, Istio trust domain). Images keep the ``@@label``
notation; :mod:`generate_cases` resolves it per case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CLUSTER = "us-east1-b.prod"
TRUST_DOMAIN = "example.com"

_TEMPLATE_PATH = {
    "Deployment": ("apps/v1", ("spec", "template")),
    "ReplicaSet": ("apps/v1", ("spec", "template")),
    "StatefulSet": ("apps/v1", ("spec", "template")),
    "DaemonSet": ("apps/v1", ("spec", "template")),
    "Job": ("batch/v1", ("spec", "template")),
    "ReplicationController": ("v1", ("spec", "template")),
    "PodTemplate": ("v1", ("template",)),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template")),
}


def _containers(prefix: str, images: Sequence[str]) -> list[dict[str, Any]]:
    return [{"name": f"{prefix}{i}", "image": img} for i, img in enumerate(images)]


def pod_spec(
    images: Sequence[str],
    *,
    init: Sequence[str] = (),
    eph: Sequence[str] = (),
    sa: str | None = None,
    sa_field: str = "serviceAccountName",
    sidecar: bool = False,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": _containers("c", images)}
    if init:
        spec["initContainers"] = _containers("init", init)
        if sidecar:
            for c in spec["initContainers"]:
                c["restartPolicy"] = "Always"
    if eph:
        spec["ephemeralContainers"] = _containers("debug", eph)
    if sa is not None:
        spec[sa_field] = sa
    return spec


def _meta(
    name: str,
    ns: str | None,
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ns is not None:
        meta["namespace"] = ns
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def target(cluster: str | None = CLUSTER, trust: str | None = TRUST_DOMAIN) -> dict[str, Any]:
    return {"cluster": cluster, "istioTrustDomain": trust}


def pod(
    *images: str,
    ns: str = "default",
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    operation: str = "CREATE",
    sub: str | None = None,
    api: str = "admission.k8s.io/v1",
    dry_run: bool = False,
    tgt: Mapping[str, Any] | None = None,
    timeout: int | None = None,
    **spec_kw: Any,
) -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta("app", ns, labels, annotations),
        "spec": pod_spec(images, **spec_kw),
    }
    out: dict[str, Any] = {"review": "AdmissionReview", "apiVersion": api}
    out["operation"] = operation
    if sub:
        out["subResource"] = sub
    if dry_run:
        out["dryRun"] = True
    if timeout is not None:
        out["timeoutSeconds"] = timeout
    out["object"] = obj
    out["target"] = dict(tgt) if tgt is not None else target()
    return out


def controller(
    kind: str,
    *images: str,
    ns: str = "default",
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    operation: str = "CREATE",
    **spec_kw: Any,
) -> dict[str, Any]:
    api_version, path = _TEMPLATE_PATH[kind]
    template = {
        "metadata": _meta("app", None, labels, annotations) | {"name": None},
        "spec": pod_spec(images, **spec_kw),
    }
    del template["metadata"]["name"]
    obj: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": _meta("app", ns, None, None),
    }
    node = obj
    for step in path[:-1]:
        node = node.setdefault(step, {})
    node[path[-1]] = template
    return {
        "review": "AdmissionReview",
        "apiVersion": "admission.k8s.io/v1",
        "operation": operation,
        "object": obj,
        "target": target(),
    }


def other_object(kind: str = "ConfigMap", ns: str = "default") -> dict[str, Any]:
    return {
        "review": "AdmissionReview",
        "apiVersion": "admission.k8s.io/v1",
        "operation": "CREATE",
        "object": {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": ns}, "data": {"k": "v"}},
        "target": target(),
    }


def image_review(
    *images: str,
    ns: str = "default",
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"image": i} for i in images], "namespace": ns}
    if annotations:
        spec["annotations"] = dict(annotations)
    return {"review": "ImageReview", "spec": spec, "target": target()}
