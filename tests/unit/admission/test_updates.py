"""Judge changes, not state: UPDATEs against their oldObject (issue 15 item 1)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.review import parse_admission_review
from kritis_sim.admission.workloads import (
    NotRejudged,
    Workload,
    workload_from_admission,
)
from kritis_sim.cli.main import main

from .conftest import API, MIGRATE, PROXY, Scenario, call

UNATTESTED = "gcr.io/shop/api@sha256:" + "9" * 64


def replicaset(image: str, replicas: int = 3, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "shop", "namespace": "prod"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "shop"}},
            "template": {
                "metadata": {"labels": {"app": "shop"}},
                "spec": {"containers": [{"name": "api", "image": image}], **spec},
            },
        },
    }


def pod(*containers: tuple[str, str], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "shop", "namespace": "prod", **meta},
        "spec": {"containers": [{"name": n, "image": i} for n, i in containers]},
    }


def update(new: dict[str, Any], old: dict[str, Any] | None, **request: Any) -> Any:
    group, _, version = new["apiVersion"].rpartition("/")
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u-up",
            "kind": {"group": group, "version": version, "kind": new["kind"]},
            "name": "shop",
            "namespace": "prod",
            "operation": "UPDATE",
            "object": new,
            "oldObject": old,
            **request,
        },
    }


def found(review: dict[str, Any], judge: Any = "changed") -> Any:
    return workload_from_admission(parse_admission_review(review), judge_updates=judge)


def test_updates_scale_of_unattested_replicaset_is_admitted_and_audited(
    make_app: Any,
) -> None:
    stream = io.StringIO()
    app = make_app(Scenario().config(audit_log=AuditLog(stream)))
    body = update(replicaset(UNATTESTED, 1), replicaset(UNATTESTED, 3))
    response = call(app, "/validate", body).json()["response"]
    reason = (
        "images not re-judged: this UPDATE of ReplicaSet shop adds or changes "
        "no image (--judge-updates changed)"
    )
    assert response["allowed"] is True
    assert response["auditAnnotations"] == {"images-not-rejudged": reason}
    record = json.loads(stream.getvalue())
    assert record["imagesRejudged"] is False and record["message"] == reason
    assert record["images"] == [{"image": UNATTESTED, "rejudged": False}]
    assert record["operation"] == "UPDATE" and record["kind"] == "ReplicaSet"
    metrics = call(app, "/metrics", method="GET").text
    assert 'verdict="not_rejudged"} 1' in metrics


def test_updates_image_change_to_unattested_is_denied(make_app: Any) -> None:
    app = make_app(Scenario().attest(API).config())
    body = update(replicaset(UNATTESTED, 1), replicaset(API, 3))
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is False
    assert "ReplicaSet shop: Denied" in response["status"]["message"]


def test_updates_judge_all_denies_the_scale_down(make_app: Any) -> None:
    app = make_app(Scenario().config(judge_updates="all"))
    body = update(replicaset(UNATTESTED, 1), replicaset(UNATTESTED, 3))
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is False
    assert UNATTESTED in response["status"]["message"]


def test_updates_pod_finalizer_removal_is_admitted(make_app: Any) -> None:
    app = make_app(Scenario().config())
    old = pod(("api", UNATTESTED), finalizers=["example.com/keep"])
    body = update(pod(("api", UNATTESTED)), old)
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is True
    assert "images-not-rejudged" in response["auditAnnotations"]


def test_updates_without_old_object_are_judged_in_full(make_app: Any) -> None:
    app = make_app(Scenario().config())
    body = update(replicaset(UNATTESTED, 1), None)
    response = call(app, "/validate", body).json()["response"]
    assert response["allowed"] is False


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a container added, with an image already in the Pod
        (pod(("api", API)), pod(("api", API), ("sidecar", API))),
        # a container renamed, same image
        (pod(("api", API)), pod(("api2", API))),
        # an image changed in place
        (pod(("api", API), ("proxy", PROXY)), pod(("api", API), ("proxy", MIGRATE))),
    ],
    ids=["added", "renamed", "changed"],
)
def test_updates_any_image_change_judges_every_image(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    result = found(update(new, old))
    assert isinstance(result, Workload)
    assert result.images == tuple(c["image"] for c in new["spec"]["containers"])


def test_updates_removal_order_and_unrelated_fields_are_not_changes() -> None:
    old = pod(("api", API), ("proxy", PROXY))
    new = pod(("proxy", PROXY), labels={"tier": "web"})  # api removed, reordered
    assert isinstance(found(update(new, old)), NotRejudged)


def test_updates_image_volume_and_service_account_changes_are_judged() -> None:
    vol = [{"name": "data", "image": {"reference": API}}]
    new_vol = [{"name": "data", "image": {"reference": PROXY}}]
    old = replicaset(API, volumes=vol)
    assert isinstance(found(update(replicaset(API, volumes=vol), old)), NotRejudged)
    assert isinstance(found(update(replicaset(API, volumes=new_vol), old)), Workload)
    moved = replicaset(API, volumes=vol, serviceAccountName="builder")
    assert isinstance(found(update(moved, old)), Workload)


def test_updates_ephemeral_subresource_judges_the_added_container() -> None:
    old = pod(("api", API))
    new = copy.deepcopy(old)
    new["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "busybox:1"}]
    result = found(update(new, old, subResource="ephemeralcontainers"))
    assert isinstance(result, Workload) and result.images == ("busybox:1",)
    same = found(update(new, new, subResource="ephemeralcontainers"))
    assert isinstance(same, NotRejudged)


def test_updates_judge_all_judges_unchanged_updates() -> None:
    body = update(replicaset(API, 1), replicaset(API, 3))
    assert isinstance(found(body, "all"), Workload)
    assert isinstance(found(body), NotRejudged)


def test_updates_malformed_old_object_is_refused() -> None:
    from kritis_sim.errors import InputError

    bad = replicaset(API)
    bad["spec"]["template"]["spec"]["containers"] = "nope"
    with pytest.raises(InputError) as info:
        found(update(replicaset(API, 1), bad))
    assert info.value.path == "oldObject.spec.template.spec.containers"


def test_updates_review_cli_honours_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = Scenario()
    (tmp_path / "policy.json").write_text(json.dumps(scenario.policy_doc))
    (tmp_path / "attestors.json").write_text(
        json.dumps([a.to_dict() for a in scenario.attestors.values()])
    )
    review = tmp_path / "review.json"
    review.write_text(
        json.dumps(update(replicaset(UNATTESTED, 1), replicaset(UNATTESTED, 3)))
    )
    args = ["review", str(review), "--policy", str(tmp_path / "policy.json")]
    args += ["--attestors", str(tmp_path / "attestors.json")]
    assert main(args) == 0
    reply = json.loads(capsys.readouterr().out)
    assert "images-not-rejudged" in reply["response"]["auditAnnotations"]
    review.write_text(json.dumps(update(replicaset(UNATTESTED, 1), None)))
    assert main(args) == 1


def test_updates_cli_flag_reaches_the_webhook_config(tmp_path: Path) -> None:
    from kritis_sim.cli.main import parser
    from kritis_sim.cli.webhook import _config

    (tmp_path / "p.json").write_text(json.dumps(Scenario().policy_doc))
    (tmp_path / "a.json").write_text("[]")
    base = ["webhook", "--policy", str(tmp_path / "p.json")]
    base += ["--attestors", str(tmp_path / "a.json")]
    for extra, expected in (([], "changed"), (["--judge-updates", "all"], "all")):
        args = parser("webhook").parse_args([*base, *extra])
        assert _config(args, None).judge_updates == expected
    with pytest.raises(SystemExit):
        parser("webhook").parse_args([*base, "--judge-updates", "some"])
