"""A small declarative checker for the JSON shapes of Grafeas predicate messages.

SLSA predicates have many fields and several free-form ``Struct`` members; the
simulator keeps them as the JSON it was given (so they round-trip exactly) and
checks them against a shape written as data:

- a ``dict`` of field name to shape: a mapping with only those keys, all optional;
- a one-element ``list``: a list whose items have that shape;
- :data:`STRING`, :data:`BOOL`, :data:`NUMBER`, :data:`TIMESTAMP` (RFC 3339),
  :data:`BYTES` (base64), :data:`DIGEST` (a proto ``map<string,string>``),
  :data:`STRING_MAP`, :data:`STRUCT` (any JSON object) and :data:`ANY`.

``null`` is accepted for every field, as proto JSON treats it as "absent".
Errors are :class:`~kritis_sim.errors.OccurrenceError` located at the field.
This module knows nothing of SLSA itself and does no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, TypeVar

from kritis_sim._yaml import Path
from kritis_sim.model._fields import FieldReader, ProtoEnum, type_name
from kritis_sim.model.occurrence import decode_bytes, parse_timestamp

__all__ = [
    "Leaf",
    "Shape",
    "bool_field",
    "check_shape",
    "enum_field",
    "kept_as_given",
    "or_default",
]

P = TypeVar("P", bound=ProtoEnum)


class Leaf(enum.Enum):
    """Shapes of scalar and free-form fields."""

    STRING = "a string"
    BOOL = "a boolean"
    NUMBER = "a number"
    TIMESTAMP = "an RFC 3339 timestamp"
    BYTES = "a base64 string"
    DIGEST = "a digest map {algorithm: hex}"
    STRING_MAP = "a map of strings"
    STRUCT = "a JSON object"
    ANY = "any JSON value"


Shape = Leaf | Mapping[str, Any] | list[Any]


def check_shape(reader: FieldReader, value: object, path: Path, shape: Shape) -> None:
    """Check ``value`` against ``shape``; raise a located error on the first misfit."""
    if value is None or shape is Leaf.ANY:
        return
    if isinstance(shape, Leaf):
        _check_leaf(reader, value, path, shape)
    elif isinstance(shape, list):
        for i, item in enumerate(reader.sequence(value, path)):
            check_shape(reader, item, (*path, i), shape[0])
    else:
        data = reader.mapping(value, path, known=shape, what="a message")
        for key, item in data.items():
            check_shape(reader, item, (*path, key), shape[key])


def kept_as_given(
    reader: FieldReader, body: Mapping[str, Any], path: Path, shapes: Mapping[str, Shape]
) -> dict[str, Any]:
    """The fields of ``body`` named in ``shapes`` that are there (not null),
    each checked against its shape and kept as given, so it round-trips
    exactly; ``path`` is ``body``'s own."""
    kept: dict[str, Any] = {}
    for key, shape in shapes.items():
        if body.get(key) is not None:
            check_shape(reader, body[key], (*path, key), shape)
            kept[key] = body[key]
    return kept


def _check_leaf(reader: FieldReader, value: object, path: Path, leaf: Leaf) -> None:
    if leaf is Leaf.STRING:
        reader.string(value, path)
    elif leaf is Leaf.BOOL:
        if not isinstance(value, bool):
            reader.fail(path, f"expected {leaf.value}, got {type_name(value)}")
    elif leaf is Leaf.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            reader.fail(path, f"expected {leaf.value}, got {type_name(value)}")
    elif leaf is Leaf.TIMESTAMP:
        try:
            parse_timestamp(reader.string(value, path))
        except ValueError as exc:
            reader.fail(path, str(exc))
    elif leaf is Leaf.BYTES:
        try:
            decode_bytes(reader.string(value, path))
        except ValueError as exc:
            reader.fail(path, str(exc))
    elif leaf in (Leaf.DIGEST, Leaf.STRING_MAP):
        data = reader.string_map(value, path, what=leaf.value)
        for key, item in data.items():
            reader.string(item, (*path, key))
            if leaf is Leaf.DIGEST and not item:
                reader.fail((*path, key), f"digest {key!r} must not be empty")
    else:  # STRUCT
        reader.string_map(value, path, what=leaf.value)


def or_default(data: Mapping[str, Any], key: str, default: Any) -> Any:
    """``data[key]``, or ``default`` when absent or ``null`` (proto JSON)."""
    value = data.get(key)
    return default if value is None else value


def enum_field(
    reader: FieldReader, data: Mapping[str, Any], key: str, path: Path, cls: type[P]
) -> P:
    """An optional proto enum field (name or number); absent is the zero value."""
    value = data.get(key)
    if value is None:
        return cls.parse(0)
    return reader.enum_value(value, (*path, key), cls)


def bool_field(
    reader: FieldReader, data: Mapping[str, Any], key: str, path: Path
) -> bool:
    """An optional boolean field; absent is ``False``."""
    value = or_default(data, key, False)
    if not isinstance(value, bool):
        reader.fail(
            (*path, key), f"expected a boolean, got {type_name(value)} {value!r}"
        )
    return value
