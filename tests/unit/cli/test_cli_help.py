"""Every subcommand has --help, and the command table matches the modules."""

from __future__ import annotations

import importlib

import pytest

from kritis_sim.cli.main import COMMANDS, main, parser


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    assert "usage: kritis-sim" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_table_help_matches_module(name: str) -> None:
    module, help_text = COMMANDS[name]
    assert hasattr(importlib.import_module(module), "register")
    full = parser("*")
    sub = next(a for a in full._actions if a.dest == "command")
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert helps[name] == help_text


def test_top_level_help_lists_all_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out
