"""``kritis-sim whatif``: a dry-run to enforced change on real-shaped inputs
lists exactly the expected workloads; exit statuses; text and HTML; refusals;
audit logs streamed past the whole-file limit."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kritis_sim.cli.main import main

from .conftest import FIXTURES, NOW, CliWorld, classic, run_whatif

SNAPSHOT = str(FIXTURES / "snapshot.json")
AUDIT = str(FIXTURES / "audit.jsonl")
DRYRUN, ENFORCED = "DRYRUN_AUDIT_LOG_ONLY", "ENFORCED_BLOCK_AND_AUDIT_LOG"


def _names(report: dict[str, object], category: str) -> set[tuple[str, str, str]]:
    changes = report[category]
    assert isinstance(changes, list)
    return {(c["kind"], c["namespace"], c["name"]) for c in changes}


def test_dry_run_to_enforced_on_a_snapshot_lists_exactly_the_unsigned_workloads(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    old = classic(cli_world, "old.yaml", DRYRUN)
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, report, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--policy", new, "--baseline", old
    )
    assert code == 1
    # ddd/eee are unsigned; debug-shell is breakglassed (admitted either way);
    # the Succeeded Pod does not run.
    assert _names(report, "newlyDenied") == {
        ("Pod", "shop", "web-6d4cf56db6-q9z8m"),
        ("Pod", "payments", "ledger-0"),
        ("StatefulSet", "payments", "ledger"),
        ("CronJob", "payments", "report"),
        ("Job", "payments", "report-29400480"),
    }
    assert report["newlyAllowed"] == []
    s = report["summary"]
    assert (s["admissions"], s["newlyDenied"], s["unchanged"]) == (11, 5, 6)
    assert s["skipped"] == {"Pod not running (phase Succeeded)": 1}
    assert report["byNamespace"]["payments"]["newlyDenied"] == 4
    ledger = next(c for c in report["newlyDenied"] if c["name"] == "ledger-0")
    denied = [i for i in ledger["images"] if not i["candidate"]["allowed"]]
    assert [i["image"][-3:] for i in denied] == ["eee"]
    assert denied[0]["candidate"]["rule"] == "defaultAdmissionRule"
    assert "projects/shop/attestors/qa" in denied[0]["candidate"]["reason"]
    assert ledger["baseline"] == {
        "admitted": True,
        "note": "dry-run overrides the denial",
    }


def test_every_admission_of_an_audit_log_is_replayed(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    old = classic(cli_world, "old.yaml", DRYRUN)
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, report, _ = run_whatif(
        cli_world, capsys, AUDIT, "--policy", new, "--baseline", old
    )
    assert code == 1
    # tmp was deleted later and cron-a updated to an unsigned image: both
    # admissions happened, so both are replayed (cv keeps the latest state).
    assert _names(report, "newlyDenied") == {
        ("Pod", "shop", "tmp"),
        ("Pod", "payments", "cron-a"),
    }
    s = report["summary"]
    assert s["admissions"] == 6
    assert s["skipped"]["verb delete (nothing is admitted)"] == 1
    assert s["skipped"]["truncated last line"] == 1


def test_reverse_change_is_newly_allowed_and_exits_0(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    old = classic(cli_world, "old.yaml", DRYRUN)
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, report, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--policy", old, "--baseline", new
    )
    assert code == 0
    assert len(report["newlyAllowed"]) == 5
    assert report["newlyDenied"] == []


def test_same_policy_changes_nothing_and_without_baseline_input_counts_as_admitted(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, report, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--policy", new, "--baseline", new
    )
    assert code == 0 and report["summary"]["unchanged"] == 11
    code, report, _ = run_whatif(cli_world, capsys, SNAPSHOT, "--policy", new)
    assert code == 1
    assert report["summary"]["baseline"] == "as admitted (the input)"
    assert report["summary"]["newlyDenied"] == 5


def test_platform_policy_candidate(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = cli_world.write(
        "platform.yaml",
        {
            "name": "projects/shop/platforms/gke/policies/p",
            "gkePolicy": {
                "checkSets": [
                    {
                        "displayName": "shop only",
                        "scope": {"kubernetesNamespace": "payments"},
                        "checks": [{"displayName": "deny", "alwaysDeny": True}],
                    },
                    {"displayName": "rest", "checks": []},
                ]
            },
        },
    )
    code, report, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--platform-policy", platform
    )
    assert code == 1
    assert {c[1] for c in _names(report, "newlyDenied")} == {"payments"}
    image = report["newlyDenied"][0]["images"][0]["candidate"]
    assert image["rule"] == "check set 0 'shop only' (namespace payments)"
    assert "check 0 AlwaysDeny 'deny': NON_CONFORMANT" in image["reason"]


def test_text_and_html_reports(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    old = classic(cli_world, "old.yaml", DRYRUN)
    new = classic(cli_world, "new.yaml", ENFORCED)
    base = ["whatif", SNAPSHOT, "--policy", new, "--baseline", old]
    base += ["--attestors", cli_world.path("attestors.yaml"), "--now", NOW]
    base += ["--occurrences", cli_world.path("occurrences.json")]
    assert main([*base, "--format", "text"]) == 1
    text = capsys.readouterr().out
    assert "NEWLY DENIED Pod payments/ledger-0" in text
    assert "newly denied: 5" in text
    assert main([*base, "--format", "html"]) == 1
    page = capsys.readouterr().out
    HTMLParser().feed(page)
    assert "<svg" in page and 'class="newlyDenied"' in page
    assert "<title>payments: 4 newly denied</title>" in page
    assert "<script" not in page


def test_unusable_input_exits_2_naming_file_and_line(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    new = classic(cli_world, "new.yaml", ENFORCED)
    log = tmp_path / "bad.jsonl"
    good = (FIXTURES / "audit.jsonl").read_text().splitlines()[1]
    log.write_text(good + "\n{not json\n" + good + "\n")
    code, _, err = run_whatif(cli_world, capsys, str(log), "--policy", new)
    assert code == 2
    assert f"{log}:2" in err and "not a JSON line" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_whatif(cli_world, capsys, SNAPSHOT)
    assert code == 2 and "--policy NEW" in err


def test_an_audit_log_larger_than_the_input_limit_is_streamed(
    cli_world: CliWorld,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import kritis_sim._input as limits

    line = (FIXTURES / "audit.jsonl").read_text().splitlines()[2] + "\n"
    log = tmp_path / "big.jsonl"
    log.write_text(line * 40)
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", len(line) * 3)  # whole file > limit
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, report, err = run_whatif(cli_world, capsys, str(log), "--policy", new)
    assert code == 0, err
    assert report["summary"]["admissions"] == 40
    assert report["summary"]["distinctJudgements"] == 1


def test_platform_baseline_against_a_classic_candidate(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    allow_all = cli_world.write(
        "platform.yaml",
        {
            "name": "projects/shop/platforms/gke/policies/p",
            "gkePolicy": {"checkSets": [{"displayName": "all", "checks": []}]},
        },
    )
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, report, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--policy", new,
        "--baseline-platform-policy", allow_all,
    )  # fmt: skip
    assert code == 1
    assert report["summary"]["newlyDenied"] == 5  # the breakglassed Pod stays admitted
    change = report["newlyDenied"][0]["images"][0]
    assert change["baseline"]["rule"].startswith("check set 0 'all'")


def test_progress_bar_only_when_stderr_is_a_terminal(
    cli_world: CliWorld,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new = classic(cli_world, "new.yaml", ENFORCED)
    code, _, err = run_whatif(cli_world, capsys, SNAPSHOT, "--policy", new)
    assert code == 1 and "admissions read" not in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    code, report, err = run_whatif(cli_world, capsys, SNAPSHOT, "--policy", new)
    assert code == 1 and report["summary"]["newlyDenied"] == 5
    assert "admissions read" in err
