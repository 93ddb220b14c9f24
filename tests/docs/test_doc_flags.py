"""Every ``--flag`` that README.md or docs/*.md write after ``kritis-sim CMD``
(in recipes, transcripts, synopses, tables and prose) is an option of CMD.

Recipes are also run (test_recipes.py); this catches the places that are not
run: ``console`` transcripts, synopses and inline code.
"""

from __future__ import annotations

import argparse
import re

import pytest

from kritis_sim.cli.main import parser
from tests.docs.recipes import ROOT, pages


def _options() -> dict[str, set[str]]:
    """Command path ("", "review", "kind up", ...) -> the option strings its
    --help shows (hidden aliases such as ``payload --output`` are left out:
    docs use the canonical names)."""
    found: dict[str, set[str]] = {}

    def walk(p: argparse.ArgumentParser, name: str) -> None:
        found.setdefault(name, set())
        for action in p._actions:
            if action.help != argparse.SUPPRESS:
                found[name].update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                for sub, subparser in action.choices.items():
                    walk(subparser, f"{name} {sub}".strip())

    walk(parser("*"), "")
    return found


OPTIONS = _options()
_MENTION = re.compile(r"kritis-sim ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)([^\n`|]*)")
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def mentions(text: str) -> list[tuple[int, str, str]]:
    """``(line, command, flag)`` for each flag written after ``kritis-sim CMD``
    on the same (backslash-continued) line."""
    found = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start, line = index + 1, lines[index]
        while line.endswith("\\") and index + 1 < len(lines):
            index += 1
            line = line[:-1] + " " + lines[index]
        index += 1
        for match in _MENTION.finditer(line):
            words = match.group(1).split()
            command = " ".join(words) if " ".join(words) in OPTIONS else words[0]
            if command not in OPTIONS:
                continue
            rest = match.group(1) + match.group(2)
            found += [(start, command, flag) for flag in _FLAG.findall(rest)]
    return found


@pytest.mark.parametrize("page", pages())
def test_documented_flags_exist(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    unknown = [
        f"{page}:{line}: kritis-sim {command} shows no {flag} in --help"
        for line, command, flag in mentions(text)
        if flag not in OPTIONS[command] and flag not in OPTIONS[""]
    ]
    assert not unknown, "\n".join(unknown)


def test_mentions_are_found() -> None:
    text = (
        "run `kritis-sim review pod.yaml --policy p --nope`\n"
        "kritis-sim kind check x \\\n    --cluster c\n"
    )
    assert mentions(text) == [
        (1, "review", "--policy"),
        (1, "review", "--nope"),
        (2, "kind check", "--cluster"),
    ]
