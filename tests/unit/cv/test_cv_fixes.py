"""``kritis-sim cv`` reports say what would make each violating item pass:
text and HTML reports and the ``--summary`` JSON; the CV log entries stay
exactly as GKE writes them (no fixes in them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kritis_sim.cli.main import main

from .conftest import CliWorld, run_cv
from .test_cv_command import SNAPSHOT, _check_shape


def _cv(world: CliWorld, tmp_path: Path, fmt: str) -> tuple[int, str, dict]:
    summary = tmp_path / "summary.json"
    code = main(
        [
            "cv", SNAPSHOT, "--format", fmt, "--summary", str(summary),
            "--policy", world.path("policy.yaml"),
            "--attestors", world.path("attestors.yaml"),
            "--occurrences", world.path("occurrences.json"),
            "--now", "2026-11-26T00:00:00Z",
        ]
    )  # fmt: skip
    return code, "", json.loads(summary.read_text())


def test_text_report_and_summary_carry_fixes(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, summary = _cv(cli_world, tmp_path, "text")
    out = capsys.readouterr().out
    assert code == 1
    assert "fix (attest) for " in out and "$ kritis-sim sign --image " in out
    by_pod = {f.get("pod") or f.get("podTemplate"): f for f in summary["fixes"]}
    assert "payments/debug-shell" in by_pod
    kinds = {fix["kind"] for entry in summary["fixes"] for fix in entry["fixes"]}
    assert "attest" in kinds
    attest = next(
        fix
        for entry in summary["fixes"]
        for fix in entry["fixes"]
        if fix["kind"] == "attest"
    )
    assert attest["attestor"] == "projects/shop/attestors/qa"
    assert attest["note"] == "projects/shop/notes/qa"
    for entry in summary["fixes"]:
        for fix in entry["fixes"]:
            if fix["kind"] == "allowlist":
                assert "*" not in fix["pattern"][:-1]  # only the trailing '*'


def test_json_entries_stay_gke_shaped_and_html_shows_fixes(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, entries, _ = run_cv(cli_world, capsys, SNAPSHOT, "--format", "json")
    assert code == 1 and entries
    for entry in entries:
        _check_shape(entry)
        assert "fix" not in json.dumps(entry).lower()
    _cv(cli_world, tmp_path, "html")
    page = capsys.readouterr().out
    assert "<li>fix (attest): attest " in page
    assert "<code>$ kritis-sim sign --image " in page
