"""Typed checks of the VULNERABILITY, DISCOVERY and BUILD details, and envelopes.

:mod:`.messages` checks the shape every Note and Occurrence shares; this module
checks, for the kinds platform-policy checks read, what is *inside* the detail,
with the model's own readers (:mod:`kritis_sim.model.vulnerability`,
:mod:`~kritis_sim.model.discovery`, :mod:`~kritis_sim.model.provenance`): an
occurrence the decision core could not read is refused when it is written
(``400 INVALID_ARGUMENT`` naming the field, e.g.
``occurrence.build.intotoStatement.subject[0].digest.sha256: ...``), so a
stored occurrence never fails later. The detail is stored as the model writes
it back: enums as names (the grafeas client sends numbers), defaults omitted.

Also here: the DSSE ``envelope`` of any occurrence (payload and signatures
base64, ``payloadType`` required), the small note details of those kinds
(``BuildNote``, ``DiscoveryNote``, ``VulnerabilityNote``), and
:func:`parse_platform_occurrence`, which turns a stored (or fetched) occurrence
dict into the model value the platform-policy checks take.

Not here: ATTESTATION details (:mod:`.messages`), verification of signatures
(the checks do that, at evaluation).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from kritis_sim.errors import GrafeasError, InputError
from kritis_sim.grafeas.googleerrors import InvalidArgument
from kritis_sim.model._fields import ProtoEnum
from kritis_sim.model.discovery import DiscoveryOccurrence
from kritis_sim.model.envelope import Envelope
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import (
    CvssVersion,
    Severity,
    VulnerabilityOccurrence,
)

logger = logging.getLogger("kritis_sim.grafeas")

__all__ = [
    "PARSE_CACHE_SIZE",
    "RICH_KINDS",
    "PlatformOccurrenceValue",
    "check_envelope",
    "check_note_detail",
    "check_rich_occurrence",
    "parse_listed",
    "parse_platform_occurrence",
]

_Parsed = VulnerabilityOccurrence | DiscoveryOccurrence | BuildOccurrence
_MODELS: dict[str, Callable[[Mapping[str, Any]], _Parsed]] = {
    "vulnerability": VulnerabilityOccurrence.from_dict,
    "discovery": DiscoveryOccurrence.from_dict,
    "build": BuildOccurrence.from_dict,
}
#: Occurrence kinds whose detail is checked field by field here.
RICH_KINDS = {
    "VULNERABILITY": "vulnerability",
    "DISCOVERY": "discovery",
    "BUILD": "build",
}


def _invalid(exc: InputError, where: str) -> Exception:
    inner = exc.path or ""
    sep = "" if not inner or inner.startswith("[") else "."
    return InvalidArgument(f"{where}{sep}{inner}: {exc.message}")


def check_envelope(value: object, where: str) -> None:
    """Refuse an envelope the DSSE verifier could not read (400 naming the field)."""
    if not isinstance(value, dict):
        raise InvalidArgument(
            f"{where}: expected a JSON object, got {type(value).__name__}"
        )
    try:
        Envelope.from_dict(value)
    except InputError as exc:
        raise _invalid(exc, where) from None


def check_rich_occurrence(occ: dict[str, Any], detail: str) -> dict[str, Any]:
    """Check a VULNERABILITY, DISCOVERY or BUILD occurrence with the model.

    ``occ`` is the camelCase occurrence :mod:`.messages` has already checked
    (``kind`` set, one detail). Returns it with the detail as the model writes
    it (enum names, defaults omitted).

    Raises:
        ApiError: INVALID_ARGUMENT naming the field the model refused.
    """
    try:
        model = _MODELS[detail](occ)
    except InputError as exc:
        raise _invalid(exc, "occurrence") from None
    occ[detail] = model.to_dict()[detail]
    return occ


_NOTE_DETAIL_FIELDS: dict[str, frozenset[str]] = {
    "build": frozenset({"builderVersion"}),
    "discovery": frozenset({"analysisKind"}),
    "vulnerability": frozenset(
        {
            "cvssScore",
            "cvssV2",
            "cvssV3",
            "cvssVersion",
            "details",
            "severity",
            "sourceUpdateTime",
            "windowsDetails",
        }
    ),
}


def _enum(body: dict[str, Any], key: str, cls: type[ProtoEnum], where: str) -> None:
    if key not in body or body[key] is None:
        return
    try:
        body[key] = cls.parse(body[key]).value
    except ValueError as exc:
        raise InvalidArgument(f"{where}.{key}: {exc}") from None


def check_note_detail(detail: str, value: dict[str, Any], where: str) -> None:
    """Check (and canonicalise enums of) a BUILD, DISCOVERY or VULNERABILITY
    note detail in place; other details are left to :mod:`.messages`."""
    fields = _NOTE_DETAIL_FIELDS.get(detail)
    if fields is None:
        return
    unknown = sorted(set(value) - fields)
    if unknown:
        raise InvalidArgument(
            f"Invalid JSON payload received. Unknown name {unknown[0]!r} at "
            f"{where!r}: Cannot find field."
        )
    if detail == "build" and not isinstance(value.get("builderVersion", ""), str):
        raise InvalidArgument(f"{where}.builderVersion: expected a string")
    if detail == "discovery":
        from kritis_sim.grafeas.messages import parse_kind

        if value.get("analysisKind") is not None:
            value["analysisKind"] = parse_kind(
                value["analysisKind"], f"{where}.analysisKind"
            )
    if detail == "vulnerability":
        _enum(value, "severity", Severity, where)
        _enum(value, "cvssVersion", CvssVersion, where)
        score = value.get("cvssScore")
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not 0 <= score <= 10
        ):
            raise InvalidArgument(
                f"{where}.cvssScore: expected a number from 0 to 10, got {score!r}"
            )
        for key in ("details", "windowsDetails"):
            items = value.get(key, [])
            if not isinstance(items, list) or not all(
                isinstance(i, dict) for i in items
            ):
                raise InvalidArgument(f"{where}.{key}: expected a list of objects")


PlatformOccurrenceValue = _Parsed | AttestationOccurrence


def parse_platform_occurrence(data: Mapping[str, Any]) -> PlatformOccurrenceValue:
    """The model value of a VULNERABILITY, DISCOVERY, BUILD or ATTESTATION occurrence.

    Raises:
        InputError: another kind, or a body the model refuses.
    """
    kind = data.get("kind")
    if kind == "ATTESTATION":
        return AttestationOccurrence.from_dict(data)
    detail = RICH_KINDS.get(kind) if isinstance(kind, str) else None
    if detail is None:
        raise InputError(
            f"occurrence {data.get('name')} has kind {kind!r}; expected one of "
            "VULNERABILITY, DISCOVERY, BUILD, ATTESTATION"
        )
    return _MODELS[detail](data)


#: Most parsed occurrences :func:`parse_listed` keeps.
PARSE_CACHE_SIZE = 20_000


def parse_listed(
    kind: str, data: Mapping[str, Any], origin: str
) -> PlatformOccurrenceValue | None:
    """One listed occurrence of ``kind`` as its model value, for a reader.

    Parsing is most of the cost of a read (about 1 ms for a vulnerability with
    its package issues), so values are kept in a bounded LRU cache
    (:data:`PARSE_CACHE_SIZE`) keyed on the occurrence's exact JSON: a changed
    occurrence is another key, so a stale value is never served.

    Returns:
        None for a malformed ATTESTATION occurrence (skipped with a warning:
        it could never verify).

    Raises:
        GrafeasError: a VULNERABILITY, DISCOVERY or BUILD occurrence the model
            refuses (skipping it could hide a vulnerability); ``origin`` says
            where it came from.
    """
    return _parse_listed(kind, orjson.dumps(data), origin)


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_listed(kind: str, raw: bytes, origin: str) -> PlatformOccurrenceValue | None:
    data = orjson.loads(raw)
    try:
        return parse_platform_occurrence({**data, "kind": kind})
    except InputError as exc:
        if kind == "ATTESTATION":
            logger.warning(
                "skipping malformed occurrence %s: %s", data.get("name"), exc
            )
            return None
        raise GrafeasError(
            f"{kind} occurrence {data.get('name')} from {origin} is not valid: {exc}"
        ) from exc
