"""``kritis-sim lint``: find what is probably wrong in a policy.

POLICY is a classic Binary Authorization policy or a GKE platform policy
(told by its ``gkePolicy``). Every finding is printed as ``file:line: severity
[rule-id] field: message`` with a fix on the next line (--format json: a JSON
document). The document is read as written, so one run reports every problem;
the real loader runs too, and what it refuses is reported as
``invalid-policy`` unless a lint rule already said it. Rules are listed in
docs/lint.md.

Exit status: 0 no finding at or above --fail-on, 1 at least one, 2 unusable
input (a file that cannot be read or is not YAML/JSON, or an invalid
--attestors file).
"""

from __future__ import annotations

import argparse
from typing import Any

from kritis_sim._yaml import load_documents, load_one
from kritis_sim.cli._common import read_text
from kritis_sim.errors import InputError
from kritis_sim.lint.classic import lint_classic, load_classic
from kritis_sim.lint.findings import SEVERITIES, Finding, render_json, render_text
from kritis_sim.lint.platform import is_platform, lint_platform
from kritis_sim.model.attestor import load_attestors
from kritis_sim.model.durations import parse_duration
from kritis_sim.model.platform.load import platform_policy_from_dict

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``lint`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "lint",
        help="find unreachable rules, unknown attestors, risky patterns in a policy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "policy",
        metavar="POLICY",
        help="a classic policy or a GKE platform policy (YAML/JSON)",
    )
    p.add_argument(
        "--attestors",
        metavar="FILE",
        help="Attestor resources (classic policies): report attestors required "
        "but not defined, and defined but never required",
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="warning",
        help="exit 1 when a finding is at least this severe (default: warning)",
    )
    p.add_argument(
        "--cv-period",
        metavar="DURATION",
        default="24h",
        help="how often continuous validation runs (default 24h, as GKE): "
        "freshness limits shorter than this are reported",
    )
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: file:line findings with fixes (default); json: a document",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="classic policies: the loader refuses kritis-sim extensions",
    )
    p.set_defaults(func=run)


def _attestor_lines(path: str) -> dict[str, tuple[str, int | None]]:
    """The names the attestors file defines, each with its file and line."""
    text = read_text(path)
    names = {a.name for a in load_attestors(text, source=path)}  # validates
    lines: dict[str, tuple[str, int | None]] = {n: (path, None) for n in names}
    for data, locator in load_documents(text, path):
        entries: list[tuple[Any, tuple[Any, ...]]] = []
        if isinstance(data, list):
            entries = [(e, (i,)) for i, e in enumerate(data)]
        elif isinstance(data, dict) and isinstance(data.get("attestors"), list):
            entries = [(e, ("attestors", i)) for i, e in enumerate(data["attestors"])]
        elif isinstance(data, dict):
            entries = [(data, ())]
        for entry, where in entries:
            name = entry.get("name") if isinstance(entry, dict) else None
            if name in lines:
                lines[name] = (path, locator.line((*where, "name")))
    return lines


def run(args: argparse.Namespace) -> int:
    """Lint, print, exit by --fail-on."""
    try:
        cv_period = parse_duration(args.cv_period)
    except (InputError, ValueError) as exc:
        raise InputError(
            str(getattr(exc, "message", exc)), path="--cv-period"
        ) from None
    doc, locator = load_one(read_text(args.policy), args.policy)
    findings: list[Finding]
    if is_platform(doc):
        if args.attestors:
            raise InputError(
                "--attestors is for classic policies; a platform policy's "
                "attestation checks carry their keys",
                path="--attestors",
            )
        findings = lint_platform(doc, locator, cv_period=cv_period)
        loader: Any = lambda: platform_policy_from_dict(doc, locator=locator)  # noqa: E731
    else:
        attestors = _attestor_lines(args.attestors) if args.attestors else None
        findings = lint_classic(doc, locator, attestors=attestors, cv_period=cv_period)
        loader = lambda: load_classic(doc, locator, args.strict)  # noqa: E731
    try:
        loader()
    except InputError as exc:  # PolicyError is one
        said = any(f.severity == "error" and f.line == exc.line for f in findings)
        if not said:
            findings.append(
                Finding(
                    "invalid-policy", "error", exc.source or args.policy, exc.line,
                    exc.path or "", exc.message,
                    "fix this field: the Binary Authorization API refuses the policy",
                )
            )  # fmt: skip
    findings.sort(key=lambda f: (f.source != args.policy, f.line or 0, f.rule))
    print(render_json(findings) if args.format == "json" else render_text(findings))
    threshold = SEVERITIES.index(args.fail_on)
    return 1 if any(f.rank >= threshold for f in findings) else 0
