"""``kritis-sim conformance``: run the conformance kit against an adapter.

Runs the case catalogue (``conformance/cases`` by default) and optionally
``--generated N`` differential cases against the enforcer reached through
``--entrypoint``; prints a summary matrix by feature and exits 0 only when
nothing failed unexpectedly (1 otherwise, 2 for unusable input).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CASES", "register", "run"]

#: The catalogue shipped in the repository.
DEFAULT_CASES = Path(__file__).resolve().parents[2] / "conformance" / "cases"


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
        type=int,
        default=0,
        help="also run N generated differential cases",
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
    if args.generated:
        from kritis_sim.conformance.differential import run_differential

        out = args.generated_out or Path("conformance-counterexamples")
        diff = run_differential(args.entrypoint, examples=args.generated, out_dir=out)
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
