"""The review wire formats as typed dictionaries (no behaviour).

``AdmissionReview`` (``admission.k8s.io/v1`` and ``v1beta1``) requests and
replies, and the ``ImageReview`` (``imagepolicy.k8s.io/v1alpha1``) request and
reply, field by field as wire-formats.md section 7 gives them, plus the
version constants. Parsing and reply building live in
:mod:`kritis_sim.admission.review`, which re-exports these names.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, Required, TypedDict, get_args

__all__ = [
    "ADMISSION_VERSIONS",
    "IMAGE_REVIEW_VERSION",
    "MAX_WARNING_LENGTH",
    "OPERATIONS",
    "AdmissionRequest",
    "AdmissionResponse",
    "AdmissionReviewReply",
    "AdmissionVersion",
    "GroupVersionKind",
    "GroupVersionResource",
    "ImageReviewContainer",
    "ImageReviewReply",
    "ImageReviewRequest",
    "ImageReviewSpec",
    "ImageReviewStatus",
    "Operation",
    "ReviewStatus",
]

AdmissionVersion = Literal["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]
Operation = Literal["CREATE", "UPDATE", "DELETE", "CONNECT"]

#: AdmissionReview apiVersions the webhook answers (it replies in the one sent).
ADMISSION_VERSIONS: tuple[str, ...] = get_args(AdmissionVersion)
OPERATIONS: tuple[str, ...] = get_args(Operation)
IMAGE_REVIEW_VERSION = "imagepolicy.k8s.io/v1alpha1"
#: Longest warning the API server passes on unshortened.
MAX_WARNING_LENGTH = 120


class GroupVersionKind(TypedDict):
    """``request.kind`` / ``requestKind``."""

    group: str
    version: str
    kind: str


class GroupVersionResource(TypedDict):
    """``request.resource`` / ``requestResource``."""

    group: str
    version: str
    resource: str


class AdmissionRequest(TypedDict, total=False):
    """``AdmissionReview.request`` as the API server sends it (wire-formats 7.1)."""

    uid: Required[str]
    kind: Required[GroupVersionKind]
    resource: GroupVersionResource
    subResource: str
    requestKind: GroupVersionKind
    requestResource: GroupVersionResource
    requestSubResource: str
    name: str
    namespace: str
    operation: Required[Operation]
    userInfo: dict[str, Any]
    object: dict[str, Any] | None
    oldObject: dict[str, Any] | None
    dryRun: bool
    options: dict[str, Any] | None


class ReviewStatus(TypedDict, total=False):
    """The ``metav1.Status`` subset a webhook reply carries."""

    code: int
    reason: str
    message: str


class AdmissionResponse(TypedDict):
    """``AdmissionReview.response`` for a validating webhook."""

    uid: str
    allowed: bool
    status: NotRequired[ReviewStatus]
    warnings: NotRequired[list[str]]
    auditAnnotations: NotRequired[dict[str, str]]


class AdmissionReviewReply(TypedDict):
    """The whole reply document."""

    apiVersion: str
    kind: Literal["AdmissionReview"]
    response: AdmissionResponse


class ImageReviewContainer(TypedDict):
    """One ``spec.containers[]`` entry."""

    image: str


class ImageReviewSpec(TypedDict, total=False):
    """``ImageReview.spec`` (every field omitempty)."""

    containers: list[ImageReviewContainer]
    annotations: dict[str, str]
    namespace: str


class ImageReviewRequest(TypedDict):
    """The ImageReview document the ImagePolicyWebhook plugin posts."""

    apiVersion: str
    kind: Literal["ImageReview"]
    spec: ImageReviewSpec


class ImageReviewStatus(TypedDict):
    """``ImageReview.status``: ``allowed`` is always present."""

    allowed: bool
    reason: NotRequired[str]
    auditAnnotations: NotRequired[dict[str, str]]


class ImageReviewReply(TypedDict):
    """The reply document."""

    apiVersion: str
    kind: Literal["ImageReview"]
    status: ImageReviewStatus
