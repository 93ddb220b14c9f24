"""VULNERABILITY and DISCOVERY occurrences from a scan report (``kritis-sim vulns``).

:func:`scan_occurrences` turns a :class:`~kritis_sim.producers.scan_reports.ScanReport`
into what Container Analysis stores after a scan of one image:

* one ``VULNERABILITY`` occurrence per vulnerability id (its note
  ``projects/<note project>/notes/<id>``; the note id is what
  ``allowedCves``/``blockedCves`` match), with one ``packageIssue`` per
  affected package: ``affectedPackage``/``affectedVersion`` (``kind: NORMAL``),
  ``fixedVersion`` (the fixing version, or ``kind: MAXIMUM``: no fix yet),
  ``fixAvailable``, ``packageType``, ``effectiveSeverity``; the occurrence's
  ``severity`` and ``effectiveSeverity`` are the highest of its packages',
  ``fixAvailable`` is set when at least one package is fixable (Grafeas'
  definition), ``cvssScore``/``cvssVersion`` the highest score found,
  ``shortDescription`` the id, ``longDescription`` the description (or title),
  ``relatedUrls`` the report's link;
* one ``DISCOVERY`` occurrence: ``analysisStatus: FINISHED_SUCCESS`` and
  ``lastScanTime`` (note ``projects/goog-analysis/notes/PACKAGE_VULNERABILITY``,
  or ``PACKAGE_VULNERABILITY`` under the given note project), so that
  "no vulnerabilities" reads as "scanned clean".

``resourceUri`` is ``https://`` + the image as given. Every occurrence is built
as Grafeas v1 JSON and read back with the model's loaders. No I/O, no clock.
"""

from __future__ import annotations

import datetime
from typing import Any

from kritis_sim.errors import InputError
from kritis_sim.model.discovery import PACKAGE_VULNERABILITY_NOTE, DiscoveryOccurrence
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import format_timestamp
from kritis_sim.model.vulnerability import VulnerabilityOccurrence
from kritis_sim.producers.scan_reports import Finding, ScanReport

__all__ = ["DEFAULT_NOTE_PROJECT", "scan_occurrences"]

#: Where Google's vulnerability notes live (``projects/goog-vulnz/notes/CVE-...``).
DEFAULT_NOTE_PROJECT = "projects/goog-vulnz"

_CVSS_VERSIONS = {2: "CVSS_VERSION_2", 3: "CVSS_VERSION_3"}


def _version(name: str) -> dict[str, Any]:
    return {"name": name, "fullName": name, "kind": "NORMAL"}


def _issue(finding: Finding) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "affectedPackage": finding.package,
        "fixedPackage": finding.package,
        "fixedVersion": (
            _version(finding.fixed_version)
            if finding.fixed_version
            else {"kind": "MAXIMUM"}
        ),
        "fixAvailable": finding.fixable,
        "packageType": finding.package_type,
        "effectiveSeverity": finding.severity.value,
    }
    if finding.installed_version:
        issue["affectedVersion"] = _version(finding.installed_version)
    if finding.cpe:
        issue["affectedCpeUri"] = finding.cpe
    return issue


def _vulnerability(
    vuln_id: str, findings: list[Finding], resource: str, note_project: str
) -> VulnerabilityOccurrence:
    worst = max((f.severity for f in findings), key=lambda s: s.number)
    body: dict[str, Any] = {
        "type": findings[0].package_type,
        "severity": worst.value,
        "effectiveSeverity": worst.value,
        "packageIssue": [_issue(f) for f in findings],
        "shortDescription": vuln_id,
        "fixAvailable": any(f.fixable for f in findings),
    }
    scores = [f.cvss for f in findings if f.cvss is not None]
    if scores:
        score, major = max(scores)
        body["cvssScore"] = score
        body["cvssVersion"] = _CVSS_VERSIONS[major]
    first = findings[0]
    if first.description or first.title:
        body["longDescription"] = first.description or first.title
    if first.url:
        body["relatedUrls"] = [{"url": first.url, "label": "More Info"}]
    return VulnerabilityOccurrence.from_dict(
        {
            "resourceUri": resource,
            "noteName": f"{note_project}/notes/{vuln_id}",
            "kind": "VULNERABILITY",
            "vulnerability": body,
        }
    )


def scan_occurrences(
    report: ScanReport,
    image: ImageRef,
    *,
    scanned_at: datetime.datetime,
    note_project: str | None = None,
) -> tuple[VulnerabilityOccurrence | DiscoveryOccurrence, ...]:
    """The VULNERABILITY occurrences (in report order of first appearance)
    then the DISCOVERY occurrence for ``image``.

    Args:
        report: the report (already checked to be about ``image``'s digest).
        image: the scanned image, pinned by digest.
        scanned_at: ``lastScanTime`` (timezone-aware).
        note_project: ``projects/P`` for the notes; None: Google's
            (``goog-vulnz`` for vulnerabilities, ``goog-analysis`` for the scan).

    Raises:
        InputError: ``scanned_at`` is naive or the image is not the report's.
    """
    if image.digest != report.digest:
        raise InputError(f"the report is about {report.digest}, not {image.digest}")
    if scanned_at.utcoffset() is None:
        raise InputError(f"the scan time {scanned_at!r} has no timezone")
    resource = "https://" + image.original
    grouped: dict[str, list[Finding]] = {}
    for finding in report.findings:
        grouped.setdefault(finding.vulnerability_id, []).append(finding)
    vulns = [
        _vulnerability(vid, found, resource, note_project or DEFAULT_NOTE_PROJECT)
        for vid, found in grouped.items()
    ]
    note = (
        f"{note_project}/notes/PACKAGE_VULNERABILITY"
        if note_project
        else PACKAGE_VULNERABILITY_NOTE
    )
    scan = DiscoveryOccurrence.from_dict(
        {
            "resourceUri": resource,
            "noteName": note,
            "kind": "DISCOVERY",
            "discovery": {
                "analysisStatus": "FINISHED_SUCCESS",
                "lastScanTime": format_timestamp(scanned_at),
            },
        }
    )
    return (*vulns, scan)
