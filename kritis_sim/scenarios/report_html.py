"""A self-contained HTML report that draws each artifact's trip as a picture.

For every scenario an inline SVG grid shows stages (with the environment each
deploys to) across and artifacts down. Each cell says what happened there:
a stage that passed (and attested) or failed, a deploy that was admitted,
refused, admitted by dry-run or by breakglass. A line joins the cells an
artifact got through, in the order it happened. Hovering a cell shows the
reasons (SVG ``<title>``), and a table under the picture repeats every deploy
with its expectation and reasons in plain text, so the report reads without
the YAML. No scripts, no external assets.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from kritis_sim.scenarios.report_json import summary_counts
from kritis_sim.scenarios.result import RunSummary, ScenarioResult
from kritis_sim.scenarios.schema import Outcome

__all__ = ["report_html"]

_COLOURS = {
    "allowed": "#1a7f37",
    "denied": "#cf222e",
    "dry-run": "#bf8700",
    "breakglass": "#8250df",
    "passed": "#1a7f37",
    "failed": "#cf222e",
}
_SYMBOL = {"allowed": "✓", "denied": "✗", "dry-run": "◐", "breakglass": "⚠", "passed": "✓", "failed": "✗"}
_COL_W, _ROW_H, _LEFT, _TOP = 170, 74, 210, 70


@dataclass
class _Cell:
    marks: list[tuple[str, str]] = field(default_factory=list)  # (status, tooltip)
    order: int = -1  # first time the artifact got through here


def _columns(result: ScenarioResult) -> list[tuple[str, str | None, str | None]]:
    """(title, environment, stage) per column: stages, then unstaged environments."""
    s = result.scenario
    cols: list[tuple[str, str | None, str | None]] = [
        (st.name, st.environment, st.name) for st in s.stages
    ]
    staged = {st.environment for st in s.stages}
    cols += [(env, env, None) for env in s.environments if env not in staged]
    return cols


def _grid(result: ScenarioResult) -> tuple[list[str], list[tuple[str, str | None, str | None]], dict[tuple[int, int], _Cell]]:
    s = result.scenario
    rows = list(s.artifacts)
    if any(not d.event.artifacts for d in result.deploys):
        rows.append("(other images)")
    cols = _columns(result)
    cells: dict[tuple[int, int], _Cell] = {}
    step = 0
    for entry in result.timeline:
        step += 1
        if entry.deploy is not None:
            d = entry.deploy
            names = d.event.artifacts or ("(other images)",)
            status = d.reply.outcome.value
            tip = f"{d.event.label}: {status}\n" + "\n".join(d.reply.reasons or (d.reply.message,))
            if not d.ok:
                tip += "\nEXPECTATION FAILED: " + "; ".join(d.failures)
            for name in names:
                for c, (_, env, stage) in enumerate(cols):
                    if env != d.event.environment:
                        continue
                    cell = cells.setdefault((rows.index(name), c), _Cell())
                    cell.marks.append((status, tip))
                    if d.reply.outcome.admitted and cell.order < 0:
                        cell.order = step
                    if stage is not None:
                        break  # the first stage deploying there represents it
        elif entry.stage is not None and entry.artifact in rows:
            c = next(i for i, col in enumerate(cols) if col[2] == entry.stage)
            cell = cells.setdefault((rows.index(entry.artifact), c), _Cell())
            cell.marks.append(("passed" if entry.passed else "failed", entry.label))
            if entry.passed and cell.order < 0:
                cell.order = step
    return rows, cols, cells


def _svg(result: ScenarioResult) -> str:
    rows, cols, cells = _grid(result)
    width = _LEFT + _COL_W * len(cols) + 20
    height = _TOP + _ROW_H * len(rows) + 20
    e = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="pipeline of {e(result.scenario.name)}">'
    ]
    for c, (title, env, _stage) in enumerate(cols):
        x = _LEFT + _COL_W * c + _COL_W // 2
        out.append(f'<text x="{x}" y="28" text-anchor="middle" font-weight="bold">{e(title)}</text>')
        if env is not None:
            out.append(f'<text x="{x}" y="48" text-anchor="middle" fill="#57606a" font-size="12">env: {e(env)}</text>')
    for r, name in enumerate(rows):
        y = _TOP + _ROW_H * r + _ROW_H // 2
        out.append(f'<text x="10" y="{y + 5}" font-weight="bold">{e(name)}</text>')
        out.append(f'<line x1="{_LEFT}" y1="{y}" x2="{width - 20}" y2="{y}" stroke="#d0d7de" stroke-dasharray="4 4"/>')
        path = sorted((cell.order, c) for (rr, c), cell in cells.items() if rr == r and cell.order >= 0)
        points = " ".join(f"{_LEFT + _COL_W * c + _COL_W // 2},{y}" for _, c in path)
        if len(path) > 1:
            out.append(f'<polyline points="{points}" fill="none" stroke="#0969da" stroke-width="3" opacity="0.6"/>')
        for c in range(len(cols)):
            cell = cells.get((r, c))
            if cell is None:
                continue
            cx = _LEFT + _COL_W * c + _COL_W // 2
            for i, (status, tip) in enumerate(cell.marks[-3:]):
                dx = (i - (min(len(cell.marks), 3) - 1) / 2) * 30
                colour = _COLOURS[status]
                out.append(
                    f'<g class="mark {e(status)}"><title>{e(tip)}</title>'
                    f'<circle cx="{cx + dx:.0f}" cy="{y}" r="13" fill="{colour}"/>'
                    f'<text x="{cx + dx:.0f}" y="{y + 5}" text-anchor="middle" fill="white" '
                    f'font-size="14">{_SYMBOL[status]}</text></g>'
                )
            last = cell.marks[-1][0]
            out.append(
                f'<text x="{cx}" y="{y + 30}" text-anchor="middle" font-size="11" '
                f'fill="{_COLOURS[last]}">{e(last)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _deploy_table(result: ScenarioResult) -> str:
    e = html.escape
    rows = []
    for d in result.deploys:
        expect = d.event.expect
        wanted = expect.outcome.value if expect is not None and expect.outcome is not None else "-"
        reasons = "<br>".join(e(r) for r in d.reply.reasons) or e(d.reply.message)
        status = "ok" if d.ok else "FAILED: " + e("; ".join(d.failures))
        cls = "ok" if d.ok else "fail"
        rows.append(
            f'<tr class="{cls}"><td>{e(d.at.isoformat())}</td><td>line {d.event.where.line}</td>'
            f"<td>{e(d.event.label)}</td><td>{e(d.event.environment)}</td>"
            f'<td class="o-{e(d.reply.outcome.value)}">{e(d.reply.outcome.value)}</td>'
            f"<td>{e(wanted)}</td><td>{status}</td><td class=reasons>{reasons}</td></tr>"
        )
    head = "<tr><th>time</th><th>where</th><th>deploy</th><th>environment</th><th>outcome</th><th>expected</th><th>check</th><th>reasons</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1f2328}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
tr.fail{background:#ffebe9}.reasons{max-width:640px;word-break:break-all}
.o-allowed{color:#1a7f37}.o-denied{color:#cf222e}.o-dry-run{color:#bf8700}.o-breakglass{color:#8250df}
section{border-top:2px solid #d0d7de;margin-top:2em}.legend span{margin-right:1.5em}
"""


