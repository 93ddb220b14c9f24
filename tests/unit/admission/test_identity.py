"""What the API server would refuse is refused, not judged (issue 15 item 3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.admission.review import parse_admission_review, parse_image_review
from kritis_sim.admission.workloads import NotApplicable, workload_from_admission
from kritis_sim.cli.main import main
from kritis_sim.errors import WebhookRequestError

from .conftest import API, Scenario, call

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"containers": [{"name": "c", "image": API}]},
}
DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"template": {"spec": copy.deepcopy(POD["spec"])}},
}


def edit(obj: dict[str, Any], **meta: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    for key, value in meta.items():
        if key in ("apiVersion", "kind"):
            out[key] = value
        elif value is None:
            out["metadata"].pop(key, None)
        else:
            out["metadata"][key] = value
    return out


def review(obj: dict[str, Any], **request: Any) -> dict[str, Any]:
    """The AdmissionReview an API server would send, as `review` builds it."""
    group, _, version = str(obj.get("apiVersion")).rpartition("/")
    body: dict[str, Any] = {
        "uid": "u-1",
        "kind": {"group": group, "version": version, "kind": obj.get("kind")},
        "operation": "CREATE",
        "object": obj,
    }
    meta = obj.get("metadata") or {}
    if isinstance(meta.get("namespace"), str):
        body["namespace"] = meta["namespace"]
    body.update(request)
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": body,
    }


CASES = [
    (
        edit(POD, namespace=False),
        "object.metadata.namespace: expected a namespace name (a string), got bool False",
    ),
    (
        edit(POD, namespace=0),
        "object.metadata.namespace: expected a namespace name (a string), got int 0",
    ),
    (
        edit(POD, namespace="Shop"),
        "object.metadata.namespace: expected a DNS-1123 label: lower-case letters, "
        "digits and '-', at most 63 characters, got 'Shop'",
    ),
    (
        edit(POD, namespace="team.a"),
        "object.metadata.namespace: expected a DNS-1123 label: lower-case letters, "
        "digits and '-', at most 63 characters, got 'team.a'",
    ),
    (
        edit(POD, name="Web_1"),
        "object.metadata.name: expected a DNS-1123 subdomain: lower-case letters, "
        "digits, '-' and '.', at most 253 characters, got 'Web_1'",
    ),
    (
        edit(POD, name=None),
        "object.metadata.name: a Pod needs a name or a generateName (the API "
        "server refuses an object with neither)",
    ),
    (
        edit(POD, kind="pod"),
        "object.kind: expected 'Pod' (kinds are singular and case-sensitive), "
        "got 'pod'",
    ),
    (
        edit(DEPLOYMENT, kind="Deployments"),
        "object.kind: expected 'Deployment' (kinds are singular and "
        "case-sensitive), got 'Deployments'",
    ),
    (
        edit(POD, apiVersion="core/v1"),
        "object.apiVersion: the core API group has no name: write apiVersion 'v1'",
    ),
    (
        edit(POD, apiVersion="apps/v1"),
        "object.apiVersion: Pod is served as apiVersion 'v1', got 'apps/v1'",
    ),
    (
        edit(DEPLOYMENT, apiVersion="v1"),
        "object.apiVersion: Deployment is served as apiVersion 'apps/v1', "
        "'apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1', got 'v1'",
    ),
    (
        edit(DEPLOYMENT, apiVersion="apps/v2"),
        "object.apiVersion: Deployment is served as apiVersion 'apps/v1', "
        "'apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1', got 'apps/v2'",
    ),
    (
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "x" * 53, "namespace": "shop"},
            "spec": {
                "schedule": "@hourly",
                "jobTemplate": {"spec": copy.deepcopy(DEPLOYMENT["spec"])},
            },
        },
        "object.metadata.name: a CronJob name has at most 52 characters, got 53",
    ),
]
IDS = [
    "ns-false", "ns-zero", "ns-upper", "ns-dotted", "name", "no-name", "kind-pod",
    "kind-plural", "core-v1", "apps-pod", "v1-deployment", "apps-v2", "cronjob-53",
]  # fmt: skip


@pytest.mark.parametrize(("obj", "message"), CASES, ids=IDS)
def test_identity_refusals_have_exact_messages(
    obj: dict[str, Any], message: str
) -> None:
    with pytest.raises(WebhookRequestError) as info:
        parse_admission_review(review(obj))
    assert str(info.value) == message


@pytest.mark.parametrize(("obj", "message"), CASES[:7], ids=IDS[:7])
def test_identity_webhook_answers_400_never_judges(
    make_app: Any, obj: dict[str, Any], message: str
) -> None:
    app = make_app(Scenario().attest(API).config())
    reply = call(app, "/validate", review(obj))
    assert reply.status_code == 400
    assert reply.json() == {"error": message, "code": 400}


@pytest.mark.parametrize(("obj", "message"), CASES, ids=IDS)
def test_identity_review_cli_exits_2_with_the_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    obj: dict[str, Any],
    message: str,
) -> None:
    scenario = Scenario()
    (tmp_path / "p.json").write_text(json.dumps(scenario.policy_doc))
    (tmp_path / "a.json").write_text(
        json.dumps([a.to_dict() for a in scenario.attestors.values()])
    )
    manifest = tmp_path / "m.yaml"
    manifest.write_text(yaml.safe_dump(obj))
    code = main(
        ["review", str(manifest), "--policy", str(tmp_path / "p.json"),
         "--attestors", str(tmp_path / "a.json")]
    )  # fmt: skip
    # The review CLI checks bare manifests itself first (Kubernetes schema,
    # its own wording); what matters here is that none is judged.
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("kritis-sim: error: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        (
            {"namespace": "other"},
            "object.metadata.namespace: 'shop' does not match request.namespace "
            "'other'",
        ),
        (
            {"name": "other"},
            "object.metadata.name: 'web' does not match request.name 'other'",
        ),
        (
            {"kind": {"group": "", "version": "v1", "kind": "pod"}},
            "object.kind: 'Pod' is not the request's 'pod' (request.kind.kind)",
        ),
        (
            {"kind": {"group": "apps", "version": "v1", "kind": "Deployment"}},
            "object.apiVersion: 'v1' is not the request's 'apps/v1' (request.kind)",
        ),
        (
            {"namespace": 7},
            "request.namespace: expected a namespace name (a string), got int 7",
        ),
    ],
    ids=["ns-mismatch", "name-mismatch", "kind-mismatch", "version-mismatch", "ns-int"],
)
def test_identity_request_and_object_must_agree(
    request_fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(WebhookRequestError) as info:
        parse_admission_review(review(POD, **request_fields))
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("gvk", "message"),
    [
        (("", "v1", "pod"), "request.kind.kind: expected 'Pod' (kinds are singular "
         "and case-sensitive), got 'pod'"),
        (("core", "v1", "Pod"), "request.kind.group: the core API group has no "
         "name: write apiVersion 'v1'"),
        (("apps", "v1", "Pod"), "request.kind.group: Pod is served as apiVersion "
         "'v1', got 'apps/v1'"),
        (("", "V1", "ConfigMap"), "request.kind.version: expected a version such "
         "as 'v1', got 'V1'"),
        (("", "v1", "Config Map"), "request.kind.kind: expected a kind name such "
         "as 'Pod', got 'Config Map'"),
    ],
)  # fmt: skip
def test_identity_request_kind_without_object(
    gvk: tuple[str, str, str], message: str
) -> None:
    group, version, kind = gvk
    body = review(POD)
    del body["request"]["object"]
    body["request"].update(
        operation="DELETE", kind={"group": group, "version": version, "kind": kind}
    )
    with pytest.raises(WebhookRequestError) as info:
        parse_admission_review(body)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "obj",
    [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Odd_Name"}},
        {"apiVersion": "example.com/v1", "kind": "Pod", "metadata": {"name": "x"}},
        {"apiVersion": "example.com/v1alpha1", "kind": "Widget"},
    ],
    ids=["configmap", "crd-named-pod", "crd"],
)
def test_identity_well_formed_other_kinds_stay_not_applicable(
    obj: dict[str, Any],
) -> None:
    found = workload_from_admission(parse_admission_review(review(obj)))
    assert isinstance(found, NotApplicable)


def test_identity_generate_name_and_old_versions_are_accepted() -> None:
    generated = edit(POD, name=None, generateName="web-")
    parsed = parse_admission_review(review(generated))
    assert parsed.name == "web-" and parsed.namespace == "shop"
    for api_version in ("apps/v1beta1", "extensions/v1beta1"):
        parse_admission_review(review(edit(DEPLOYMENT, apiVersion=api_version)))


def test_identity_image_review_namespace_is_required_and_checked() -> None:
    body: dict[str, Any] = {
        "apiVersion": "imagepolicy.k8s.io/v1alpha1",
        "kind": "ImageReview",
        "spec": {"containers": [{"image": API}]},
    }
    with pytest.raises(WebhookRequestError) as info:
        parse_image_review(body)
    assert str(info.value) == (
        "spec.namespace: the ImagePolicyWebhook always sends the Pod's namespace; "
        "got none"
    )
    body["spec"]["namespace"] = "Shop"
    with pytest.raises(WebhookRequestError) as info:
        parse_image_review(body)
    assert str(info.value).startswith("spec.namespace: expected a DNS-1123 label")
