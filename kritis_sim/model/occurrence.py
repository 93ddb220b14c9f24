"""Grafeas v1 ATTESTATION occurrences as pure values.

:class:`AttestationOccurrence` is what an attestor's note collects: the exact
``serializedPayload`` bytes that were signed and the signatures over them. It
reads and writes the Grafeas v1 REST JSON shape::

    {"name": "projects/P/occurrences/ID", "resourceUri": "https://gcr.io/p/i@sha256:...",
     "noteName": "projects/P/notes/N", "kind": "ATTESTATION",
     "createTime": "2024-01-02T03:04:05.123456789Z", "updateTime": "...",
     "attestation": {"serializedPayload": "<base64>",
                     "signatures": [{"signature": "<base64>", "publicKeyId": "..."}],
                     "jwts": [{"compactJwt": "..."}]}}

Bytes fields accept standard and URL-safe base64, padded or not, as proto JSON
parsers (and the ``grafeas`` Python client) do, and ignore line breaks (``\\r``,
``\\n``) as Go's ``encoding/base64`` does (PEM-style wrapped base64 from
``base64`` without ``-w0``). A ``null`` list (``signatures: null``,
``jwts: null``) is an empty list, as in proto JSON. ``kind`` may be a name or a
proto number (the Python client sends ``7``); an absent or unspecified kind is
taken from the ``attestation`` detail, which is required.

This module does not verify signatures (see :mod:`kritis_sim.crypto.verify`), does
not parse the payload (see :mod:`kritis_sim.crypto.payload`) and does no I/O.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim._yaml import Locator, Path, load_documents
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader, type_name

__all__ = [
    "AttestationOccurrence",
    "Signature",
    "decode_bytes",
    "encode_bytes",
    "format_timestamp",
    "load_occurrences",
    "parse_timestamp",
]

_ATTESTATION_KIND = "ATTESTATION"
_ATTESTATION_KIND_NUMBER = 7
# An unspecified kind (omitted, or 0 as the Python client may send) is taken
# from the detail; ``kind`` is output-only in the API.
_ACCEPTED_KINDS = (
    _ATTESTATION_KIND,
    _ATTESTATION_KIND_NUMBER,
    "NOTE_KIND_UNSPECIFIED",
    0,
)
_OTHER_DETAILS = frozenset(
    {
        "vulnerability", "build", "image", "package", "deployment", "discovery",
        "upgrade", "compliance", "dsseAttestation", "sbomReference", "secret",
        "aiSkillAnalysis",
    }
)  # fmt: skip
_OCCURRENCE_FIELDS = frozenset(
    {
        "name", "resourceUri", "noteName", "kind", "remediation", "createTime",
        "updateTime", "envelope", "advisoryPublishTime", "attestation",
    }
) | _OTHER_DETAILS  # fmt: skip
_ATTESTATION_FIELDS = frozenset({"serializedPayload", "signatures", "jwts"})
_LIST_FIELDS = frozenset({"occurrences", "nextPageToken", "unreachable"})

_BASE64_RE = re.compile(r"[A-Za-z0-9+/_-]*={0,2}", re.ASCII)
_RFC3339_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def decode_bytes(text: str) -> bytes:
    """Decode a proto JSON ``bytes`` value.

    Accepts standard (``+/``) or URL-safe (``-_``) base64, with or without
    ``=`` padding, and ignores line breaks (``\\r`` and ``\\n``, as Go's
    decoder does); refuses a mix of both alphabets, other whitespace and
    stray characters.

    Raises:
        ValueError: ``text`` is not base64; the message says why.
    """
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "").replace("\n", "")
    if not _BASE64_RE.fullmatch(text):
        bad = [c for c in text if not (c.isascii() and (c.isalnum() or c in "+/_-="))]
        if bad:
            raise ValueError(f"not base64: unexpected character {bad[0]!r}")
        raise ValueError("not base64: '=' padding is only allowed at the end")
    body = text.rstrip("=")
    if ("+" in body or "/" in body) and ("-" in body or "_" in body):
        raise ValueError("not base64: mixes the standard and URL-safe alphabets")
    if len(body) % 4 == 1:
        raise ValueError(
            f"not base64: {len(body)} characters cannot encode whole bytes"
        )
    if body != text and len(text) % 4:
        raise ValueError("not base64: wrong amount of '=' padding")
    padded = body + "=" * (-len(body) % 4)
    altchars = b"-_" if ("-" in body or "_" in body) else b"+/"
    try:
        return base64.b64decode(padded, altchars=altchars, validate=True)
    except binascii.Error as exc:  # pragma: no cover - the checks above cover it
        raise ValueError(f"not base64: {exc}") from None


def encode_bytes(data: bytes) -> str:
    """Encode ``data`` as padded standard base64, as proto JSON writers do."""
    return base64.b64encode(data).decode("ascii")


def parse_timestamp(text: str) -> datetime.datetime:
    """Parse an RFC 3339 timestamp into a timezone-aware :class:`datetime`.

    Up to 9 fractional digits are accepted; digits beyond microseconds are
    dropped (Python datetimes hold microseconds). ``Z`` or a ``+hh:mm`` offset
    is required.

    Raises:
        ValueError: ``text`` is not an RFC 3339 timestamp.
    """
    match = _RFC3339_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"expected an RFC 3339 timestamp such as '2024-01-02T03:04:05.123Z', got {text!r}"
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_h, off_m = match.groups()[6:]
    micros = int((fraction or "0").ljust(6, "0")[:6])
    second = min(second, 59)  # a leap second (":60") is read as ":59"
    try:
        tz = datetime.UTC
        if not zulu:
            offset = datetime.timedelta(hours=int(off_h), minutes=int(off_m))
            tz = datetime.timezone(-offset if sign == "-" else offset)
        return datetime.datetime(
            year, month, day, hour, minute, second, micros, tzinfo=tz
        )
    except ValueError as exc:
        raise ValueError(f"not a valid RFC 3339 timestamp: {text!r} ({exc})") from None


def format_timestamp(value: datetime.datetime) -> str:
    """Write ``value`` as RFC 3339 in UTC with ``Z`` (microseconds when non-zero).

    Raises:
        ValueError: ``value`` is naive (has no timezone).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value!r} has no timezone")
    utc = value.astimezone(datetime.UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return utc.strftime(pattern)


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature of an attestation.

    Attributes:
        signature: the raw signature bytes (DER for ECDSA).
        public_key_id: the id of the key that made it; a lookup hint compared by
            exact string equality with the attestor's key ids.
    """

    signature: bytes
    public_key_id: str

    def to_dict(self) -> dict[str, Any]:
        """Grafeas JSON: ``{"signature": <base64>, "publicKeyId": ...}``."""
        return {
            "signature": encode_bytes(self.signature),
            "publicKeyId": self.public_key_id,
        }


@dataclass(frozen=True, slots=True)
class AttestationOccurrence:
    """A Grafeas ``ATTESTATION`` occurrence.

    Attributes:
        resource_uri: the image, e.g. ``https://gcr.io/p/img@sha256:...``.
        note_name: the attestor's note, ``projects/P/notes/N``.
        serialized_payload: the exact bytes that were signed.
        signatures: signatures over ``serialized_payload``.
        name: ``projects/P/occurrences/ID`` once stored.
        create_time: when the store created it (timezone-aware).
        update_time: when the store last changed it (timezone-aware).
        jwts: compact JWTs (``attestation.jwts[].compactJwt``), kept verbatim.
    """

    resource_uri: str
    note_name: str
    serialized_payload: bytes
    signatures: tuple[Signature, ...] = ()
    name: str | None = None
    create_time: datetime.datetime | None = None
    update_time: datetime.datetime | None = None
    jwts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The Grafeas v1 JSON of this occurrence (camelCase, base64 bytes)."""
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        out["resourceUri"] = self.resource_uri
        out["noteName"] = self.note_name
        out["kind"] = _ATTESTATION_KIND
        if self.create_time is not None:
            out["createTime"] = format_timestamp(self.create_time)
        if self.update_time is not None:
            out["updateTime"] = format_timestamp(self.update_time)
        attestation: dict[str, Any] = {
            "serializedPayload": encode_bytes(self.serialized_payload)
        }
        if self.signatures:
            attestation["signatures"] = [s.to_dict() for s in self.signatures]
        if self.jwts:
            attestation["jwts"] = [{"compactJwt": jwt} for jwt in self.jwts]
        out["attestation"] = attestation
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, locator: Locator | None = None
    ) -> AttestationOccurrence:
        """Read the Grafeas v1 JSON of one occurrence.

        Raises:
            OccurrenceError: the data is not an ATTESTATION occurrence, a bytes
                field is not base64, a timestamp is not RFC 3339, or a required
                field is missing; the error names the field (and line, when
                ``locator`` is given).
        """
        reader = FieldReader(locator or Locator("<occurrence>"), OccurrenceError)
        return _read_occurrence(reader, data, ())


