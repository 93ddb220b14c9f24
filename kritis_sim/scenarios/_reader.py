"""Typed, located field access for the scenario loader.

Every problem found while reading a scenario file becomes a
:class:`~kritis_sim.errors.ScenarioError` that names the file, the line and the
field path (``events[4].deploy.expect``). This module wraps the model layer's
:class:`~kritis_sim.model._fields.FieldReader` with the few extra checks the
scenario format needs (names, booleans, integers, durations, one-of choices,
verb-keyed event mappings). It knows nothing about what the fields mean.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Mapping
from typing import Any, NoReturn

from kritis_sim._yaml import Locator, Path, format_path
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.model._fields import FieldReader, type_name
from kritis_sim.model.durations import DurationSyntaxError, parse_duration

__all__ = ["NAME_RE", "Reader", "relocate"]

#: Names of environments, attestors, keys, stages and artifacts.
NAME_RE = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")


def relocate(exc: InputError, locator: Locator, path: Path) -> ScenarioError:
    """Turn any located input error (policy, manifest, ...) into a ScenarioError.

    Errors raised with their own file and line (a policy file) keep them; errors
    about inline data without a line get the line of ``path`` in the scenario.
    """
    if exc.source is not None and exc.line is not None:
        return ScenarioError(exc.message, path=exc.path, source=exc.source, line=exc.line)
    inner = f"{exc.path}: " if exc.path else ""
    return ScenarioError(
        f"{inner}{exc.message}",
        path=format_path(path) or None,
        source=locator.source,
        line=locator.line(path),
    )


class Reader:
    """Reads one scenario document; every failure is a located ScenarioError."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.fields = FieldReader(locator, ScenarioError)

    def fail(self, path: Path, message: str) -> NoReturn:
        """Raise a ScenarioError at ``path``."""
        self.fields.fail(path, message)

    def line(self, path: Path) -> int | None:
        """The 1-based line of ``path`` (or its nearest ancestor)."""
        return self.locator.line(path)

    def mapping(
        self, value: object, path: Path, *, known: Collection[str], what: str
    ) -> Mapping[str, Any]:
        """A mapping whose keys are all in ``known`` (suggesting close names)."""
        return self.fields.mapping(value, path, known=known, what=what)

    def require(self, doc: Mapping[str, Any], key: str, path: Path, what: str) -> Any:
        """``doc[key]``, or a "missing field" error located at ``path``."""
        if key not in doc:
            self.fail(path, f"{what} needs the field {key!r}")
        return doc[key]

    def string(self, value: object, path: Path) -> str:
        """A non-empty string."""
        text = self.fields.string(value, path)
        if not text:
            self.fail(path, "expected a non-empty string")
        return text

    def opt_string(self, doc: Mapping[str, Any], key: str, path: Path) -> str | None:
        """``doc[key]`` as a string, or None when absent."""
        return None if key not in doc else self.string(doc[key], (*path, key))

    def name(self, value: object, path: Path, what: str) -> str:
        """A lower-case name (letters, digits, ``.``, ``_``, ``-``)."""
        text = self.string(value, path)
        if not NAME_RE.fullmatch(text):
            self.fail(
                path,
                f"{what} name {text!r} must be lower-case letters, digits, '.', '_' "
                "or '-', starting and ending with a letter or digit (at most 64)",
            )
        return text

    def boolean(self, doc: Mapping[str, Any], key: str, path: Path, default: bool) -> bool:
        """``doc[key]`` as a boolean (``true``/``false``), or ``default``."""
        if key not in doc:
            return default
        value = doc[key]
        if not isinstance(value, bool):
            self.fail((*path, key), f"expected true or false, got {type_name(value)} {value!r}")
        return value

    def integer(
        self, doc: Mapping[str, Any], key: str, path: Path, *, default: int, low: int, high: int
    ) -> int:
        """``doc[key]`` as an integer in ``[low, high]``, or ``default``."""
        if key not in doc:
            return default
        value = doc[key]
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail((*path, key), f"expected an integer, got {type_name(value)} {value!r}")
        if not low <= value <= high:
            self.fail((*path, key), f"expected an integer from {low} to {high}, got {value}")
        return value

    def sequence(self, value: object, path: Path) -> list[Any]:
        """A list."""
        return self.fields.sequence(value, path)

    def strings(self, value: object, path: Path) -> tuple[str, ...]:
        """A string, or a list of strings, as a tuple."""
        if isinstance(value, str):
            return (self.string(value, path),)
        return tuple(self.string(v, (*path, i)) for i, v in enumerate(self.sequence(value, path)))

    def choice(self, value: object, path: Path, choices: Collection[str]) -> str:
        """One of ``choices``."""
        text = self.string(value, path)
        if text not in choices:
            self.fail(path, f"expected one of {', '.join(sorted(choices))}, got {text!r}")
        return text

    def duration(self, value: object, path: Path) -> datetime.timedelta:
        """A duration string such as ``25h`` or ``1d12h``."""
        if isinstance(value, int) and not isinstance(value, bool):
            self.fail(path, f"expected a duration with a unit such as '{value}s', got {value}")
        try:
            return parse_duration(self.string(value, path))
        except DurationSyntaxError as exc:
            self.fail(path, str(exc))

    def timestamp(self, value: object, path: Path) -> datetime.datetime:
        """An RFC 3339 timestamp with a time zone."""
        text = self.string(value, path)
        try:
            when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(path, f"expected an RFC 3339 timestamp such as 2024-05-01T09:00:00Z, got {text!r}")
        if when.tzinfo is None:
            self.fail(path, f"the timestamp {text!r} needs a time zone (e.g. a trailing 'Z')")
        return when.astimezone(datetime.UTC)

    def verb(
        self, value: object, path: Path, verbs: Collection[str]
    ) -> tuple[str, Any]:
        """An event: a mapping with exactly one key, the verb."""
        if not isinstance(value, dict) or len(value) != 1:
            got = type_name(value) if not isinstance(value, dict) else f"{len(value)} keys"
            self.fail(
                path,
                "an event is a mapping with exactly one key, the verb (one of "
                f"{', '.join(sorted(verbs))}), got {got}",
            )
        ((verb, body),) = value.items()
        self.mapping(value, path, known=verbs, what="an event")
        return verb, body
