"""``kritis-sim cv --format html``: one self-contained HTML page of a CV pass.

The page holds the summary (counts per status, config errors, skipped items
per reason), then a table of running Pods and a table of pod templates, one
row per workload, violating ones first: status, kind, namespace/name, where
it was read, its owner, breakglass markers (CV ignores them; the row is
marked) and each denied image with its reason and what would make it pass. Every value from the input is
HTML-escaped; the page loads nothing (no scripts, no external styles).

This module formats a :class:`~kritis_sim.cv.validate.CvReport`; it judges
and reads nothing.
"""

from __future__ import annotations

from html import escape

from kritis_sim.cv.entries import rfc3339
from kritis_sim.cv.validate import CvReport, Result

__all__ = ["render_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
tr.violates td:first-child{background:#fdd;font-weight:bold}
tr.error td:first-child{background:#fec;font-weight:bold}
tr.conforms td:first-child{background:#dfd}
.breakglass{color:#a00;font-weight:bold}
code{font-size:90%}
"""
_ORDER = {"error": 0, "violates": 1, "conforms": 2}


def _fix_items(report: CvReport, result: Result) -> list[str]:
    out = []
    for fix in report.fixes(result):
        commands = "".join(f"<br><code>$ {escape(c)}</code>" for c in fix.commands)
        out.append(
            f"<li>fix ({escape(fix.kind)}): {escape(fix.summary)}{commands}</li>"
        )
    return out


def _row(report: CvReport, result: Result) -> str:
    item, judgement = result.item, result.judgement
    w = item.workload
    denied = [
        f"<li><code>{escape(i.image)}</code>: {escape(i.description)}</li>"
        for i in judgement.images
        if not i.allowed or judgement.error is not None
    ]
    if judgement.error is not None:
        denied.insert(0, f"<li>error: {escape(judgement.error)}</li>")
    denied.extend(_fix_items(report, result))
    breakglass = (
        '<span class="breakglass">BREAKGLASS (ignored by CV)</span><br>'
        + "<br>".join(escape(m) for m in w.breakglass)
        if w.breakglass
        else ""
    )
    cells = [
        escape(result.status.upper()),
        escape(w.kind),
        f"{escape(w.namespace)}/{escape(w.name or '(unnamed)')}",
        escape(w.service_account),
        rfc3339(item.deploy_time) if item.deploy_time else "",
        escape(item.owner or ""),
        breakglass,
        f"<ul>{''.join(denied)}</ul>" if denied else "",
        f"<code>{escape(item.where)}</code>",
    ]
    tds = "".join(f"<td>{c}</td>" for c in cells)
    return f'<tr class="{escape(result.status)}">{tds}</tr>'


def _table(report: CvReport, title: str, results: list[Result]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "status",
            "kind",
            "namespace/name",
            "service account",
            "deployed",
            "owner",
            "breakglass",
            "denied images",
            "read from",
        )
    )
    ordered = sorted(results, key=lambda r: _ORDER[r.status])
    rows = "".join(_row(report, r) for r in ordered)
    return (
        f"<h2>{escape(title)} ({len(results)})</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _summary(report: CvReport) -> str:
    s = report.summary()
    items = []
    for title, key in (("Pods", "pods"), ("Pod templates", "podTemplates")):
        c = s[key]
        items.append(
            f"<li>{title}: {c['violates']} violate, {c['conforms']} conform, "
            f"{c['error']} could not be evaluated ({c['breakglass']} breakglassed)</li>"
        )
    items.append(
        f"<li>CV log entries: {s['logEntries']} (config errors: {s['configErrors']})</li>"
    )
    skipped = "".join(
        f"<li>{n} x {escape(reason)}</li>" for reason, n in s["skipped"].items()
    )
    items.append(f"<li>skipped: {sum(s['skipped'].values())}<ul>{skipped}</ul></li>")
    errors = "".join(
        f"<li>config error: {escape(d)}</li>" for d in report.config_errors
    )
    return f"<ul>{errors}{''.join(items)}</ul>"


def render_html(report: CvReport) -> str:
    """The whole page."""
    when = rfc3339(report.now)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>kritis-sim cv at {when}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Continuous validation at {when}</h1>"
        f"{_summary(report)}"
        f"{_table(report, 'Running Pods', report.pods)}"
        f"{_table(report, 'Pod templates (not logged by GKE)', report.templates)}"
        "</body></html>\n"
    )
