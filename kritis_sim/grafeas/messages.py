"""Shape checks for Grafeas v1 ``Note`` and ``Occurrence`` JSON, and update masks.

The emulator stores the JSON dicts themselves; this module makes sure they have
the v1 shape first: known top-level fields only (camelCase, or the proto
snake_case names, which proto3 JSON also accepts), exactly one detail, ``kind``
derived from that detail (given as a name or an integer, replies always carry
the name), attestation details checked down to their base64 bytes;
VULNERABILITY, DISCOVERY and BUILD details, their notes' details and every
``envelope`` are checked field by field in :mod:`.details`. Other details
(package, image, ...) are only required to be JSON objects.

Every problem is an ``INVALID_ARGUMENT`` :class:`ApiError` naming the field.
Not here: resource-name syntax (:mod:`.names`) and storage (:mod:`.store`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kritis_sim.grafeas.details import (
    RICH_KINDS,
    check_envelope,
    check_note_detail,
    check_rich_occurrence,
)
from kritis_sim.grafeas.googleerrors import InvalidArgument
from kritis_sim.grafeas.names import split_note_name
from kritis_sim.model.occurrence import decode_bytes

__all__ = [
    "NOTE_KINDS",
    "NOTE_MASK",
    "OCCURRENCE_MASK",
    "MaskSchema",
    "apply_update_mask",
    "check_note",
    "check_occurrence",
    "check_patch",
    "parse_kind",
]

#: NoteKind names by number (grafeas v1 ``common.proto``).
NOTE_KINDS: tuple[str, ...] = (
    "NOTE_KIND_UNSPECIFIED", "VULNERABILITY", "BUILD", "IMAGE", "PACKAGE",
    "DEPLOYMENT", "DISCOVERY", "ATTESTATION", "UPGRADE", "COMPLIANCE",
    "DSSE_ATTESTATION", "VULNERABILITY_ASSESSMENT", "SBOM_REFERENCE", "SECRET",
    "AI_SKILL_ANALYSIS",
)  # fmt: skip

_DETAIL_KIND = {
    "vulnerability": "VULNERABILITY", "build": "BUILD", "image": "IMAGE",
    "package": "PACKAGE", "deployment": "DEPLOYMENT", "discovery": "DISCOVERY",
    "attestation": "ATTESTATION", "upgrade": "UPGRADE", "compliance": "COMPLIANCE",
    "dsseAttestation": "DSSE_ATTESTATION", "sbomReference": "SBOM_REFERENCE",
    "secret": "SECRET", "aiSkillAnalysis": "AI_SKILL_ANALYSIS",
}  # fmt: skip
_NOTE_DETAILS = frozenset(_DETAIL_KIND) | {"vulnerabilityAssessment"}
_OCC_DETAILS = frozenset(_DETAIL_KIND)
_KIND_OF = {**_DETAIL_KIND, "vulnerabilityAssessment": "VULNERABILITY_ASSESSMENT"}

_NOTE_FIELDS = frozenset(
    {"name", "shortDescription", "longDescription", "kind", "relatedUrl",
     "expirationTime", "createTime", "updateTime", "relatedNoteNames"}
) | _NOTE_DETAILS  # fmt: skip
_OCC_FIELDS = frozenset(
    {"name", "resourceUri", "noteName", "kind", "remediation", "createTime",
     "updateTime", "envelope", "advisoryPublishTime"}
) | _OCC_DETAILS  # fmt: skip
_STRING_FIELDS = frozenset(
    {"name", "shortDescription", "longDescription", "expirationTime", "createTime",
     "updateTime", "resourceUri", "noteName", "remediation", "advisoryPublishTime"}
)  # fmt: skip
_SNAKE = re.compile(r"_([a-z0-9])")


def _camel(key: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), key)


def _normalise_keys(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        camel = _camel(key)
        if camel in out:
            raise InvalidArgument(f"{where}: field {camel!r} given twice")
        out[camel] = value
    return out


def parse_kind(value: object, where: str = "kind") -> str:
    """A NoteKind given as a name or an integer, returned as its name."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, int) and 0 <= value < len(NOTE_KINDS):
        return NOTE_KINDS[value]
    elif isinstance(value, str) and value in NOTE_KINDS:
        return value
    raise InvalidArgument(
        f"{where}: invalid value {value!r} for enum NoteKind "
        f"(expected one of {', '.join(NOTE_KINDS[1:])} or its number)"
    )


