"""``kritis-sim cv``: exit statuses, CV log entries as GKE writes them,
breakglass, the deploy target, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.main import main
from kritis_sim.cv.entries import EVENT_TYPE, Cluster, config_error_entry, dumps

from .conftest import FIXTURES, CliWorld, run_cv

SNAPSHOT = str(FIXTURES / "snapshot.json")

# Field names documented in shared/reference/continuous-validation.md §3-§4
# (LogEntry fields as Cloud Logging writes them, proto3 JSON names).
LOG_ENTRY = {
    "insertId", "jsonPayload", "resource", "timestamp", "receiveTimestamp",
    "severity", "logName", "labels",
}  # fmt: skip
POD_EVENT = {
    "podNamespace",
    "pod",
    "policyName",
    "deployTime",
    "endTime",
    "verdict",
    "images",
}
IMAGE = {
    "image",
    "containerName",
    "containerType",
    "result",
    "description",
    "checkResults",
}
CONTAINER_TYPES = {
    "CONTAINER_TYPE_UNSPECIFIED",
    "CONTAINER",
    "INIT_CONTAINER",
    "EPHEMERAL_CONTAINER",
}


def _check_shape(entry: dict[str, Any]) -> None:
    assert set(entry) <= LOG_ENTRY
    assert entry["severity"] == "WARNING"
    assert entry["resource"]["type"] == "k8s_cluster"
    payload = entry["jsonPayload"]
    assert payload["@type"] == EVENT_TYPE
    events = set(payload) - {"@type"}
    assert events in ({"podEvent"}, {"configErrorEvent"})
    if "configErrorEvent" in payload:
        assert set(payload["configErrorEvent"]) == {"description"}
        return
    event = payload["podEvent"]
    assert set(event) <= POD_EVENT
    assert event["verdict"] in (
        "VIOLATES_POLICY",
        "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED",
    )
    for image in event["images"]:
        assert set(image) <= IMAGE
        assert image["result"] in ("ALLOW", "DENY")
        assert image["containerType"] in CONTAINER_TYPES


def test_violating_pods_give_gke_shaped_entries_and_exit_1(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, entries, err = run_cv(
        cli_world, capsys, SNAPSHOT, "--cluster", "us-east1-b.prod", "--project", "shop"
    )
    assert code == 1
    for entry in entries:
        _check_shape(entry)
    pods = {e["jsonPayload"]["podEvent"]["pod"]: e for e in entries}
    assert sorted(pods) == ["debug-shell", "ledger-0", "web-6d4cf56db6-q9z8m"]
    golden = json.loads((FIXTURES / "golden-pod-event.json").read_text())
    got = pods["web-6d4cf56db6-q9z8m"]
    description = got["jsonPayload"]["podEvent"]["images"][0].pop("description")
    assert "projects/shop/attestors/qa" in description
    assert got == golden
    ledger = pods["ledger-0"]["jsonPayload"]["podEvent"]["images"]
    assert [(i["containerName"], i["containerType"]) for i in ledger] == [
        ("migrate", "INIT_CONTAINER")  # only denied images are listed
    ]
    assert "Pods: 3 violate, 2 conform" in err
    assert "pod templates: 3 violate, 3 conform" in err
    assert "1 x Pod not running (phase Succeeded)" in err


def test_breakglassed_pod_is_still_reported_and_marked(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, entries, _ = run_cv(cli_world, capsys, SNAPSHOT, "--format", "json")
    assert code == 1
    marked = [e for e in entries if "labels" in e]
    assert [e["jsonPayload"]["podEvent"]["pod"] for e in marked] == ["debug-shell"]
    assert (
        "image-policy.k8s.io/break-glass"
        in marked[0]["labels"]["kritis-sim/breakglass"]
    )


def test_text_report_marks_breakglass_and_lists_templates_apart(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.json"
    code = main(
        [
            "cv", SNAPSHOT, "--format", "text", "--summary", str(summary),
            "--policy", cli_world.path("policy.yaml"),
            "--attestors", cli_world.path("attestors.yaml"),
            "--occurrences", cli_world.path("occurrences.json"),
            "--now", "2026-11-26T00:00:00Z",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "VIOLATES  Pod payments/debug-shell" in out and "BREAKGLASS" in out
    assert "service account web; deployed 2026-11-20T08:15:03Z" in out
    templates = out.split("pod templates (not logged by GKE)")[1]
    assert "VIOLATES  CronJob payments/report" in templates
    data = json.loads(summary.read_text())
    assert data["pods"] == {"conforms": 2, "violates": 3, "error": 0, "breakglass": 1}
    assert data["skipped"] == {"Pod not running (phase Succeeded)": 1}


def test_nothing_violating_exits_0_with_no_entries(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, entries, err = run_cv(
        cli_world, capsys, str(FIXTURES / "messy-snapshot.json")
    )
    assert (code, entries) == (0, [])
    assert "skipped: 4" in err


def test_cluster_rules_without_cluster_exit_2(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(
        clusterAdmissionRules={
            "us-east1-b.prod": {
                "evaluationMode": "ALWAYS_ALLOW",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            }
        }
    )
    code, entries, err = run_cv(cli_world, capsys, SNAPSHOT)
    assert (code, entries) == (2, [])
    assert "--cluster" in err and "clusterAdmissionRules" in err
    code, entries, _ = run_cv(
        cli_world, capsys, SNAPSHOT, "--cluster", "us-east1-b.prod"
    )
    assert (code, entries) == (0, [])  # the cluster rule allows everything
    code, entries, _ = run_cv(cli_world, capsys, SNAPSHOT, "--cluster", "none")
    assert code == 1 and len(entries) == 3


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ["--platform-policy", "p.yaml", "--policy", "q.yaml"],
            "give --platform-policy, or --policy and --attestors, not both",
        ),
        (["--platform-policy", "missing.yaml"], "missing.yaml"),
    ],
)
def test_unsupported_modes_exit_2_never_pass(
    cli_world: CliWorld,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expected: str,
) -> None:
    code = main(["cv", SNAPSHOT, *extra])
    assert code == 2
    assert expected in capsys.readouterr().err


def test_unusable_snapshot_exits_2_naming_file_and_line(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: b}\nspec:\n  container: []\n"
    )
    code, entries, err = run_cv(cli_world, capsys, str(bad))
    assert (code, entries) == (2, [])
    assert f"{bad}:5" in err and "spec.container" in err


def test_config_error_entry_shape() -> None:
    entry = config_error_entry(
        "Cannot monitor cluster 'us-central1-c.my-cluster': no policy",
        cluster=Cluster.parse("us-central1-c.my-cluster", "my-project"),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    _check_shape(entry)
    assert entry["resource"]["labels"] == {
        "project_id": "my-project", "location": "us-central1-c", "cluster_name": "my-cluster"
    }  # fmt: skip
    assert entry["logName"] == (
        "projects/my-project/logs/binaryauthorization.googleapis.com%2Fcontinuous_validation"
    )
    assert "\n" not in dumps(entry)


def test_help_names_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["cv", "--help"])
    out = capsys.readouterr().out
    for flag in ("--platform-policy", "--policy", "--attestors", "--occurrences",
                 "--image-metadata", "--cluster", "--now", "--format"):  # fmt: skip
        assert flag in out
    assert "unused" in out  # --image-metadata with a classic policy


def test_image_metadata_is_accepted_and_said_to_be_unused(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, entries, err = run_cv(
        cli_world, capsys, str(FIXTURES / "messy-snapshot.json"),
        "--image-metadata", "meta.json",
    )  # fmt: skip
    assert (code, entries) == (0, [])
    assert "--image-metadata is not used" in err


def test_html_report_is_one_escaped_page_with_pods_and_templates_apart(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listing = json.loads((FIXTURES / "snapshot.json").read_text())
    listing["items"][2]["metadata"]["labels"]["run"] = "x"
    listing["items"][2]["metadata"]["annotations"] = {
        "kritis.grafeas.io/breakglass": "<script>alert(1)</script>"
    }
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(listing))
    code = main(
        [
            "cv", str(path), "--format", "html",
            "--policy", cli_world.path("policy.yaml"),
            "--attestors", cli_world.path("attestors.yaml"),
            "--occurrences", cli_world.path("occurrences.json"),
            "--now", "2026-11-26T00:00:00Z",
        ]
    )  # fmt: skip
    page = capsys.readouterr().out
    assert code == 1
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    pods, templates = page.split("Pod templates (not logged by GKE)")
    assert pods.count('<tr class="violates">') == 3
    assert pods.count('<tr class="conforms">') == 2
    assert templates.count('<tr class="violates">') == 3
    assert "BREAKGLASS (ignored by CV)" in pods
    assert "<script>" not in page  # the payload never reaches the page
    parser = HTMLParser()
    parser.feed(page)
    parser.close()
