"""``kritis-sim whatif``: each newly denied object says what would make it
pass (JSON ``fixes``, text and HTML); newly allowed objects carry none."""

from __future__ import annotations

import pytest

from kritis_sim.cli.main import main

from .conftest import NOW, CliWorld, classic, run_whatif
from .test_whatif_command import DRYRUN, ENFORCED, SNAPSHOT


def test_newly_denied_objects_carry_fixes_newly_allowed_none(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    old = classic(cli_world, "old.yaml", DRYRUN)
    new = classic(cli_world, "new.yaml", ENFORCED)
    _, report, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--policy", new, "--baseline", old
    )
    ledger = next(c for c in report["newlyDenied"] if c["name"] == "ledger-0")
    kinds = [(f["image"][-3:], f["kind"]) for f in ledger["fixes"]]
    assert kinds == [("eee", "attest"), ("eee", "allowlist")]
    attest = ledger["fixes"][0]
    assert attest["attestor"] == "projects/shop/attestors/qa"
    assert attest["commands"][0].startswith("kritis-sim sign --image ")
    _, back, _ = run_whatif(
        cli_world, capsys, SNAPSHOT, "--policy", old, "--baseline", new
    )
    assert back["newlyAllowed"] and all("fixes" not in c for c in back["newlyAllowed"])


def test_text_and_html_show_fixes_of_newly_denied(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    old = classic(cli_world, "old.yaml", DRYRUN)
    new = classic(cli_world, "new.yaml", ENFORCED)
    base = ["whatif", SNAPSHOT, "--policy", new, "--baseline", old]
    base += ["--attestors", cli_world.path("attestors.yaml"), "--now", NOW]
    base += ["--occurrences", cli_world.path("occurrences.json")]
    assert main([*base, "--format", "text"]) == 1
    text = capsys.readouterr().out
    ledger = text.split("NEWLY DENIED Pod payments/ledger-0")[1].split("NEWLY")[0]
    assert "fix (attest) for " in ledger and "$ kritis-sim sign --image " in ledger
    assert main([*base, "--format", "html"]) == 1
    page = capsys.readouterr().out
    assert "<li>fix (attest): attest " in page
