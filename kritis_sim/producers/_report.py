"""What the scanner-report readers share: findings, the report, a located field reader.

:class:`Finding` and :class:`ScanReport` are the scanner-neutral values
:mod:`~kritis_sim.producers.trivy` and :mod:`~kritis_sim.producers.grype` read
into; :class:`ReportReader` gives typed access to a report's fields with
errors located at file, line and field (unknown fields allowed: the tools add
fields over time); :func:`match_digest` ties a report to the image digest.
No I/O, no clock.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import InputError
from kritis_sim.model._fields import FieldReader, type_name
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.model.vulnerability import Severity

__all__ = [
    "DIGEST",
    "Finding",
    "ReportReader",
    "ScanReport",
    "digest_of",
    "match_digest",
    "package_type",
]

#: Package types (Trivy result Type / Grype artifact type) -> Grafeas packageType.
_PACKAGE_TYPES = {
    "gobinary": "GO", "gomod": "GO", "go-module": "GO",
    "npm": "NPM", "yarn": "NPM", "pnpm": "NPM", "node-pkg": "NPM",
    "pip": "PYPI", "pipenv": "PYPI", "poetry": "PYPI", "python-pkg": "PYPI",
    "python": "PYPI", "jar": "MAVEN", "pom": "MAVEN", "gradle": "MAVEN",
    "java-archive": "MAVEN", "cargo": "CARGO", "rust-binary": "CARGO",
    "rust-crate": "CARGO", "composer": "COMPOSER", "php-composer": "COMPOSER",
    "nuget": "NUGET", "dotnet": "NUGET", "gemspec": "RUBYGEMS",
    "bundler": "RUBYGEMS", "gem": "RUBYGEMS",
}  # fmt: skip
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_NOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]*")


@dataclass(frozen=True, slots=True)
class Finding:
    """One vulnerable package, scanner-neutral.

    Attributes:
        vulnerability_id: the note id (``CVE-...``, or the scanner's id).
        package: the affected package's name.
        installed_version: its installed version ('' when the report has none).
        fixed_version: the version that fixes it, or '' when none is known.
        fixable: whether the scanner says a fix exists.
        severity: the scanner's severity, mapped to Grafeas'.
        cvss: ``(score, major version)`` or None.
        package_type: Grafeas ``packageType`` (``OS``, ``GO``, ``NPM``, ...).
        title: a one-line title ('' when none).
        description: the description ('' when none).
        url: a link for more information ('' when none).
        cpe: the affected CPE URI ('' when none).
    """

    vulnerability_id: str
    package: str
    installed_version: str
    fixed_version: str
    fixable: bool
    severity: Severity
    cvss: tuple[float, int] | None
    package_type: str
    title: str = ""
    description: str = ""
    url: str = ""
    cpe: str = ""


@dataclass(frozen=True, slots=True)
class ScanReport:
    """What a report says: which scanner, about which digest, when, and what it found."""

    scanner: str
    digest: str
    scanned_at: datetime.datetime | None
    findings: tuple[Finding, ...]


class ReportReader:
    """Typed access to a report's fields with located errors (unknown keys allowed)."""

    def __init__(self, locator: Locator) -> None:
        self.fields = FieldReader(locator, InputError)

    def fail(self, path: Path, message: str) -> InputError:
        return self.fields.locator.error(InputError, path, message)

    def obj(self, value: object, path: Path, what: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(
                path, f"expected {what} (an object), got {type_name(value)}"
            )
        return value

    def items(self, data: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        """``data[key]`` as a list; absent or null is empty."""
        value = data.get(key)
        if value is None:
            return []
        return self.fields.sequence(value, (*path, key))

    def text(
        self, data: Mapping[str, Any], key: str, path: Path, *, required: bool = False
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail((*path, key), f"missing required field {key!r}")
            return ""
        return self.fields.string(value, (*path, key))

    def time(
        self, data: Mapping[str, Any], key: str, path: Path
    ) -> datetime.datetime | None:
        text = self.text(data, key, path)
        if not text:
            return None
        try:
            return parse_timestamp(text)
        except ValueError as exc:
            raise self.fail((*path, key), str(exc)) from None

    def score(self, value: object, path: Path) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                path, f"expected a CVSS score (a number), got {type_name(value)}"
            )
        if not (math.isfinite(value) and 0 <= value <= 10):
            raise self.fail(path, f"a CVSS score is between 0 and 10, got {value!r}")
        return float(value)

    def note_id(self, data: Mapping[str, Any], key: str, path: Path) -> str:
        value = self.text(data, key, path, required=True)
        if not _NOTE_ID.fullmatch(value):
            raise self.fail(
                (*path, key),
                f"{value!r} cannot be a Grafeas note id (expected e.g. CVE-2023-4911)",
            )
        return value

    def severity(
        self,
        data: Mapping[str, Any],
        key: str,
        path: Path,
        table: Mapping[str, Severity],
    ) -> Severity:
        value = self.text(data, key, path, required=True)
        if value not in table:
            raise self.fail(
                (*path, key),
                f"unknown severity {value!r}; expected one of {', '.join(table)}",
            )
        return table[value]


def digest_of(reference: str) -> str | None:
    digest = reference.rpartition("@")[2]
    return digest if DIGEST.fullmatch(digest) else None


def match_digest(
    r: ReportReader, found: list[tuple[str, Path]], expected: str, where: Path
) -> str:
    """``expected`` when the report names it; else a located refusal."""
    if not found:
        raise r.fail(
            where,
            "the report names no sha256 image digest, so it cannot be tied to "
            f"{expected} (scan the image by digest)",
        )
    for digest, _ in found:
        if digest == expected:
            return digest
    digest, path = found[0]
    raise r.fail(path, f"the report is about {digest}, not {expected}")


def package_type(kind: str, os_package: bool) -> str:
    if os_package:
        return "OS"
    return _PACKAGE_TYPES.get(kind, kind.upper())
