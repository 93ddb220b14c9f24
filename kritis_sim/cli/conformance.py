"""``kritis-sim conformance``: run the conformance kit against an adapter.

Runs the case catalogue (``kritis_sim/conformance/cases`` by default) and optionally
generated differential cases (``--generated N`` cases and/or
``--generated-seconds S`` of wall time) against the enforcer reached through
``--entrypoint``; prints a summary matrix by feature and exits 0 only when
nothing failed unexpectedly (1 otherwise, 2 for unusable input).

Output is CI-friendly: per-case lines and the matrix go to stderr, never
hard-wrapped when stderr is not a terminal; a failing case prints what was
expected and why, what came back, the case directory and a one-line command
that reruns just that case (``--case NAME``); the last line on stdout is the
plain ``N passed, N failed, N skipped`` (expected failures count as skipped,
as in the JUnit report).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kritis_sim.conformance.case import CATALOGUE

__all__ = [
    "DEFAULT_CASES",
    "closing_line",
    "failure_lines",
    "register",
    "rerun_command",
    "run",
]

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
        "--case",
        metavar="NAME",
        action="append",
        default=[],
        dest="case_names",
        help="run only the case with exactly this name (repeatable; "
        "unknown names are an error)",
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
    p.add_argument(
        "--seed",
        metavar="N",
        type=_non_negative(int),
        default=None,
        help="seed for the generated cases (default: a random one, printed and "
        "recorded in the JSON report); the same seed and batch size draw the "
        "same cases",
    )
    p.add_argument(
        "--generated-batch",
        metavar="N",
        type=_positive_int,
        default=None,
        help="the most generated cases per configuration (default: sized to "
        "the adapter's reload cost measured at start; recorded in the report)",
    )
    p.add_argument(
        "--generated-late-retries",
        metavar="N",
        type=_non_negative(int),
        default=0,
        help="send a generated case again, alone, up to N times when its only "
        "problem is a reply past the request's ?timeout= (a CPU-starved "
        "machine); resends are counted in the report (default 0: a late reply "
        "fails the run)",
    )
    p.add_argument(
        "--per-call",
        action="store_true",
        help="use the per-call protocol (a process per setup/start) even when "
        "the adapter declares the persistent capability",
    )
    p.add_argument(
        "--concurrency",
        metavar="N",
        type=_positive_int,
        default=4,
        help="the most reviews of one configuration in flight at once "
        "(default 4; 1 sends them one at a time)",
    )
    p.add_argument(
        "--sessions",
        metavar="N",
        type=_positive_int,
        default=1,
        help="adapter instances run side by side, each with its own Grafeas "
        "and whole configurations (default 1; the adapter must allow several "
        "instances at once)",
    )
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--json", metavar="FILE", help="write a JSON report")
    p.add_argument(
        "--quiet", action="store_true", help="no per-case lines except for failures"
    )
    p.set_defaults(func=run)


def _non_negative(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its errors
    return parse


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


_positive_int.__name__ = "int"  # argparse names the type in its errors


def generated_budget(
    examples: int | None, seconds: float | None
) -> tuple[int, float | None] | None:
    """(case cap, seconds) for the differential run, or None for no run."""
    if examples == 0 or seconds == 0 or (examples is None and seconds is None):
        return None
    return (examples if examples is not None else 2**31 - 1), seconds


def closing_line(summary: dict[str, int]) -> str:
    """``N passed, N failed, N skipped`` (expected failures count as skipped)."""
    skipped = summary.get("skipped", 0) + summary.get("xfailed", 0)
    return f"{summary['passed']} passed, {summary['failed']} failed, {skipped} skipped"


def rerun_command(args: argparse.Namespace, name: str) -> str:
    """A shell command line that reruns only the case ``name``."""
    import shlex

    words = ["kritis-sim", "conformance", "--entrypoint", args.entrypoint]
    words += ["--cases", str(Path(args.cases).resolve())]
    if args.xfail:
        words += ["--xfail", str(Path(args.xfail).resolve())]
    return shlex.join([*words, "--case", name])


def failure_lines(args: argparse.Namespace, r: Any, case: Any | None) -> list[str]:
    """The explanation printed under a failing case."""
    lines = [f"    expected: {r.expected or '?'}"]
    if case is not None and case.why:
        lines.append(f"    why:      {case.why}")
    lines.append(f"    got:      {r.got or 'no answer'}")
    lines.append(f"    problem:  {r.detail}")
    if case is not None:
        lines.append(f"    case:     {case.path}")
        lines.append(f"    rerun:    {rerun_command(args, r.name)}")
    return lines


def _console(stderr: bool) -> Any:
    """A rich console that never hard-wraps output going to a file or pipe."""
    from rich.console import Console

    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return probe
    return Console(stderr=stderr, soft_wrap=True, width=10_000)


def _select(args: argparse.Namespace, cases: tuple[Any, ...]) -> tuple[Any, ...]:
    import fnmatch

    from kritis_sim.errors import InputError

    known = {c.name for c in cases}
    unknown = sorted(set(args.case_names) - known)
    if unknown:
        raise InputError(
            f"--case: no case named {', '.join(unknown)} in the catalogue",
            source=str(args.cases),
        )
    if args.case_names:
        cases = tuple(c for c in cases if c.name in args.case_names)
    if args.select:
        cases = tuple(
            c for c in cases if any(fnmatch.fnmatchcase(c.name, g) for g in args.select)
        )
    return cases


def run(args: argparse.Namespace) -> int:
    """Run the suite; 0 when nothing failed unexpectedly."""
    from kritis_sim.conformance.case import load_catalogue
    from kritis_sim.conformance.report import matrix, to_json, to_junit
    from kritis_sim.conformance.runner import CaseResult, load_xfail, run_cases

    console = _console(stderr=True)
    cases = _select(args, load_catalogue(args.cases))
    if not cases and generated_budget(args.generated, args.generated_seconds) is None:
        from kritis_sim.errors import InputError

        # A run that checks nothing must not end green.
        raise InputError(
            "no catalogue case is selected (--case/--select) and no generated "
            "cases are asked for (--generated/--generated-seconds): nothing would "
            "be checked",
            source=str(args.cases),
        )
    by_name = {c.name: c for c in cases}
    xfail = load_xfail(args.xfail) if args.xfail else {}

    def show(r: CaseResult) -> None:
        failed = r.outcome == "failed"
        if args.quiet and not failed:
            return
        mark = {"passed": ".", "failed": "F", "skipped": "s", "xfailed": "x"}[r.outcome]
        detail = f"  {r.detail}" if r.outcome in ("skipped", "xfailed") else ""
        lines = [f"{mark} {r.name}{detail}"]
        if failed:
            lines += failure_lines(args, r, by_name.get(r.name))
        console.print("\n".join(lines), highlight=False, markup=False)

    result = run_cases(
        args.entrypoint, cases, xfail=xfail, on_result=show,
        persistent=not args.per_call, concurrency=args.concurrency,
        sessions=args.sessions,
    )  # fmt: skip
    catalogue_line = (
        f"catalogue: {len(result.results)} cases in {result.seconds:.1f} s "
        f"({result.cases_per_second:.1f} cases/s)"
    )
    budget = generated_budget(args.generated, args.generated_seconds)
    if budget is not None:
        from kritis_sim.conformance.differential import differential

        out = args.generated_out or Path("conformance-counterexamples")
        examples, seconds = budget
        run_ = differential(
            args.entrypoint,
            examples=examples,
            seconds=seconds,
            shrink_seconds=seconds if seconds is not None else 30.0,
            out_dir=out,
            seed=args.seed,
            batch_size=args.generated_batch,
            persistent=not args.per_call,
            late_retries=args.generated_late_retries,
        )
        result.results.append(run_.result)
        result.generated = run_.to_json()
        show(run_.result)
        console.print(
            f"generated: {run_.cases} cases, {run_.configurations} configurations "
            f"in {run_.seconds:.1f} s ({run_.to_json()['casesPerSecond']} cases/s), "
            f"seed {run_.seed}, batch size {run_.batch_size}"
            + (
                f", {run_.late_resent} late replies sent again"
                if run_.late_resent
                else ""
            ),
            highlight=False,
        )
    console.print(matrix(result))
    # The catalogue's count and time only: a generated run is one result
    # whose own line above gives its cases and time.
    console.print(f"{catalogue_line}; all results: {result.summary}", highlight=False)
    if args.json:
        Path(args.json).write_text(
            json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8"
        )
    if args.junit:
        Path(args.junit).write_text(to_junit(result) + "\n", encoding="utf-8")
    print(closing_line(result.summary), flush=True)
    return 0 if result.ok else 1
