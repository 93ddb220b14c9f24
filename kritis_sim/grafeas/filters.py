"""The subset of Container Analysis list filters the emulator understands.

Accepted: terms joined by ``AND``, each either ``FIELD = "value"`` or
``has_suffix(resourceUrl, "value")`` (what ``gcloud ... attestations list
--artifact-url`` sends). FIELD is one of ``resourceUrl`` (also Kritis'
``resource_url``), ``kind``, ``noteId``, ``noteProjectId`` or ``noteName``
(snake_case spellings too). Values are double-quoted strings with backslash
escapes; a bare word is accepted for ``kind``. ``kind`` takes a name or number.

Anything else (``OR``, ``NOT``, ``!=``, other fields, functions) is refused
with ``INVALID_ARGUMENT`` naming the unsupported part, rather than silently
ignored as the open-source Grafeas server does.

Not here: executing the filter against stored data (:mod:`.store` plans it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from kritis_sim.grafeas.googleerrors import InvalidArgument
from kritis_sim.grafeas.messages import parse_kind

__all__ = ["Filter", "parse_filter"]

_FIELDS = {
    "resourceUrl": "resource_url", "resource_url": "resource_url",
    "resourceUri": "resource_url", "resource_uri": "resource_url",
    "kind": "kind",
    "noteId": "note_id", "note_id": "note_id",
    "noteProjectId": "note_project", "note_project_id": "note_project",
    "noteName": "note_name", "note_name": "note_name",
}  # fmt: skip
_STRING = r'"(?P<{0}>(?:[^"\\]|\\.)*)"'
_EQ = re.compile(
    r"\s*(?P<field>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>!=|<=|>=|=|:|<|>)\s*(?:"
    + _STRING.format("quoted")
    + r"|(?P<bare>[A-Za-z0-9_]+))\s*"
)
_SUFFIX = re.compile(
    r"\s*has_suffix\(\s*(?P<field>[A-Za-z_]+)\s*,\s*"
    + _STRING.format("quoted")
    + r"\s*\)\s*"
)
_AND = re.compile(r"\s+AND\s+")


@dataclasses.dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: equality constraints plus an optional resource suffix.

    ``impossible`` is set when one field is constrained to two different values.
    """

    resource_url: str | None = None
    kind: str | None = None
    note_id: str | None = None
    note_project: str | None = None
    note_name: str | None = None
    resource_suffix: str | None = None
    impossible: bool = False

    def matches(self, occurrence: Mapping[str, Any]) -> bool:
        """Whether a stored occurrence (or note) satisfies every term."""
        if self.impossible:
            return False
        uri = occurrence.get("resourceUri")
        note = occurrence.get("noteName") or occurrence.get("name") or ""
        if self.resource_url is not None and uri != self.resource_url:
            return False
        if self.resource_suffix is not None and not (
            isinstance(uri, str) and uri.endswith(self.resource_suffix)
        ):
            return False
        if self.kind is not None and occurrence.get("kind") != self.kind:
            return False
        if self.note_name is not None and note != self.note_name:
            return False
        parts = note.split("/")
        if self.note_id is not None and parts[-1] != self.note_id:
            return False
        return self.note_project is None or (
            len(parts) > 1 and parts[1] == self.note_project
        )

    @property
    def exact_note_name(self) -> str | None:
        """The one note name the filter pins, when it pins one."""
        if self.note_name is not None:
            return self.note_name
        if self.note_id is not None and self.note_project is not None:
            return f"projects/{self.note_project}/notes/{self.note_id}"
        return None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_filter(text: str | None, *, allowed: frozenset[str] | None = None) -> Filter:
    """Parse ``text`` (``None`` or blank means no filter).

    Args:
        text: the ``filter`` query parameter.
        allowed: attribute names (``resource_url``, ``kind``...) allowed here;
            ``None`` allows all.

    Raises:
        ApiError: INVALID_ARGUMENT saying which part is not supported.
    """
    if text is None or not text.strip():
        return Filter()
    values: dict[str, str] = {}
    impossible = False
    for term in _AND.split(text.strip()):
        suffix = _SUFFIX.fullmatch(term)
        if suffix is not None:
            if _FIELDS.get(suffix["field"]) != "resource_url":
                raise InvalidArgument(
                    f"filter: has_suffix() is supported on resourceUrl only, "
                    f"not {suffix['field']!r}"
                )
            attr, value = "resource_suffix", _unescape(suffix["quoted"])
        else:
            match = _EQ.fullmatch(term)
            if match is None:
                raise InvalidArgument(
                    f"filter: unsupported term {term.strip()!r}; supported: "
                    'FIELD="value" joined by AND, with FIELD one of resourceUrl, '
                    'kind, noteId, noteProjectId, noteName, and has_suffix(resourceUrl, "...")'
                )
            field, op = match["field"], match["op"]
            if field not in _FIELDS:
                raise InvalidArgument(
                    f"filter: unsupported field {field!r}; supported: resourceUrl, "
                    "kind, noteId, noteProjectId, noteName"
                )
            if op != "=":
                raise InvalidArgument(
                    f"filter: unsupported operator {op!r} in {term.strip()!r}; only '=' is supported"
                )
            attr = _FIELDS[field]
            if match["quoted"] is not None:
                value = _unescape(match["quoted"])
            elif attr == "kind":
                value = match["bare"]
            else:
                raise InvalidArgument(
                    f"filter: the value for {field!r} must be a double-quoted string"
                )
            if attr == "kind":
                value = parse_kind(
                    int(value) if value.isdigit() else value, "filter: kind"
                )
        if allowed is not None and attr not in allowed:
            raise InvalidArgument(f"filter: {attr} is not supported on this list")
        if attr in values and values[attr] != value:
            impossible = True
        values[attr] = value
    return Filter(impossible=impossible, **values)
