"""Options that several commands share behave the same: ``--occurrences`` is
repeatable and takes files or directories on review, webhook and kind check;
``kind --quiet`` silences progress like the emulator's and conformance's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.main import main, parser
from kritis_sim.core.source import InMemorySource

from .conftest import NOTE, OTHER, SIGNED, THIRD, CliWorld


def _three_sources(world: CliWorld, tmp_path: Path) -> list[str]:
    """occurrences.json (SIGNED), a second file (OTHER), a directory (THIRD)."""
    other = world.write("other.json", json.dumps([world.occurrence(OTHER)]))
    directory = tmp_path / "atts"
    directory.mkdir()
    (directory / "third.json").write_text(json.dumps(world.occurrence(THIRD)))
    return [world.path("occurrences.json"), other, str(directory)]


def test_webhook_occurrences_are_repeatable_files_and_directories(
    cli_world: CliWorld, tmp_path: Path
) -> None:
    from kritis_sim.cli.webhook import _files

    words = ["webhook", "--policy", cli_world.path("policy.yaml")]
    words += ["--attestors", cli_world.path("attestors.yaml")]
    for value in _three_sources(cli_world, tmp_path):
        words += ["--occurrences", value]
    _, source = _files(parser("webhook").parse_args(words))
    assert isinstance(source, InMemorySource)
    for image in (SIGNED, OTHER, THIRD):
        assert len(source.occurrences("https://" + image, NOTE)) == 1, image


def test_kind_check_occurrences_are_merged_into_one_list(
    cli_world: CliWorld, tmp_path: Path
) -> None:
    from kritis_sim.cli.kind import _occurrences_json

    text = _occurrences_json(_three_sources(cli_world, tmp_path))
    assert text is not None
    uris = [occ["resourceUri"] for occ in json.loads(text)]
    assert uris == ["https://" + image for image in (SIGNED, OTHER, THIRD)]
    assert _occurrences_json(None) is None


class _FakeHarness:
    def __init__(self, settings: Any, log: Any) -> None:
        self.log = log

    def up(self) -> None:
        self.log("creating cluster")

    def down(self) -> None:
        self.log("deleting cluster")


@pytest.mark.parametrize("action", ["up", "down"])
def test_kind_quiet_silences_progress_only(
    action: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("kritis_sim.harness._process.missing_requirements", lambda: ())
    monkeypatch.setattr("kritis_sim.harness.kind.KindHarness", _FakeHarness)
    assert main(["kind", action]) == 0
    assert "kritis-sim kind: " in capsys.readouterr().err
    assert main(["kind", action, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
