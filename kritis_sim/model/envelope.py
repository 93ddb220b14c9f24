"""DSSE envelopes as Grafeas stores them, and the header every occurrence shares.

:class:`Envelope` is the Grafeas v1 ``Envelope`` message (``Occurrence.envelope``,
field 18), whose REST JSON is exactly the DSSE envelope JSON of
secure-systems-lab/dsse ``envelope.md``::

    {"payload": "<base64>", "payloadType": "application/vnd.in-toto+json",
     "signatures": [{"keyid": "<optional hint>", "sig": "<base64>"}]}

``payload`` and ``sig`` are proto ``bytes``: standard or URL-safe base64,
padded or not, line breaks ignored (the same decoder as ATTESTATION
occurrences, :func:`kritis_sim.model.occurrence.decode_bytes`); written back as
padded standard base64.

:class:`OccurrenceHeader` holds the fields every occurrence kind has (``name``,
``resourceUri``, ``noteName``, times, ``remediation``, ``envelope``);
:func:`read_header` reads them and the one detail field of the expected kind
for the VULNERABILITY, DISCOVERY and BUILD models.

This module verifies nothing (see :mod:`kritis_sim.crypto.dsse`) and does no I/O.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader
from kritis_sim.model.occurrence import (
    _list_or_null,
    _read_bytes,
    _read_time,
    _required_string,
    encode_bytes,
    format_timestamp,
)

__all__ = [
    "DETAIL_FIELDS",
    "IN_TOTO_PAYLOAD_TYPE",
    "Envelope",
    "EnvelopeSignature",
    "OccurrenceHeader",
    "header_dict",
    "read_envelope",
    "read_header",
]

#: The DSSE ``payloadType`` of a serialized in-toto Statement.
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"

#: Occurrence detail field -> (kind name, proto number).
DETAIL_FIELDS: Mapping[str, tuple[str, int]] = {
    "vulnerability": ("VULNERABILITY", 1),
    "build": ("BUILD", 2),
    "image": ("IMAGE", 3),
    "package": ("PACKAGE", 4),
    "deployment": ("DEPLOYMENT", 5),
    "discovery": ("DISCOVERY", 6),
    "attestation": ("ATTESTATION", 7),
    "upgrade": ("UPGRADE", 8),
    "compliance": ("COMPLIANCE", 9),
    "dsseAttestation": ("DSSE_ATTESTATION", 10),
    "sbomReference": ("SBOM_REFERENCE", 12),
    "secret": ("SECRET", 13),
    "aiSkillAnalysis": ("AI_SKILL_ANALYSIS", 14),
}
_HEADER_FIELDS = frozenset(
    {
        "name",
        "resourceUri",
        "noteName",
        "kind",
        "remediation",
        "createTime",
        "updateTime",
        "envelope",
        "advisoryPublishTime",
    }
)
_UNSPECIFIED = ("NOTE_KIND_UNSPECIFIED", 0)


@dataclass(frozen=True, slots=True)
class EnvelopeSignature:
    """One DSSE signature.

    Attributes:
        sig: the raw signature bytes over the PAE (DER for ECDSA).
        keyid: an optional, unauthenticated hint; never a security input.
    """

    sig: bytes
    keyid: str = ""

    def to_dict(self) -> dict[str, Any]:
        """``{"sig": <base64>[, "keyid": ...]}``."""
        out: dict[str, Any] = {"sig": encode_bytes(self.sig)}
        if self.keyid:
            out["keyid"] = self.keyid
        return out


@dataclass(frozen=True, slots=True)
class Envelope:
    """A DSSE envelope: the exact signed payload bytes, their type and signatures.

    Attributes:
        payload: the serialized body exactly as signed (never re-serialised).
        payload_type: the media type that is signed along with it.
        signatures: signatures over ``PAE(payload_type, payload)``.
    """

    payload: bytes
    payload_type: str
    signatures: tuple[EnvelopeSignature, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The DSSE / Grafeas JSON (camelCase, padded standard base64)."""
        out: dict[str, Any] = {
            "payload": encode_bytes(self.payload),
            "payloadType": self.payload_type,
        }
        if self.signatures:
            out["signatures"] = [s.to_dict() for s in self.signatures]
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, locator: Locator | None = None
    ) -> Envelope:
        """Read DSSE envelope JSON.

        Raises:
            OccurrenceError: a field is missing, of the wrong type or not
                base64; the error names the field.
        """
        reader = FieldReader(locator or Locator("<envelope>"), OccurrenceError)
        return read_envelope(reader, data, ())