def _read_occurrence(
    reader: FieldReader, value: object, path: Path
) -> AttestationOccurrence:
    data = reader.mapping(value, path, known=_OCCURRENCE_FIELDS, what="an occurrence")
    kind = data.get("kind")
    if kind is not None and (isinstance(kind, bool) or kind not in _ACCEPTED_KINDS):
        reader.fail(
            (*path, "kind"),
            f"occurrence kind is {kind!r}; expected {_ATTESTATION_KIND!r} "
            f"(or {_ATTESTATION_KIND_NUMBER})",
        )
    others = sorted(_OTHER_DETAILS.intersection(data))
    if others:
        reader.fail(
            (*path, others[0]),
            f"occurrence has a {others[0]!r} detail; expected an attestation occurrence",
        )
    if "attestation" not in data:
        reader.fail(path, "missing 'attestation': not an ATTESTATION occurrence")
    resource_uri = _required_string(reader, data, "resourceUri", path)
    note_name = _required_string(reader, data, "noteName", path)
    att_path = (*path, "attestation")
    att = reader.mapping(
        data["attestation"], att_path, known=_ATTESTATION_FIELDS, what="an attestation"
    )
    payload = b""
    if "serializedPayload" in att:
        payload = _read_bytes(
            reader, att["serializedPayload"], (*att_path, "serializedPayload")
        )
    signatures = tuple(
        _read_signature(reader, item, (*att_path, "signatures", i))
        for i, item in enumerate(
            reader.sequence(_list_or_null(att, "signatures"), (*att_path, "signatures"))
        )
    )
    jwts = tuple(
        _read_jwt(reader, item, (*att_path, "jwts", i))
        for i, item in enumerate(
            reader.sequence(_list_or_null(att, "jwts"), (*att_path, "jwts"))
        )
    )
    return AttestationOccurrence(
        resource_uri=resource_uri,
        note_name=note_name,
        serialized_payload=payload,
        signatures=signatures,
        name=reader.optional_string(data, "name", path),
        create_time=_read_time(reader, data, "createTime", path),
        update_time=_read_time(reader, data, "updateTime", path),
        jwts=jwts,
    )


