"""Read a Grype JSON report (``grype -o json``).

The image digest comes from ``source.target.manifestDigest`` /
``repoDigests[]`` (``source.type`` must be ``image``), the scan time from
``descriptor.timestamp``, one :class:`~kritis_sim.producers._report.Finding`
per ``matches[]``: ``vulnerability.id`` (a non-CVE id with exactly one related
``CVE-`` id is reported under that CVE, as ``grype --by-cve`` does),
``severity`` (``Unknown/Negligible/Low/Medium/High/Critical``; Negligible is
Grafeas' ``MINIMAL``), ``fix.state`` (``fixed``: fixable; ``not-fixed``,
``wont-fix``, ``unknown``: not) and ``fix.versions[0]``, ``cvss[]`` (the
primary v3 score first; the related NVD record's when the match has none),
``description``, ``urls``, and ``artifact{name, version, type, cpes}``.
No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Path
from kritis_sim.model.vulnerability import Severity
from kritis_sim.producers._report import (
    DIGEST,
    Finding,
    ReportReader,
    ScanReport,
    digest_of,
    match_digest,
    package_type,
)

__all__ = ["read_grype"]

_GRYPE_SEVERITY = {
    "Unknown": Severity.SEVERITY_UNSPECIFIED,
    "Negligible": Severity.MINIMAL,
    "Low": Severity.LOW,
    "Medium": Severity.MEDIUM,
    "High": Severity.HIGH,
    "Critical": Severity.CRITICAL,
}
_GRYPE_FIX_STATES = ("fixed", "not-fixed", "wont-fix", "unknown")
_OS_PACKAGES = ("deb", "rpm", "apk", "alpm", "portage")


def read_grype(r: ReportReader, top: Mapping[str, Any], expected: str) -> ScanReport:
    """The report ``top`` about ``expected`` (a digest)."""
    source = r.obj(top.get("source"), ("source",), "source")
    kind = r.text(source, "type", ("source",), required=True)
    if kind != "image":
        raise r.fail(("source", "type"), f"a {kind!r} scan; expected an image scan")
    tpath: Path = ("source", "target")
    target = r.obj(source.get("target"), tpath, "source.target")
    found: list[tuple[str, Path]] = []
    manifest = r.text(target, "manifestDigest", tpath)
    if manifest:
        if not DIGEST.fullmatch(manifest):
            raise r.fail(
                (*tpath, "manifestDigest"), f"{manifest!r} is not a sha256 digest"
            )
        found.append((manifest, (*tpath, "manifestDigest")))
    for i, ref in enumerate(r.items(target, "repoDigests", tpath)):
        path: Path = (*tpath, "repoDigests", i)
        digest = digest_of(r.fields.string(ref, path))
        if digest is not None:
            found.append((digest, path))
    digest = match_digest(r, found, expected, (*tpath, "manifestDigest"))
    matches = r.fields.sequence(top.get("matches"), ("matches",))
    findings = tuple(
        _grype_finding(r, m, ("matches", i)) for i, m in enumerate(matches)
    )
    scanned = r.time(
        r.obj(top["descriptor"], ("descriptor",), "descriptor"),
        "timestamp",
        ("descriptor",),
    )
    return ScanReport("grype", digest, scanned, findings)


def _grype_cvss(
    r: ReportReader, entries: list[Any], path: Path
) -> tuple[float, int] | None:
    best: tuple[float, int] | None = None
    for i, item in enumerate(entries):
        cpath: Path = (*path, i)
        entry = r.obj(item, cpath, "a CVSS entry")
        version = r.text(entry, "version", cpath)
        metrics = r.obj(entry.get("metrics") or {}, (*cpath, "metrics"), "metrics")
        if version[:1] not in ("2", "3") or metrics.get("baseScore") is None:
            continue
        score = r.score(metrics["baseScore"], (*cpath, "metrics", "baseScore"))
        candidate = (score, int(version[0]))
        primary = entry.get("type") in (None, "Primary")
        if best is None or (primary and candidate[1] > best[1]):
            best = candidate
    return best


def _grype_finding(r: ReportReader, value: object, path: Path) -> Finding:
    match = r.obj(value, path, "a match")
    vpath: Path = (*path, "vulnerability")
    vuln = r.obj(match.get("vulnerability"), vpath, "a vulnerability")
    apath: Path = (*path, "artifact")
    artifact = r.obj(match.get("artifact"), apath, "an artifact")
    fix = r.obj(vuln.get("fix") or {}, (*vpath, "fix"), "a fix")
    state = r.text(fix, "state", (*vpath, "fix"), required=True)
    if state not in _GRYPE_FIX_STATES:
        raise r.fail(
            (*vpath, "fix", "state"),
            f"unknown fix state {state!r}; expected one of {', '.join(_GRYPE_FIX_STATES)}",
        )
    versions = [
        r.fields.string(x, (*vpath, "fix", "versions", i))
        for i, x in enumerate(r.items(fix, "versions", (*vpath, "fix")))
    ]
    ident = r.note_id(vuln, "id", vpath)
    related_cves: list[str] = []
    cvss = _grype_cvss(r, r.items(vuln, "cvss", vpath), (*vpath, "cvss"))
    for i, item in enumerate(r.items(match, "relatedVulnerabilities", path)):
        rpath: Path = (*path, "relatedVulnerabilities", i)
        related = r.obj(item, rpath, "a related vulnerability")
        rid = r.note_id(related, "id", rpath)
        if rid.startswith("CVE-"):
            related_cves.append(rid)
        if cvss is None:
            cvss = _grype_cvss(r, r.items(related, "cvss", rpath), (*rpath, "cvss"))
    if not ident.startswith("CVE-") and len(set(related_cves)) == 1:
        ident = related_cves[0]  # as grype --by-cve reports it
    cpes = [
        r.fields.string(x, (*apath, "cpes", i))
        for i, x in enumerate(r.items(artifact, "cpes", apath))
    ]
    urls = [
        r.fields.string(x, (*vpath, "urls", i))
        for i, x in enumerate(r.items(vuln, "urls", vpath))
    ]
    kind = r.text(artifact, "type", apath)
    return Finding(
        vulnerability_id=ident,
        package=r.text(artifact, "name", apath, required=True),
        installed_version=r.text(artifact, "version", apath),
        fixed_version=versions[0] if state == "fixed" and versions else "",
        fixable=state == "fixed",
        severity=r.severity(vuln, "severity", vpath, _GRYPE_SEVERITY),
        cvss=cvss,
        package_type=package_type(kind, kind in _OS_PACKAGES),
        description=r.text(vuln, "description", vpath),
        url=urls[0] if urls else r.text(vuln, "dataSource", vpath),
        cpe=cpes[0] if cpes else "",
    )