def report_html(summary: RunSummary, *, via: str = "inprocess") -> str:
    """The whole report as one HTML document."""
    e = html.escape
    counts = summary_counts(summary)
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<title>kritis-sim scenario report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>kritis-sim scenario report</h1>",
        f"<p>via <b>{e(via)}</b>: " + ", ".join(f"{k} <b>{v}</b>" for k, v in counts.items()) + "</p>",
        '<p class=legend>' + "".join(
            f'<span style="color:{_COLOURS[k]}">{_SYMBOL[k]} {k}</span>' for k in _COLOURS
        ) + "</p>",
    ]
    for result in summary.results:
        s = result.scenario
        verdict = "all expectations hold" if result.ok else "EXPECTATIONS FAILED"
        parts.append(f'<section id="{e(s.name)}"><h2>{e(s.name)} <small>({verdict})</small></h2>')
        parts.append(f"<p><code>{e(s.where.source)}</code></p>")
        if s.description:
            parts.append(f"<p>{e(s.description)}</p>")
        parts.append(_svg(result))
        reached = "; ".join(
            f"{e(a)}: {e(', '.join(sorted(envs)) or 'nowhere')}" for a, envs in sorted(result.reached.items())
        )
        parts.append(f"<p>reached: {reached}</p>")
        for failure in result.reached_failures:
            parts.append(f'<p class=fail style="color:#cf222e">{e(failure)}</p>')
        parts.append(_deploy_table(result))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


assert set(_COLOURS) >= {o.value for o in Outcome}
