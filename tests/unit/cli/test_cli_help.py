"""Every subcommand has --help, the command table matches the modules, and
--help output is plain text with help for every option."""

from __future__ import annotations

import argparse
import importlib
import logging
import re
from pathlib import Path

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


def _options(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in p._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    ]


@pytest.mark.parametrize("path", list(PARSERS))
def test_every_option_and_argument_has_help(path: str) -> None:
    missing = [
        "/".join(a.option_strings) or a.dest
        for a in _options(PARSERS[path])
        if not (a.help and a.help.strip())
    ]
    assert not missing, f"{path}: no help text for {missing}"


@pytest.mark.parametrize("path", list(PARSERS))
def test_hidden_options_are_only_aliases(path: str) -> None:
    """An option hidden from --help must be another spelling of a shown one."""
    options = _options(PARSERS[path])
    shown = {a.dest for a in options if a.help != argparse.SUPPRESS}
    for action in options:
        if action.help == argparse.SUPPRESS:
            assert action.dest in shown, f"{path}: {action.option_strings} is hidden"


#: Spellings that must not be a command's shown name for an option, and the
#: name every command uses instead (the old spelling may stay as a hidden alias).
CANONICAL = {
    "--output": "--out",
    "--output-dir": "--out",
    "--outdir": "--out",
    "--out-dir": "--out",
    "--silent": "--quiet",
    "--no-progress": "--quiet",
    "--occurrence": "--occurrences",
    "--attestations": "--occurrences",
    "--attestor": "--attestors",
    "--tls-crt": "--tls-cert",
    "--cert": "--tls-cert",
    "--key-file": "--key",
}

#: Options that one command name means differently on different commands,
#: with why the shapes differ. Every other option that several commands
#: offer takes the same kind of value (or none) under the same METAVAR.
SAME_NAME_DIFFERENT_VALUE = {
    "--image": "payload/sign: the image to sign (REF); manifests/kind: the "
    "webhook's own container image",
    "--out": "a file for keygen (KEY.pem), a directory for certs and the "
    "adapter's setup (DIR): both are where the output goes",
    "--namespace": "each command's namespace (workloads, the Service, the webhook)",
    "--case": "conformance: a case by NAME (repeatable); conformance-adapter "
    "setup: the case DIR, a name fixed by the adapter protocol",
}


@pytest.mark.parametrize("path", list(PARSERS))
def test_shown_option_names_are_canonical(path: str) -> None:
    for action in _options(PARSERS[path]):
        if action.help == argparse.SUPPRESS:
            continue
        for name in action.option_strings:
            assert name not in CANONICAL, (
                f"{path}: {name} should be {CANONICAL[name]} "
                "(keep the old name as a hidden alias)"
            )


def test_an_option_name_takes_the_same_value_on_every_command() -> None:
    shapes: dict[str, dict[tuple[object, ...], list[str]]] = {}
    for path, p in PARSERS.items():
        for action in _options(p):
            if action.help == argparse.SUPPRESS:
                continue
            shape = (type(action).__name__, action.nargs, action.metavar)
            for name in action.option_strings:
                shapes.setdefault(name, {}).setdefault(shape, []).append(path)
    differing = {
        name: by_shape
        for name, by_shape in shapes.items()
        if len(by_shape) > 1 and name not in SAME_NAME_DIFFERENT_VALUE
    }
    assert not differing, differing


#: Commands that print progress (request logs, per-case lines, steps) and so
#: offer --quiet.
PROGRESS_COMMANDS = [
    "kritis-sim emulator",
    "kritis-sim conformance",
    "kritis-sim kind up",
    "kritis-sim kind check",
    "kritis-sim kind down",
]


@pytest.mark.parametrize("path", PROGRESS_COMMANDS)
def test_commands_that_print_progress_offer_quiet(path: str) -> None:
    quiet = [a for a in _options(PARSERS[path]) if "--quiet" in a.option_strings]
    assert quiet and quiet[0].help != argparse.SUPPRESS


def test_payload_out_and_its_old_spelling_output(tmp_path: Path) -> None:
    image = "gcr.io/p/a@sha256:" + "a" * 64
    for flag in ("--out", "--output"):
        target = tmp_path / f"payload{flag}.json"
        assert main(["payload", "--image", image, flag, str(target)]) == 0
        assert b'"docker-manifest-digest": "sha256:' in target.read_bytes()
    shown = PARSERS["kritis-sim payload"].format_help()
    assert "--out FILE" in shown and "--output" not in shown
