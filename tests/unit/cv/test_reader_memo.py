"""The readers' memos change speed, never answers: the schema check
remembered per shape, the audit reader's requestObjects remembered per log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kritis_sim._locator import Locator
from kritis_sim.admission import k8s_schema
from kritis_sim.admission.k8s_schema import _ANY_STRING, _schema_file, check_object
from kritis_sim.cv.audit_logs import k8s_audit_admissions
from kritis_sim.cv.items import CvItem
from kritis_sim.errors import ManifestError


def _pod(name: str, image: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"run": name}},
        "spec": {"containers": [{"name": "c", "image": image, **spec}]},
    }


def test_blanked_fields_are_plain_strings_in_every_installed_schema() -> None:
    # The soundness of the shape memo: a field blanked in a shape must only
    # ever be typed as a string (no pattern, enum, length) by the schemas.
    plain = ({"type": "string"}, {"type": ["string", "null"]})
    definitions = json.loads(_schema_file("_definitions.json").read_text())
    found: dict[str, list[Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in (node.get("properties") or {}).items():
                if key in _ANY_STRING:
                    found.setdefault(key, []).append(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definitions)
    time_ref = "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.Time"
    image_volume = "#/$defs/io.k8s.api.core.v1.ImageVolumeSource"
    for key, schemas in found.items():
        for schema in schemas:
            bare = {k: v for k, v in schema.items() if k != "description"}
            # an int64 uid or an image-volume object never holds a string
            # either way: blanking a string keeps it a (wrong) string
            assert (
                bare in plain
                or bare.get("$ref") in (time_ref, image_volume)
                or bare.get("type") == "integer"
            ), (key, bare)
    assert set(found) == set(_ANY_STRING)


def test_an_object_is_schema_checked_once_per_shape_and_errors_are_never_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    validator = k8s_schema._validator("", "v1", "Pod")
    assert validator is not None
    real = type(validator).iter_errors

    def counting(self: Any, instance: Any, *args: Any) -> Any:
        calls.append(instance["metadata"]["name"])
        return real(self, instance, *args)

    monkeypatch.setattr(type(validator), "iter_errors", counting)
    monkeypatch.setattr(k8s_schema, "_valid_shapes", {})
    loc = Locator("<t>", {})
    for i in range(5):
        assert check_object(_pod(f"shape-a-{i}", f"gcr.io/p/a:{i}"), loc)
    assert calls == ["shape-a-0"]
    with pytest.raises(ManifestError, match="unknown field 'imagePullPolicyy'"):
        check_object(_pod("shape-a-9", "gcr.io/p/a", imagePullPolicyy="Never"), loc)
    with pytest.raises(ManifestError, match="DNS-1123 subdomain"):
        check_object(
            _pod("Shape-A", "gcr.io/p/a"), loc
        )  # same shape: names still checked


def _create(line_name: str, pod: dict[str, Any], when: str) -> str:
    return json.dumps(
        {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "stage": "ResponseComplete",
            "verb": "create",
            "objectRef": {"resource": "pods", "namespace": "shop", "apiVersion": "v1"},
            "responseStatus": {"code": 201},
            "requestObject": pod,
            "responseObject": {"metadata": {"name": line_name}},
            "requestReceivedTimestamp": when,
        }
    )


def _template_pod() -> dict[str, Any]:
    pod = _pod("x", "gcr.io/p/a@sha256:" + "a" * 64)
    del pod["metadata"]["name"]
    pod["metadata"]["generateName"] = "web-"
    return pod


def test_pods_of_one_template_keep_their_own_names_times_and_lines() -> None:
    lines = [
        _create("web-1", _template_pod(), "2026-01-01T00:00:01Z"),
        _create("web-2", _template_pod(), "2026-01-01T00:00:02Z"),
    ]
    items = list(k8s_audit_admissions("\n".join(lines) + "\n", "a.log"))
    assert all(isinstance(i, CvItem) for i in items)
    got = [(i.workload.name, i.deploy_time.second, i.where) for i in items]  # type: ignore[union-attr]
    assert got == [
        ("web-1", 1, "a.log:1 requestObject"),
        ("web-2", 2, "a.log:2 requestObject"),
    ]


def test_a_bad_name_in_a_remembered_template_is_still_refused_with_its_line() -> None:
    lines = [
        _create("web-1", _template_pod(), "2026-01-01T00:00:01Z"),
        _create("Web_2", _template_pod(), "2026-01-01T00:00:02Z"),
    ]
    with pytest.raises(ManifestError) as caught:
        list(k8s_audit_admissions("\n".join(lines) + "\n", "a.log"))
    assert "a.log:2" in str(caught.value) and "DNS-1123 subdomain" in str(caught.value)


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-20T08:15:02.100001Z",
        "2026-11-20T08:15:02Z",
        "2026-11-20T08:15:02.1Z",
        "2026-02-30T08:15:02Z",  # no such day: refused by both
        "2026-11-20T24:15:02Z",
        "2026-11-20T08:15:02.123456789Z",  # nanoseconds: the general parser
        "2026-11-20T08:15:02+01:00",
    ],
)
def test_the_fast_timestamp_path_reads_as_parse_timestamp(stamp: str) -> None:
    from kritis_sim.cv.audit_logs import _time
    from kritis_sim.errors import InputError
    from kritis_sim.model.occurrence import parse_timestamp

    try:
        want = parse_timestamp(stamp)
    except ValueError:
        with pytest.raises(InputError):
            _time(stamp, "a.log", 1, "requestReceivedTimestamp")
        return
    assert _time(stamp, "a.log", 1, "requestReceivedTimestamp") == want


def _running(name: str, i: int) -> dict[str, Any]:
    pod = _pod(name, "gcr.io/p/a:1")
    pod["status"] = {
        "phase": "Running",
        "hostIP": f"10.128.0.{i}",
        "podIP": f"10.4.0.{i}",
        "startTime": f"2026-11-20T08:15:0{i}Z",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "lastTransitionTime": f"2026-11-20T08:1{i}:00Z",
            }
        ],
        "containerStatuses": [
            {
                "name": "c",
                "image": "gcr.io/p/a:1",
                "imageID": f"gcr.io/p/a@sha256:{i:064x}",
                "containerID": f"containerd://{i:064x}",
                "ready": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": f"2026-11-20T08:15:0{i}Z"}},
            }
        ],
    }
    return pod


def test_running_pods_differing_only_in_status_strings_share_a_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    validator = k8s_schema._validator("", "v1", "Pod")
    assert validator is not None
    real = type(validator).iter_errors

    def counting(self: Any, instance: Any, *args: Any) -> Any:
        calls.append(instance["metadata"]["name"])
        return real(self, instance, *args)

    monkeypatch.setattr(type(validator), "iter_errors", counting)
    monkeypatch.setattr(k8s_schema, "_valid_shapes", {})
    loc = Locator("<t>", {})
    for i in range(5):
        assert check_object(_running(f"run-{i}", i), loc)
    assert calls == ["run-0"]
    bad = _running("run-9", 9)
    bad["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] = 42
    with pytest.raises(ManifestError, match="startedAt"):
        check_object(bad, loc)  # not a string: another shape, checked
