"""in-toto Statements (v0.1 and v1) as pure values, on the wire and as Grafeas stores them.

A :class:`Statement` is ``{_type, subject[], predicateType, predicate}``. Three
JSON forms are read:

- **on the wire** (a DSSE payload, :func:`parse_statement`): the predicate is
  under ``predicate``; ``_type`` is ``https://in-toto.io/Statement/v0.1`` or
  ``.../v1``;
- **Grafeas ``InTotoStatement``** (``build.intotoStatement``,
  :func:`read_grafeas_statement`): v0.1, the predicate under a typed field
  (``slsaProvenanceZeroTwo``, ``slsaProvenance`` or ``provenance``) instead of
  ``predicate``;
- **Grafeas ``InTotoSlsaProvenanceV1``** (``build.inTotoSlsaProvenanceV1``): the
  on-the-wire shape, ``predicate`` included.

Subjects are matched **by digest only** (in-toto ``statement.md``); a digest
value must be lowercase hex, and ``sha256``/``sha512``/``sha1`` values must have
their exact length. JSON payloads with duplicate keys are refused (two parsers
could read different values). The predicate is kept as the JSON it was given;
:mod:`kritis_sim.model.provenance` checks the SLSA shapes.

This module verifies no signature (see :mod:`kritis_sim.crypto.dsse`) and does no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader, type_name

__all__ = [
    "GRAFEAS_PREDICATE_FIELDS",
    "STATEMENT_V01",
    "STATEMENT_V1",
    "Statement",
    "Subject",
    "parse_statement",
    "read_grafeas_statement",
    "read_statement",
]

STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
_STATEMENT_TYPES = (STATEMENT_V01, STATEMENT_V1)

#: Grafeas ``InTotoStatement`` predicate field -> the predicateType it carries.
GRAFEAS_PREDICATE_FIELDS: Mapping[str, str] = {
    "slsaProvenanceZeroTwo": "https://slsa.dev/provenance/v0.2",
    "slsaProvenance": "https://slsa.dev/provenance/v0.1",
    "provenance": "https://in-toto.io/Provenance/v0.1",
}
_HEX_LENGTHS = {"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128, "gitCommit": 40}
_HEX = re.compile(r"[0-9a-f]+", re.ASCII)
_WIRE_FIELDS = frozenset({"_type", "subject", "predicateType", "predicate"})


@dataclass(frozen=True, slots=True)
class Subject:
    """One subject: an optional name and its digests (``{"sha256": hex}``)."""

    digest: Mapping[str, str]
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name} if self.name else {}
        out["digest"] = dict(self.digest)
        return out


@dataclass(frozen=True, slots=True)
class Statement:
    """An in-toto Statement.

    Attributes:
        type: ``_type`` (Statement v0.1 or v1).
        subjects: what the statement is about, matched by digest.
        predicate_type: the predicate's type URI.
        predicate: the predicate JSON, as given (``{}`` when absent).
    """

    type: str
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any] = field(default_factory=dict)

    def matches_digest(self, digest: str) -> bool:
        """Whether a subject has ``digest`` (``sha256:<hex>``; algorithm and
        value compared exactly)."""
        alg, sep, value = digest.partition(":")
        return bool(sep) and any(s.digest.get(alg) == value for s in self.subjects)

    def to_dict(self) -> dict[str, Any]:
        """The on-the-wire JSON (predicate under ``predicate``)."""
        return {
            "_type": self.type,
            "subject": [s.to_dict() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def to_grafeas_dict(self) -> dict[str, Any]:
        """Grafeas ``InTotoStatement`` JSON (predicate under its typed field).

        Raises:
            OccurrenceError: the predicate type has no Grafeas field.
        """
        for key, ptype in GRAFEAS_PREDICATE_FIELDS.items():
            if ptype == self.predicate_type:
                out = self.to_dict()
                out[key] = out.pop("predicate")
                return out
        raise OccurrenceError(
            f"predicateType {self.predicate_type!r} has no InTotoStatement field; "
            "expected one of " + ", ".join(GRAFEAS_PREDICATE_FIELDS.values())
        )


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_statement(payload: bytes, *, source: str = "<payload>") -> Statement:
    """Parse a serialized in-toto Statement (a verified DSSE payload).

    Raises:
        OccurrenceError: not UTF-8 JSON, duplicate keys, or not a Statement;
            located at ``source`` and the field.
    """
    try:
        data = json.loads(payload.decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except UnicodeDecodeError as exc:
        raise OccurrenceError(
            f"payload is not UTF-8: byte 0x{payload[exc.start]:02x} at offset "
            f"{exc.start}",
            source=source,
        ) from None
    except (ValueError, RecursionError) as exc:
        raise OccurrenceError(
            f"payload is not an in-toto Statement (JSON): {exc}", source=source
        ) from None
    reader = FieldReader(Locator(source), OccurrenceError)
    return read_statement(reader, data, ())


def read_statement(reader: FieldReader, value: object, path: Path) -> Statement:
    """Read on-the-wire Statement JSON (also ``InTotoSlsaProvenanceV1``)."""
    data = reader.mapping(value, path, known=_WIRE_FIELDS, what="an in-toto Statement")
    predicate = data.get("predicate")
    if predicate is None:
        predicate = {}
    return _statement(reader, data, path, predicate, ("predicate",))


def read_grafeas_statement(reader: FieldReader, value: object, path: Path) -> Statement:
    """Read a Grafeas ``InTotoStatement`` (v0.1, predicate under a typed field)."""
    known = {"_type", "subject", "predicateType", *GRAFEAS_PREDICATE_FIELDS}
    data = reader.mapping(value, path, known=known, what="an InTotoStatement")
    present = [k for k in GRAFEAS_PREDICATE_FIELDS if data.get(k) is not None]
    if len(present) > 1:
        reader.fail(
            (*path, present[1]),
            f"an InTotoStatement has one predicate field, got {' and '.join(present)}",
        )
    if not present:
        return _statement(reader, data, path, {}, ())
    key = present[0]
    statement = _statement(reader, data, path, data[key], (key,))
    expected = GRAFEAS_PREDICATE_FIELDS[key]
    if statement.predicate_type != expected:
        reader.fail(
            (*path, "predicateType"),
            f"predicateType is {statement.predicate_type!r} but the predicate is "
            f"in {key!r}, which holds {expected!r}",
        )
    return statement


def _statement(
    reader: FieldReader,
    data: Mapping[str, Any],
    path: Path,
    predicate: object,
    predicate_key: tuple[str, ...],
) -> Statement:
    stype = data.get("_type")
    if stype not in _STATEMENT_TYPES:
        reader.fail(
            (*path, "_type"),
            f"_type is {stype!r}; expected one of " + ", ".join(_STATEMENT_TYPES),
        )
    subject_list = reader.sequence(data.get("subject"), (*path, "subject"))
    if not subject_list:
        reader.fail((*path, "subject"), "a Statement needs at least one subject")
    subjects = tuple(
        _read_subject(reader, item, (*path, "subject", i))
        for i, item in enumerate(subject_list)
    )
    ptype = data.get("predicateType")
    if not isinstance(ptype, str) or not ptype:
        reader.fail(
            (*path, "predicateType"),
            f"expected a predicate type URI, got {type_name(ptype)} {ptype!r}",
        )
    pdata = reader.string_map(predicate, (*path, *predicate_key), what="a predicate")
    return Statement(stype, subjects, ptype, pdata)


def _read_subject(reader: FieldReader, value: object, path: Path) -> Subject:
    data = reader.mapping(value, path, known=("name", "digest"), what="a subject")
    name = reader.optional_string(data, "name", path) or ""
    digest = reader.string_map(
        data.get("digest"), (*path, "digest"), what="a digest set"
    )
    if not digest:
        reader.fail((*path, "digest"), "a subject needs at least one digest")
    for alg, hexval in digest.items():
        where = (*path, "digest", alg)
        reader.string(hexval, where)
        want = _HEX_LENGTHS.get(alg)
        if not _HEX.fullmatch(hexval) or (want is not None and len(hexval) != want):
            size = f"{want} " if want else ""
            reader.fail(where, f"expected {size}lowercase hex digits, got {hexval!r}")
    return Subject(dict(digest), name)
