"""AdmissionReview / ImageReview parsing and reply building."""

from __future__ import annotations

from typing import Any

import pytest

from kritis_sim.admission.review import (
    MAX_WARNING_LENGTH,
    AdmissionVerdict,
    admission_reply,
    decode_json,
    image_review_reply,
    parse_admission_review,
    parse_image_review,
)
from kritis_sim.errors import WebhookRequestError

from .conftest import fixture


@pytest.mark.parametrize(
    "name",
    [
        "pod-create-v1.json",
        "pod-create-v1beta1.json",
        "deployment-create-v1.json",
        "pod-ephemeralcontainers-update-v1.json",
    ],
)
def test_review_fixtures_parse_and_reply_in_the_version_sent(name: str) -> None:
    data = fixture(name)
    parsed = parse_admission_review(data)
    assert parsed.uid == data["request"]["uid"]
    reply = admission_reply(parsed, AdmissionVerdict(allowed=True))
    assert reply["apiVersion"] == data["apiVersion"]
    assert reply["kind"] == "AdmissionReview"
    assert reply["response"] == {"uid": parsed.uid, "allowed": True}


def test_review_denial_has_forbidden_status_and_short_warnings() -> None:
    parsed = parse_admission_review(fixture("pod-create-v1.json"))
    verdict = AdmissionVerdict(
        allowed=False,
        message="no",
        warnings=("x" * 500, "line one\nline two"),
        audit_annotations={"dry-run": "true"},
    )
    response = admission_reply(parsed, verdict)["response"]
    assert response["status"] == {"code": 403, "reason": "Forbidden", "message": "no"}
    assert all(len(w) <= MAX_WARNING_LENGTH for w in response["warnings"])
    assert response["warnings"][1] == "line one line two"
    assert response["auditAnnotations"] == {"dry-run": "true"}


def test_review_image_review_reply_always_has_allowed() -> None:
    assert image_review_reply(AdmissionVerdict(allowed=True)) == {
        "apiVersion": "imagepolicy.k8s.io/v1alpha1",
        "kind": "ImageReview",
        "status": {"allowed": True},
    }
    denied = image_review_reply(AdmissionVerdict(False, "bad", (), {"k": "v"}))
    assert denied["status"] == {
        "allowed": False,
        "reason": "bad",
        "auditAnnotations": {"k": "v"},
    }


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "must be a JSON object"),
    ],
)
def test_review_decode_json_refuses(body: bytes, needle: str) -> None:
    with pytest.raises(WebhookRequestError, match=needle):
        decode_json(body)


def _review(**changes: Any) -> dict[str, Any]:
    data = fixture("pod-create-v1.json")
    for key, value in changes.items():
        if key.startswith("request_"):
            field = key.removeprefix("request_")
            if value is None:
                data["request"].pop(field)
            else:
                data["request"][field] = value
        elif value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (_review(apiVersion="admission.k8s.io/v2"), "apiVersion"),
        (_review(apiVersion=None), "apiVersion"),
        (_review(kind="ImageReview"), "kind"),
        (_review(request=None), "request"),
        (_review(request=[1]), "request"),
        (_review(request_uid=None), "request.uid"),
        (_review(request_uid=""), "request.uid"),
        (_review(request_kind="Pod"), "request.kind"),
        (_review(request_kind={"group": "", "version": "v1"}), "request.kind.kind"),
        (_review(request_operation="PATCH"), "request.operation"),
        (_review(request_object="x"), "request.object"),
        (_review(request_object=None), "request.object"),
        (_review(request_namespace=5), "request.namespace"),
    ],
)
def test_review_admission_review_refuses_bad_shape(
    data: dict[str, Any], path: str
) -> None:
    with pytest.raises(WebhookRequestError) as info:
        parse_admission_review(data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"apiVersion": "imagepolicy.k8s.io/v1"}, "apiVersion"),
        ({"kind": "AdmissionReview"}, "kind"),
        ({"spec": None}, "spec"),
        ({"spec": {"containers": {"image": "a"}}}, "spec.containers"),
        ({"spec": {"containers": [{"image": 1}]}}, "spec.containers[0].image"),
        ({"spec": {"annotations": ["a"]}}, "spec.annotations"),
        ({"spec": {"namespace": 1}}, "spec.namespace"),
    ],
)
def test_review_image_review_refuses_bad_shape(
    change: dict[str, Any], path: str
) -> None:
    data = fixture("imagereview-v1alpha1.json")
    data.update(change)
    with pytest.raises(WebhookRequestError) as info:
        parse_image_review(data)
    assert info.value.path == path


def test_review_image_review_spec_without_containers_is_valid() -> None:
    # A namespace is required since issue 15 item 3 (the plugin always sends
    # one); containers may still be absent.
    parsed = parse_image_review(
        {
            "apiVersion": "imagepolicy.k8s.io/v1alpha1",
            "kind": "ImageReview",
            "spec": {"namespace": "team"},
        }
    )
    assert parsed.images == () and parsed.namespace == "team"
