"""Every manifest shape a user feeds ``review``, and the API server's refusals."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from kritis_sim._yaml import Locator
from kritis_sim.cli.k8s_schema import check_object
from kritis_sim.cli.main import main

from .conftest import OTHER, SIGNED, CliWorld, deployment, pod


def _review(
    world: CliWorld, path: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, Any, str]:
    args = world.review_args(
        path, "--occurrences", world.path("occurrences.json"), *extra
    )
    code = main(args)
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


def test_kind_list_with_an_unattested_deployment_is_denied_naming_it(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [pod(SIGNED), deployment(OTHER, "unattested-web")],
    }
    code, out, err = _review(cli_world, cli_world.write("list.yaml", listing), capsys)
    assert code == 1
    assert isinstance(out, list) and len(out) == 2
    assert [o["allowed"] for o in out] == [True, False]
    assert out[1]["object"] == {
        "kind": "Deployment",
        "namespace": "shop",
        "name": "unattested-web",
    }
    assert "Deployment shop/unattested-web (" in err and "items[1]" in err


def _admission_review(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u-1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "u"},
            "object": obj,
        },
    }


@pytest.mark.parametrize("shape", ["multi-doc", "json-array", "admission-reviews"])
def test_every_shape_is_reviewed_item_by_item(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    items = [pod(SIGNED, "a"), pod(OTHER, "b"), pod(SIGNED, "c")]
    if shape == "multi-doc":
        path = cli_world.write("in.yaml", items, multi=True)
    elif shape == "json-array":
        path = cli_world.write("in.json", json.dumps(items))
    else:
        path = cli_world.write(
            "in.yaml", [_admission_review(i) for i in items], multi=True
        )
    code, out, err = _review(cli_world, path, capsys)
    assert code == 1  # the worst item
    assert len(out) == 3
    if shape == "admission-reviews":
        assert [o["response"]["allowed"] for o in out] == [True, False, True]
    else:
        assert [o["object"]["name"] for o in out] == ["a", "b", "c"]
        assert [o["allowed"] for o in out] == [True, False, True]
    assert err.count("deploy target:") == 3


def test_all_allowed_exits_0_and_one_item_prints_one_object(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cli_world.write("in.json", json.dumps([pod(SIGNED)]))
    code, out, _ = _review(cli_world, path, capsys)
    assert code == 0 and isinstance(out, dict) and out["allowed"] is True


def test_misspelt_containers_is_an_input_error_with_line(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: api\n"
        "  namespace: shop\n"
        "spec:\n"
        "  container:\n"
        f"  - name: c\n    image: {OTHER}\n"
    )
    good = cli_world.write("good.yaml", [pod(SIGNED)], multi=True)
    code, out, err = _review(cli_world, cli_world.write("pod.yaml", text), capsys)
    assert code == 2 and out is None
    # The line is where the field's value starts (the list under the key).
    assert "pod.yaml:8: spec.container: unknown field 'container'" in err
    assert "did you mean 'containers'" in err
    # An error in any item refuses the whole input: nothing is judged.
    both = cli_world.write("both.yaml", Path(good).read_text() + "---\n" + text)
    code, out, err = _review(cli_world, both, capsys)
    assert code == 2 and out is None and "ALLOW" not in err
    assert "both.yaml:" in err and "spec.container" in err


BAD_OBJECTS = [
    ({"kind": "pod"}, "kind", "['Pod']"),
    ({"apiVersion": "core/v1"}, "kind", "not a type the Kubernetes 1.33.0"),
    ({"apiVersion": "extensions/v1beta1", "kind": "Deployment"}, "kind", "not a type"),
    ({"metadata": {"name": "api", "namespace": "Shop"}}, "metadata.namespace", "DNS-1123"),
    ({"metadata": {"name": "api", "namespace": False}}, "metadata.namespace", "got bool"),
    ({"metadata": {"name": "api", "namespace": 0}}, "metadata.namespace", "got int"),
    ({"metadata": {"name": "Api_1"}}, "metadata.name", "DNS-1123"),
    ({"metadata": {"namespace": "shop"}}, "metadata", "'name'"),
    ({"spec": {}}, "spec", "missing required field 'containers'"),
    ({"spec": {"containers": {"name": "c"}}}, "spec.containers", "expected array"),
    ({"spec": {"containers": [{"name": "c", "image": 5}]}}, "image", "expected string"),
    ({"apiVersion": 1}, "apiVersion", "expected a string apiVersion"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_OBJECTS)
def test_objects_the_api_server_refuses_exit_2_naming_the_field(
    cli_world: CliWorld,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    path = cli_world.write("pod.yaml", {**pod(SIGNED), **change})
    code, out, err = _review(cli_world, path, capsys)
    assert code == 2 and out is None
    assert "pod.yaml:" in err and field in err and words in err


def test_deployment_template_without_containers_is_refused(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = deployment(SIGNED)
    doc["spec"]["template"]["spec"] = {"containers": []}
    del doc["spec"]["template"]["spec"]["containers"]
    code, _, err = _review(cli_world, cli_world.write("d.yaml", doc), capsys)
    assert code == 2
    assert "spec.template.spec" in err and "'containers'" in err


def test_an_error_inside_a_list_names_the_item_and_line(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = pod(OTHER, "b")
    bad["spec"]["containers"][0]["imagePullPolicy"] = 3
    listing = {"apiVersion": "v1", "kind": "List", "items": [pod(SIGNED), bad]}
    path = cli_world.write("list.json", json.dumps(listing, indent=1))
    code, out, err = _review(cli_world, path, capsys)
    line = next(
        i
        for i, text in enumerate(Path(path).read_text().splitlines(), 1)
        if "imagePullPolicy" in text
    )
    assert code == 2 and out is None
    assert f"list.json:{line}: items[1].spec.containers[0].imagePullPolicy" in err


def test_admission_review_object_without_type_is_checked_as_request_kind(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = pod(SIGNED)
    del obj["apiVersion"], obj["kind"]
    obj["metadata"]["namespace"] = "Shop"
    code, _, err = _review(cli_world, cli_world.write("ar.yaml", _admission_review(obj)), capsys)
    assert code == 2 and "request.object.metadata.namespace" in err


def test_admission_review_object_is_checked_too(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = pod(SIGNED)
    obj["spec"]["containres"] = obj["spec"].pop("containers")
    path = cli_world.write("ar.yaml", _admission_review(obj))
    code, _, err = _review(cli_world, path, capsys)
    assert code == 2 and "request.object.spec.containres" in err


def test_custom_resources_and_other_kinds_are_not_applicable(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
    ]
    code, out, err = _review(cli_world, cli_world.write("in.yaml", docs, multi=True), capsys)
    assert code == 0
    assert [o["allowed"] for o in out] == [True, True]
    assert "custom resource" in out[1]["notApplicable"]
    assert err.count("not applicable") == 2


def test_empty_input_and_non_objects_are_refused(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _review(cli_world, cli_world.write("e.yaml", "---\n"), capsys)
    assert code == 2 and "no objects to review" in err
    code, _, err = _review(cli_world, cli_world.write("s.json", "[1]"), capsys)
    assert code == 2 and "s.json:1" in err and "got int" in err
    bad_list = {"apiVersion": "v1", "kind": "List", "items": {"a": 1}}
    code, _, err = _review(cli_world, cli_world.write("l.yaml", bad_list), capsys)
    assert code == 2 and "items" in err


def test_schema_check_is_fast_once_loaded() -> None:
    obj = deployment(SIGNED)
    check_object(obj, Locator("x"))  # loads and caches the schemas
    start = time.perf_counter()
    for _ in range(50):
        check_object(obj, Locator("x"))
    per_object = (time.perf_counter() - start) / 50
    assert per_object < 0.02, per_object
