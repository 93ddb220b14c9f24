"""``kritis-sim vulns``: VULNERABILITY and DISCOVERY occurrences from a Trivy or Grype report.

Reads ``--from REPORT`` (``trivy image -f json`` with ``SchemaVersion: 2``, or
``grype -o json``; :mod:`kritis_sim.producers.scan_reports`), checks that it
is about ``--image``'s digest, and prints a JSON list of Grafeas v1
occurrences: one VULNERABILITY per vulnerability id and one DISCOVERY
(``FINISHED_SUCCESS`` at the scan time) (:mod:`kritis_sim.producers.vulnerabilities`),
ready for ``kritis-sim evaluate --occurrences``. Another format, another
digest, or a malformed field: exit 2 naming file, line and field.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from kritis_sim.cli._common import print_json, read_text
from kritis_sim.errors import InputError
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.producers.provenance import image_by_digest
from kritis_sim.producers.scan_reports import read_report
from kritis_sim.producers.vulnerabilities import scan_occurrences

__all__ = ["register", "run"]

_PROJECT = re.compile(r"(?:projects/)?([a-z][a-z0-9.:-]*[a-z0-9])")


def register(sub: Any) -> None:
    """Add the ``vulns`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "vulns",
        help="turn a Trivy or Grype JSON report into VULNERABILITY and DISCOVERY occurrences",
        description=__doc__,
    )
    p.add_argument(
        "--image",
        required=True,
        metavar="REF",
        help="the scanned image, pinned by digest; the report must name the same digest",
    )
    p.add_argument(
        "--from",
        required=True,
        dest="report",
        metavar="REPORT",
        help="the scanner's JSON report: trivy image -f json (SchemaVersion 2) "
        "or grype -o json ('-' reads stdin)",
    )
    p.add_argument(
        "--note-project",
        metavar="P",
        help="project of the notes (P or projects/P): vulnerabilities under "
        "projects/P/notes/<id>, the scan under projects/P/notes/PACKAGE_VULNERABILITY "
        "(default: goog-vulnz and goog-analysis, Google's)",
    )
    p.add_argument(
        "--scanned-at",
        metavar="RFC3339",
        help="lastScanTime of the DISCOVERY occurrence (default: the report's "
        "own time, Trivy CreatedAt / Grype descriptor.timestamp; a report "
        "without one needs this flag)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read, check and print."""
    try:
        image = image_by_digest(args.image)
    except InputError as exc:
        raise InputError(exc.message, path="--image") from None
    project = None
    if args.note_project is not None:
        match = _PROJECT.fullmatch(args.note_project)
        if match is None:
            raise InputError(
                f"{args.note_project!r} is not a project id (e.g. my-proj or "
                "projects/my-proj)",
                path="--note-project",
            )
        project = f"projects/{match.group(1)}"
    scanned_at = None
    if args.scanned_at is not None:
        try:
            scanned_at = parse_timestamp(args.scanned_at)
        except ValueError as exc:
            raise InputError(str(exc), path="--scanned-at") from None
    assert image.digest is not None
    report = read_report(
        read_text(args.report), source=args.report, image_digest=image.digest
    )
    when = scanned_at or report.scanned_at
    if when is None:
        raise InputError(
            f"the {report.scanner} report gives no scan time; give --scanned-at",
            source=args.report,
        )
    occurrences = scan_occurrences(report, image, scanned_at=when, note_project=project)
    print_json([occ.to_dict() for occ in occurrences])
    return 0
