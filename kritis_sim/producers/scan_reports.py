"""Read a Trivy or Grype JSON report into scanner-neutral findings.

Two formats, recognised by their own top-level fields:

* **Trivy** (``trivy image -f json``, ``SchemaVersion: 2``): the image digest
  from ``Metadata.RepoDigests[]`` (and ``ArtifactName`` when it is pinned), the
  scan time from ``CreatedAt``, one finding per
  ``Results[].Vulnerabilities[]`` (``VulnerabilityID``, ``PkgName``,
  ``InstalledVersion``, ``FixedVersion``, ``Severity``, ``CVSS``, ``Title``,
  ``Description``, ``PrimaryURL``);
* **Grype** (``grype -o json``): ``descriptor.name: grype``, the digest from
  ``source.target.manifestDigest`` / ``repoDigests[]``, the scan time from
  ``descriptor.timestamp``, one finding per ``matches[]``
  (``vulnerability{id, severity, fix{state, versions}, cvss[], description,
  urls}``, ``relatedVulnerabilities[]``, ``artifact{name, version, type,
  cpes}``).

Severities map exactly (Trivy ``UNKNOWN/LOW/MEDIUM/HIGH/CRITICAL``; Grype
``Unknown/Negligible/Low/Medium/High/Critical``, Negligible = ``MINIMAL``;
unknown = ``SEVERITY_UNSPECIFIED``); a package is fixable when Trivy gives a
non-empty ``FixedVersion`` / Grype's ``fix.state`` is ``fixed``. Fields the
tools add over time are ignored; the fields read are checked, and anything
else (another format, another schema version, a filesystem scan, a report
about another digest, a value of the wrong type or an unknown severity or fix
state) raises :class:`~kritis_sim.errors.InputError` naming file, line and
field. The two readers are :mod:`~kritis_sim.producers.trivy` and
:mod:`~kritis_sim.producers.grype`. No I/O (the text is given) and no clock.
"""

from __future__ import annotations

from kritis_sim._yaml import load_documents
from kritis_sim.errors import InputError
from kritis_sim.producers._report import Finding, ReportReader, ScanReport
from kritis_sim.producers.grype import read_grype
from kritis_sim.producers.trivy import read_trivy

__all__ = ["Finding", "ScanReport", "read_report"]


def read_report(text: str, *, source: str, image_digest: str) -> ScanReport:
    """Read a Trivy or Grype JSON report about ``image_digest`` (``sha256:<hex>``).

    Raises:
        InputError: not JSON/YAML, not one of the two formats, about another
            digest, or a field read has the wrong type or value (located).
    """
    documents = [d for d in load_documents(text, source) if d[0] is not None]
    if len(documents) != 1:
        raise InputError(
            f"expected one JSON report, found {len(documents)} documents", source=source
        )
    data, locator = documents[0]
    r = ReportReader(locator)
    top = r.obj(data, (), "a Trivy or Grype JSON report")
    if "SchemaVersion" in top:
        return read_trivy(r, top, image_digest)
    descriptor = top.get("descriptor")
    if isinstance(descriptor, dict) and descriptor.get("name") == "grype":
        return read_grype(r, top, image_digest)
    raise r.fail(
        (),
        "unknown report format: expected Trivy JSON (trivy image -f json: "
        "SchemaVersion, Results) or Grype JSON (grype -o json: matches, source, "
        "descriptor.name grype); found fields "
        + (", ".join(sorted(map(str, top))[:8]) or "none"),
    )
