"""The readers of ``kritis-sim cv``: the fixtures read with the right counts,
and messy input skipped with a reason or refused naming file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kritis_sim.cv.inputs import read_inputs, sniff
from kritis_sim.errors import InputError

from .conftest import FIXTURES


def _names(paths: list[str]) -> list[tuple[str, str, str | None]]:
    inputs = read_inputs(paths)
    return [
        (i.workload.kind, i.workload.namespace, i.workload.name) for i in inputs.items
    ]


def test_kubectl_list_reads_pods_and_templates_and_skips_finished_pods() -> None:
    inputs = read_inputs([str(FIXTURES / "snapshot.json")])
    pods = [i for i in inputs.items if i.is_pod]
    templates = [i for i in inputs.items if not i.is_pod]
    assert len(pods) == 5 and len(templates) == 6
    assert inputs.skip_counts() == {"Pod not running (phase Succeeded)": 1}
    web = next(i for i in pods if i.workload.name == "web-6d4cf56db6-x7k2p")
    assert web.owner == "ReplicaSet web-6d4cf56db6"
    assert web.workload.service_account == "web"
    assert web.deploy_time is not None and web.deploy_time.isoformat().startswith(
        "2026-11-20T08:15:02"
    )
    assert web.where.startswith(str(FIXTURES / "snapshot.json") + ":")
    ledger = next(i for i in pods if i.workload.name == "ledger-0")
    assert [(c.name, c.type) for c in ledger.containers] == [
        ("ledger", "CONTAINER"),
        ("migrate", "INIT_CONTAINER"),
    ]
    debug = next(i for i in pods if i.workload.name == "debug-shell")
    assert debug.workload.breakglass


def test_messy_snapshot_counts_other_kinds_and_api_versions() -> None:
    inputs = read_inputs([str(FIXTURES / "messy-snapshot.json")])
    assert len(inputs.items) == 1
    assert inputs.skip_counts() == {
        "kind ConfigMap (v1) runs no pods": 1,
        "extensions/v1beta1 Deployment: an API version the Kubernetes 1.33.0 "
        "API server does not serve": 1,
        "kind Widget (example.com/v1) runs no pods": 1,
        "Pod not running (phase Succeeded)": 1,
    }


def test_kubernetes_audit_log_keeps_the_latest_state_of_each_object() -> None:
    inputs = read_inputs([str(FIXTURES / "audit.jsonl")])
    assert sorted(
        (i.workload.kind, i.workload.namespace, i.workload.name) for i in inputs.items
    ) == [
        ("Deployment", "shop", "web"),
        ("Pod", "payments", "cron-a"),
        ("Pod", "payments", "debug-shell"),
        ("Pod", "shop", "web-6d4cf56db6-x7k2p"),  # generateName: from responseObject
    ]
    counts = inputs.skip_counts()
    assert sum(counts.values()) == 12
    for reason in (
        "stage RequestReceived (only ResponseComplete is read)",
        "create without requestObject (audit level Metadata)",
        "verb patch (only create, update and delete are read)",
        "subresource pods/status",
        "deleted later in the audit log",
        "resource configmaps runs no pods",
        "create failed (code 403)",
        "replaced by a later update",
        "audit Event of audit.k8s.io/v1beta1 (only audit.k8s.io/v1 is read)",
        "truncated last line",
    ):
        assert counts[reason] == 1, reason
    cron = next(i for i in inputs.items if i.workload.name == "cron-a")
    assert cron.workload.service_account == "report"
    # a Pod's deploy time is its creation, not a later update
    assert cron.deploy_time is not None and cron.deploy_time.day == 20
    assert cron.workload.images == ("gcr.io/shop/api@sha256:" + "d" * 64,)


def test_webhook_audit_log_reads_records_and_keeps_their_service_account() -> None:
    inputs = read_inputs([str(FIXTURES / "webhook-audit.jsonl")])
    by_name = {i.workload.name: i for i in inputs.items}
    assert sorted(str(n) for n in by_name) == ["api-1", "hotfix"]
    assert inputs.skip_counts() == {"replaced by a later record": 1}
    api = by_name["api-1"]  # its last record (not re-judged) names no account
    assert api.workload.service_account == "default"
    assert api.where.endswith(":3") and api.deploy_time is not None
    assert api.deploy_time.hour == 10
    hotfix = by_name["hotfix"]
    assert hotfix.workload.breakglass
    assert [c.type for c in hotfix.containers] == ["CONTAINER_TYPE_UNSPECIFIED"]


def test_formats_are_told_by_the_first_line() -> None:
    assert sniff((FIXTURES / "audit.jsonl").read_text()) == "k8s-audit"
    assert sniff((FIXTURES / "webhook-audit.jsonl").read_text()) == "webhook-audit"
    assert sniff((FIXTURES / "snapshot.json").read_text()) == "snapshot"
    assert sniff('{"apiVersion": "v1", "kind": "List", "items": []}') == "snapshot"


def test_a_directory_of_manifests_is_read_in_name_order(tmp_path: Path) -> None:
    listing = json.loads((FIXTURES / "snapshot.json").read_text())
    for i, item in enumerate(listing["items"][:3]):
        (tmp_path / f"{i:02d}.json").write_text(json.dumps(item))
    (tmp_path / "notes.txt").write_text("not a manifest")
    assert [n for _, _, n in _names([str(tmp_path)])] == [
        "web-6d4cf56db6-x7k2p",
        "web-6d4cf56db6-q9z8m",
        "debug-shell",
    ]


def test_the_same_object_in_a_later_input_replaces_it(tmp_path: Path) -> None:
    snapshot = str(FIXTURES / "snapshot.json")
    inputs = read_inputs([snapshot, snapshot])
    assert len(inputs.items) == 11
    assert inputs.skip_counts()["the same object again in a later input"] == 11


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        (
            '{"apiVersion":"audit.k8s.io/v1","kind":"Event"}\n{oops\n{}\n',
            2,
            "not a JSON line",
        ),
        (
            '{"apiVersion":"audit.k8s.io/v1","kind":"Event"}\n{"kind":"Pod"}\n',
            2,
            "audit Event",
        ),
    ],
)
def test_unusable_audit_lines_are_refused_with_file_and_line(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    path = tmp_path / "audit.log"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_inputs([str(path)])
    assert f"{path}:{line}" in str(err.value) and expected in str(err.value)


def test_a_request_object_the_api_server_would_refuse_is_named(tmp_path: Path) -> None:
    lines = (FIXTURES / "audit.jsonl").read_text().splitlines()
    event = json.loads(lines[7])  # create pod shop/tmp
    event["requestObject"]["spec"]["container"] = event["requestObject"]["spec"].pop(
        "containers"
    )
    path = tmp_path / "audit.log"
    path.write_text("\n".join([*lines[:7], json.dumps(event)]) + "\n")
    with pytest.raises(InputError) as err:
        read_inputs([str(path)])
    message = str(err.value)
    assert f"{path}:8" in message and "requestObject.spec" in message
    assert "container" in message


def test_a_malformed_webhook_record_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "webhook.log"
    path.write_text(
        '{"endpoint":"validate","latencyMs":1,"kind":"Pod","namespace":"a","images":[7]}\n'
    )
    with pytest.raises(InputError, match=r"webhook\.log:1: images\[0\]"):
        read_inputs([str(path)])


def test_empty_input_and_empty_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no"):
        read_inputs([str(tmp_path)])
    (tmp_path / "empty.yaml").write_text("---\n")
    with pytest.raises(InputError, match="empty"):
        read_inputs([str(tmp_path / "empty.yaml")])


def test_an_audit_event_without_any_namespace_is_refused_not_guessed(
    tmp_path: Path,
) -> None:
    event = json.loads((FIXTURES / "audit.jsonl").read_text().splitlines()[7])
    del event["objectRef"]["namespace"]
    del event["requestObject"]["metadata"]["namespace"]
    path = tmp_path / "audit.log"
    path.write_text(json.dumps(event) + "\n")
    with pytest.raises(InputError, match=r"audit\.log:1: objectRef\.namespace"):
        read_inputs([str(path)])
