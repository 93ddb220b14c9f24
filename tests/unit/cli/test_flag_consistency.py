"""Options that several commands share behave the same: ``--occurrences`` is
repeatable and takes files or directories on review, webhook and kind check;
``kind --quiet`` silences progress like the emulator's and conformance's.
``--occurrences``, ``--cluster``, ``--istio-trust-domain``, ``--now`` and
``--format`` are declared alike on every command that has them
(:mod:`kritis_sim.cli.common_flags`)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.common_flags import CLUSTER_HELP, NOW_HELP, TRUST_DOMAIN_HELP
from kritis_sim.cli.main import main, parser
from kritis_sim.cli.occurrence_files import OCCURRENCE_FILES_HELP
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


def _options(flag: str) -> dict[str, argparse.Action]:
    """``flag``'s action on every command (path "kritis-sim kind check") that has it."""
    found: dict[str, argparse.Action] = {}

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif flag in action.option_strings:
                found[path] = action

    walk(parser("*"), "kritis-sim")
    return found


#: Commands whose --cluster is the cluster they judge for (manifests passes
#: its own on to a webhook; kind check has a default: other meanings).
JUDGING = ("review", "cv", "whatif", "webhook")
POLICIES = ("the policy", "a classic policy")


def test_now_is_the_same_everywhere() -> None:
    found = _options("--now")
    assert {p.split()[-1] for p in found} >= {"review", "cv", "evaluate", "whatif"}
    for path, action in found.items():
        assert (action.metavar, action.help) == ("RFC3339", NOW_HELP), path


def test_occurrences_are_read_alike_everywhere() -> None:
    found = _options("--occurrences")
    assert {p.split()[-1] for p in found} >= {"review", "cv", "evaluate", "whatif", "webhook"}
    for path, action in found.items():
        assert isinstance(action, argparse._AppendAction), path
        assert action.metavar == "FILE|DIR", path
        assert f"; {OCCURRENCE_FILES_HELP}" in str(action.help), path


def test_cluster_and_trust_domain_are_declared_alike() -> None:
    clusters, domains = _options("--cluster"), _options("--istio-trust-domain")
    for command in JUDGING:
        cluster, domain = clusters[f"kritis-sim {command}"], domains[f"kritis-sim {command}"]
        assert (cluster.metavar, domain.metavar) == ("LOCATION.NAME", "DOMAIN"), command
        assert cluster.default is None and domain.default is None, command
        policy = next(p for p in POLICIES if CLUSTER_HELP.format(policy=p) in str(cluster.help))
        shared = re.escape(CLUSTER_HELP.format(policy=policy))
        assert re.fullmatch(rf"the cluster [^,;]+, {shared}(; .+)?", str(cluster.help)), command
        assert domain.help == TRUST_DOMAIN_HELP.format(policy=policy), command


def test_format_says_each_choice_and_marks_the_default() -> None:
    found = _options("--format")
    assert {p.split()[-1] for p in found} >= {"cv", "evaluate", "whatif", "run"}
    for path, action in found.items():
        assert action.choices is not None, path
        parts = str(action.help).split("; ")
        assert [part.split(": ", 1)[0] for part in parts] == list(action.choices), path
        marked = [part.split(": ", 1)[0] for part in parts if part.endswith(" (default)")]
        assert marked == [action.default], path
