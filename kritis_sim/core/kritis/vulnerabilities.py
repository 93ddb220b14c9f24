"""An ImageSecurityPolicy's vulnerability requirements over one image.

Kritis' ``ValidateImageSecurityPolicy`` (``crd/securitypolicy``), per image:

1. in ``imageAllowlist`` (exact string) -> no violation;
2. not a digest -> one ``UnqualifiedImageViolation`` and nothing else;
3. each VULNERABILITY occurrence of the image, skipping those whose full
   ``noteName`` is in ``allowlistCVEs`` (exact, never a prefix): fixable
   (Kritis' rule: every package issue has a fixed version not of kind
   ``MAXIMUM``) ones against ``maximumSeverity``, the others against
   ``maximumFixUnavailableSeverity``; ``BLOCK_ALL`` blocks all, ``ALLOW_ALL``
   none, otherwise severities compare by **rank**
   (:func:`~kritis_sim.model.kritis.resources.exceeds`).

The severity is the occurrence's ``effectiveSeverity``, or its ``severity``
when that is unset (a careful reading: Kritis reads only the effective one,
which Container Analysis always fills; an occurrence with neither counts as
``SEVERITY_UNSPECIFIED``). Zero occurrences pass: Kritis has no "not scanned"
error. Violations are values with Kritis' reason strings. Pure; no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kritis_sim.errors import ImageRefError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.kritis.resources import BLOCK_ALL, ImageSecurityPolicy, exceeds
from kritis_sim.model.vulnerability import Severity, VulnerabilityOccurrence

__all__ = [
    "ANY_PROJECT",
    "UNQUALIFIED",
    "Violation",
    "ViolationType",
    "VulnerabilityIndex",
    "VulnerabilitySource",
    "image_violations",
]

UNQUALIFIED = (
    "{image} is not a fully qualified image. You can run 'kubectl plugin "
    "resolve-tags' to qualify all images with a digest."
)


class ViolationType(enum.Enum):
    """Kritis' ``policy.ViolationType`` (value = its name)."""

    UNQUALIFIED_IMAGE = "UnqualifiedImageViolation"
    FIX_UNAVAILABLE = "FixUnavailableViolation"
    SEVERITY = "SeverityViolation"


@dataclass(frozen=True, slots=True)
class Violation:
    """One ISP violation: its type, Kritis' reason, and the CVE if any."""

    type: ViolationType
    reason: str
    cve: str = ""
    severity: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"type": self.type.value, "reason": self.reason}
        if self.cve:
            out |= {"cve": self.cve, "severity": self.severity}
        return out


#: The ``project`` the profile reads vulnerabilities with: any project (a
#: Kritis user's occurrences are the image's, wherever the scanner wrote them).
ANY_PROJECT = ""


class VulnerabilitySource(Protocol):
    """Lists the VULNERABILITY occurrences of one resource URL (the platform
    occurrences' signature, so one store serves both; Kritis asks with
    :data:`ANY_PROJECT`).

    Raises:
        GrafeasError: the store could not be read (the decision fails closed).
    """

    def vulnerabilities(
        self, project: str, resource_url: str
    ) -> Sequence[VulnerabilityOccurrence]:
        """Occurrences whose resourceUri is ``resource_url`` (scheme optional)."""
        ...  # pragma: no cover


class VulnerabilityIndex:
    """A :class:`VulnerabilitySource` over fixed occurrences, keyed by
    resource URI without ``https://`` (gcloud writes it without, Kritis with)."""

    def __init__(self, occurrences: Iterable[VulnerabilityOccurrence] = ()) -> None:
        self._index: dict[str, list[VulnerabilityOccurrence]] = {}
        for occ in occurrences:
            key = occ.header.resource_uri.removeprefix("https://")
            self._index.setdefault(key, []).append(occ)

    def vulnerabilities(
        self, project: str, resource_url: str
    ) -> Sequence[VulnerabilityOccurrence]:
        """Every held occurrence of ``resource_url``, whatever ``project``."""
        return self._index.get(resource_url.removeprefix("https://"), ())


def severity_of(occ: VulnerabilityOccurrence) -> Severity:
    """``effectiveSeverity``, else ``severity`` (see the module doc)."""
    return occ.worst_severity


def _for_image(
    source: VulnerabilitySource, image: ImageRef
) -> list[VulnerabilityOccurrence]:
    seen: dict[int, VulnerabilityOccurrence] = {}
    for url in image.resource_urls():
        for occ in source.vulnerabilities(ANY_PROJECT, url):
            seen.setdefault(id(occ), occ)
    return list(seen.values())


def _check(
    isp: ImageSecurityPolicy, image: str, occ: VulnerabilityOccurrence
) -> Violation | None:
    req = isp.requirements
    cve = occ.header.note_name
    severity = severity_of(occ)
    fixable = occ.kritis_fixable
    threshold = (
        req.maximum_severity if fixable else req.maximum_fix_unavailable_severity
    )
    if not exceeds(severity, threshold):
        return None
    kind = ViolationType.SEVERITY if fixable else ViolationType.FIX_UNAVAILABLE
    what = "CVE" if fixable else "unfixable CVE"
    if threshold == BLOCK_ALL:
        reason = (
            f"found {what} {cve} in {image} which isn't in allowlist, "
            "violating max severity BLOCK_ALL"
        )
    else:
        reason = (
            f"found {what} {cve} in {image}, which has severity {severity.value} "
            f"exceeding max severity {threshold}"
        )
    return Violation(kind, reason, cve, severity.value)


def image_violations(
    isp: ImageSecurityPolicy, image: str, source: VulnerabilitySource
) -> tuple[Violation, ...]:
    """The violations of ``image`` under ``isp``, sorted by CVE (the order
    of occurrences never matters).

    Raises:
        GrafeasError: the source failed.
    """
    if image in isp.image_allowlist:
        return ()
    try:
        ref = ImageRef.parse(image)
    except ImageRefError:
        ref = None
    if ref is None or not ref.has_sha256_digest:
        return (
            Violation(ViolationType.UNQUALIFIED_IMAGE, UNQUALIFIED.format(image=image)),
        )
    out = []
    for occ in _for_image(source, ref):
        if occ.header.note_name in isp.requirements.allowlist_cves:
            continue
        violation = _check(isp, image, occ)
        if violation is not None:
            out.append(violation)
    return tuple(sorted(out, key=lambda v: (v.cve, v.type.value, v.severity, v.reason)))
