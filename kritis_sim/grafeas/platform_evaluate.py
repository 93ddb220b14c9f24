"""``projects.platforms.gke.policies.evaluate`` in the emulator.

:func:`evaluate` answers an ``EvaluateGkePolicyRequest``
(``{"resource": <Kubernetes object>, "attestationMode": ...}``) with the
``EvaluateGkePolicyResponse`` of
:func:`kritis_sim.core.platform.evaluate_platform_policy`, reading
VULNERABILITY, DISCOVERY, BUILD and ATTESTATION occurrences from the
emulator's own Grafeas store (:class:`.platform_source.StorePlatformOccurrences`),
at the current time.

The resource is one Pod, or one workload with a pod template (Deployment,
StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job: ``spec.template``;
CronJob: ``spec.jobTemplate.spec.template``; PodTemplate: ``template``). Its
images are those of containers, init and ephemeral containers and image
volumes; its namespace ``metadata.namespace``, or **none** when absent (gcloud's
``--image`` Pod has none, and its help says only the unscoped check set
applies), its service account ``spec.serviceAccountName`` or ``default``,
its name ``metadata.name`` (an empty name, as gcloud's ``--image`` Pod has, is
no name: ``podName`` is omitted, as proto3 JSON omits empty strings).
A resource of another kind, without images, or of the wrong shape is
``400 INVALID_ARGUMENT`` naming the field.

Upload times for ``imageFreshnessCheck`` come from ``kritis-sim emulator
--image-metadata FILE`` (the file ``kritis-sim evaluate --image-metadata``
reads); without it that check is ERROR, as offline. There are no roots of
trust for ``slsaCheck`` (ERROR, as offline). ``attestationMode: GENERATE_DEPLOY`` is
``501 UNIMPLEMENTED``: deploy attestations are not produced, and answering
without them would hide that.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.grafeas.googleerrors import ApiError, InvalidArgument
from kritis_sim.grafeas.platform_source import StorePlatformOccurrences
from kritis_sim.grafeas.store import Store
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.platform.results import ImageMetadata

__all__ = ["evaluate", "pod_of"]

_FIELDS = frozenset({"resource", "attestationMode"})
_MODES = ("ATTESTATION_MODE_UNSPECIFIED", "GENERATE_DEPLOY")
#: kind -> path from the object to its pod template (None: the object is a Pod).
_TEMPLATES: dict[str, tuple[str, ...] | None] = {
    "Pod": None,
    "PodTemplate": ("template",),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    **{
        kind: ("spec", "template")
        for kind in (
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
        )
    },
}


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(
            f"{where}: expected an object, got {type(value).__name__}"
        )
    return value


def _images(spec: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """Images of a pod spec: containers, init and ephemeral containers, then
    image volumes (``volumes[].image.reference``), in that order."""
    images: list[str] = []
    for key in ("containers", "initContainers", "ephemeralContainers"):
        items = spec.get(key) or []
        if not isinstance(items, list):
            raise InvalidArgument(f"{where}.{key}: expected a list")
        for i, container in enumerate(items):
            image = _mapping(container, f"{where}.{key}[{i}]").get("image")
            if not isinstance(image, str) or not image:
                raise InvalidArgument(
                    f"{where}.{key}[{i}].image: expected a non-empty image "
                    f"string, got {image!r}"
                )
            images.append(image)
    volumes = spec.get("volumes") or []
    if not isinstance(volumes, list):
        raise InvalidArgument(f"{where}.volumes: expected a list")
    for i, volume in enumerate(volumes):
        source = _mapping(volume, f"{where}.volumes[{i}]").get("image")
        if source is None:
            continue
        reference = _mapping(source, f"{where}.volumes[{i}].image").get("reference")
        if reference is None:
            continue
        if not isinstance(reference, str) or not reference:
            raise InvalidArgument(
                f"{where}.volumes[{i}].image.reference: expected a non-empty "
                f"image string, got {reference!r}"
            )
        images.append(reference)
    return tuple(images)


def _optional_string(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{where}.{key}: expected a string")
    return value


def pod_of(
    resource: object,
) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """``(name, namespace, service account, images)`` of the request's resource.

    Raises:
        ApiError: INVALID_ARGUMENT naming the field.
    """
    obj = _mapping(resource, "resource")
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in _TEMPLATES:
        raise InvalidArgument(
            f"resource.kind: {kind!r} has no pod spec; expected one of "
            f"{', '.join(_TEMPLATES)}"
        )
    meta = _mapping(obj.get("metadata") or {}, "resource.metadata")
    name = _optional_string(meta, "name", "resource.metadata")
    namespace = _optional_string(meta, "namespace", "resource.metadata")
    node, where = obj, "resource"
    for key in _TEMPLATES[kind] or ():
        where = f"{where}.{key}"
        node = _mapping(node.get(key), where)
    spec = _mapping(node.get("spec"), f"{where}.spec")
    images = _images(spec, f"{where}.spec")
    if not images:
        raise InvalidArgument(f"{where}.spec.containers: the {kind} runs no image")
    account = _optional_string(
        spec, "serviceAccountName", f"{where}.spec"
    ) or _optional_string(spec, "serviceAccount", f"{where}.spec")
    return name, namespace, account, images


def evaluate(
    policy: PlatformPolicy,
    body: object,
    store: Store,
    image_metadata: Mapping[str, ImageMetadata] | None = None,
) -> dict[str, Any]:
    """The ``EvaluateGkePolicyResponse`` JSON for one request.

    Raises:
        ApiError: INVALID_ARGUMENT for a malformed request, UNIMPLEMENTED for
            ``GENERATE_DEPLOY``.
    """
    request = _mapping(body, "evaluateGkePolicyRequest")
    unknown = sorted(set(request) - _FIELDS)
    if unknown:
        raise InvalidArgument(
            f"Invalid JSON payload received. Unknown name {unknown[0]!r}: "
            "Cannot find field."
        )
    mode = request.get("attestationMode", _MODES[0])
    if isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode < 2:
        mode = _MODES[mode]
    if mode not in _MODES:
        raise InvalidArgument(
            f"attestationMode: invalid value {mode!r} (expected one of "
            f"{', '.join(_MODES)})"
        )
    if mode == "GENERATE_DEPLOY":
        raise ApiError(
            "UNIMPLEMENTED",
            "attestationMode: GENERATE_DEPLOY (deploy attestations) is not "
            "emulated; evaluate without it",
        )
    if "resource" not in request:
        raise InvalidArgument("resource: required")
    name, namespace, account, images = pod_of(request["resource"])
    response = evaluate_platform_policy(
        policy,
        images,
        namespace=namespace,
        service_account=account,
        now=datetime.datetime.now(datetime.UTC),
        occurrences=StorePlatformOccurrences(store),
        image_metadata=image_metadata,
        pod_name=name,
    )
    return response.to_dict()
