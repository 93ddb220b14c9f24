"""The two review wire formats the webhook speaks, typed and validated.

``AdmissionReview`` (``admission.k8s.io/v1`` and ``v1beta1``), which a
ValidatingWebhookConfiguration sends, and ``ImageReview``
(``imagepolicy.k8s.io/v1alpha1``), which the ImagePolicyWebhook admission
plugin sends. This module turns request bodies into typed values and builds
replies; a body that cannot be judged at all raises
:class:`~kritis_sim.errors.WebhookRequestError` (HTTP 400), and so does one the
API server would never send (an unserved kind or apiVersion, a bad namespace or
name: :mod:`kritis_sim.admission.identity`). Of the object under review it
reads only ``apiVersion``, ``kind`` and the identity in ``metadata`` (images and
breakglass: :mod:`kritis_sim.admission.workloads`); it decides nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

from kritis_sim.admission.identity import (
    check_api_version,
    check_gvk,
    check_namespace,
    resolve_identity,
)
from kritis_sim.admission.wire import (
    ADMISSION_VERSIONS,
    IMAGE_REVIEW_VERSION,
    MAX_WARNING_LENGTH,
    AdmissionRequest,
    AdmissionResponse,
    AdmissionReviewReply,
    ImageReviewReply,
    ImageReviewRequest,
    ImageReviewStatus,
    Operation,
)
from kritis_sim.admission.wire import OPERATIONS as _OPERATIONS
from kritis_sim.errors import WebhookRequestError

__all__ = [
    "ADMISSION_VERSIONS",
    "IMAGE_REVIEW_VERSION",
    "MAX_WARNING_LENGTH",
    "AdmissionRequest",
    "AdmissionResponse",
    "AdmissionReviewReply",
    "AdmissionVerdict",
    "ImageReviewReply",
    "ImageReviewRequest",
    "ImageReviewStatus",
    "Operation",
    "ParsedAdmission",
    "ParsedImageReview",
    "admission_reply",
    "decode_json",
    "image_review_reply",
    "object_identity",
    "parse_admission_review",
    "parse_image_review",
]


@dataclass(frozen=True, slots=True)
class ParsedAdmission:
    """A validated AdmissionReview request.

    Attributes:
        api_version: the version sent, echoed in the reply.
        request: the raw request, typed.
        uid: ``request.uid``.
        kind: ``request.kind.kind`` (e.g. ``Pod``).
        group: ``request.kind.group`` (``""`` for core).
        sub_resource: ``request.subResource`` or ``""``.
        operation: CREATE, UPDATE, DELETE or CONNECT.
        namespace: ``request.namespace``, else ``object.metadata.namespace``
            (they must agree), or None (never for a workload kind).
        name: ``request.name``, else ``object.metadata.name``, else its
            ``generateName``; None only when none is given (never for a
            workload CREATE or UPDATE).
        obj: ``request.object`` (None on DELETE/CONNECT).
        old_obj: ``request.oldObject`` (an UPDATE's previous object), or None.
    """

    api_version: str
    request: AdmissionRequest
    uid: str
    kind: str
    group: str
    sub_resource: str
    operation: Operation
    namespace: str | None
    name: str | None
    obj: dict[str, Any] | None
    old_obj: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ParsedImageReview:
    """A validated ImageReview request."""

    images: tuple[str, ...]
    annotations: dict[str, str] = field(default_factory=dict)
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class AdmissionVerdict:
    """What the webhook answers, independent of the wire version.

    Attributes:
        allowed: admit the object.
        message: the denial message (or, when allowed, an informative note).
        warnings: shown to the user by kubectl; shortened to 120 characters.
        audit_annotations: keys without a prefix (the API server adds one).
    """

    allowed: bool
    message: str = ""
    warnings: tuple[str, ...] = ()
    audit_annotations: dict[str, str] = field(default_factory=dict)


def decode_json(body: bytes) -> dict[str, Any]:
    """Decode a request body that must be one JSON object.

    Raises:
        WebhookRequestError: not UTF-8 JSON, or not an object.
    """
    try:
        # orjson: strict RFC 8259 (no NaN), UTF-8 only, and several times
        # faster than the standard library on the bodies an API server sends.
        data = orjson.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRequestError(f"request body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise WebhookRequestError(
            f"request body must be a JSON object, got {type(data).__name__}"
        )
    return cast(dict[str, Any], data)


def _expect_type(value: Any, kind: type | tuple[type, ...], path: str) -> None:
    if not isinstance(value, kind):
        names = (
            " or ".join(k.__name__ for k in kind)
            if isinstance(kind, tuple)
            else kind.__name__
        )
        raise WebhookRequestError(
            f"expected {names}, got {type(value).__name__}", path=path
        )


def _optional_str(request: Mapping[str, Any], key: str) -> str | None:
    value = request.get(key)
    if value is None:
        return None
    _expect_type(value, str, f"request.{key}")
    return cast(str, value)


def parse_admission_review(data: dict[str, Any]) -> ParsedAdmission:
    """Validate an AdmissionReview document.

    Raises:
        WebhookRequestError: wrong apiVersion or kind, missing request or uid,
            or fields of the wrong type.
    """
    api_version = data.get("apiVersion")
    if api_version not in ADMISSION_VERSIONS:
        raise WebhookRequestError(
            f"expected one of {list(ADMISSION_VERSIONS)}, got {api_version!r}",
            path="apiVersion",
        )
    if data.get("kind") != "AdmissionReview":
        raise WebhookRequestError(
            f"expected 'AdmissionReview', got {data.get('kind')!r}", path="kind"
        )
    request = data.get("request")
    if request is None:
        raise WebhookRequestError("AdmissionReview has no request", path="request")
    _expect_type(request, dict, "request")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise WebhookRequestError(
            f"expected a non-empty string, got {uid!r}", path="request.uid"
        )
    gvk = request.get("kind")
    _expect_type(gvk, dict, "request.kind")
    kind, group, version = gvk.get("kind"), gvk.get("group", ""), gvk.get("version")
    if not isinstance(kind, str) or not kind:
        raise WebhookRequestError(
            f"expected a kind name, got {kind!r}", path="request.kind.kind"
        )
    _expect_type(group, str, "request.kind.group")
    if not isinstance(version, str):
        raise WebhookRequestError(
            f"expected a version such as 'v1', got {version!r}",
            path="request.kind.version",
        )
    operation = request.get("operation")
    if operation not in _OPERATIONS:
        raise WebhookRequestError(
            f"expected one of {list(_OPERATIONS)}, got {operation!r}",
            path="request.operation",
        )
    obj = request.get("object")
    if obj is not None:
        _expect_type(obj, dict, "request.object")
    if operation in ("CREATE", "UPDATE") and obj is None:
        raise WebhookRequestError(
            f"a {operation} request must carry the object", path="request.object"
        )
    old_obj = request.get("oldObject")
    if old_obj is not None:
        _expect_type(old_obj, dict, "request.oldObject")
    namespace, name = object_identity(request, obj, group, version, kind)
    return ParsedAdmission(
        api_version=cast(str, api_version),
        request=cast(AdmissionRequest, request),
        uid=uid,
        kind=kind,
        group=group,
        sub_resource=_optional_str(request, "subResource") or "",
        operation=cast(Operation, operation),
        namespace=namespace,
        name=name,
        obj=obj,
        old_obj=old_obj,
    )


def object_identity(
    request: Mapping[str, Any],
    obj: dict[str, Any] | None,
    group: str,
    version: str,
    kind: str,
) -> tuple[str | None, str | None]:
    """The namespace and name of a request about ``obj`` (of ``request.kind``
    ``group``/``version``/``kind``), checked as the API server would; the
    part of :func:`parse_admission_review` that reads the object, shared with
    :func:`kritis_sim.admission.workloads.workload_from_object`.

    Raises:
        WebhookRequestError: naming the field (``object.apiVersion``,
            ``object.metadata``, ``request.kind``, ``request.name``, ...).
    """
    metadata: dict[str, Any] = {}
    if obj is not None:
        # The object first: for a manifest wrapped by `kritis-sim review` its
        # fields are the ones the user wrote.
        check_api_version(obj, group, version, kind)
        metadata = obj.get("metadata") or {}
        _expect_type(metadata, dict, "object.metadata")
    check_gvk(group, version, kind, "request.kind")
    _optional_str(request, "name")
    return resolve_identity(
        request, metadata, group, kind, require_name=obj is not None
    )


def parse_image_review(data: dict[str, Any]) -> ParsedImageReview:
    """Validate an ImageReview document.

    Raises:
        WebhookRequestError: wrong apiVersion or kind, or a spec of the wrong shape.
    """
    if data.get("apiVersion") != IMAGE_REVIEW_VERSION:
        raise WebhookRequestError(
            f"expected {IMAGE_REVIEW_VERSION!r}, got {data.get('apiVersion')!r}",
            path="apiVersion",
        )
    if data.get("kind") != "ImageReview":
        raise WebhookRequestError(
            f"expected 'ImageReview', got {data.get('kind')!r}", path="kind"
        )
    spec = data.get("spec")
    if spec is None:
        raise WebhookRequestError("ImageReview has no spec", path="spec")
    _expect_type(spec, dict, "spec")
    containers = spec.get("containers") or []
    _expect_type(containers, list, "spec.containers")
    images: list[str] = []
    for i, container in enumerate(containers):
        _expect_type(container, dict, f"spec.containers[{i}]")
        image = container.get("image")
        _expect_type(image, str, f"spec.containers[{i}].image")
        images.append(image)
    annotations = spec.get("annotations") or {}
    _expect_type(annotations, dict, "spec.annotations")
    for key, value in annotations.items():
        _expect_type(value, str, f"spec.annotations[{key!r}]")
    namespace = check_namespace(spec.get("namespace"), "spec.namespace")
    if namespace is None:
        raise WebhookRequestError(
            "the ImagePolicyWebhook always sends the Pod's namespace; got none",
            path="spec.namespace",
        )
    return ParsedImageReview(tuple(images), dict(annotations), namespace)


def shorten(text: str, limit: int = MAX_WARNING_LENGTH) -> str:
    """One line of at most ``limit`` characters (ellipsis when cut)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def admission_reply(
    parsed: ParsedAdmission, verdict: AdmissionVerdict
) -> AdmissionReviewReply:
    """Build the reply in the version the review was sent in, echoing the uid."""
    response: AdmissionResponse = {"uid": parsed.uid, "allowed": verdict.allowed}
    if not verdict.allowed:
        response["status"] = {
            "code": 403,
            "reason": "Forbidden",
            "message": verdict.message or "denied by kritis-sim",
        }
    elif verdict.message:
        response["status"] = {"code": 200, "message": verdict.message}
    if verdict.warnings:
        response["warnings"] = [shorten(w) for w in verdict.warnings]
    if verdict.audit_annotations:
        response["auditAnnotations"] = dict(verdict.audit_annotations)
    return {
        "apiVersion": parsed.api_version,
        "kind": "AdmissionReview",
        "response": response,
    }


def image_review_reply(verdict: AdmissionVerdict) -> ImageReviewReply:
    """Build the ImageReview reply (``status.allowed`` always present)."""
    status: ImageReviewStatus = {"allowed": verdict.allowed}
    if verdict.message:
        status["reason"] = verdict.message
    if verdict.audit_annotations:
        status["auditAnnotations"] = dict(verdict.audit_annotations)
    return {"apiVersion": IMAGE_REVIEW_VERSION, "kind": "ImageReview", "status": status}
