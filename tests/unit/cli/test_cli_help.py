"""Every subcommand has --help, the command table matches the modules, and
--help output is plain text with help for every option."""

from __future__ import annotations

import argparse
import importlib
import logging
import re

import pytest

from kritis_sim.cli.main import COMMANDS, main, parser, plain


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


def _all_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every parser of the command tree, by command path ("kritis-sim kind up")."""
    found: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        found.append((path, p))
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")

    walk(parser("*"), "kritis-sim")
    return found


PARSERS = dict(_all_parsers())
_LEAKED_MARKUP = re.compile(
    r"`|\*\*|\[/?(?:bold|italic|dim|red|green|yellow|blue|cyan|magenta|b|i|u|link)\b"
    r"|:(?:func|class|mod|data|meth|attr):"
)


@pytest.mark.parametrize("path", list(PARSERS))
def test_help_shows_no_markup(path: str) -> None:
    text = PARSERS[path].format_help()
    leaks = [line for line in text.splitlines() if _LEAKED_MARKUP.search(line)]
    assert not leaks, f"{path} --help shows markup:\n" + "\n".join(leaks)


def test_plain_removes_inline_markup_and_keeps_the_text() -> None:
    assert plain("``a`` `b` :func:`c` **d** [--e]") == "a b c d [--e]"


def test_verbose_sends_info_logs_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        assert main(["-v", "payload", "--image", "gcr.io/p/a@sha256:" + "a" * 64]) == 0
        assert root.level == logging.INFO
        logging.getLogger("kritis_sim.test").info("hello from -v")
        assert "hello from -v" in capsys.readouterr().err
    finally:
        for handler in set(root.handlers) - set(handlers):
            root.removeHandler(handler)
        root.setLevel(level)