def _list_or_null(data: Mapping[str, Any], key: str) -> Any:
    """``data[key]``, where absent or ``null`` is an empty list (proto JSON)."""
    value = data.get(key)
    return [] if value is None else value


def _required_string(
    reader: FieldReader, data: Mapping[str, Any], key: str, path: Path
) -> str:
    if key not in data:
        reader.fail(path, f"missing required field {key!r}")
    text = reader.string(data[key], (*path, key))
    if not text:
        reader.fail((*path, key), f"{key} must not be empty")
    return text


def _read_bytes(reader: FieldReader, value: object, path: Path) -> bytes:
    if not isinstance(value, str):
        reader.fail(path, f"expected a base64 string, got {type_name(value)}")
    try:
        return decode_bytes(value)
    except ValueError as exc:
        reader.fail(path, str(exc))


def _read_signature(reader: FieldReader, value: object, path: Path) -> Signature:
    data = reader.mapping(
        value, path, known=("signature", "publicKeyId"), what="a signature"
    )
    raw = (
        _read_bytes(reader, data["signature"], (*path, "signature"))
        if "signature" in data
        else b""
    )
    key_id = reader.optional_string(data, "publicKeyId", path) or ""
    return Signature(signature=raw, public_key_id=key_id)


def _read_jwt(reader: FieldReader, value: object, path: Path) -> str:
    data = reader.mapping(value, path, known=("compactJwt",), what="a JWT")
    return reader.optional_string(data, "compactJwt", path) or ""


def _read_time(
    reader: FieldReader, data: Mapping[str, Any], key: str, path: Path
) -> datetime.datetime | None:
    text = reader.optional_string(data, key, path)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        reader.fail((*path, key), str(exc))


def load_occurrences(
    text: str, *, source: str = "<occurrences>"
) -> tuple[AttestationOccurrence, ...]:
    """Load occurrences from YAML or JSON text.

    Each document may be a list of occurrences, a Grafeas list reply
    ``{"occurrences": [...], "nextPageToken": ...}``, or one occurrence.

    Raises:
        OccurrenceError: an occurrence is not valid (with ``source:line``).
        InputError: the text is not YAML/JSON.
    """
    out: list[AttestationOccurrence] = []
    for data, locator in load_documents(text, source):
        reader = FieldReader(locator, OccurrenceError)
        items: list[Any]
        base: Path
        if isinstance(data, dict) and "occurrences" in data:
            reader.mapping(data, (), known=_LIST_FIELDS, what="an occurrence list")
            items, base = (
                reader.sequence(data["occurrences"], ("occurrences",)),
                ("occurrences",),
            )
        elif isinstance(data, list):
            items, base = data, ()
        elif isinstance(data, dict):
            out.append(_read_occurrence(reader, data, ()))
            continue
        else:
            reader.fail((), f"expected a list of occurrences, got {type_name(data)}")
        out.extend(
            _read_occurrence(reader, item, (*base, i)) for i, item in enumerate(items)
        )
    return tuple(out)
