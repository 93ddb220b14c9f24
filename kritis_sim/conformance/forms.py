"""The wire forms a case's occurrences are written in, and moving them in time.

Real stores and clients do not agree on one normalised occurrence shape, so a
case may say which *form* each occurrence is written in (``form`` on a
``world.yaml`` occurrence entry: one name or a list). The loader checks that
the occurrence really has every form it declares, and the suite stores it as
written; only ``createTime``/``updateTime`` are moved to the wall clock, and
they keep their offset and their number of fractional digits
(:func:`shift_timestamp`).

Forms (sources in docs/conformance.md):

* ``api``: what the Grafeas v1 REST API returns by default: ``resourceUri``
  with ``https://``, ``kind`` as the enum name, timestamps in UTC with ``Z``;
* ``gcloud-resource-uri``: ``resourceUri`` without a scheme, as gcloud 528
  ``container binauthz attestations create`` stores it;
* ``int-enum-kind``: ``kind`` as the proto number ``7``, as the ``grafeas``
  Python client receives it (``$alt=json;enum-encoding=int``);
* ``offset-timestamps``: ``createTime`` with a ``+hh:mm``/``-hh:mm`` offset
  rather than ``Z`` (RFC 3339 allows it; proto JSON parsers accept it);
* ``nanosecond-timestamps``: ``createTime`` with 9 fractional digits, as
  Grafeas and Go write ``Timestamp`` values with nanoseconds;
* ``whole-second-timestamps``: ``createTime`` without a fraction.

This module neither reads files nor talks HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta, timezone
from typing import Any

from kritis_sim.conformance._fields import Fields
from kritis_sim.model.occurrence import parse_timestamp

__all__ = [
    "FORMS",
    "check_form",
    "declared_forms",
    "shift_timestamp",
    "timestamp_shape",
]

_SHAPE = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))?(?:[Zz]|([+-]\d{2}:\d{2}))",
    re.ASCII,
)
_FRACTION = re.compile(r"\.\d{1,9}(?=[Zz+-])", re.ASCII)


def timestamp_shape(text: str) -> tuple[str, str | None]:
    """(fraction digits, offset) of an RFC 3339 timestamp: ``("123", "+02:00")``;
    the offset is None for ``Z``.

    Raises:
        ValueError: ``text`` is not an RFC 3339 timestamp.
    """
    match = _SHAPE.fullmatch(text)
    if match is None:
        raise ValueError(f"expected an RFC 3339 timestamp, got {text!r}")
    return match.group(1) or "", match.group(2)


def shift_timestamp(text: str, delta: timedelta) -> str:
    """``text`` moved by ``delta`` rounded to whole seconds, written in the same
    shape: the same offset (or ``Z``) and the same fractional digits, kept
    exactly as written (so a case's ``.999999999`` reaches the enforcer as
    such; the rounding moves an age by at most half a second).

    Raises:
        ValueError: ``text`` is not an RFC 3339 timestamp.
    """
    fraction, offset = timestamp_shape(text)
    seconds = round(delta / timedelta(seconds=1))
    whole = _FRACTION.sub("", text)  # the instant without its fraction
    moved = parse_timestamp(whole) + timedelta(seconds=seconds)
    if offset is None:
        local = moved.astimezone(UTC)
        suffix = "Z"
    else:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        local = moved.astimezone(
            timezone(sign * timedelta(hours=hours, minutes=minutes))
        )
        suffix = offset
    head = local.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{head}.{fraction}{suffix}" if fraction else head + suffix


def _time(occ: Mapping[str, Any]) -> tuple[str, str | None] | None:
    value = occ.get("createTime")
    if not isinstance(value, str):
        return None
    try:
        return timestamp_shape(value)
    except ValueError:
        return None


def _api(occ: Mapping[str, Any]) -> str | None:
    uri, kind, shape = occ.get("resourceUri"), occ.get("kind"), _time(occ)
    if not (isinstance(uri, str) and uri.startswith("https://")):
        return f"resourceUri must start with https://, got {uri!r}"
    if kind != "ATTESTATION":
        return f"kind must be 'ATTESTATION', got {kind!r}"
    if shape is None or shape[1] is not None:
        return (
            f"createTime must be RFC 3339 in UTC with Z, got {occ.get('createTime')!r}"
        )
    return None


def _gcloud(occ: Mapping[str, Any]) -> str | None:
    uri = occ.get("resourceUri")
    if not isinstance(uri, str) or "://" in uri:
        return f"resourceUri must have no scheme, got {uri!r}"
    return None


def _int_kind(occ: Mapping[str, Any]) -> str | None:
    kind = occ.get("kind")
    if kind != 7 or isinstance(kind, bool):
        return f"kind must be the integer 7, got {kind!r}"
    return None


def _shape_check(
    ok: Callable[[tuple[str, str | None]], bool], want: str
) -> Callable[[Mapping[str, Any]], str | None]:
    def check(occ: Mapping[str, Any]) -> str | None:
        shape = _time(occ)
        if shape is None or not ok(shape):
            return f"createTime must be {want}, got {occ.get('createTime')!r}"
        return None

    return check


#: Form name -> check returning what is wrong (None when the occurrence has it).
FORMS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "api": _api,
    "gcloud-resource-uri": _gcloud,
    "int-enum-kind": _int_kind,
    "offset-timestamps": _shape_check(
        lambda s: s[1] is not None, "RFC 3339 with a +hh:mm or -hh:mm offset"
    ),
    "nanosecond-timestamps": _shape_check(
        lambda s: len(s[0]) == 9, "RFC 3339 with 9 fractional digits"
    ),
    "whole-second-timestamps": _shape_check(
        lambda s: s[0] == "", "RFC 3339 without fractional seconds"
    ),
}


def check_form(name: str, occurrence: Mapping[str, Any]) -> str | None:
    """What keeps ``occurrence`` from being in form ``name`` (None: it is).

    Raises:
        KeyError: ``name`` is not a known form.
    """
    return FORMS[name](occurrence)


def declared_forms(doc: Fields, i: int, occ: Mapping[str, Any]) -> tuple[str, ...]:
    """Check entry ``i`` of ``world.yaml``'s ``occurrences``: its times are RFC
    3339 (so they can be shifted) and it has every form its ``form`` names.

    Returns:
        The declared form names.

    Raises:
        InputError: a bad time, an unknown form, or a form the occurrence lacks.
    """
    for key in ("createTime", "updateTime"):
        if occ.get(key) is None:
            continue
        where = ("occurrences", i, "occurrence", key)
        try:
            parse_timestamp(doc.string(where))
        except ValueError as exc:
            raise doc.error(where, str(exc)) from None
    path: tuple[str | int, ...] = ("occurrences", i, "form")
    raw = doc.get(path)
    names = (raw,) if isinstance(raw, str) else doc.strings(path)
    for name in names:
        if name not in FORMS:
            raise doc.error(
                path, f"unknown form {name!r}; known forms: {', '.join(FORMS)}"
            )
        problem = check_form(name, occ)
        if problem is not None:
            raise doc.error(path, f"the occurrence is not in form {name!r}: {problem}")
    return names
