"""``kritis-sim run``: simulate release-pipeline scenarios and check expectations.

::

    kritis-sim run [PATHS ...] [--format text|json] [--html FILE] [--junit FILE]
                   [--via inprocess|webhook] [--timeline]

PATHS are scenario files or directories (default ``scenarios/``). Every file is
loaded first; a malformed one stops the run before anything is simulated.
Exit codes: 0 every expectation holds, 1 at least one fails, 2 unusable input.
A progress bar is shown on stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "run"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def register(sub: Any) -> None:
    """Add the ``run`` subcommand to the top-level parser's subparsers."""
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
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="stdout format"
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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the scenarios; returns the exit code."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from kritis_sim.errors import ScenarioError
    from kritis_sim.scenarios.junit import junit_xml
    from kritis_sim.scenarios.report_html import report_html
    from kritis_sim.scenarios.report_json import report_json
    from kritis_sim.scenarios.report_text import print_report
    from kritis_sim.scenarios.runner import discover, load_all, run_scenarios

    err = Console(stderr=True)
    try:
        files = discover(args.paths)
    except ScenarioError as exc:
        print(f"kritis-sim: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if not files:
        err.print(
            f"kritis-sim: error: no scenario files under {' '.join(args.paths)}",
            highlight=False,
        )
        return EXIT_INPUT
    scenarios, errors = load_all(files)
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
    if args.format == "json":
        sys.stdout.write(report_json(summary, via=args.via))
    else:
        print_report(Console(highlight=False), summary, verbose=args.timeline)
    if args.html:
        Path(args.html).write_text(report_html(summary, via=args.via), encoding="utf-8")
    if args.junit:
        Path(args.junit).write_text(junit_xml(summary), encoding="utf-8")
    return EXIT_OK if summary.ok else EXIT_FAILED
