"""What a Kubernetes object asks to run: its images, identity and breakglass.

Given the object of an admission request, find the pod spec (a Pod's ``spec``,
a controller's pod template, a CronJob's job template), list every image it
names (containers, init containers, ephemeral containers and image volumes),
read the service account, and look for breakglass markers on the object and on
its pod template. Objects that carry no pod spec are *not applicable*. The
result, a :class:`Workload`, plus the webhook's configuration gives the
:class:`~kritis_sim.core.target.DeployTarget`.

This module reads plain dicts; it does not decide, and it does not parse image
strings (an unparseable image is the decision's business, and is denied there).
An object whose fields have the wrong JSON types raises
:class:`~kritis_sim.errors.ManifestError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from kritis_sim.admission.review import ParsedAdmission, ParsedImageReview
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import ManifestError

__all__ = [
    "BREAKGLASS_ANNOTATION_ALPHA",
    "BREAKGLASS_ANNOTATION_KRITIS",
    "BREAKGLASS_LABEL",
    "NotApplicable",
    "Workload",
    "breakglass_markers",
    "deploy_target",
    "workload_from_admission",
    "workload_from_image_review",
]

#: GKE's current breakglass marker: a label whose value is ``"true"``.
BREAKGLASS_LABEL = "image-policy.k8s.io/break-glass"
#: GKE's older marker, an annotation forwarded by ImagePolicyWebhook.
BREAKGLASS_ANNOTATION_ALPHA = "alpha.image-policy.k8s.io/break-glass"
#: Kritis' marker: the annotation's presence counts, whatever its value.
BREAKGLASS_ANNOTATION_KRITIS = "kritis.grafeas.io/breakglass"

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")

# (group, kind) -> path from the object to its pod template (None for Pod).
_TEMPLATE_PATHS: dict[tuple[str, str], tuple[str, ...] | None] = {
    ("", "Pod"): None,
    ("", "PodTemplate"): ("template",),
    ("", "ReplicationController"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}
for _group in ("apps", "extensions"):
    for _kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        _TEMPLATE_PATHS[(_group, _kind)] = ("spec", "template")


@dataclass(frozen=True, slots=True)
class Workload:
    """The part of an object that the policy judges.

    Attributes:
        kind: the object's kind (``Pod``, ``Deployment``, ...).
        name: the object's name (or generateName), when known.
        namespace: the namespace it is deployed to.
        images: every image named, in pod-spec order, duplicates kept.
        service_account: the pod's service account (``default`` when unset).
        breakglass: human descriptions of each breakglass marker found.
    """

    kind: str
    name: str | None
    namespace: str
    images: tuple[str, ...]
    service_account: str = "default"
    breakglass: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """The request is admitted without a decision; ``reason`` says why."""

    reason: str


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if type(value) is dict:  # decoded JSON: skip the slower ABC check
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(
            f"expected an object, got {type(value).__name__}", path=path
        )
    return cast(Mapping[str, Any], value)


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ManifestError(f"expected a list, got {type(value).__name__}", path=path)
    return value


def _string_map(value: Any, path: str) -> Mapping[str, Any]:
    mapping = _mapping(value, path)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise ManifestError(
                f"expected a string value, got {type(item).__name__}",
                path=f"{path}[{key!r}]",
            )
    return mapping


def pod_spec_images(
    spec: Mapping[str, Any], path: str, *, ephemeral_only: bool = False
) -> tuple[str, ...]:
    """Images of one pod spec: containers, init and ephemeral containers, then
    image volumes (``spec.volumes[].image.reference``); with ``ephemeral_only``
    just ``ephemeralContainers`` (the pods/ephemeralcontainers subresource).

    Raises:
        ManifestError: a list or container of the wrong shape, or a container
            without an image string.
    """
    images: list[str] = []
    lists = ("ephemeralContainers",) if ephemeral_only else _CONTAINER_LISTS
    for list_name in lists:
        containers = spec.get(list_name)
        if containers is None:
            continue
        # Paths for messages are built only when something is wrong: this
        # runs for every admission request.
        for i, container in enumerate(_list(containers, f"{path}.{list_name}")):
            image = (
                container.get("image")
                if type(container) is dict
                else _mapping(container, f"{path}.{list_name}[{i}]").get("image")
            )
            if type(image) is not str or not image:
                raise ManifestError(
                    f"expected a non-empty image string, got {image!r}",
                    path=f"{path}.{list_name}[{i}].image",
                )
            images.append(image)
    if ephemeral_only:
        return tuple(images)
    volumes = spec.get("volumes")
    if volumes is None:
        return tuple(images)
    for i, volume in enumerate(_list(volumes, f"{path}.volumes")):
        where = f"{path}.volumes[{i}]"
        source = _mapping(_mapping(volume, where).get("image"), f"{where}.image")
        reference = source.get("reference")
        if reference is None:
            continue
        if not isinstance(reference, str) or not reference:
            raise ManifestError(
                f"expected a non-empty image string, got {reference!r}",
                path=f"{where}.image.reference",
            )
        images.append(reference)
    return tuple(images)


def breakglass_markers(metadata: Mapping[str, Any], path: str) -> tuple[str, ...]:
    """Breakglass markers on one ``metadata``, described for the audit log."""
    labels = _string_map(metadata.get("labels"), f"{path}.labels")
    annotations = _string_map(metadata.get("annotations"), f"{path}.annotations")
    found: list[str] = []
    if labels.get(BREAKGLASS_LABEL) == "true":
        found.append(f"{path}.labels[{BREAKGLASS_LABEL!r}]")
    if annotations.get(BREAKGLASS_ANNOTATION_ALPHA) == "true":
        found.append(f"{path}.annotations[{BREAKGLASS_ANNOTATION_ALPHA!r}]")
    if BREAKGLASS_ANNOTATION_KRITIS in annotations:
        found.append(f"{path}.annotations[{BREAKGLASS_ANNOTATION_KRITIS!r}]")
    return tuple(found)


def _service_account(spec: Mapping[str, Any], path: str) -> str:
    for key in ("serviceAccountName", "serviceAccount"):
        value = spec.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ManifestError(
                f"expected a string, got {type(value).__name__}", path=f"{path}.{key}"
            )
        return value
    return "default"


def _walk(obj: Mapping[str, Any], keys: tuple[str, ...]) -> Mapping[str, Any] | None:
    """Follow ``keys`` from ``obj``; None when a step is absent."""
    node: Mapping[str, Any] = obj
    path = "object"
    for key in keys:
        path = f"{path}.{key}"
        value = node.get(key)
        if value is None:
            return None
        node = _mapping(value, path)
    return node


def workload_from_admission(parsed: ParsedAdmission) -> Workload | NotApplicable:
    """Find what an AdmissionReview request asks to run.

    Raises:
        ManifestError: the object has fields of the wrong shape.
    """
    if parsed.operation not in ("CREATE", "UPDATE"):
        return NotApplicable(
            f"not applicable: {parsed.operation} does not start containers"
        )
    key = (parsed.group, parsed.kind)
    if key not in _TEMPLATE_PATHS:
        return NotApplicable(
            f"not applicable: {parsed.kind} objects carry no pod template"
        )
    sub = parsed.sub_resource
    if sub and not (parsed.kind == "Pod" and sub == "ephemeralcontainers"):
        return NotApplicable(
            f"not applicable: the {parsed.kind.lower()}s/{sub} subresource "
            "does not change images"
        )
    obj = _mapping(parsed.obj, "object")
    metadata = _mapping(obj.get("metadata"), "object.metadata")
    markers = list(breakglass_markers(metadata, "object.metadata"))
    template_path = _TEMPLATE_PATHS[key]
    if template_path is None:
        spec = _mapping(obj.get("spec"), "object.spec")
        spec_path = "object.spec"
        ephemeral_only = bool(sub)
    else:
        template = _walk(obj, template_path)
        if template is None:
            return NotApplicable(
                f"not applicable: this {parsed.kind} has no pod template"
            )
        template_where = "object." + ".".join(template_path)
        if parsed.kind == "CronJob":
            job_meta = _walk(obj, ("spec", "jobTemplate", "metadata")) or {}
            markers += breakglass_markers(job_meta, "object.spec.jobTemplate.metadata")
        markers += breakglass_markers(
            _mapping(template.get("metadata"), f"{template_where}.metadata"),
            f"{template_where}.metadata",
        )
        spec = _mapping(template.get("spec"), f"{template_where}.spec")
        spec_path = f"{template_where}.spec"
        ephemeral_only = False
    namespace = parsed.namespace or metadata.get("namespace") or "default"
    name = parsed.name or metadata.get("name") or metadata.get("generateName")
    if not isinstance(namespace, str) or not isinstance(name, str | None):
        raise ManifestError(
            "expected string name and namespace", path="object.metadata"
        )
    return Workload(
        kind=parsed.kind,
        name=name,
        namespace=namespace,
        images=pod_spec_images(spec, spec_path, ephemeral_only=ephemeral_only),
        service_account=_service_account(spec, spec_path),
        breakglass=tuple(markers),
    )


def workload_from_image_review(parsed: ParsedImageReview) -> Workload:
    """The workload an ImageReview describes (a Pod; no service account is sent)."""
    annotations = parsed.annotations
    markers: list[str] = []
    if annotations.get(BREAKGLASS_ANNOTATION_ALPHA) == "true":
        markers.append(f"spec.annotations[{BREAKGLASS_ANNOTATION_ALPHA!r}]")
    if BREAKGLASS_ANNOTATION_KRITIS in annotations:
        markers.append(f"spec.annotations[{BREAKGLASS_ANNOTATION_KRITIS!r}]")
    return Workload(
        kind="Pod",
        name=None,
        namespace=parsed.namespace or "default",
        images=parsed.images,
        breakglass=tuple(markers),
    )


def deploy_target(
    workload: Workload, *, cluster: str | None, trust_domain: str | None
) -> DeployTarget:
    """The rule-selecting target of a workload under the webhook's configuration."""
    return DeployTarget.with_trust_domain(
        cluster=cluster,
        namespace=workload.namespace,
        service_account=workload.service_account,
        trust_domain=trust_domain,
    )