def read_envelope(reader: FieldReader, value: object, path: Path) -> Envelope:
    """Read one envelope at ``path`` (``payload`` and ``payloadType`` required)."""
    data = reader.mapping(
        value, path, known=("payload", "payloadType", "signatures"), what="an envelope"
    )
    if "payload" not in data:
        reader.fail(path, "missing required field 'payload'")
    payload = _read_bytes(reader, data["payload"], (*path, "payload"))
    payload_type = _required_string(reader, data, "payloadType", path)
    sigs_path = (*path, "signatures")
    signatures = []
    for i, item in enumerate(
        reader.sequence(_list_or_null(data, "signatures"), sigs_path)
    ):
        sig_path = (*sigs_path, i)
        sig = reader.mapping(item, sig_path, known=("sig", "keyid"), what="a signature")
        if "sig" not in sig:
            reader.fail(sig_path, "missing required field 'sig'")
        signatures.append(
            EnvelopeSignature(
                sig=_read_bytes(reader, sig["sig"], (*sig_path, "sig")),
                keyid=reader.optional_string(sig, "keyid", sig_path) or "",
            )
        )
    return Envelope(payload, payload_type, tuple(signatures))


@dataclass(frozen=True, slots=True)
class OccurrenceHeader:
    """The fields every Grafeas occurrence has, whatever its kind.

    Attributes:
        resource_uri: the artifact, e.g. ``https://gcr.io/p/i@sha256:...``.
        note_name: ``projects/P/notes/N`` (for vulnerabilities the CVE).
        name: ``projects/P/occurrences/ID`` once stored.
        create_time: when the store created it.
        update_time: when the store last changed it.
        remediation: free text.
        envelope: the DSSE envelope (field 18), if any.
    """

    resource_uri: str
    note_name: str
    name: str | None = None
    create_time: datetime.datetime | None = None
    update_time: datetime.datetime | None = None
    remediation: str | None = None
    envelope: Envelope | None = None

    @property
    def note_id(self) -> str:
        """The last segment of :attr:`note_name` (``CVE-2021-44228``)."""
        return self.note_name.rsplit("/", 1)[-1]


def read_header(
    reader: FieldReader,
    value: object,
    path: Path,
    *,
    detail: str,
    detail_fields: Collection[str],
) -> tuple[OccurrenceHeader, Mapping[str, Any]]:
    """Read the shared fields and the ``detail`` mapping of one occurrence.

    ``kind`` must be the detail's kind (name or proto number) or unspecified;
    another detail field present, or ``detail`` absent, is refused.

    Returns:
        the header and the raw ``detail`` mapping (its keys checked against
        ``detail_fields``).
    """
    data = reader.mapping(
        value, path, known=_HEADER_FIELDS | set(DETAIL_FIELDS), what="an occurrence"
    )
    kind_name, kind_number = DETAIL_FIELDS[detail]
    kind = data.get("kind")
    if kind is not None and (
        isinstance(kind, bool) or kind not in (kind_name, kind_number, *_UNSPECIFIED)
    ):
        reader.fail(
            (*path, "kind"),
            f"occurrence kind is {kind!r}; expected {kind_name!r} (or {kind_number})",
        )
    others = sorted(set(DETAIL_FIELDS).intersection(data) - {detail})
    if others:
        reader.fail(
            (*path, others[0]),
            f"occurrence has a {others[0]!r} detail; expected a {kind_name} "
            f"occurrence (with {detail!r})",
        )
    if detail not in data:
        reader.fail(path, f"missing {detail!r}: not a {kind_name} occurrence")
    body = reader.mapping(
        data[detail], (*path, detail), known=detail_fields, what=f"a {detail} detail"
    )
    envelope = (
        read_envelope(reader, data["envelope"], (*path, "envelope"))
        if data.get("envelope") is not None
        else None
    )
    header = OccurrenceHeader(
        resource_uri=_required_string(reader, data, "resourceUri", path),
        note_name=_required_string(reader, data, "noteName", path),
        name=reader.optional_string(data, "name", path),
        create_time=_read_time(reader, data, "createTime", path),
        update_time=_read_time(reader, data, "updateTime", path),
        remediation=reader.optional_string(data, "remediation", path),
        envelope=envelope,
    )
    return header, body


def header_dict(
    header: OccurrenceHeader, detail: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """The Grafeas JSON of an occurrence: ``header``'s fields, ``kind`` and
    ``{detail: body}``."""
    out: dict[str, Any] = {}
    if header.name is not None:
        out["name"] = header.name
    out["resourceUri"] = header.resource_uri
    out["noteName"] = header.note_name
    out["kind"] = DETAIL_FIELDS[detail][0]
    if header.remediation is not None:
        out["remediation"] = header.remediation
    if header.create_time is not None:
        out["createTime"] = format_timestamp(header.create_time)
    if header.update_time is not None:
        out["updateTime"] = format_timestamp(header.update_time)
    out[detail] = dict(body)
    if header.envelope is not None:
        out["envelope"] = header.envelope.to_dict()
    return out
