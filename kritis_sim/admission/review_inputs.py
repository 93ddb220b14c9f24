"""The items of a ``kritis-sim review`` INPUT, checked before any decision.

A user feeds ``review`` whatever they have: one manifest, a multi-document
YAML stream, a JSON array, a ``kind: List`` (what ``kubectl get -o yaml``
writes; typed lists such as ``PodList`` too), an AdmissionReview or an
ImageReview. :func:`load_items` flattens all of these into one list of items,
each with the file line it starts on, and checks every Kubernetes object
against the API server's schema (:mod:`kritis_sim.admission.k8s_schema`) first, so
an unusable input is refused (exit 2) before anything is judged. Empty YAML
documents (a stray ``---``) hold nothing and are passed over.

This module reads and checks; it does not decide.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim._yaml import Locator, Path, format_path, load_documents
from kritis_sim.admission.k8s_schema import check_object
from kritis_sim.admission.review import object_identity
from kritis_sim.admission.workloads import (
    TEMPLATE_PATHS,
    NotApplicable,
    Workload,
    read_workload,
)
from kritis_sim.errors import InputError, ManifestError

__all__ = [
    "Item",
    "as_admission_review",
    "iter_values",
    "load_items",
    "where_of",
    "workload_from_object",
]

_REVIEW_KINDS = ("AdmissionReview", "ImageReview")


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to review.

    Attributes:
        data: the object, AdmissionReview or ImageReview.
        where: ``file:line`` (and the field path inside a list) for messages.
        custom: a custom resource (not checked against a schema).
    """

    data: dict[str, Any]
    where: str
    custom: bool = False


def where_of(locator: Locator, path: Path) -> str:
    """``file:line`` of ``path`` (and the field path, when not the root)."""
    line = locator.line(path)
    at = locator.source if line is None else f"{locator.source}:{line}"
    return f"{at} {format_path(path)}" if path else at


def _is_list(doc: Mapping[str, Any]) -> bool:
    kind = doc.get("kind")
    return (
        isinstance(kind, str)
        and kind.endswith("List")
        and isinstance(doc.get("apiVersion"), str)
        and "items" in doc
    )


def _expand(doc: Any, locator: Locator, path: Path) -> Iterator[tuple[Any, Path]]:
    """Yield ``(value, path)`` for every item of one document."""
    if isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _expand(value, locator, (*path, i))
    elif isinstance(doc, Mapping) and _is_list(doc):
        items = doc["items"]
        if items is None:
            return
        if not isinstance(items, list):
            raise locator.error(
                ManifestError,
                (*path, "items"),
                f"expected a list of objects, got {type(items).__name__}",
            )
        for i, value in enumerate(items):
            yield value, (*path, "items", i)
    else:
        yield doc, path


def _typed(obj: Mapping[str, Any], request: Any) -> Mapping[str, Any]:
    """The object, with ``apiVersion``/``kind`` from ``request.kind`` when it
    names neither (the API server always sends them; a hand-written review may
    not)."""
    gvk = request.get("kind")
    if "apiVersion" in obj or "kind" in obj or not isinstance(gvk, Mapping):
        return obj
    group, version = gvk.get("group") or "", gvk.get("version")
    api_version = f"{group}/{version}" if group else version
    return {"apiVersion": api_version, "kind": gvk.get("kind"), **obj}


def _check(data: dict[str, Any], locator: Locator, path: Path) -> bool:
    """Schema-check one item; True for a custom resource."""
    kind = data.get("kind")
    if kind == "ImageReview":
        return False
    if kind == "AdmissionReview":
        request = data.get("request")
        obj = request.get("object") if isinstance(request, Mapping) else None
        if isinstance(obj, Mapping):
            check_object(_typed(obj, request), locator, (*path, "request", "object"))
        return False
    return not check_object(data, locator, path)


def iter_values(text: str, source: str) -> Iterator[tuple[Any, Locator, Path]]:
    """``(value, locator, path)`` of every item of every document (List
    entries and array elements flattened; empty documents skipped), unchecked.

    Raises:
        InputError: unreadable YAML/JSON, or a List whose ``items`` is no list.
    """
    for doc, locator in load_documents(text, source=source):
        if doc is None:
            continue
        for value, path in _expand(doc, locator, ()):
            yield value, locator, path


def as_admission_review(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """Wrap a checked object in the CREATE AdmissionReview an API server would
    send (``namespace`` when the object names none)."""
    group, _, version = obj["apiVersion"].rpartition("/")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}  # custom resources are unchecked
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "resource": {
                "group": group,
                "version": version,
                "resource": obj["kind"].lower() + "s",
            },
            "namespace": meta.get("namespace") or namespace,
            "name": meta.get("name"),
            "operation": "CREATE",
            "userInfo": {"username": "kritis-sim-review"},
            "object": obj,
            "oldObject": None,
            "dryRun": False,
        },
    }


def workload_from_object(
    obj: dict[str, Any], namespace: str
) -> Workload | NotApplicable:
    """What an object asks to run: exactly what
    :func:`~kritis_sim.admission.workloads.workload_from_admission` gives for
    the review :func:`as_admission_review` wraps it in (``namespace`` when
    the object names none), with the same checks in the same order and the
    same messages and field paths, without building and re-reading that
    review (``kritis-sim cv`` reads tens of thousands of objects). ``obj``
    must have a string ``apiVersion`` and a non-empty string ``kind``
    (callers check them first).

    Raises:
        WebhookRequestError: a bad namespace, name or apiVersion (as
            :func:`~kritis_sim.admission.review.parse_admission_review`).
        ManifestError: fields of the wrong shape.
    """
    kind = obj["kind"]
    group, _, version = obj["apiVersion"].rpartition("/")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    # The review repeats the object's own namespace in the request, where
    # it is checked after the object's and so can only agree: left out, as
    # checking it again cannot change the outcome. (The name stays: the
    # request's is type-checked first, with its own message.)
    request = {
        "namespace": None if meta.get("namespace") else namespace,
        "name": meta.get("name"),
    }
    found_namespace, name = object_identity(request, obj, group, version, kind)
    if (group, kind) not in TEMPLATE_PATHS:
        return NotApplicable(f"not applicable: {kind} objects carry no pod template")
    read = read_workload(
        obj,
        kind,
        name,
        found_namespace,
        TEMPLATE_PATHS[(group, kind)],
        ephemeral_only=False,
    )
    return read if isinstance(read, NotApplicable) else read[0]


def load_items(text: str, source: str) -> list[Item]:
    """Every item of INPUT, checked.

    Raises:
        InputError: unreadable YAML/JSON, an item that is not an object, or an
            object the API server would refuse (file, line and field named).
    """
    items: list[Item] = []
    for value, locator, path in iter_values(text, source):
        if not isinstance(value, dict):
            raise locator.error(
                ManifestError,
                path,
                "expected a Kubernetes object, AdmissionReview or ImageReview "
                f"(a mapping), got {type(value).__name__}",
            )
        custom = _check(value, locator, path)
        items.append(Item(value, where_of(locator, path), custom))
    if not items:
        raise InputError("no objects to review (the input is empty)", source=source)
    return items


def is_review(data: Mapping[str, Any]) -> bool:
    """An AdmissionReview or ImageReview rather than a bare object."""
    return data.get("kind") in _REVIEW_KINDS
