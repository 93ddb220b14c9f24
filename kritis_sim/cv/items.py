"""One workload for continuous validation, made from one Kubernetes object.

Every reader of ``kritis-sim cv`` input (snapshots, manifest directories,
Kubernetes audit logs, the webhook's audit log) ends here: a Kubernetes object
becomes a :class:`CvItem` (what runs, where, since when, in which containers)
or a :class:`Skip` (why it does not apply). The object goes the way
``kritis-sim review`` takes it: the same classification of kinds and API
versions, the same strict check against the Kubernetes schema
(:func:`kritis_sim.admission.k8s_schema.check_object`), and the reading of
the CREATE AdmissionReview ``review`` wraps it in
(:func:`kritis_sim.admission.review_inputs.workload_from_object`: the same
identity checks and pod-spec reading, without building the review), so
``cv`` and ``review`` can never disagree about what an object runs.

Objects of other kinds, or of workload kinds in API versions the Kubernetes
1.33 API server no longer serves (``extensions/v1beta1`` Deployments), and
Pods that have finished (phase ``Succeeded``/``Failed``) are skipped with a
reason; an object the API server would refuse raises a
:class:`~kritis_sim.errors.ManifestError` naming file, line and field. This
module reads; it does not judge.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.admission.identity import SERVED
from kritis_sim.admission.k8s_schema import K8S_VERSION, check_object
from kritis_sim.admission.review_inputs import where_of, workload_from_object
from kritis_sim.admission.workloads import NotApplicable, Workload
from kritis_sim.errors import InputError, ManifestError, WebhookRequestError
from kritis_sim.model.occurrence import parse_timestamp

__all__ = [
    "PLAIN_UTC",
    "Container",
    "CvItem",
    "Found",
    "Skip",
    "item_from_object",
    "keep_pod_deploy_time",
    "record_time",
    "unspecified_containers",
]

#: ``ImageDetails.containerType`` values, per pod-spec list.
_TYPES = (
    ("containers", "CONTAINER"),
    ("initContainers", "INIT_CONTAINER"),
    ("ephemeralContainers", "EPHEMERAL_CONTAINER"),
)
_FINISHED = ("Succeeded", "Failed")

#: The UTC RFC 3339 form API servers write (``2026-11-20T08:15:02.100001Z``),
#: which :meth:`datetime.fromisoformat` reads exactly as
#: :func:`~kritis_sim.model.occurrence.parse_timestamp` does, 15 times faster.
PLAIN_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d(?:\.\d{1,6})?Z")


@dataclass(frozen=True, slots=True)
class Container:
    """One image slot of a pod spec: the image, its container name (None for
    an image volume or when the input does not say) and ``containerType``."""

    image: str
    name: str | None
    type: str = "CONTAINER_TYPE_UNSPECIFIED"


@dataclass(frozen=True, slots=True)
class CvItem:
    """A workload to validate.

    Attributes:
        workload: kind, name, namespace, images, service account, breakglass.
        containers: one per image of ``workload.images``, in the same order.
        deploy_time: when it was created or admitted, when the input says.
        where: ``file:line`` for messages.
        owner: ``Kind name`` of its controller (``ownerReferences``), if any.
    """

    workload: Workload
    containers: tuple[Container, ...]
    deploy_time: datetime | None
    where: str
    owner: str | None = None

    @property
    def is_pod(self) -> bool:
        """A running Pod (what GKE logs), not a controller's pod template."""
        return self.workload.kind == "Pod"

    @property
    def key(self) -> tuple[str, str, str]:
        """``(kind, namespace, name)``: the same object in another input."""
        w = self.workload
        return (w.kind, w.namespace, w.name or self.where)


@dataclass(frozen=True, slots=True)
class Skip:
    """An input item that does not apply; ``reason`` groups the summary counts."""

    reason: str
    where: str


def unspecified_containers(images: tuple[str, ...]) -> tuple[Container, ...]:
    """Containers of an input that names images only (no container names)."""
    return tuple(Container(image, None) for image in images)


