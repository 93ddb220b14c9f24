"""Grafeas v1 DISCOVERY occurrences as pure values, and the "valid scan" rule.

:class:`DiscoveryOccurrence` reads and writes the REST JSON of an occurrence
whose detail is ``discovery`` (``DiscoveryOccurrence``)::

    {"resourceUri": "https://gcr.io/p/app@sha256:...", "kind": "DISCOVERY",
     "noteName": "projects/goog-analysis/notes/PACKAGE_VULNERABILITY",
     "discovery": {"analysisStatus": "FINISHED_SUCCESS",
                   "continuousAnalysis": "ACTIVE",
                   "lastScanTime": "2024-05-01T10:05:00Z"}}

``analysisStatus`` accepts ``COMPLETE`` (the proto alias of
``FINISHED_SUCCESS``) and proto numbers (3 for both). ``lastScanTime``,
``archiveTime`` and ``lastVulnerabilityUpdateTime`` are RFC 3339. The other
detail fields (``analysisCompleted``, ``analysisError``, ``sbomStatus``,
``vulnerabilityAttestation``, ``files``, ...) are shape-checked and kept
verbatim.

:meth:`DiscoveryOccurrence.scan_problem` states the simulator's rule for a
vulnerability scan that can be trusted (an inference, see
``docs/richer-occurrences.md``): finished successfully and not archived at
``now``. ``now`` is a parameter; nothing here reads the clock or does I/O.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader, ProtoEnum
from kritis_sim.model._shapes import Leaf, Shape, enum_field, kept_as_given
from kritis_sim.model.envelope import OccurrenceHeader, header_dict, read_header
from kritis_sim.model.occurrence import _read_time, format_timestamp

__all__ = [
    "PACKAGE_VULNERABILITY_NOTE",
    "AnalysisStatus",
    "ContinuousAnalysis",
    "DiscoveryOccurrence",
]

#: Container Analysis' discovery note for vulnerability scanning.
PACKAGE_VULNERABILITY_NOTE = "projects/goog-analysis/notes/PACKAGE_VULNERABILITY"


class AnalysisStatus(ProtoEnum):
    """``DiscoveryOccurrence.analysisStatus`` (``COMPLETE`` is an alias)."""

    ANALYSIS_STATUS_UNSPECIFIED = "ANALYSIS_STATUS_UNSPECIFIED"
    PENDING = "PENDING"
    SCANNING = "SCANNING"
    FINISHED_SUCCESS = "FINISHED_SUCCESS"
    FINISHED_FAILED = "FINISHED_FAILED"
    FINISHED_UNSUPPORTED = "FINISHED_UNSUPPORTED"

    @classmethod
    def aliases(cls) -> Mapping[str, Self]:
        return {"COMPLETE": cls("FINISHED_SUCCESS")}


class ContinuousAnalysis(ProtoEnum):
    """``DiscoveryOccurrence.continuousAnalysis``."""

    CONTINUOUS_ANALYSIS_UNSPECIFIED = "CONTINUOUS_ANALYSIS_UNSPECIFIED"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


_STATUS: Shape = {"code": Leaf.NUMBER, "message": Leaf.STRING, "details": [Leaf.STRUCT]}
_RAW_FIELDS: Mapping[str, Shape] = {
    "analysisCompleted": {"analysisType": [Leaf.STRING]},
    "analysisError": [_STATUS],
    "analysisStatusError": _STATUS,
    "cpe": Leaf.STRING,
    "sbomStatus": {"sbomState": Leaf.STRING, "error": Leaf.STRING},
    "vulnerabilityAttestation": {
        "lastAttemptTime": Leaf.TIMESTAMP,
        "state": Leaf.STRING,
        "error": Leaf.STRING,
    },
    "files": [{"name": Leaf.STRING, "digest": Leaf.DIGEST}],
}
_TIMES = ("lastScanTime", "archiveTime", "lastVulnerabilityUpdateTime")
_DETAIL_FIELDS = frozenset(
    {"analysisStatus", "continuousAnalysis", *_TIMES, *_RAW_FIELDS}
)


@dataclass(frozen=True, slots=True)
class DiscoveryOccurrence:
    """A Grafeas ``DISCOVERY`` occurrence.

    Attributes:
        header: name, resource, note, times, envelope.
        analysis_status: where the (initial) analysis is.
        continuous_analysis: whether the image is still being watched.
        last_scan_time: when it was last scanned.
        archive_time: when related occurrences were archived.
        last_vulnerability_update_time: when vulnerability data last changed.
        extra: the other detail fields, verbatim.
    """

    header: OccurrenceHeader
    analysis_status: AnalysisStatus = AnalysisStatus.ANALYSIS_STATUS_UNSPECIFIED
    continuous_analysis: ContinuousAnalysis = (
        ContinuousAnalysis.CONTINUOUS_ANALYSIS_UNSPECIFIED
    )
    last_scan_time: datetime.datetime | None = None
    archive_time: datetime.datetime | None = None
    last_vulnerability_update_time: datetime.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def scan_problem(self, now: datetime.datetime) -> str | None:
        """Why this is not a valid finished scan at ``now``, or ``None``.

        Valid: ``analysisStatus`` is ``FINISHED_SUCCESS`` (or ``COMPLETE``) and
        ``archiveTime`` is unset or later than ``now``.

        Raises:
            ValueError: ``now`` is naive.
        """
        if now.utcoffset() is None:
            raise ValueError(f"now {now!r} must be timezone-aware")
        if self.analysis_status is not AnalysisStatus.FINISHED_SUCCESS:
            return (
                f"discovery occurrence {self.header.name or self.header.resource_uri} "
                f"has analysisStatus {self.analysis_status.value}; expected "
                "FINISHED_SUCCESS"
            )
        if self.archive_time is not None and self.archive_time <= now:
            return (
                f"discovery occurrence {self.header.name or self.header.resource_uri} "
                f"was archived at {format_timestamp(self.archive_time)}"
            )
        return None

    def to_dict(self) -> dict[str, Any]:
        """The Grafeas v1 JSON (camelCase, enum names, RFC 3339 times)."""
        body: dict[str, Any] = {}
        if self.analysis_status is not AnalysisStatus.ANALYSIS_STATUS_UNSPECIFIED:
            body["analysisStatus"] = self.analysis_status.value
        if (
            self.continuous_analysis
            is not ContinuousAnalysis.CONTINUOUS_ANALYSIS_UNSPECIFIED
        ):
            body["continuousAnalysis"] = self.continuous_analysis.value
        for key, when in zip(
            _TIMES,
            (
                self.last_scan_time,
                self.archive_time,
                self.last_vulnerability_update_time,
            ),
            strict=True,
        ):
            if when is not None:
                body[key] = format_timestamp(when)
        body.update(self.extra)
        return header_dict(self.header, "discovery", body)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, locator: Locator | None = None
    ) -> DiscoveryOccurrence:
        """Read one occurrence.

        Raises:
            OccurrenceError: not a DISCOVERY occurrence, or a field of the
                wrong type or value; located at the field.
        """
        reader = FieldReader(locator or Locator("<occurrence>"), OccurrenceError)
        return read_discovery(reader, data, ())


def read_discovery(
    reader: FieldReader, value: object, path: Path
) -> DiscoveryOccurrence:
    """Read a DISCOVERY occurrence at ``path``."""
    header, body = read_header(
        reader, value, path, detail="discovery", detail_fields=_DETAIL_FIELDS
    )
    dpath = (*path, "discovery")
    extra = kept_as_given(reader, body, dpath, _RAW_FIELDS)
    present = {k: v for k, v in body.items() if v is not None}
    times = [_read_time(reader, present, key, dpath) for key in _TIMES]
    return DiscoveryOccurrence(
        header=header,
        analysis_status=enum_field(
            reader, body, "analysisStatus", dpath, AnalysisStatus
        ),
        continuous_analysis=enum_field(
            reader, body, "continuousAnalysis", dpath, ContinuousAnalysis
        ),
        last_scan_time=times[0],
        archive_time=times[1],
        last_vulnerability_update_time=times[2],
        extra=extra,
    )
