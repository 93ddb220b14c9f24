"""What a Kubernetes object asks to run: its images, identity and breakglass.

Given the object of an admission request, find the pod spec (a Pod's ``spec``,
a controller's pod template, a CronJob's job template's pod template), list
every image it names (containers, init containers, ephemeral containers and
image volumes), read the service account, and look for breakglass markers
where the Pods will carry them: a Pod's own metadata, a controller's pod
template metadata. A marker on a controller's own metadata (or a CronJob's
``jobTemplate`` metadata) is not honoured, since its Pods would not carry it;
it is reported so a denial can say where it belongs. Objects that carry no pod
spec are *not applicable*; an UPDATE that changes no image is *not re-judged*
(see :mod:`kritis_sim.admission.updates`). The result, a :class:`Workload`,
plus the webhook's configuration gives the
:class:`~kritis_sim.core.target.DeployTarget`.

This module reads plain dicts; it does not decide, and it does not parse image
strings (an unparseable image is the decision's business, and is denied there).
An object whose fields have the wrong JSON types raises
:class:`~kritis_sim.errors.ManifestError`; kinds, versions, namespaces and
names were checked when the review was parsed
(:mod:`kritis_sim.admission.identity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim.admission._shapes import as_list as _list
from kritis_sim.admission._shapes import mapping as _mapping
from kritis_sim.admission._shapes import string_map as _string_map
from kritis_sim.admission.identity import SERVED
from kritis_sim.admission.review import ParsedAdmission, ParsedImageReview
from kritis_sim.admission.updates import JudgeUpdates, changes, image_slots
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import ManifestError

__all__ = [
    "BREAKGLASS_ANNOTATION_ALPHA",
    "BREAKGLASS_ANNOTATION_KRITIS",
    "BREAKGLASS_LABEL",
    "TEMPLATE_PATHS",
    "NotApplicable",
    "NotRejudged",
    "Workload",
    "breakglass_markers",
    "deploy_target",
    "read_workload",
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

# kind -> path from the object to its pod template (None for Pod).
_PATHS: dict[str, tuple[str, ...] | None] = {
    "Pod": None,
    "PodTemplate": ("template",),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
# (group, kind) -> path to the pod template, for every group serving the kind.
TEMPLATE_PATHS: dict[tuple[str, str], tuple[str, ...] | None] = {
    (group, kind): _PATHS.get(kind, ("spec", "template"))
    for kind, groups in SERVED.items()
    for group in groups
}


@dataclass(frozen=True, slots=True)
class Workload:
    """The part of an object that the policy judges.

    Attributes:
        kind: the object's kind (``Pod``, ``Deployment``, ...).
        name: the object's name (or generateName), when known.
        namespace: the namespace it is deployed to.
        images: every image named, in pod-spec order, duplicates kept.
        service_account: the pod's service account (``default`` when unset).
        breakglass: human descriptions of each breakglass marker found where
            the Pods carry it.
        misplaced_breakglass: markers on a controller's own metadata, which
            are not honoured, each said with where it belongs.
    """

    kind: str
    name: str | None
    namespace: str
    images: tuple[str, ...]
    service_account: str = "default"
    breakglass: tuple[str, ...] = ()
    misplaced_breakglass: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """The request is admitted without a decision; ``reason`` says why."""

    reason: str


@dataclass(frozen=True, slots=True)
class NotRejudged(NotApplicable):
    """An UPDATE that changes no image: admitted without a decision and
    audited as not re-judged; ``workload`` is what it would have judged."""

    workload: Workload


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


def _markers(metadata: Mapping[str, Any], path: str) -> list[tuple[str, str]]:
    """``(field, key)`` of each breakglass marker on one ``metadata``."""
    labels = _string_map(metadata.get("labels"), f"{path}.labels")
    annotations = _string_map(metadata.get("annotations"), f"{path}.annotations")
    found: list[tuple[str, str]] = []
    if labels.get(BREAKGLASS_LABEL) == "true":
        found.append(("labels", BREAKGLASS_LABEL))
    if annotations.get(BREAKGLASS_ANNOTATION_ALPHA) == "true":
        found.append(("annotations", BREAKGLASS_ANNOTATION_ALPHA))
    if BREAKGLASS_ANNOTATION_KRITIS in annotations:
        found.append(("annotations", BREAKGLASS_ANNOTATION_KRITIS))
    return found


def breakglass_markers(metadata: Mapping[str, Any], path: str) -> tuple[str, ...]:
    """Breakglass markers on one ``metadata``, described for the audit log."""
    return tuple(f"{path}.{field}[{key!r}]" for field, key in _markers(metadata, path))


def _misplaced(
    obj: Mapping[str, Any], kind: str, template_path: tuple[str, ...]
) -> tuple[str, ...]:
    """Markers on a controller's own (or a CronJob's jobTemplate) metadata,
    each said with where it belongs."""
    places = [(obj.get("metadata"), "object.metadata", f"{kind} metadata")]
    if kind == "CronJob":
        places.append(
            (
                (_walk(obj, ("spec", "jobTemplate")) or {}).get("metadata"),
                "object.spec.jobTemplate.metadata",
                "the CronJob's jobTemplate metadata",
            )
        )
    template = ".".join(template_path)
    out: list[str] = []
    for meta, path, where in places:
        for field, key in _markers(_mapping(meta, path), path):
            what = "label" if field == "labels" else "annotation"
            out.append(
                f"breakglass {what} {key!r} found on {where}; breakglass must be "
                f"on the pod template ({template}.metadata.{field}), which its "
                "Pods carry"
            )
    return tuple(out)


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


def _walk(
    obj: Mapping[str, Any], keys: tuple[str, ...], root: str = "object"
) -> Mapping[str, Any] | None:
    """Follow ``keys`` from ``obj``; None when a step is absent."""
    node: Mapping[str, Any] = obj
    path = root
    for key in keys:
        path = f"{path}.{key}"
        value = node.get(key)
        if value is None:
            return None
        node = _mapping(value, path)
    return node


def _pod(
    obj: Any, template_path: tuple[str, ...] | None, root: str
) -> tuple[Mapping[str, Any], str, Mapping[str, Any], str] | None:
    """``(spec, spec path, pod metadata, its path)``; None without a template."""
    top = _mapping(obj, root)
    if template_path is None:
        meta_path = f"{root}.metadata"
        return (
            _mapping(top.get("spec"), f"{root}.spec"),
            f"{root}.spec",
            _mapping(top.get("metadata"), meta_path),
            meta_path,
        )
    template = _walk(top, template_path, root)
    if template is None:
        return None
    where = f"{root}." + ".".join(template_path)
    return (
        _mapping(template.get("spec"), f"{where}.spec"),
        f"{where}.spec",
        _mapping(template.get("metadata"), f"{where}.metadata"),
        f"{where}.metadata",
    )


def read_workload(
    obj: Any,
    kind: str,
    name: str | None,
    namespace: str | None,
    template_path: tuple[str, ...] | None,
    *,
    ephemeral_only: bool,
) -> tuple[Workload, Mapping[str, Any], str] | NotApplicable:
    """The workload of an object (checked identity) of a served kind, with
    its pod spec and the spec's path; NotApplicable without a pod template.

    Raises:
        ManifestError: fields of the wrong shape.
    """
    found = _pod(obj, template_path, "object")
    if found is None:
        return NotApplicable(f"not applicable: this {kind} has no pod template")
    spec, spec_path, pod_meta, pod_meta_path = found
    if namespace is None:  # parse_admission_review refuses this
        raise ManifestError("no namespace", path="request.namespace")
    workload = Workload(
        kind=kind,
        name=name,
        namespace=namespace,
        images=pod_spec_images(spec, spec_path, ephemeral_only=ephemeral_only),
        service_account=_service_account(spec, spec_path),
        breakglass=breakglass_markers(pod_meta, pod_meta_path),
        misplaced_breakglass=(
            ()
            if template_path is None
            else _misplaced(_mapping(obj, "object"), kind, template_path)
        ),
    )
    return workload, spec, spec_path


def workload_from_admission(
    parsed: ParsedAdmission, *, judge_updates: JudgeUpdates = "changed"
) -> Workload | NotApplicable:
    """Find what an AdmissionReview request asks to run.

    With ``judge_updates="changed"`` an UPDATE whose images (and service
    account) are those of its ``oldObject`` gives :class:`NotRejudged`.

    Raises:
        ManifestError: the object (or old object) has fields of the wrong shape.
    """
    if parsed.operation not in ("CREATE", "UPDATE"):
        return NotApplicable(
            f"not applicable: {parsed.operation} does not start containers"
        )
    key = (parsed.group, parsed.kind)
    if key not in TEMPLATE_PATHS:
        return NotApplicable(
            f"not applicable: {parsed.kind} objects carry no pod template"
        )
    sub = parsed.sub_resource
    if sub and not (parsed.kind == "Pod" and sub == "ephemeralcontainers"):
        return NotApplicable(
            f"not applicable: the {parsed.kind.lower()}s/{sub} subresource "
            "does not change images"
        )
    template_path = TEMPLATE_PATHS[key]
    ephemeral_only = bool(sub)
    read = read_workload(
        parsed.obj, parsed.kind, parsed.name, parsed.namespace, template_path,
        ephemeral_only=ephemeral_only,
    )  # fmt: skip
    if isinstance(read, NotApplicable):
        return read
    workload, spec, spec_path = read
    if parsed.operation != "UPDATE" or judge_updates != "changed":
        return workload
    old = _pod(parsed.old_obj, template_path, "oldObject")
    if parsed.old_obj is None or old is None:
        return workload  # nothing to compare with: judged in full
    what = changes(
        image_slots(spec, spec_path, ephemeral_only=ephemeral_only),
        image_slots(old[0], old[1], ephemeral_only=ephemeral_only),
        new_account=workload.service_account,
        old_account=_service_account(old[0], old[1]),
    )
    if what:
        return workload
    who = f"{parsed.kind} {parsed.name}" if parsed.name else parsed.kind
    return NotRejudged(
        f"images not re-judged: this UPDATE of {who} adds or changes no image "
        "(--judge-updates changed)",
        workload,
    )


def workload_from_image_review(parsed: ParsedImageReview) -> Workload:
    """The workload an ImageReview describes (a Pod; no service account is sent)."""
    annotations = parsed.annotations
    markers: list[str] = []
    if annotations.get(BREAKGLASS_ANNOTATION_ALPHA) == "true":
        markers.append(f"spec.annotations[{BREAKGLASS_ANNOTATION_ALPHA!r}]")
    if BREAKGLASS_ANNOTATION_KRITIS in annotations:
        markers.append(f"spec.annotations[{BREAKGLASS_ANNOTATION_KRITIS!r}]")
    if parsed.namespace is None:  # parse_image_review refuses this
        raise ManifestError("no namespace", path="spec.namespace")
    return Workload(
        kind="Pod",
        name=None,
        namespace=parsed.namespace,
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
