"""Read a Trivy JSON report (``trivy image -f json``, ``SchemaVersion: 2``).

The image digest comes from ``Metadata.RepoDigests[]`` (and ``ArtifactName``
when it is pinned), the scan time from ``CreatedAt``, one
:class:`~kritis_sim.producers._report.Finding` per
``Results[].Vulnerabilities[]``: ``VulnerabilityID``, ``PkgName``,
``InstalledVersion``, ``FixedVersion`` (non-empty: fixable), ``Severity``
(``UNKNOWN/LOW/MEDIUM/HIGH/CRITICAL``), ``CVSS`` (V3 before V2; the
``SeveritySource`` first, then ``nvd``), ``Title``, ``Description``,
``PrimaryURL``; the result's ``Class``/``Type`` give the package type.
No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Path
from kritis_sim.model.vulnerability import Severity
from kritis_sim.producers._report import (
    Finding,
    ReportReader,
    ScanReport,
    digest_of,
    match_digest,
    package_type,
)

__all__ = ["read_trivy"]

_TRIVY_SEVERITY = {
    "UNKNOWN": Severity.SEVERITY_UNSPECIFIED,
    "LOW": Severity.LOW,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}


def read_trivy(r: ReportReader, top: Mapping[str, Any], expected: str) -> ScanReport:
    """The report ``top`` about ``expected`` (a digest)."""
    version = top["SchemaVersion"]
    if version != 2 or isinstance(version, bool):
        raise r.fail(
            ("SchemaVersion",),
            f"Trivy SchemaVersion {version!r} is not supported; expected 2 "
            "(trivy image -f json since v0.20)",
        )
    kind = r.text(top, "ArtifactType", ())
    if kind and kind != "container_image":
        raise r.fail(
            ("ArtifactType",), f"a {kind!r} scan; expected a container_image scan"
        )
    found: list[tuple[str, Path]] = []
    metadata = r.obj(top.get("Metadata") or {}, ("Metadata",), "Metadata")
    for i, ref in enumerate(r.items(metadata, "RepoDigests", ("Metadata",))):
        path: Path = ("Metadata", "RepoDigests", i)
        digest = digest_of(r.fields.string(ref, path))
        if digest is not None:
            found.append((digest, path))
    pinned = digest_of(r.text(top, "ArtifactName", ()))
    if pinned is not None:
        found.append((pinned, ("ArtifactName",)))
    digest = match_digest(r, found, expected, ("Metadata", "RepoDigests"))
    findings: list[Finding] = []
    for i, item in enumerate(r.items(top, "Results", ())):
        rpath: Path = ("Results", i)
        result = r.obj(item, rpath, "a result")
        os_package = r.text(result, "Class", rpath) == "os-pkgs"
        ptype = package_type(r.text(result, "Type", rpath), os_package)
        for j, vuln in enumerate(r.items(result, "Vulnerabilities", rpath)):
            findings.append(
                _trivy_finding(r, vuln, (*rpath, "Vulnerabilities", j), ptype)
            )
    return ScanReport("trivy", digest, r.time(top, "CreatedAt", ()), tuple(findings))


def _trivy_cvss(
    r: ReportReader, v: Mapping[str, Any], path: Path
) -> tuple[float, int] | None:
    cvss = r.obj(v.get("CVSS") or {}, (*path, "CVSS"), "a CVSS map")
    preferred = r.text(v, "SeveritySource", path)
    order = sorted(cvss, key=lambda s: (s != preferred, s != "nvd", s))
    for major, key in ((3, "V3Score"), (2, "V2Score")):
        for name in order:
            entry = r.obj(cvss[name], (*path, "CVSS", name), "a CVSS entry")
            if entry.get(key) is not None:
                return r.score(entry[key], (*path, "CVSS", name, key)), major
    return None


def _trivy_finding(r: ReportReader, value: object, path: Path, ptype: str) -> Finding:
    v = r.obj(value, path, "a vulnerability")
    fixed = r.text(v, "FixedVersion", path)
    r.text(v, "Status", path)  # checked for type only: newer values may appear
    return Finding(
        vulnerability_id=r.note_id(v, "VulnerabilityID", path),
        package=r.text(v, "PkgName", path, required=True),
        installed_version=r.text(v, "InstalledVersion", path),
        fixed_version=fixed,
        fixable=bool(fixed),
        severity=r.severity(v, "Severity", path, _TRIVY_SEVERITY),
        cvss=_trivy_cvss(r, v, path),
        package_type=ptype,
        title=r.text(v, "Title", path),
        description=r.text(v, "Description", path),
        url=r.text(v, "PrimaryURL", path),
    )
