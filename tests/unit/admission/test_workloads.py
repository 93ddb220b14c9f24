"""Where images, identity and breakglass live, for every supported kind."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kritis_sim.admission.review import parse_admission_review, parse_image_review
from kritis_sim.admission.workloads import (
    NotApplicable,
    Workload,
    deploy_target,
    workload_from_admission,
    workload_from_image_review,
)
from kritis_sim.errors import ManifestError, WebhookRequestError

from .conftest import API, MIGRATE, POD_IMAGES, PROXY, fixture

POD_SPEC: dict[str, Any] = {
    "serviceAccountName": "builder",
    "initContainers": [{"name": "i", "image": "gcr.io/p/init:1"}],
    "containers": [{"name": "c", "image": "gcr.io/p/app:1"}],
    "volumes": [{"name": "v", "image": {"reference": "gcr.io/p/data:1"}}],
}
SPEC_IMAGES = ("gcr.io/p/app:1", "gcr.io/p/init:1", "gcr.io/p/data:1")


def review(
    group: str,
    kind: str,
    obj: dict[str, Any] | None,
    *,
    operation: str = "CREATE",
    sub: str | None = None,
    namespace: str | None = "team",
) -> Workload | NotApplicable:
    if obj is not None and "name" not in (obj.get("metadata") or {}):
        obj = {**obj, "metadata": {**(obj.get("metadata") or {}), "name": "w"}}
    request: dict[str, Any] = {
        "uid": "u-1",
        "kind": {"group": group, "version": "v1", "kind": kind},
        "operation": operation,
        "object": obj,
    }
    if namespace:
        request["namespace"] = namespace
    if sub:
        request["subResource"] = sub
    return workload_from_admission(
        parse_admission_review(
            {
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "request": request,
            }
        )
    )


def template(meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": meta or {}, "spec": copy.deepcopy(POD_SPEC)}


CONTROLLERS = [
    ("apps", "Deployment", {"spec": {"template": template()}}),
    ("apps", "ReplicaSet", {"spec": {"template": template()}}),
    ("apps", "StatefulSet", {"spec": {"template": template()}}),
    ("apps", "DaemonSet", {"spec": {"template": template()}}),
    ("batch", "Job", {"spec": {"template": template()}}),
    ("", "ReplicationController", {"spec": {"template": template()}}),
    ("", "PodTemplate", {"template": template()}),
    (
        "batch",
        "CronJob",
        {"spec": {"jobTemplate": {"spec": {"template": template()}}}},
    ),
]


@pytest.mark.parametrize(("group", "kind", "obj"), CONTROLLERS)
def test_workloads_controller_images_from_pod_template(
    group: str, kind: str, obj: dict[str, Any]
) -> None:
    found = review(group, kind, obj)
    assert isinstance(found, Workload)
    assert found.images == SPEC_IMAGES
    assert found.service_account == "builder"
    assert found.namespace == "team"
    assert found.kind == kind


def test_workloads_pod_fixture_lists_containers_then_init() -> None:
    found = workload_from_admission(
        parse_admission_review(fixture("pod-create-v1.json"))
    )
    assert isinstance(found, Workload)
    assert found.images == POD_IMAGES
    assert found.service_account == "shop-api"
    assert found.namespace == "prod"
    assert found.name == "shop-api-7d9c6b5f4-x2k8p"
    assert found.breakglass == ()


def test_workloads_ephemeral_subresource_checks_only_ephemeral_containers() -> None:
    found = workload_from_admission(
        parse_admission_review(fixture("pod-ephemeralcontainers-update-v1.json"))
    )
    assert isinstance(found, Workload)
    assert found.images == ("busybox:1.36",)


def test_workloads_pod_update_checks_all_images_including_ephemeral() -> None:
    pod = {
        "spec": {
            "containers": [{"name": "c", "image": API}],
            "ephemeralContainers": [{"name": "e", "image": PROXY}],
        }
    }
    found = review("", "Pod", pod, operation="UPDATE")
    assert isinstance(found, Workload)
    assert found.images == (API, PROXY)


def test_workloads_deprecated_service_account_and_default() -> None:
    pod = {"spec": {"serviceAccount": "legacy", "containers": [{"image": API}]}}
    found = review("", "Pod", pod)
    assert isinstance(found, Workload) and found.service_account == "legacy"
    found = review("", "Pod", {"spec": {"containers": [{"image": API}]}})
    assert isinstance(found, Workload) and found.service_account == "default"


def test_workloads_namespace_from_metadata_and_never_default() -> None:
    pod = {"metadata": {"namespace": "meta-ns"}, "spec": {"containers": []}}
    found = review("", "Pod", pod, namespace=None)
    assert isinstance(found, Workload) and found.namespace == "meta-ns"
    # No namespace at all: the API server always sends one; no guessing.
    with pytest.raises(WebhookRequestError) as info:
        review("", "Pod", {"spec": {}}, namespace=None)
    assert info.value.path == "request.namespace"


@pytest.mark.parametrize(
    ("labels", "annotations", "expected"),
    [
        ({"image-policy.k8s.io/break-glass": "true"}, {}, True),
        ({"image-policy.k8s.io/break-glass": "false"}, {}, False),
        ({}, {"alpha.image-policy.k8s.io/break-glass": "true"}, True),
        ({}, {"alpha.image-policy.k8s.io/break-glass": "yes"}, False),
        ({}, {"kritis.grafeas.io/breakglass": ""}, True),
        ({}, {"kritis.grafeas.io/breakglass": "incident 42"}, True),
        ({"kritis.grafeas.io/breakglass": "true"}, {}, False),  # a label: no
    ],
)
def test_workloads_breakglass_markers(
    labels: dict[str, str], annotations: dict[str, str], expected: bool
) -> None:
    meta = {"labels": labels, "annotations": annotations}
    pod = review("", "Pod", {"metadata": meta, "spec": {"containers": []}})
    assert isinstance(pod, Workload) and bool(pod.breakglass) is expected
    on_template = review("apps", "Deployment", {"spec": {"template": template(meta)}})
    assert isinstance(on_template, Workload)
    assert bool(on_template.breakglass) is expected
    # On the controller's own metadata its Pods would not carry it: not read
    # (changed for issue 15 item 2; it used to count).
    on_owner = review(
        "apps", "Deployment", {"metadata": meta, "spec": {"template": template()}}
    )
    assert isinstance(on_owner, Workload) and on_owner.breakglass == ()
    assert bool(on_owner.misplaced_breakglass) is expected


def test_workloads_cronjob_job_template_metadata_breakglass() -> None:
    meta = {"annotations": {"kritis.grafeas.io/breakglass": "x"}}
    obj = {
        "spec": {"jobTemplate": {"metadata": meta, "spec": {"template": template()}}}
    }
    found = review("batch", "CronJob", obj)
    assert isinstance(found, Workload)
    assert found.breakglass == ()  # the Jobs carry it, their Pods do not
    assert found.misplaced_breakglass == (
        "breakglass annotation 'kritis.grafeas.io/breakglass' found on the "
        "CronJob's jobTemplate metadata; breakglass must be on the pod template "
        "(spec.jobTemplate.spec.template.metadata.annotations), which its Pods carry",
    )


@pytest.mark.parametrize(
    ("group", "kind", "obj", "operation", "sub", "needle"),
    [
        ("", "ConfigMap", {"data": {}}, "CREATE", None, "ConfigMap objects carry no"),
        ("", "Pod", None, "DELETE", None, "DELETE does not start containers"),
        ("", "Pod", None, "CONNECT", None, "CONNECT does not"),
        ("", "Pod", {"spec": {}}, "UPDATE", "status", "pods/status subresource"),
        ("apps", "Deployment", {"spec": {}}, "UPDATE", "scale", "subresource"),
        ("", "ReplicationController", {"spec": {}}, "CREATE", None, "no pod template"),
    ],
)
def test_workloads_not_applicable(
    group: str,
    kind: str,
    obj: dict[str, Any] | None,
    operation: str,
    sub: str | None,
    needle: str,
) -> None:
    found = review(group, kind, obj, operation=operation, sub=sub)
    assert isinstance(found, NotApplicable)
    assert found.reason.startswith("not applicable: ")
    assert needle in found.reason


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        ({"spec": "nope"}, "object.spec"),
        ({"spec": {"containers": {"a": 1}}}, "object.spec.containers"),
        ({"spec": {"containers": [{"name": "c"}]}}, "object.spec.containers[0].image"),
        ({"spec": {"containers": [{"image": 7}]}}, "object.spec.containers[0].image"),
        ({"spec": {"volumes": [{"image": {"reference": 1}}]}}, "volumes[0].image"),
        ({"metadata": {"labels": {"a": 1}}, "spec": {}}, "object.metadata.labels"),
        ({"spec": {"serviceAccountName": 3}}, "serviceAccountName"),
    ],
)
def test_workloads_unknown_shape_raises_manifest_error(
    obj: dict[str, Any], path: str
) -> None:
    with pytest.raises(ManifestError) as info:
        review("", "Pod", obj)
    assert path in (info.value.path or "")


def test_workloads_image_review_and_deploy_target() -> None:
    found = workload_from_image_review(
        parse_image_review(fixture("imagereview-v1alpha1.json"))
    )
    assert found.images == (API, PROXY, MIGRATE)
    assert found.namespace == "prod"
    assert found.breakglass
    target = deploy_target(found, cluster="us-east1-b.prod", trust_domain="td.local")
    assert target.cluster == "us-east1-b.prod"
    assert target.service_account == "default"
    assert target.istio_identity == "spiffe://td.local/ns/prod/sa/default"
    assert deploy_target(found, cluster=None, trust_domain=None).istio_identity is None
