"""Build the reviews the suite sends, read the replies, and judge them.

The suite talks to an enforcer only through its webhook: an AdmissionReview
(``admission.k8s.io/v1`` or ``v1beta1``) POSTed to ``/validate``, or an
ImageReview (``imagepolicy.k8s.io/v1alpha1``) POSTed to ``/imagereview``. This
module builds those bodies from a :class:`~kritis_sim.conformance.case.RequestSpec`,
turns a reply into an :class:`Observed` answer, and compares it with an
:class:`~kritis_sim.conformance.case.Expectation`.

It does no HTTP itself (see :mod:`kritis_sim.conformance.runner`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim.conformance.case import Expectation, RequestSpec
from kritis_sim.errors import ConformanceError

__all__ = [
    "ADMISSION_PATH",
    "IMAGEREVIEW_PATH",
    "Observed",
    "build_review",
    "compare",
    "parse_reply",
    "review_path",
]

ADMISSION_PATH = "/validate"
IMAGEREVIEW_PATH = "/imagereview"

_GROUPS = {
    "Pod": ("", "v1", "pods"),
    "PodTemplate": ("", "v1", "podtemplates"),
    "ReplicationController": ("", "v1", "replicationcontrollers"),
    "Deployment": ("apps", "v1", "deployments"),
    "ReplicaSet": ("apps", "v1", "replicasets"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
    "ConfigMap": ("", "v1", "configmaps"),
}


@dataclass(frozen=True, slots=True)
class Observed:
    """What the enforcer answered, in review-neutral form.

    Attributes:
        allowed: the verdict.
        message: the denial message (status.message, or ImageReview reason).
        warnings: AdmissionReview warnings.
        audit_annotations: the reply's auditAnnotations.
    """

    allowed: bool
    message: str = ""
    warnings: tuple[str, ...] = ()
    audit_annotations: Mapping[str, str] = field(default_factory=dict)


def review_path(request: RequestSpec) -> str:
    """The webhook path the review goes to."""
    return IMAGEREVIEW_PATH if request.review == "ImageReview" else ADMISSION_PATH


def build_review(request: RequestSpec, *, uid: str | None = None) -> dict[str, Any]:
    """The JSON body of the review, as an API server would send it."""
    if request.review == "ImageReview":
        return {
            "apiVersion": "imagepolicy.k8s.io/v1alpha1",
            "kind": "ImageReview",
            "spec": dict(request.obj),
        }
    obj = dict(request.obj)
    kind = str(obj.get("kind", "Pod"))
    group, version, resource = _GROUPS.get(kind, ("", "v1", kind.lower() + "s"))
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace", "default")
    body: dict[str, Any] = {
        "uid": uid or str(uuid.uuid4()),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": metadata.get("name", ""),
        "namespace": namespace,
        "operation": request.operation,
        "userInfo": {"username": "conformance", "groups": ["system:authenticated"]},
        "object": obj,
        # A case names no previous object: an UPDATE with a null oldObject is
        # judged in full (an oldObject equal to the object would be admitted
        # unjudged under the default --judge-updates changed; docs/webhook.md).
        "oldObject": None,
        "dryRun": request.dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
    if request.sub_resource:
        body["subResource"] = request.sub_resource
        body["requestSubResource"] = request.sub_resource
    return {
        "apiVersion": request.api_version,
        "kind": "AdmissionReview",
        "request": body,
    }


def parse_reply(sent: Mapping[str, Any], status: int, body: Any) -> Observed:
    """Read the webhook's reply to ``sent``.

    Raises:
        ConformanceError: the reply breaks the review protocol (HTTP error,
            wrong kind or version, uid not echoed, ``allowed`` missing).
    """
    if status != 200:
        raise ConformanceError(f"webhook answered HTTP {status}, expected 200")
    if not isinstance(body, Mapping):
        raise ConformanceError(f"webhook reply is not a JSON object: {body!r:.200}")
    if body.get("kind") != sent["kind"] or body.get("apiVersion") != sent["apiVersion"]:
        raise ConformanceError(
            f"reply is {body.get('apiVersion')}/{body.get('kind')}, "
            f"expected {sent['apiVersion']}/{sent['kind']}"
        )
    if sent["kind"] == "ImageReview":
        st = body.get("status")
        if not isinstance(st, Mapping) or not isinstance(st.get("allowed"), bool):
            raise ConformanceError("ImageReview reply has no boolean status.allowed")
        return Observed(
            st["allowed"], str(st.get("reason") or ""), (),
            dict(st.get("auditAnnotations") or {}),
        )  # fmt: skip
    resp = body.get("response")
    if not isinstance(resp, Mapping):
        raise ConformanceError("AdmissionReview reply has no response")
    if resp.get("uid") != sent["request"]["uid"]:
        raise ConformanceError(
            f"expected response.uid={sent['request']['uid']!r}, got {resp.get('uid')!r}"
        )
    if not isinstance(resp.get("allowed"), bool):
        raise ConformanceError("AdmissionReview reply has no boolean response.allowed")
    st = resp.get("status") or {}
    message = str(st.get("message") or st.get("reason") or "")
    return Observed(
        resp["allowed"],
        message,
        tuple(str(w) for w in resp.get("warnings") or ()),
        dict(resp.get("auditAnnotations") or {}),
    )


def compare(
    expect: Expectation, got: Observed, *, capabilities: frozenset[str]
) -> list[str]:
    """Differences between ``expect`` and ``got``; empty when they agree.

    Warning and audit-annotation patterns are checked only when the adapter
    declares the ``warnings`` and ``audit-annotations`` capabilities.
    """
    problems: list[str] = []
    if got.allowed != expect.allowed:
        want = "allowed" if expect.allowed else "denied"
        have = "allowed" if got.allowed else "denied"
        problems.append(f"expected {want}, got {have} (message: {got.message!r:.300})")
        return problems
    if (
        not expect.allowed
        and expect.reason
        and not re.search(expect.reason, got.message, re.IGNORECASE)
    ):
        problems.append(
            f"denial message {got.message!r:.300} does not match {expect.reason!r}"
        )
    if "warnings" in capabilities:
        for pattern in expect.warnings:
            if not any(re.search(pattern, w, re.IGNORECASE) for w in got.warnings):
                problems.append(f"no warning matches {pattern!r} (got {got.warnings})")
    if "audit-annotations" in capabilities:
        for key, pattern in expect.audit_annotations.items():
            value = got.audit_annotations.get(key)
            if value is None:
                problems.append(f"audit annotation {key!r} missing")
            elif not re.search(pattern, value, re.IGNORECASE):
                problems.append(
                    f"audit annotation {key}={value!r:.200} does not match {pattern!r}"
                )
    return problems
