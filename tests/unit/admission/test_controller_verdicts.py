"""Controllers are judged as their Pods will be (issue 15 item 2).

Breakglass is read where the Pods will carry it: the pod template. A marker on
the controller's own metadata is not honoured, and a denial says where it
belongs. A property checks, for every controller kind, that the webhook's
answer for the controller is the one the Pod its template makes would get.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.admission.identity import SERVED
from kritis_sim.admission.workloads import (
    BREAKGLASS_ANNOTATION_ALPHA,
    BREAKGLASS_ANNOTATION_KRITIS,
    BREAKGLASS_LABEL,
)

from .conftest import API, DRYRUN, PROXY, Scenario, call, require, rule

UNATTESTED = "gcr.io/shop/api@sha256:" + "9" * 64
CONTROLLERS = [kind for kind in SERVED if kind != "Pod"]


def _api_version(kind: str) -> str:
    group, versions = next(iter(SERVED[kind].items()))
    return f"{group}/{versions[0]}" if group else versions[0]


def controller(
    kind: str,
    template: dict[str, Any],
    namespace: str = "prod",
    meta: dict[str, Any] | None = None,
    job_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``kind`` object around a pod template (selectors and schedules
    included, so it is what an API server would store)."""
    body: dict[str, Any] = {"template": template}
    if kind not in ("Job", "PodTemplate", "CronJob"):
        body["selector"] = {"matchLabels": {"app": "shop"}}
    if kind == "CronJob":
        job: dict[str, Any] = {"spec": body}
        if job_meta:
            job["metadata"] = job_meta
        body = {"schedule": "@hourly", "jobTemplate": job}
    obj: dict[str, Any] = {
        "apiVersion": _api_version(kind),
        "kind": kind,
        "metadata": {"name": "shop", "namespace": namespace, **(meta or {})},
    }
    if kind == "PodTemplate":
        obj["template"] = template
    else:
        obj["spec"] = body
    return obj


def pod_of(obj: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """The Pod the controller's template makes, in the controller's namespace."""
    meta = copy.deepcopy(template.get("metadata") or {})
    meta.update(name="shop-x1", namespace=obj["metadata"]["namespace"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": copy.deepcopy(template["spec"]),
    }


def create(obj: dict[str, Any]) -> dict[str, Any]:
    group, _, version = obj["apiVersion"].rpartition("/")
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u-c",
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "operation": "CREATE",
            "object": obj,
        },
    }


def template_of(*images: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]
    return {
        "metadata": {"labels": {"app": "shop"}, **(meta or {})},
        "spec": {"containers": containers},
    }


def test_breakglass_on_deployment_metadata_only_is_denied_saying_where(
    make_app: Any,
) -> None:
    app = make_app(Scenario().config())
    meta = {"labels": {BREAKGLASS_LABEL: "true"}}
    body = create(controller("Deployment", template_of(UNATTESTED), meta=meta))
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is False
    message = response["status"]["message"]
    assert message.startswith("Deployment shop: Denied by Binary Authorization policy")
    assert message.endswith(
        "(its Pods would be denied as well); breakglass label "
        "'image-policy.k8s.io/break-glass' found on Deployment metadata; "
        "breakglass must be on the pod template (spec.template.metadata.labels), "
        "which its Pods carry"
    )
    assert "break-glass" not in response.get("auditAnnotations", {})


def test_breakglass_on_the_template_is_honoured_and_metadata_marker_warned(
    make_app: Any,
) -> None:
    app = make_app(Scenario().attest(API).config())
    marker = {"annotations": {BREAKGLASS_ANNOTATION_KRITIS: "incident 7"}}
    body = create(controller("Deployment", template_of(UNATTESTED, meta=marker)))
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is True
    assert response["auditAnnotations"]["break-glass"] == "true"
    # compliant, marker misplaced: admitted, with a warning saying so
    body = create(controller("StatefulSet", template_of(API), meta=marker))
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is True
    assert response["warnings"] == [
        "ignored: breakglass annotation 'kritis.grafeas.io/breakglass' found on "
        "StatefulSet metadata; breakglass must be on th..."
    ]


_MARKERS = [
    ("labels", BREAKGLASS_LABEL, "true"),
    ("labels", BREAKGLASS_LABEL, "false"),
    ("annotations", BREAKGLASS_ANNOTATION_ALPHA, "true"),
    ("annotations", BREAKGLASS_ANNOTATION_ALPHA, "yes"),
    ("annotations", BREAKGLASS_ANNOTATION_KRITIS, ""),
]


def _metadata(markers: list[tuple[str, str, str]]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for field, key, value in markers:
        meta.setdefault(field, {})[key] = value
    return meta


markers = st.lists(st.sampled_from(_MARKERS), max_size=2, unique_by=lambda m: m[:2])


def test_controller_verdict_equals_its_pods_verdict(make_app: Any) -> None:
    """For every kind: the controller's (allowed, audit annotations) equal its
    Pod's, whatever the images, the markers (on the object, the jobTemplate or
    the template), the namespace and the service account."""
    scenario = Scenario(
        policy_doc={
            "defaultAdmissionRule": require("qa", "build"),
            "kubernetesServiceAccountAdmissionRules": {
                "prod:builder": require("qa", mode=DRYRUN),
                "dev:default": rule("ALWAYS_ALLOW"),
                "dev:builder": rule("ALWAYS_DENY"),
            },
        }
    )
    app = make_app(scenario.attest(API).attest(PROXY, "qa").config())

    @given(
        kind=st.sampled_from(CONTROLLERS),
        images=st.lists(
            st.sampled_from((API, PROXY, UNATTESTED, "gcr.io/shop/api:1", "Bad Ref")),
            min_size=1,
            max_size=3,
        ),
        on_object=markers,
        on_job=markers,
        on_template=markers,
        namespace=st.sampled_from(("prod", "dev")),
        account=st.sampled_from((None, "default", "builder")),
    )
    def check(
        kind: str,
        images: list[str],
        on_object: list[tuple[str, str, str]],
        on_job: list[tuple[str, str, str]],
        on_template: list[tuple[str, str, str]],
        namespace: str,
        account: str | None,
    ) -> None:
        template = template_of(*images, meta=_metadata(on_template))
        if account is not None:
            template["spec"]["serviceAccountName"] = account
        obj = controller(
            kind, template, namespace, _metadata(on_object), _metadata(on_job)
        )
        got = call(app, "/validate", create(obj)).json()["response"]
        want = call(app, "/validate", create(pod_of(obj, template))).json()["response"]
        assert (got["allowed"], got.get("auditAnnotations")) == (
            want["allowed"],
            want.get("auditAnnotations"),
        ), json.dumps(obj)

    check()