#: kind -> path from the object to its pod spec (others: a pod template's).
_SPEC_STEPS = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def _pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    node: Any = obj
    steps = _SPEC_STEPS.get(str(obj.get("kind")), ("spec", "template", "spec"))
    for step in steps:
        node = node.get(step) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _containers(
    obj: Mapping[str, Any], images: tuple[str, ...]
) -> tuple[Container, ...]:
    """Container names and types in :func:`pod_spec_images` order."""
    spec = _pod_spec(obj)
    found: list[Container] = []
    for list_name, kind in _TYPES:
        for c in spec.get(list_name) or ():
            found.append(Container(c.get("image", ""), c.get("name"), kind))
    for volume in spec.get("volumes") or ():
        ref = (volume.get("image") or {}).get("reference")
        if ref is not None:
            found.append(Container(ref, volume.get("name")))
    if tuple(c.image for c in found) != images:  # ephemeral-only or unexpected
        return unspecified_containers(images)
    return tuple(found)


def _owner(meta: Mapping[str, Any]) -> str | None:
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, Mapping) and ref.get("controller"):
            return f"{ref.get('kind')} {ref.get('name')}"
    return None


def _served(api_version: str, kind: str) -> bool | None:
    """True: a served workload type; False: a workload kind in a version no
    longer served; None: not a workload kind."""
    group, _, version = api_version.rpartition("/")
    if kind not in SERVED:
        return None
    if group not in SERVED[kind]:
        return None
    return version == "v1" and group != "extensions"  # 1.33 serves v1 only


def item_from_object(
    obj: Any,
    locator: Locator,
    path: Path,
    *,
    namespace: str,
    deploy_time: datetime | None = None,
) -> CvItem | Skip:
    """Read one object located at ``path`` in ``locator``'s document.

    ``namespace`` is used when the object names none (a manifest);
    ``deploy_time`` when the input knows when it was admitted (otherwise
    ``metadata.creationTimestamp``).

    Raises:
        ManifestError: not an object, or one the API server would refuse.
    """
    where = where_of(locator, path)
    if not isinstance(obj, dict):
        raise locator.error(
            ManifestError,
            path,
            f"expected a Kubernetes object, got {type(obj).__name__}",
        )
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        check_object(obj, locator, path)  # raises, naming the field
        raise AssertionError("unreachable")  # pragma: no cover
    served = _served(api_version, kind)
    if served is None:
        return Skip(f"kind {kind} ({api_version}) runs no pods", where)
    if not served:
        return Skip(
            f"{api_version} {kind}: an API version the Kubernetes {K8S_VERSION} "
            "API server does not serve",
            where,
        )
    check_object(obj, locator, path)
    meta = obj.get("metadata") or {}
    phase = (obj.get("status") or {}).get("phase") if kind == "Pod" else None
    if phase in _FINISHED:
        return Skip(f"Pod not running (phase {phase})", where)
    try:
        found = workload_from_object(obj, namespace)
    except (WebhookRequestError, ManifestError) as exc:
        raise ManifestError(exc.message, path=exc.path, source=where) from None
    if isinstance(found, NotApplicable):
        return Skip(found.reason, where)
    if deploy_time is None and meta.get("creationTimestamp") is not None:
        stamp, fast = meta["creationTimestamp"], None
        if isinstance(stamp, str) and PLAIN_UTC.fullmatch(stamp):
            with contextlib.suppress(ValueError):  # parse_timestamp says why
                fast = datetime.fromisoformat(stamp)
        try:
            deploy_time = fast or parse_timestamp(str(stamp))
        except ValueError as exc:  # InputError is one too
            raise locator.error(
                ManifestError,
                (*path, "metadata", "creationTimestamp"),
                str(getattr(exc, "message", exc)),
            ) from None
    return CvItem(
        workload=found,
        containers=_containers(obj, found.images),
        deploy_time=deploy_time,
        where=where,
        owner=_owner(meta),
    )


#: What a reader yields per entry: an item to judge, or a Skip with its reason.
Found = CvItem | Skip


def record_time(value: Any, source: str, line: int, field: str) -> datetime | None:
    """An audit time field (``None`` when absent), or InputError naming it."""
    if value is None:
        return None
    try:
        if isinstance(value, str) and PLAIN_UTC.fullmatch(value):
            return datetime.fromisoformat(value)
        return parse_timestamp(str(value))
    except ValueError as exc:  # InputError is one too
        raise InputError(
            str(getattr(exc, "message", exc)), path=field, source=source, line=line
        ) from None


def keep_pod_deploy_time(item: CvItem, earlier: CvItem) -> CvItem:
    """A Pod was deployed when first created; an update does not redeploy it
    (a controller's update does deploy a new template)."""
    if item.is_pod and earlier.deploy_time is not None:
        return replace(item, deploy_time=earlier.deploy_time)
    return item
