"""Extract the command recipes from README.md and docs/*.md and run them.

This is the test-side machinery behind ``tests/docs/test_recipes.py``; it is
not part of the kritis_sim package and prints nothing.

Convention (summarised for writers in ``tests/README.md``):

* Every fenced block whose info string is ``sh``, ``bash`` or ``shell`` is a
  recipe. ``console`` blocks are transcripts (prompt and output) and plain
  fences are synopses or output; neither is run.
* An HTML comment on the line right before the fence annotates it:
  ``<!-- recipe: skip REASON -->`` (not run; the test reports the reason),
  ``<!-- recipe: file PATH -->`` (any block, e.g. ``yaml``: its text is written
  to PATH, relative to the page's working directory, at that point), or
  ``<!-- recipe: needs TOOL [TOOL...] -->`` (the page is skipped, with that
  reason, when a tool is missing from PATH; a missing ``gcloud`` fails instead
  when ``KRITIS_SIM_REQUIRE_GCLOUD=1``). Any other ``recipe:`` comment is an
  error, so a typo cannot silently skip a block.
* A page's recipes run in the order written, in one ``bash -euo pipefail``
  session, in a fresh empty directory, with ``kritis-sim``, ``python3`` and
  ``pytest`` running this checkout. ``set -u`` makes every variable a recipe
  uses one the page defines. Processes a recipe starts with ``&`` are killed
  (their whole process group) when the page ends.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECIPE_LANGUAGES = frozenset({"sh", "bash", "shell"})
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_EOF = "KRITIS_SIM_RECIPE_EOF"
_DIRECTIVE = re.compile(r"^\s*<!--\s*recipe:\s*(.*?)\s*-->\s*$")


class RecipeSyntaxError(ValueError):
    """A malformed ``<!-- recipe: ... -->`` annotation or an unclosed fence."""


@dataclass(frozen=True, slots=True)
class Recipe:
    """One runnable block: where it is, its text and its annotations."""

    page: str  # path relative to the repository root, e.g. "docs/emulator.md"
    line: int  # 1-based line of the first code line (after the fence)
    code: str
    skip: str | None = None
    needs: tuple[str, ...] = ()
    file: str | None = None  # write ``code`` to this path instead of running it

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def _directive(page: str, number: int, text: str) -> dict[str, str]:
    """``{"skip": REASON}``, ``{"needs": "TOOL ..."}``, ``{"file": PATH}`` or {}."""
    match = _DIRECTIVE.match(text)
    if match is None:
        return {}
    word, _, rest = match.group(1).partition(" ")
    rest = rest.strip()
    if word in ("skip", "needs") and rest:
        return {word: rest}
    if (
        word == "file"
        and re.fullmatch(r"[\w.-]+(/[\w.-]+)*", rest)
        and ".." not in rest
    ):
        return {word: rest}
    raise RecipeSyntaxError(
        f"{page}:{number}: expected '<!-- recipe: skip REASON -->', "
        "'<!-- recipe: needs TOOL... -->' or '<!-- recipe: file RELATIVE/PATH -->', "
        f"got {text.strip()!r}"
    )


def extract(text: str, page: str) -> list[Recipe]:
    """The recipes of one Markdown page, in order."""
    lines = text.splitlines()
    recipes: list[Recipe] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            if _DIRECTIVE.match(lines[index]):
                nxt = lines[index + 1] if index + 1 < len(lines) else ""
                if not _FENCE.match(nxt):
                    raise RecipeSyntaxError(
                        f"{page}:{index + 1}: a recipe annotation must be right "
                        "before a code fence"
                    )
            index += 1
            continue
        indent, fence, language = opening.groups()
        end = index + 1
        while end < len(lines) and not (
            lines[end].strip().startswith(fence)
            and lines[end].strip().strip(fence[0]) == ""
        ):
            end += 1
        if end == len(lines):
            raise RecipeSyntaxError(f"{page}:{index + 1}: unclosed code fence")
        notes = _directive(page, index, lines[index - 1]) if index else {}
        if language in RECIPE_LANGUAGES or "file" in notes:
            body = [line.removeprefix(indent) for line in lines[index + 1 : end]]
            skip = notes.get("skip")
            recipes.append(
                Recipe(
                    page,
                    index + 2,
                    "\n".join(body) + "\n",
                    skip,
                    tuple(notes.get("needs", "").split()),
                    notes.get("file"),
                )
            )
        index = end + 1
    return recipes


def pages(root: Path = ROOT) -> list[str]:
    """README.md and every docs/*.md, relative to ``root``."""
    found = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [str(path.relative_to(root)) for path in found]


def page_recipes(page: str, root: Path = ROOT) -> list[Recipe]:
    return extract((root / page).read_text(encoding="utf-8"), page)


@dataclass(frozen=True, slots=True)
class PageRun:
    """What running a page's recipes did."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool

    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def build_script(recipes: list[Recipe]) -> tuple[str, dict[int, str]]:
    """One bash script for a page's runnable recipes, and a map from script
    line numbers to ``page:line`` so failures point at the Markdown."""
    head = [
        "set -euo pipefail",
        "trap 'echo \"recipe failed at script line $LINENO (exit $?)\" >&2' ERR",
    ]
    out, where = list(head), {}
    for recipe in recipes:
        if recipe.skip is not None:
            continue
        out.append(f"# --- {recipe.where}")
        if recipe.file is not None:
            out.append(f'mkdir -p -- "$(dirname -- {shlex.quote(recipe.file)})"')
            out.append(f"cat > {shlex.quote(recipe.file)} <<'{_EOF}'")
            out.extend(recipe.code.splitlines())
            out.append(_EOF)
            continue
        for offset, line in enumerate(recipe.code.splitlines()):
            out.append(line)
            where[len(out)] = f"{recipe.page}:{recipe.line + offset}"
    return "\n".join(out) + "\n", where


def locate(text: str, where: dict[int, str]) -> str:
    """Rewrite bash's ``line N`` mentions into the Markdown location."""

    def sub(match: re.Match[str]) -> str:
        place = where.get(int(match.group(2)))
        return f"{match.group(0)} ({place})" if place else match.group(0)

    return re.sub(r"(script )?line (\d+)", sub, text)


def _shims(directory: Path) -> Path:
    """``kritis-sim``, ``python3``, ``python`` and ``pytest`` running this
    checkout's code with the interpreter running the tests."""
    directory.mkdir(parents=True, exist_ok=True)
    exe = shlex.quote(sys.executable)
    commands = {
        "kritis-sim": f"{exe} -m kritis_sim.cli.main",
        "python3": exe,
        "python": exe,
        "pytest": f"{exe} -m pytest",
    }
    for name, command in commands.items():
        shim = directory / name
        shim.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        shim.chmod(0o755)
    return directory


def run_page(
    recipes: list[Recipe], workdir: Path, *, timeout: float = 120.0
) -> tuple[PageRun, dict[int, str]]:
    """Run the page's recipes in ``workdir`` (must be empty) with bash."""
    script, where = build_script(recipes)
    private = workdir.parent / (workdir.name + ".runner")
    shims = _shims(private / "bin")
    (private / "script.sh").write_text(script)
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    # Output goes to files, not pipes: a server started with & would keep a
    # pipe open and the read would never end.
    stdout_path, stderr_path = private / "stdout", private / "stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            ["bash", str(private / "script.sh")],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(proc)
    return (
        PageRun(
            proc.returncode,
            stdout_path.read_text(errors="replace"),
            stderr_path.read_text(errors="replace"),
            timed_out,
        ),
        where,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop everything the page started: SIGTERM to its process group (bash
    and whatever it put in the background), SIGKILL after 5 seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            proc.poll()  # reap bash, so a zombie does not keep the group alive
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
    proc.wait()
