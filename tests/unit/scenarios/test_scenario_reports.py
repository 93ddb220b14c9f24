"""Reports (text, JSON, HTML, JUnit) and the ``kritis-sim run`` command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from kritis_sim.cli.main import main
from kritis_sim.scenarios.junit import junit_xml
from kritis_sim.scenarios.report_html import report_html
from kritis_sim.scenarios.report_json import report_data
from kritis_sim.scenarios.report_text import print_report
from kritis_sim.scenarios.runner import discover, load_all, run_scenarios

ROOT = Path(__file__).resolve().parents[3]
MERCHANT = ROOT / "scenarios" / "online-merchant.yaml"
PIPELINE = ROOT / "scenarios" / "five-stage-pipeline.yaml"


def _summary():  # type: ignore[no-untyped-def]
    scenarios, errors = load_all(discover([MERCHANT, PIPELINE]))
    assert not errors
    return run_scenarios(scenarios)


def _failing_copy(tmp_path: Path) -> Path:
    text = MERCHANT.read_text().replace("      expect: denied\n", "      expect: allowed\n")
    path = tmp_path / "broken-merchant.yaml"
    path.write_text(text)
    return path


def test_json_report_has_scenarios_and_timeline() -> None:
    data = report_data(_summary())
    assert [s["name"] for s in data["scenarios"]] == ["online-merchant", "five-stage-pipeline"]
    assert data["summary"]["scenarios"] == 2 and data["summary"]["expectationFailures"] == 0
    merchant = data["scenarios"][0]
    assert merchant["reached"] == {"checkout": ["experimental"], "storefront": ["experimental", "prod"]}
    deploys = [e["deploy"] for e in merchant["timeline"] if "deploy" in e]
    assert deploys[-1]["outcome"] == "denied" and deploys[-1]["reply"]["decision"]["allowed"] is False
    json.dumps(data)


def test_text_report_prints_summary_table() -> None:
    console = Console(record=True, width=120)
    print_report(console, _summary(), verbose=True)
    text = console.export_text()
    assert "PASS online-merchant" in text
    assert "expectation failures" in text and "unapproved checkout -> prod" in text


def test_junit_has_one_case_per_deploy() -> None:
    root = ET.fromstring(junit_xml(_summary()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["online-merchant", "five-stage-pipeline"]
    assert suites[0].get("tests") == "5" and root.get("failures") == "0"


def test_html_draws_one_picture_per_scenario() -> None:
    page = report_html(_summary())
    assert page.count("<svg") == 2
    assert "<title>unapproved checkout -&gt; prod: denied" in page
    assert "prod-approved" in page
    assert "<script" not in page


def test_cli_exit_codes_and_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html_path, junit_path = tmp_path / "r.html", tmp_path / "r.xml"
    assert main(["run", str(MERCHANT), "--html", str(html_path), "--junit", str(junit_path)]) == 0
    assert "scenarios" in capsys.readouterr().out
    assert html_path.read_text().startswith("<!DOCTYPE html>") and junit_path.exists()
    assert main(["run", str(_failing_copy(tmp_path)), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["summary"]["expectationFailures"] == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: bad\nenvironments: {}\nevents: []\n")
    assert main(["run", str(bad)]) == 2
    assert re.search(r"bad\.yaml:2: environments", capsys.readouterr().err)
    assert main(["run", str(tmp_path / "missing")]) == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("KRITIS_SIM_REQUIRE_CHROMIUM") == "1":
            pytest.fail("KRITIS_SIM_REQUIRE_CHROMIUM=1 but chromium is not on PATH")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(report_html(_summary()))
    shot = tmp_path / "shot.png"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000


def test_run_ends_with_one_plain_closing_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(ROOT / "scenarios")]) == 0
    out = capsys.readouterr().out
    checks = sum(
        len(r.deploys) + len(r.expectations) + (r.scenario.reached is not None)
        for r in run_scenarios(load_all(discover([ROOT / "scenarios"]))[0]).results
    )
    assert out.endswith(f"\n{checks} passed, 0 failed, 0 skipped\n"), out[-200:]

    failing = _failing_copy(tmp_path)
    quiet = tmp_path / "quiet.yaml"  # a deploy with no expectation is skipped
    quiet.write_text(MERCHANT.read_text().replace("scenario: online-merchant", "scenario: quiet")
                     .replace("      expect: denied\n      reason: prod-approved\n", ""))
    junit = tmp_path / "r.xml"
    assert main(["run", str(failing), str(quiet), "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "8 passed, 1 failed, 1 skipped"
    root = ET.fromstring(junit.read_text())
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("10", "1", "1")
    # Not a terminal: nothing is hard-wrapped, however long the line.
    long_line = next(line for line in out.splitlines() if "  reason: Image us-docker.pkg.dev" in line)
    assert len(long_line) > 200 and long_line.endswith("[cluster rule 'us-central1-a.prod']")
    assert any("┃ breakglass ┃ expectation failures ┃" in line for line in out.splitlines())

    # JSON on stdout stays one document; the closing line goes to stderr.
    assert main(["run", str(failing), str(quiet), "--format", "json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert (data["summary"]["passed"], data["summary"]["failed"], data["summary"]["skipped"]) == (8, 1, 1)
    assert captured.err.splitlines()[-1] == "8 passed, 1 failed, 1 skipped"


def test_unwritable_report_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(MERCHANT), "--junit", str(tmp_path / "no" / "r.xml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kritis-sim: error: --junit ") and "No such file or directory" in err
