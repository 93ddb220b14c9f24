"""``kritis-sim run``: simulate release-pipeline scenarios and check expectations.

::

    kritis-sim run [PATHS ...] [--format text|json] [--html FILE] [--junit FILE]
                   [--via inprocess|webhook] [--timeline] [--root DIR]

PATHS are scenario files or directories (default ``scenarios/``). Every file is
loaded first; a malformed one stops the run before anything is simulated.
Files a scenario names must resolve inside its directory, or inside --root.
Exit codes: 0 every expectation holds, 1 at least one fails, 2 unusable input.
A run ends with one plain line ``N passed, N failed, N skipped``: the last line
of stdout for ``--format text``, on stderr for ``--format json`` (so stdout
stays one JSON document). A progress bar is shown on stderr when it is a
terminal; output that is not a terminal is never hard-wrapped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["register", "run"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def register(sub: Any) -> None:
    """Add the ``run`` subcommand to the top-level parser's subparsers."""
    from kritis_sim.cli.common_flags import add_format

    parser: argparse.ArgumentParser = sub.add_parser(
        "run",
        help="simulate release-pipeline scenarios and check their expectations",
        description=__doc__.split("::")[0].strip() if __doc__ else None,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        default=["scenarios/"],
        metavar="PATH",
        help="scenario files or directories (default: scenarios/)",
    )
    add_format(
        parser,
        {
            "text": "a report for people on stdout",
            "json": "the results as one JSON document on stdout",
        },
        default="text",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write an HTML report with pipeline pictures",
    )
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML")
    parser.add_argument(
        "--via",
        choices=("inprocess", "webhook"),
        default="inprocess",
        help="decide in-process (default) or through the real webhook over HTTPS on loopback",
    )
    parser.add_argument(
        "--timeline", action="store_true", help="print every event and decision"
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="directory every file a scenario names (policy, manifests, keys) must "
        "resolve inside (default: each scenario file's own directory)",
    )
    parser.set_defaults(func=run)


def _console(*, stderr: bool = False) -> Console:
    """A rich console that hard-wraps nothing when its stream is not a terminal."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        # Rich lays out for 80 columns off a terminal; wide enough for any
        # table row means lines end only where the text ends.
        console = Console(stderr=stderr, highlight=False, soft_wrap=True, width=_UNWRAPPED)
    return console


_UNWRAPPED = 10_000


def _target_errors(scenarios: list[Any]) -> list[Any]:
    """Environments lacking the deploy target their policy needs (never guessed)."""
    from kritis_sim.cli.target import check_scenario_targets
    from kritis_sim.errors import ScenarioError

    errors: list[Any] = []
    for scenario in scenarios:
        try:
            check_scenario_targets(scenario)
        except ScenarioError as exc:
            errors.append(exc)
    return errors


def run(args: argparse.Namespace) -> int:
    """Run the scenarios; returns the exit code."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from kritis_sim.errors import ScenarioError
    from kritis_sim.scenarios.files import FileRefused, resolve_root
    from kritis_sim.scenarios.junit import junit_xml
    from kritis_sim.scenarios.report_html import report_html
    from kritis_sim.scenarios.report_json import report_json
    from kritis_sim.scenarios.report_text import print_report
    from kritis_sim.scenarios.runner import discover, load_all, run_scenarios

    err = _console(stderr=True)
    try:
        files = discover(args.paths)
    except ScenarioError as exc:
        print(f"kritis-sim: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if not files:
        print(f"kritis-sim: error: no scenario files under {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_INPUT
    if args.root is not None:
        try:
            resolve_root(args.root)
        except FileRefused as exc:
            print(f"kritis-sim: error: --root: {exc}", file=sys.stderr)
            return EXIT_INPUT
    scenarios, errors = load_all(files, root=args.root)
    errors += _target_errors(scenarios)
    if errors:
        for problem in errors:
            print(f"kritis-sim: error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    total = sum(len(s.events) for s in scenarios)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("simulating", total=total)
        summary = run_scenarios(
            scenarios,
            via=args.via,
            on_event=lambda s, _e: progress.update(task, advance=1, description=s.name),
        )
    reports: list[tuple[str, str | None, Callable[[], str]]] = [
        ("--html", args.html, lambda: report_html(summary, via=args.via)),
        ("--junit", args.junit, lambda: junit_xml(summary)),
    ]
    for option, target, render in reports:
        if target:
            try:
                Path(target).write_text(render(), encoding="utf-8")
            except OSError as exc:
                print(f"kritis-sim: error: {option} {target}: {exc.strerror or exc}", file=sys.stderr)
                return EXIT_INPUT
    if args.format == "json":
        sys.stdout.write(report_json(summary, via=args.via))
        sys.stdout.flush()
        print(summary.closing_line(), file=sys.stderr)
    else:
        print_report(_console(), summary, verbose=args.timeline)
        sys.stdout.flush()
        print(summary.closing_line())
    return EXIT_OK if summary.ok else EXIT_FAILED
