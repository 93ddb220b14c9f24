"""Resource names the emulator accepts, and clocks/ids it hands out.

A *parent* is ``projects/P`` or ``projects/P/locations/L``; resources hang off
it: ``{parent}/notes/N``, ``{parent}/occurrences/O``, ``projects/P/attestors/A``,
``projects/P/policy``. Every segment is checked against a conservative
character set, so ``projects/../notes`` or an id with ``/`` is refused with
``INVALID_ARGUMENT`` before anything reaches the store.

Not here: the JSON shape of resources (:mod:`kritis_sim.grafeas.messages`).
"""

from __future__ import annotations

import datetime
import re
import uuid

from kritis_sim.grafeas.googleerrors import ApiError, InvalidArgument

__all__ = [
    "check_id",
    "new_occurrence_id",
    "now_rfc3339",
    "parent_name",
    "split_note_name",
]

# Project ids: GCP's rule (lower-case letter first; lower-case letters, digits
# and hyphens; no trailing hyphen; at most 30 characters), optionally
# domain-scoped ("example.com:my-project"), or a project number. GCP's minimum
# of 6 characters is not enforced, so short test ids like "p" work.
_PROJECT = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?:)?[a-z](?:[a-z0-9-]{0,28}[a-z0-9])?"
    r"|[0-9]{1,20}"
)
# Locations: "global", "us-central1", "europe-west4", ...
_LOCATION = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.~-]{0,127}")
_PROJECT_RULE = (
    "a project ID (lower-case letters, digits and hyphens, starting with a "
    "letter, not ending with a hyphen, at most 30 characters, optionally "
    "'example.com:' in front) or a project number"
)
_LOCATION_RULE = "lower-case letters, digits and hyphens, starting with a letter"
_ID_RULE = (
    "letters, digits, '_', '-', '~' or '.' (not starting with '.', '-' or '~'), "
    "at most 128 characters"
)
_NOTE_NAME = re.compile(
    r"projects/(?P<project>[^/]+)(?:/locations/(?P<location>[^/]+))?/notes/(?P<note>[^/]+)"
)


def check_id(value: str, what: str) -> str:
    """Return ``value`` when it is a usable id segment, else raise 400."""
    if what == "project":
        pattern, expected = _PROJECT, _PROJECT_RULE
    elif what == "location":
        pattern, expected = _LOCATION, _LOCATION_RULE
    else:
        pattern, expected = _ID, _ID_RULE
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidArgument(f"invalid {what} id {value!r}: expected {expected}")
    return value


def parent_name(project: str, location: str | None = None) -> str:
    """``projects/P`` or ``projects/P/locations/L``, after checking both ids."""
    check_id(project, "project")
    if location is None:
        return f"projects/{project}"
    check_id(location, "location")
    return f"projects/{project}/locations/{location}"


def split_note_name(name: str, field: str = "noteName") -> tuple[str, str]:
    """Split ``projects/P[/locations/L]/notes/N`` into (parent, note id).

    Raises:
        ApiError: INVALID_ARGUMENT naming ``field`` when ``name`` has another shape.
    """
    match = _NOTE_NAME.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise InvalidArgument(
            f"{field}: expected 'projects/PROJECT/notes/NOTE', got {name!r}"
        )
    try:
        parent = parent_name(match["project"], match["location"])
        check_id(match["note"], "note")
    except ApiError as exc:
        raise InvalidArgument(f"{field}: {exc.message}") from None
    return parent, match["note"]


def new_occurrence_id() -> str:
    """A fresh server-assigned occurrence id (a UUID, as Container Analysis uses)."""
    return str(uuid.uuid4())


def now_rfc3339() -> str:
    """The current UTC time as RFC 3339 with microseconds and ``Z``."""
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
