"""What Kritis admission inspects: kinds, operations, images, breakglass.

Kritis registers two webhooks (``helm-hooks/postinstall``): core ``pods`` on
CREATE and UPDATE, and ``deployments``/``replicasets`` of any group on CREATE
only; its handler dispatches on ``request.kind.kind`` and allows every other
kind. Images are ``initContainers`` then ``containers`` of the pod spec (or the
template's); ephemeral containers and image volumes are not looked at. The
breakglass annotation ``kritis.grafeas.io/breakglass`` counts when it is on
the object's **own** metadata with any value (even empty); a pod template's
annotation does not count.

:func:`kritis_object` turns a (validated) admission request into a
:class:`KritisObject`, or a not-applicable reason. Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BREAKGLASS", "INSPECTED", "KritisObject", "kritis_object"]

BREAKGLASS = "kritis.grafeas.io/breakglass"
#: kind -> operations Kritis' webhooks are registered for.
INSPECTED: Mapping[str, tuple[str, ...]] = {
    "Pod": ("CREATE", "UPDATE"),
    "Deployment": ("CREATE",),
    "ReplicaSet": ("CREATE",),
}


@dataclass(frozen=True, slots=True)
class KritisObject:
    """The part of an object Kritis judges.

    Attributes:
        kind: Pod, Deployment or ReplicaSet.
        namespace: whose policies apply (only that namespace's).
        name: for messages.
        images: init containers then containers, duplicates kept.
        breakglass: the breakglass annotation is on the object's metadata.
    """

    kind: str
    namespace: str
    name: str
    images: tuple[str, ...]
    breakglass: bool = False


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _images(spec: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("initContainers", "containers"):
        containers = spec.get(key)
        for c in containers if isinstance(containers, list) else ():
            image = _mapping(c).get("image")
            if isinstance(image, str):
                out.append(image)
    return tuple(out)


def kritis_object(
    kind: str,
    operation: str,
    namespace: str,
    name: str,
    obj: Mapping[str, Any] | None,
    *,
    sub_resource: str = "",
) -> KritisObject | str:
    """The object to judge, or why Kritis would not look at it."""
    if kind not in INSPECTED:
        return (
            f"Kritis does not inspect {kind} objects (only Pod, Deployment and "
            "ReplicaSet; it checks the Pods other controllers create)"
        )
    if sub_resource:
        return f"Kritis' webhooks are not registered for the {sub_resource} subresource"
    if operation not in INSPECTED[kind]:
        ops = " and ".join(INSPECTED[kind])
        return (
            f"Kritis' webhook for {kind} is registered for {ops} only, not {operation}"
        )
    if obj is None:
        return f"no object in the {operation} request"
    meta = _mapping(obj.get("metadata"))
    spec = _mapping(obj.get("spec"))
    if kind != "Pod":
        spec = _mapping(_mapping(spec.get("template")).get("spec"))
    return KritisObject(
        kind=kind,
        namespace=namespace,
        name=name,
        images=_images(spec),
        breakglass=BREAKGLASS in _mapping(meta.get("annotations")),
    )
