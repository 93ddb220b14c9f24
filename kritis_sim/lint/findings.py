"""What ``kritis-sim lint`` reports: one :class:`Finding` per problem.

A finding has a rule id (``unknown-attestor``, ...), a severity (``info`` <
``warning`` < ``error``), where it is (file, line, field path), what is wrong
and how to fix it. :func:`render_text` writes ``file:line: severity rule-id:
message`` lines (gcc style, so editors jump to them), :func:`render_json` a
JSON document. This module formats; it reads no file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kritis_sim._locator import Locator, Path, format_path

__all__ = ["SEVERITIES", "Finding", "at", "render_json", "render_text", "worst"]

#: Severities, least severe first.
SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem of a policy.

    Attributes:
        rule: the lint rule's id (docs/lint.md lists them).
        severity: ``info``, ``warning`` or ``error``.
        source: the file.
        line: the line of the field (None when the input has no lines).
        path: the field path, e.g. ``clusterAdmissionRules.us-east1-b.prod``.
        message: what is wrong.
        fix: what to do about it.
    """

    rule: str
    severity: str
    source: str
    line: int | None
    path: str
    message: str
    fix: str

    @property
    def rank(self) -> int:
        """0 info, 1 warning, 2 error."""
        return SEVERITIES.index(self.severity)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.source,
            "line": self.line,
            "path": self.path,
            "message": self.message,
            "fix": self.fix,
        }


def at(
    locator: Locator, path: Path, rule: str, severity: str, message: str, fix: str
) -> Finding:
    """A finding located at ``path`` of ``locator``'s document."""
    return Finding(
        rule, severity, locator.source, locator.line(path), format_path(path),
        message, fix,
    )  # fmt: skip


def worst(findings: Sequence[Finding]) -> int:
    """The highest rank among ``findings`` (-1 when there are none)."""
    return max((f.rank for f in findings), default=-1)


def render_text(findings: Sequence[Finding]) -> str:
    """``file:line: severity [rule] path: message`` and an indented fix."""
    out = []
    for f in findings:
        where = f"{f.source}:{f.line}" if f.line is not None else f.source
        field = f" {f.path}:" if f.path else ""
        out.append(f"{where}: {f.severity} [{f.rule}]{field} {f.message}")
        out.append(f"    fix: {f.fix}")
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    out.append(
        f"{len(findings)} finding(s): "
        + ", ".join(f"{n} {s}" for s, n in reversed(counts.items()))
    )
    return "\n".join(out)


def render_json(findings: Sequence[Finding]) -> str:
    """``{"findings": [...], "counts": {...}}`` as indented JSON."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    return json.dumps(
        {"findings": [f.to_dict() for f in findings], "counts": counts}, indent=2
    )
