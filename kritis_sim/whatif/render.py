"""What-if reports for people and programs: text, JSON and HTML.

* :func:`render_text`: the summary, then every newly denied and newly
  allowed object with, per image, the rule or check responsible and the
  reason on each side;
* :func:`render_json`: :meth:`~kritis_sim.whatif.replay.WhatIfReport.to_dict`
  as indented JSON;
* :func:`render_html`: one self-contained page (no scripts, nothing
  loaded) with an inline SVG bar chart of the changes by namespace, then the
  same tables. Every value from the input is HTML-escaped.

This module formats a report; it judges and reads nothing.
"""

from __future__ import annotations

from html import escape

import orjson

from kritis_sim.core.fixes import render as render_fixes
from kritis_sim.whatif.replay import CATEGORIES, Change, WhatIfReport

__all__ = ["render_html", "render_json", "render_summary", "render_text"]

_WORDS = {
    "newlyDenied": "newly denied",
    "newlyAllowed": "newly allowed",
    "unchanged": "unchanged",
}
_COLOURS = {"newlyDenied": "#d33", "newlyAllowed": "#3a3", "unchanged": "#bbb"}


def render_summary(report: WhatIfReport) -> str:
    """The counts in a few lines."""
    s = report.summary()
    lines = [
        f"what-if at {s['now']}: baseline {s['baseline']}; candidate {s['candidate']}",
        f"admissions: {s['admissions']} ({s['distinctJudgements']} distinct "
        "images and deploy targets judged)",
        *(f"  {_WORDS[c]}: {s[c]}" for c in CATEGORIES),
    ]
    if report.errors:
        lines.append(
            f"  candidate could not evaluate {report.errors} admission(s) "
            "(counted as denied)"
        )
    lines.append(f"skipped: {sum(report.skipped.values())}")
    lines.extend(f"  {n} x {reason}" for reason, n in report.skipped.most_common())
    return "\n".join(lines)


def _change_lines(change: Change) -> list[str]:
    w = change.item.workload
    head = (
        f"{_WORDS[change.category].upper()} {w.kind} {w.namespace}/"
        f"{w.name or '(unnamed)'} (at {change.item.where}; service account "
        f"{w.service_account}; {change.admissions} admission(s)"
        + (f" of Pods owned by {change.item.owner}" if change.item.owner else "")
        + ")"
    )
    lines = [head]
    for side, admission in (
        ("baseline", change.baseline),
        ("candidate", change.candidate),
    ):
        if admission.note:
            lines.append(f"    {side}: {admission.note}")
    for b, c in zip(change.baseline.images, change.candidate.images, strict=True):
        lines.append(f"    image {b.image}")
        lines.append(
            f"      baseline  {'ALLOW' if b.allowed else 'DENY '} {b.rule}: {b.reason}"
        )
        lines.append(
            f"      candidate {'ALLOW' if c.allowed else 'DENY '} {c.rule}: {c.reason}"
        )
    if change.category == "newlyDenied":
        found = change.candidate.fixes()
        if found:
            lines.append(render_fixes(found))
    return lines


def render_text(report: WhatIfReport) -> str:
    """The report for people: changes first, then the summary."""
    out: list[str] = []
    for category in ("newlyDenied", "newlyAllowed"):
        changes = report.of(category)
        out.append(f"{_WORDS[category]}: {len(changes)} object(s)")
        for change in changes:
            out.extend(_change_lines(change))
    out.append(render_summary(report))
    return "\n".join(out)


def render_json(report: WhatIfReport) -> str:
    """The report as indented JSON."""
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode()


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.newlyDenied{background:#fdd;font-weight:bold}
td.newlyAllowed{background:#dfd;font-weight:bold}
code{font-size:90%}
"""


def chart_svg(report: WhatIfReport) -> str:
    """A horizontal stacked bar per namespace: newly denied, newly allowed,
    unchanged admissions (widths proportional to the largest namespace)."""
    rows = sorted(
        report.by_namespace.items(),
        key=lambda kv: (-kv[1]["newlyDenied"], -kv[1]["newlyAllowed"], kv[0]),
    )
    biggest = max((sum(c.values()) for _, c in rows), default=1) or 1
    bar, label, height = 400, 160, 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label + bar + 160}" '
        f'height="{height * (len(rows) + 1) + 10}" aria-label="changes by namespace">'
    ]
    for i, (namespace, counts) in enumerate(rows):
        y = i * height + 4
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="13">{escape(namespace)}</text>'
        )
        x = float(label)
        for category in CATEGORIES:
            n = counts[category]
            if not n:
                continue
            width = bar * n / biggest
            parts.append(
                f'<rect class="{category}" x="{x:.1f}" y="{y}" width="{width:.1f}" '
                f'height="{height - 6}" fill="{_COLOURS[category]}">'
                f"<title>{escape(namespace)}: {n} {_WORDS[category]}</title></rect>"
            )
            x += width
        text = ", ".join(f"{counts[c]} {_WORDS[c]}" for c in CATEGORIES if counts[c])
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="11">{escape(text)}</text>'
        )
    y = len(rows) * height + 18
    x = label
    for category in CATEGORIES:
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{_COLOURS[category]}"/>'
            f'<text x="{x + 14}" y="{y}" font-size="11">{_WORDS[category]}</text>'
        )
        x += 110
    parts.append("</svg>")
    return "".join(parts)


def _html_row(change: Change) -> str:
    w = change.item.workload
    images = "".join(
        f"<li><code>{escape(b.image)}</code><br>baseline {'ALLOW' if b.allowed else 'DENY'}"
        f" {escape(b.rule)}: {escape(b.reason)}<br>candidate "
        f"{'ALLOW' if c.allowed else 'DENY'} {escape(c.rule)}: {escape(c.reason)}</li>"
        for b, c in zip(change.baseline.images, change.candidate.images, strict=True)
    )
    if change.category == "newlyDenied":
        images += "".join(
            f"<li>fix ({escape(f.kind)}): {escape(f.summary)}"
            + "".join(f"<br><code>$ {escape(c)}</code>" for c in f.commands)
            + "</li>"
            for f in change.candidate.fixes()
        )
    notes = "<br>".join(
        escape(f"{side}: {a.note}")
        for side, a in (("baseline", change.baseline), ("candidate", change.candidate))
        if a.note
    )
    cells = [
        f'<td class="{change.category}">{escape(_WORDS[change.category])}</td>',
        f"<td>{escape(w.kind)}</td>",
        f"<td>{escape(w.namespace)}/{escape(w.name or '(unnamed)')}</td>",
        f"<td>{escape(w.service_account)}</td>",
        f"<td>{change.admissions}"
        + (f" (Pods of {escape(change.item.owner)})" if change.item.owner else "")
        + "</td>",
        f"<td>{escape(change.item.where)}</td>",
        f"<td><ul>{images}</ul>{notes}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def render_html(report: WhatIfReport) -> str:
    """One self-contained HTML page."""
    head = (
        "<tr><th>change</th><th>kind</th><th>namespace/name</th>"
        "<th>service account</th><th>admissions</th><th>where</th>"
        "<th>images: rule or check, reason</th></tr>"
    )
    rows = "".join(
        _html_row(c) for cat in ("newlyDenied", "newlyAllowed") for c in report.of(cat)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>kritis-sim what-if</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>kritis-sim what-if</h1>"
        f"<pre>{escape(render_summary(report))}</pre>"
        "<h2>Changes by namespace</h2>"
        f"{chart_svg(report)}"
        "<h2>Changed objects</h2>"
        f"<table>{head}{rows}</table>"
        "</body></html>\n"
    )