def _check_base64(value: object, where: str) -> None:
    if not isinstance(value, str):
        raise InvalidArgument(f"{where}: expected base64 bytes as a string")
    try:
        decode_bytes(value)  # the model's rule: the one the decision applies
    except ValueError as exc:
        raise InvalidArgument(f"{where}: {exc}: {value[:40]!r}") from None


def _check_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(
            f"{where}: expected a JSON object, got {type(value).__name__}"
        )
    return _normalise_keys(value, where)


def _check_fields(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidArgument(
            f"Invalid JSON payload received. Unknown name {unknown[0]!r} at "
            f"{where!r}: Cannot find field."
        )


def _check_attestation_occurrence(value: object, where: str) -> dict[str, Any]:
    att = _check_object(value, where)
    _check_fields(att, frozenset({"serializedPayload", "signatures", "jwts"}), where)
    if "serializedPayload" in att:
        _check_base64(att["serializedPayload"], f"{where}.serializedPayload")
    sigs = att.get("signatures", [])
    if not isinstance(sigs, list):
        raise InvalidArgument(f"{where}.signatures: expected a list")
    fixed = []
    for i, raw in enumerate(sigs):
        sw = f"{where}.signatures[{i}]"
        sig = _check_object(raw, sw)
        _check_fields(sig, frozenset({"signature", "publicKeyId"}), sw)
        if "signature" in sig:
            _check_base64(sig["signature"], f"{sw}.signature")
        if not isinstance(sig.get("publicKeyId", ""), str):
            raise InvalidArgument(f"{sw}.publicKeyId: expected a string")
        fixed.append(sig)
    if sigs:
        att["signatures"] = fixed
    jwts = att.get("jwts", [])
    if not isinstance(jwts, list) or not all(
        isinstance(j, dict) and set(j) <= {"compactJwt"} for j in jwts
    ):
        raise InvalidArgument(f"{where}.jwts: expected a list of {{compactJwt}}")
    return att


def _check_common(
    data: object, fields: frozenset[str], details: frozenset[str], where: str
) -> dict[str, Any]:
    obj = _check_object(data, where)
    _check_fields(obj, fields, where)
    for key in _STRING_FIELDS & set(obj):
        if not isinstance(obj[key], str):
            raise InvalidArgument(
                f"{where}.{key}: expected a string, got {type(obj[key]).__name__}"
            )
    present = [k for k in obj if k in details]
    if len(present) != 1:
        raise InvalidArgument(
            f"{where}: exactly one detail field is required "
            f"({', '.join(sorted(details))}); got {present or 'none'}"
        )
    detail = present[0]
    if detail == "attestation" and "resourceUri" in fields:
        obj[detail] = _check_attestation_occurrence(obj[detail], f"{where}.attestation")
    else:
        obj[detail] = _check_object(obj[detail], f"{where}.{detail}")
        if "resourceUri" not in fields:
            check_note_detail(detail, obj[detail], f"{where}.{detail}")
    derived = _KIND_OF[detail]
    if "kind" in obj:
        given = parse_kind(obj["kind"], f"{where}.kind")
        if given not in {derived, "NOTE_KIND_UNSPECIFIED"}:
            raise InvalidArgument(
                f"{where}.kind: {given} does not match the {detail!r} detail "
                f"(which means {derived})"
            )
    obj["kind"] = derived
    return obj


def check_note(data: object) -> dict[str, Any]:
    """Validate a Note body; return a camelCase copy with ``kind`` set."""
    note = _check_common(data, _NOTE_FIELDS, _NOTE_DETAILS, "note")
    related = note.get("relatedUrl", [])
    if not isinstance(related, list) or not all(isinstance(u, dict) for u in related):
        raise InvalidArgument("note.relatedUrl: expected a list of {url, label}")
    names = note.get("relatedNoteNames", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidArgument("note.relatedNoteNames: expected a list of strings")
    return note


def check_occurrence(data: object) -> dict[str, Any]:
    """Validate an Occurrence body; return a camelCase copy with ``kind`` set."""
    occ = _check_common(data, _OCC_FIELDS, _OCC_DETAILS, "occurrence")
    if not occ.get("resourceUri"):
        raise InvalidArgument("occurrence.resourceUri: required")
    if not occ.get("noteName"):
        raise InvalidArgument("occurrence.noteName: required")
    split_note_name(occ["noteName"], "occurrence.noteName")
    if "envelope" in occ:
        check_envelope(occ["envelope"], "occurrence.envelope")
    detail = RICH_KINDS.get(occ["kind"])
    if detail is not None:
        check_rich_occurrence(occ, detail)
    return occ


def check_patch(data: object, what: str) -> dict[str, Any]:
    """A PATCH body for a ``"note"`` or ``"occurrence"``: an object of known fields.

    The merged result is checked in full afterwards with :func:`check_note` or
    :func:`check_occurrence`.
    """
    obj = _check_object(data, what)
    _check_fields(obj, _NOTE_FIELDS if what == "note" else _OCC_FIELDS, what)
    return obj


#: What an update mask may name, per resource: a field maps to the fields
#: inside it (``{}``: nothing below it can be named) or to ``None`` (a detail
#: whose inner shape the emulator does not model: any path below it is taken).
MaskSchema = Mapping[str, "MaskSchema | None"]
_LEAF: MaskSchema = {}


def _mask_schema(fields: frozenset[str], details: frozenset[str]) -> MaskSchema:
    settable = fields - {"name", "createTime", "updateTime", "kind"}
    return {f: (None if f in details else _LEAF) for f in settable}


NOTE_MASK: MaskSchema = {
    **_mask_schema(_NOTE_FIELDS, _NOTE_DETAILS),
    "attestation": {"hint": {"humanReadableName": _LEAF}},
}
OCCURRENCE_MASK: MaskSchema = {
    **_mask_schema(_OCC_FIELDS, _OCC_DETAILS),
    "attestation": {"serializedPayload": _LEAF, "signatures": _LEAF, "jwts": _LEAF},
    "envelope": {"payload": _LEAF, "payloadType": _LEAF, "signatures": _LEAF},
}


def _check_mask_path(path: list[str], raw: str, schema: MaskSchema) -> None:
    level: MaskSchema | None = schema
    for depth, part in enumerate(path):
        if level is None:
            return
        if part not in level:
            where = ".".join(path[:depth]) or "the resource"
            known = ", ".join(sorted(level)) or "nothing"
            raise InvalidArgument(
                f"updateMask: unknown field path {raw!r}: {where} has no field "
                f"{part!r} (it has: {known})"
            )
        level = level[part]


def apply_update_mask(
    stored: Mapping[str, Any],
    patch: Mapping[str, Any],
    mask: str | None,
    output_only: frozenset[str],
    schema: MaskSchema | None = None,
) -> dict[str, Any]:
    """Merge ``patch`` into ``stored`` as an AIP-134 PATCH would.

    With a mask, each comma-separated camelCase (or snake_case) path is copied
    from ``patch``, or removed when ``patch`` lacks it. Without one, every field
    present in ``patch`` replaces the stored one. Output-only fields are never
    taken from ``patch``; naming them in the mask is an error, and so is a path
    that ``schema`` (:data:`NOTE_MASK`, :data:`OCCURRENCE_MASK`) does not know.
    """
    merged: dict[str, Any] = dict(stored)
    if mask is None or mask.strip() == "":
        for key, value in patch.items():
            if key not in output_only:
                merged[key] = value
        return merged
    for raw_path in mask.split(","):
        path = [_camel(p) for p in raw_path.strip().split(".")]
        if not all(path) or path[0] in output_only:
            raise InvalidArgument(
                f"updateMask: path {raw_path.strip()!r} cannot be updated"
            )
        if schema is not None:
            _check_mask_path(path, raw_path.strip(), schema)
        _copy_path(merged, patch, path, raw_path.strip())
    return merged


def _copy_path(
    target: dict[str, Any], source: Mapping[str, Any], path: list[str], raw: str
) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head in source:
            target[head] = source[head]
        else:
            target.pop(head, None)
        return
    sub_source = source.get(head, {})
    if not isinstance(sub_source, Mapping):
        raise InvalidArgument(f"updateMask: {raw!r} does not name an object field")
    sub_target = target.get(head)
    sub_target = dict(sub_target) if isinstance(sub_target, Mapping) else {}
    _copy_path(sub_target, sub_source, rest, raw)
    target[head] = sub_target
