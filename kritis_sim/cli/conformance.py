"""``kritis-sim conformance``: run the conformance kit against an adapter.

Runs the case catalogue (``kritis_sim/conformance/cases`` by default) and optionally
generated differential cases (``--generated N`` cases and/or
``--generated-seconds S`` of wall time) against the enforcer reached through
``--entrypoint``; prints a summary matrix by feature and exits 0 only when
nothing failed unexpectedly (1 otherwise, 2 for unusable input).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kritis_sim.conformance.case import CATALOGUE

__all__ = ["DEFAULT_CASES", "register", "run"]

#: The catalogue shipped in the repository.
DEFAULT_CASES = CATALOGUE


def register(sub: Any) -> None:
    """Add the ``conformance`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "conformance",
        help="run the conformance suite against an enforcer's adapter",
        description=(
            "Drive an enforcer through its webhook (AdmissionReview/ImageReview) "
            "via an adapter command (docs/conformance.md) and compare every "
            "answer with the reference decision."
        ),
    )
    p.add_argument(
        "--entrypoint",
        required=True,
        metavar="COMMAND LINE",
        help='the adapter, e.g. "kritis-sim conformance-adapter"',
    )
    p.add_argument(
        "--xfail", metavar="FILE", help="strict expected-failure globs, one per line"
    )
    p.add_argument(
        "--cases",
        metavar="DIR",
        type=Path,
        default=DEFAULT_CASES,
        help="case catalogue directory (default: the shipped catalogue)",
    )
    p.add_argument(
        "--select",
        metavar="GLOB",
        action="append",
        default=[],
        help="run only cases whose name matches (repeatable)",
    )
    p.add_argument(
        "--generated",
        metavar="N",
        type=_non_negative(int),
        default=None,
        help="also run N generated differential cases (a cap with --generated-seconds)",
    )
    p.add_argument(
        "--generated-seconds",
        metavar="S",
        type=_non_negative(float),
        default=None,
        help=(
            "also run generated differential cases until S seconds are spent "
            "(shrinking a disagreement may take up to S more); with --generated N, "
            "stop at whichever comes first"
        ),
    )
    p.add_argument(
        "--generated-out",
        metavar="DIR",
        type=Path,
        help="where a minimal disagreeing generated case is written",
    )
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--json", metavar="FILE", help="write a JSON report")
    p.add_argument("--quiet", action="store_true", help="no per-case lines")
    p.set_defaults(func=run)


def _non_negative(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its errors
    return parse


def generated_budget(
    examples: int | None, seconds: float | None
) -> tuple[int, float | None] | None:
    """(case cap, seconds) for the differential run, or None for no run."""
    if examples == 0 or seconds == 0 or (examples is None and seconds is None):
        return None
    return (examples if examples is not None else 2**31 - 1), seconds


def run(args: argparse.Namespace) -> int:
    """Run the suite; 0 when nothing failed unexpectedly."""
    import fnmatch

    from rich.console import Console

    from kritis_sim.conformance.case import load_catalogue
    from kritis_sim.conformance.report import matrix, to_json, to_junit
    from kritis_sim.conformance.runner import CaseResult, load_xfail, run_cases

    console = Console(stderr=True)
    cases = load_catalogue(args.cases)
    if args.select:
        cases = tuple(
            c for c in cases if any(fnmatch.fnmatchcase(c.name, g) for g in args.select)
        )
    xfail = load_xfail(args.xfail) if args.xfail else {}

    def show(r: CaseResult) -> None:
        if not args.quiet:
            mark = {"passed": ".", "failed": "F", "skipped": "s", "xfailed": "x"}[
                r.outcome
            ]
            detail = f"  {r.detail}" if r.outcome != "passed" else ""
            console.print(f"{mark} {r.name}{detail}", highlight=False, markup=False)

    result = run_cases(args.entrypoint, cases, xfail=xfail, on_result=show)
    budget = generated_budget(args.generated, args.generated_seconds)
    if budget is not None:
        from kritis_sim.conformance.differential import run_differential

        out = args.generated_out or Path("conformance-counterexamples")
        examples, seconds = budget
        diff = run_differential(
            args.entrypoint,
            examples=examples,
            seconds=seconds,
            shrink_seconds=seconds if seconds is not None else 30.0,
            out_dir=out,
        )
        result.results.append(diff)
        show(diff)
    console.print(matrix(result))
    console.print(
        f"{len(result.results)} cases in {result.seconds:.1f} s "
        f"({result.cases_per_second:.1f} cases/s): {result.summary}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8"
        )
    if args.junit:
        Path(args.junit).write_text(to_junit(result) + "\n", encoding="utf-8")
    return 0 if result.ok else 1
