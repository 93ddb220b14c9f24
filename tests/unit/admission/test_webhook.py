"""The webhook app in-process (httpx.ASGITransport): replies, dry-run,
breakglass, audit log, metrics, health and bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.webhook import parse_timeout
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import WebhookRequestError

from .conftest import API, DRYRUN, MIGRATE, PROXY, Scenario, call, fixture, require

ALL_ATTESTED = (API, PROXY, MIGRATE)


def attested(*images: str) -> Scenario:
    scenario = Scenario()
    for image in images:
        scenario.attest(image)
    return scenario


def test_webhook_pod_create_v1_allowed_when_every_image_attested(make_app: Any) -> None:
    app = make_app(attested(*ALL_ATTESTED).config())
    review = fixture("pod-create-v1.json")
    reply = call(app, "/validate", review)
    assert reply.status_code == 200
    body = reply.json()
    assert body["apiVersion"] == "admission.k8s.io/v1"
    assert body["kind"] == "AdmissionReview"
    assert body["response"]["uid"] == review["request"]["uid"]
    assert body["response"]["allowed"] is True
    assert body["response"]["status"]["code"] == 200
    assert "comply" in body["response"]["status"]["message"]


def test_webhook_pod_create_denied_names_the_missing_attestor(make_app: Any) -> None:
    scenario = attested(API, MIGRATE).attest(PROXY, "qa")  # build missing on PROXY
    app = make_app(scenario.config())
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    assert response["allowed"] is False
    assert response["status"]["code"] == 403
    assert response["status"]["reason"] == "Forbidden"
    message = response["status"]["message"]
    assert PROXY in message and "projects/p/attestors/build" in message
    assert response["auditAnnotations"]["denied"] == "true"


def test_webhook_denial_says_which_deploy_target_it_judged(make_app: Any) -> None:
    scenario = attested(API, MIGRATE).attest(PROXY, "qa")
    app = make_app(scenario.config())
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    assert response["status"]["message"].endswith(
        " [deploy target: cluster us-east1-b.prod, namespace prod, "
        "service account shop-api]"
    )
    allowed = make_app(attested(*ALL_ATTESTED).config())
    reply = call(allowed, "/validate", fixture("pod-create-v1.json")).json()
    assert "deploy target" not in reply["response"]["status"]["message"]


def test_deploy_target_description_without_a_cluster() -> None:
    target = DeployTarget.with_trust_domain(
        cluster=None, namespace="shop", service_account="api", trust_domain="td"
    )
    assert target.describe() == (
        "deploy target: no cluster, namespace shop, service account api, "
        "istio identity spiffe://td/ns/shop/sa/api"
    )


def test_webhook_v1beta1_reply_in_v1beta1(make_app: Any) -> None:
    app = make_app(attested(*ALL_ATTESTED).config())
    body = call(app, "/validate", fixture("pod-create-v1beta1.json")).json()
    assert body["apiVersion"] == "admission.k8s.io/v1beta1"
    assert body["response"]["uid"] == "8f3e1c52-1b7d-4a36-9c55-5d0e7f3b2a61"
    assert body["response"]["allowed"] is True


def test_webhook_deployment_with_tag_image_refused_at_creation(make_app: Any) -> None:
    app = make_app(attested(API).config())
    response = call(app, "/validate", fixture("deployment-create-v1.json")).json()[
        "response"
    ]
    assert response["allowed"] is False
    message = response["status"]["message"]
    assert message.startswith("Deployment shop-api: ")
    assert "gcr.io/shop/proxy:1.4" in message and "tag" in message


def test_webhook_ephemeral_container_denied_for_unattested_debug_image(
    make_app: Any,
) -> None:
    app = make_app(attested(*ALL_ATTESTED).config())
    review = fixture("pod-ephemeralcontainers-update-v1.json")
    response = call(app, "/validate", review).json()["response"]
    assert response["allowed"] is False
    assert "busybox:1.36" in response["status"]["message"]


def test_webhook_dry_run_admits_with_warning_and_annotations(make_app: Any) -> None:
    scenario = Scenario(policy_doc={"defaultAdmissionRule": require("qa", mode=DRYRUN)})
    app = make_app(scenario.config())
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    assert response["allowed"] is True
    assert response["warnings"]
    assert all(len(w) <= 120 for w in response["warnings"])
    assert response["warnings"][0].startswith("dry-run: admitted but would be denied")
    annotations = response["auditAnnotations"]
    assert annotations["dry-run"] == "true"
    assert API in annotations["overridden-verification-result"]
    assert all("/" not in key for key in annotations)


@pytest.mark.parametrize(
    "meta",
    [
        {"labels": {"image-policy.k8s.io/break-glass": "true"}},
        {"annotations": {"alpha.image-policy.k8s.io/break-glass": "true"}},
        {"annotations": {"kritis.grafeas.io/breakglass": "INC-7"}},
    ],
)
def test_webhook_breakglass_admits_and_is_audited(make_app: Any, meta: Any) -> None:
    stream = io.StringIO()
    app = make_app(Scenario().config(audit_log=AuditLog(stream)))
    review = fixture("pod-create-v1.json")
    for key, values in meta.items():
        review["request"]["object"]["metadata"].setdefault(key, {}).update(values)
    response = call(app, "/validate", review).json()["response"]
    assert response["allowed"] is True
    assert response["auditAnnotations"]["break-glass"] == "true"
    assert any(w.startswith("breakglass") for w in response["warnings"])
    record = json.loads(stream.getvalue())
    assert record["breakglass"] is True and record["breakglassMarkers"]
    assert record["verdictAllowed"] is False


def test_webhook_breakglass_on_compliant_pod_still_audited(make_app: Any) -> None:
    app = make_app(attested(*ALL_ATTESTED).config())
    review = fixture("pod-create-v1.json")
    review["request"]["object"]["metadata"]["labels"][
        "image-policy.k8s.io/break-glass"
    ] = "true"
    response = call(app, "/validate", review).json()["response"]
    assert response["allowed"] is True
    assert response["auditAnnotations"]["break-glass"] == "true"


def test_webhook_audit_log_line_per_decision(make_app: Any) -> None:
    stream = io.StringIO()
    app = make_app(attested(*ALL_ATTESTED).config(audit_log=AuditLog(stream)))
    call(app, "/validate", fixture("pod-create-v1.json"))
    call(app, "/validate", fixture("deployment-create-v1.json"))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    pod, deployment = (json.loads(line) for line in lines)
    assert pod["uid"] == "705ab4f5-6393-11e8-b7cc-42010a800002"
    assert (pod["kind"], pod["namespace"], pod["name"]) == (
        "Pod",
        "prod",
        "shop-api-7d9c6b5f4-x2k8p",
    )
    assert pod["target"] == {
        "cluster": "us-east1-b.prod",
        "namespace": "prod",
        "serviceAccount": "shop-api",
        "istioIdentity": None,
    }
    assert [i["image"] for i in pod["images"]] == list(ALL_ATTESTED)
    assert pod["allowed"] is True and pod["latencyMs"] >= 0
    assert deployment["allowed"] is False and deployment["kind"] == "Deployment"
    assert {"time", "dryRun", "breakglass", "failedClosed"} <= deployment.keys()


def test_webhook_unparseable_image_denied_with_parse_error(make_app: Any) -> None:
    app = make_app(Scenario().config())
    review = fixture("pod-create-v1.json")
    review["request"]["object"]["spec"]["containers"][0]["image"] = "UPPER/Case::bad"
    response = call(app, "/validate", review).json()["response"]
    assert response["allowed"] is False
    assert "UPPER/Case::bad" in response["status"]["message"]


def test_webhook_not_applicable_kinds_and_operations(make_app: Any) -> None:
    app = make_app(Scenario().config())
    review = fixture("pod-create-v1.json")
    review["request"]["kind"] = {"group": "", "version": "v1", "kind": "ConfigMap"}
    review["request"]["object"] = {"data": {}}
    response = call(app, "/validate", review).json()["response"]
    assert response["allowed"] is True
    assert response["status"]["message"].startswith("not applicable")
    delete = fixture("pod-create-v1.json")
    delete["request"].update(operation="DELETE", object=None)
    response = call(app, "/validate", delete).json()["response"]
    assert response["allowed"] is True
    assert "DELETE" in response["auditAnnotations"]["not-applicable"]


def test_webhook_image_review(make_app: Any) -> None:
    app = make_app(attested(*ALL_ATTESTED).config())
    review = fixture("imagereview-v1alpha1.json")
    del review["spec"]["annotations"]
    body = call(app, "/imagereview", review).json()
    assert body == {
        "apiVersion": "imagepolicy.k8s.io/v1alpha1",
        "kind": "ImageReview",
        "status": {"allowed": True, "reason": body["status"]["reason"]},
    }
    app = make_app(Scenario().config())
    status = call(app, "/imagereview", review).json()["status"]
    assert status["allowed"] is False and API in status["reason"]


def test_webhook_image_review_breakglass_annotation(make_app: Any) -> None:
    app = make_app(Scenario().config())
    status = call(app, "/imagereview", fixture("imagereview-v1alpha1.json")).json()[
        "status"
    ]
    assert status["allowed"] is True
    assert status["auditAnnotations"]["break-glass"] == "true"


@pytest.mark.parametrize(
    ("path", "raw", "needle"),
    [
        ("/validate", b"{not json", "not JSON"),
        ("/validate", b'{"apiVersion": "v1", "kind": "Pod"}', "apiVersion"),
        (
            "/validate",
            b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}',
            "no request",
        ),
        ("/imagereview", b"[]", "JSON object"),
        ("/imagereview", b'{"apiVersion": "imagepolicy.k8s.io/v1alpha1"}', "kind"),
    ],
)
def test_webhook_bad_input_is_400(
    make_app: Any, path: str, raw: bytes, needle: str
) -> None:
    app = make_app(Scenario().config())
    reply = call(app, path, raw=raw)
    assert reply.status_code == 400
    assert needle in reply.json()["error"]


def test_webhook_unknown_object_shape_is_400(make_app: Any) -> None:
    app = make_app(Scenario().config())
    review = fixture("pod-create-v1.json")
    review["request"]["object"]["spec"]["containers"] = "api"
    reply = call(app, "/validate", review)
    assert reply.status_code == 400
    assert "object.spec.containers" in reply.json()["error"]


def test_webhook_body_over_limit_is_413(make_app: Any) -> None:
    app = make_app(Scenario().config(max_body_bytes=1024))
    review = fixture("pod-create-v1.json")
    review["request"]["object"]["metadata"]["annotations"] = {"big": "x" * 4096}
    reply = call(app, "/validate", review)
    assert reply.status_code == 413
    default = make_app(Scenario().config())
    assert (
        call(default, "/validate", raw=b" " * (3 * 1024 * 1024 + 1)).status_code == 413
    )


def test_webhook_health_ready_and_metrics(make_app: Any) -> None:
    app = make_app(attested(*ALL_ATTESTED).config())
    assert call(app, "/healthz", method="GET").text == "ok\n"
    assert call(app, "/readyz", method="GET").status_code == 200
    call(app, "/validate", fixture("pod-create-v1.json"))
    call(app, "/validate", fixture("deployment-create-v1.json"))
    call(app, "/validate", raw=b"nope")
    metrics = call(app, "/metrics", method="GET")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = metrics.text
    prefix = "kritis_sim_webhook_"
    assert f'{prefix}decisions_total{{endpoint="validate",verdict="allowed"}} 1' in text
    assert f'{prefix}decisions_total{{endpoint="validate",verdict="denied"}} 1' in text
    assert (
        f'{prefix}request_duration_seconds_bucket{{endpoint="validate",le="+Inf"}} 2'
        in text
    )
    assert f"{prefix}store_errors_total 0" in text
    assert f'{prefix}bad_requests_total{{endpoint="validate"}} 1' in text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10s", 10.0), ("1m30s", 90.0), ("500ms", 0.5), ("1.5s", 1.5), ("2h", 7200.0)],
)
def test_webhook_parse_timeout(text: str, seconds: float) -> None:
    assert parse_timeout(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "s", "-1s", "0s", "10x", "10s junk"])
def test_webhook_parse_timeout_refuses(text: str) -> None:
    with pytest.raises(WebhookRequestError):
        parse_timeout(text)
