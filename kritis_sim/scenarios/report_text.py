"""The human report of a scenario run: per-scenario lines, failures, summary.

Rendered with rich onto a :class:`rich.console.Console` the caller owns (the
CLI passes stdout; tests pass a recording console). With ``verbose`` the whole
timeline of each scenario is printed, every decision with its reasons. This
module does not decide what the exit code is.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kritis_sim.scenarios.report_json import summary_counts
from kritis_sim.scenarios.result import RunSummary, ScenarioResult
from kritis_sim.scenarios.schema import Outcome

__all__ = ["OUTCOME_STYLE", "print_report", "summary_table"]

OUTCOME_STYLE = {
    Outcome.ALLOWED: "green",
    Outcome.DENIED: "red",
    Outcome.DRY_RUN: "yellow",
    Outcome.BREAKGLASS: "magenta",
}


def summary_table(summary: RunSummary) -> Table:
    """Scenarios, deploys, allowed, denied, dry-run, breakglass, failures."""
    counts = summary_counts(summary)
    table = Table(title="kritis-sim scenarios", title_justify="left")
    headers = (
        ("scenarios", "scenarios"),
        ("deploys", "deploys"),
        ("allowed", "allowed"),
        ("denied", "denied"),
        ("dry-run", "dryRun"),
        ("breakglass", "breakglass"),
        ("expectation failures", "expectationFailures"),
    )
    for title, _ in headers:
        table.add_column(title, justify="right")
    failures = counts["expectationFailures"]
    cells = [str(counts[key]) for _, key in headers]
    cells[-1] = f"[{'red' if failures else 'green'}]{failures}[/]"
    table.add_row(*cells)
    return table


def _timeline(console: Console, result: ScenarioResult) -> None:
    start = result.scenario.start
    for entry in result.timeline:
        offset = entry.at - start
        hours = offset.total_seconds() / 3600
        line = f"    t+{hours:>6.1f}h  line {entry.where.line or '?':>4}  {escape(entry.label)}"
        if entry.deploy is not None:
            reply = entry.deploy.reply
            style = OUTCOME_STYLE[reply.outcome]
            line += f"  [{style}]{reply.outcome.value}[/]"
            if not entry.deploy.ok:
                line += "  [bold red]EXPECTATION FAILED[/]"
        elif entry.failures:
            line += "  [bold red]EXPECTATION FAILED[/]"
        console.print(line, highlight=False, soft_wrap=True)
        if entry.deploy is not None and entry.deploy.reply.outcome is not Outcome.ALLOWED:
            for reason in entry.deploy.reply.reasons:
                console.print(f"              [dim]{escape(reason)}[/]", highlight=False, soft_wrap=True)


def print_report(console: Console, summary: RunSummary, *, verbose: bool = False) -> None:
    """Print every scenario's verdict, the failures, and the summary table."""
    for result in summary.results:
        mark = "[green]PASS[/]" if result.ok else "[bold red]FAIL[/]"
        deploys = result.deploys
        denied = result.count(Outcome.DENIED)
        console.print(
            f"{mark} {escape(result.scenario.name)} "
            f"[dim]({escape(result.scenario.where.source)}: {len(deploys)} deploys, "
            f"{len(deploys) - denied} admitted, {denied} denied)[/]",
            highlight=False,
            soft_wrap=True,
        )
        if verbose:
            _timeline(console, result)
    failures = [f for r in summary.results for f in r.failures]
    if failures:
        console.print()
        console.print("[bold red]Expectation failures[/]")
        for failure in failures:
            console.print(escape(failure), highlight=False, soft_wrap=True)
            console.print()
    console.print(summary_table(summary))
