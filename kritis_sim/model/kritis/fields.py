"""Reading Kritis resource fields the way Kritis' Go decoder does, but loudly.

Kritis' CRDs have no schema, so the API server stores any spec, and Kritis
decodes it with Go's ``encoding/json``: keys match struct fields
**case-insensitively** and unknown keys are **silently dropped**.
:class:`SpecReader` matches keys the same way, but says so when a key is
dropped (a warning with the file, line, field path and the closest known
name; an error under ``strict``) and refuses two keys that would set one
field (Go keeps the last; a careful reader does not guess). ``null`` is an
absent field, as in Go.

No I/O; nothing Kritis-specific beyond the decoding rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, NoReturn

from kritis_sim._yaml import Locator, Path, format_path
from kritis_sim.errors import KritisResourceError
from kritis_sim.model._fields import FieldReader, type_name

__all__ = ["SpecReader", "suggest"]


def suggest(value: str, known: Collection[str]) -> str:
    """``; did you mean 'X'?`` for the closest of ``known`` (case-folded), or
    the list of accepted names when none is close."""
    folded = {k.lower(): k for k in known}
    close = difflib.get_close_matches(value.lower(), sorted(folded), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {folded[close[0]]!r}?"
    return "; expected one of " + ", ".join(sorted(known))


@dataclass
class SpecReader:
    """Located reads of one document, collecting warnings.

    Attributes:
        locator: lines of the document.
        strict: refuse (rather than warn about) what Kritis would ignore.
        warnings: located warning lines, appended in reading order.
    """

    locator: Locator
    strict: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def f(self) -> FieldReader:
        return FieldReader(self.locator, KritisResourceError)

    def fail(self, path: Path, message: str) -> NoReturn:
        """Raise a located :class:`KritisResourceError`."""
        self.f.fail(path, message)

    def warn(self, path: Path, message: str, *, hint: str = "") -> None:
        """Record a located warning; under ``strict`` refuse instead."""
        if self.strict:
            self.fail(path, message + " (refused by --strict)" + hint)
        line = self.locator.line(path)
        where = self.locator.source if line is None else f"{self.locator.source}:{line}"
        where += f": {format_path(path)}" if path else ""
        self.warnings.append(f"{where}: {message}{hint}")

    def fields(
        self,
        value: object,
        path: Path,
        known: Collection[str],
        *,
        what: str,
        exact: bool = False,
    ) -> dict[str, tuple[Any, Path]]:
        """The known fields of mapping ``value``: canonical name -> (value, path).

        Keys match ``known`` case-insensitively unless ``exact`` (Kubernetes'
        own fields). Unknown keys are warned about (refused under ``strict``);
        ``null`` values are left out.
        """
        if not isinstance(value, dict):
            self.fail(path, f"expected {what} (a mapping), got {type_name(value)}")
        folded = {k.lower(): k for k in known}
        out: dict[str, tuple[Any, Path]] = {}
        spelled: dict[str, str] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.fail(path, f"field names must be strings, got {key!r}")
            canonical = key if key in known else None
            if canonical is None and not exact:
                canonical = folded.get(key.lower())
            if canonical is None:
                self.warn(
                    (*path, key),
                    f"unknown field {key!r} in {what}; Kritis silently ignores it"
                    + suggest(key, known),
                )
                continue
            if canonical in spelled:
                self.fail(
                    (*path, key),
                    f"{key!r} and {spelled[canonical]!r} both set {canonical!r} "
                    "(Kritis reads keys case-insensitively and keeps only one); "
                    "keep one",
                )
            spelled[canonical] = key
            if item is not None:
                out[canonical] = (item, (*path, key))
        return out

    def string(self, found: dict[str, tuple[Any, Path]], name: str) -> str:
        """A string field ('' when absent)."""
        if name not in found:
            return ""
        value, path = found[name]
        return self.f.string(value, path)

    def strings(
        self, found: dict[str, tuple[Any, Path]], name: str
    ) -> list[tuple[str, Path]]:
        """A list-of-strings field with the path of each entry."""
        if name not in found:
            return []
        value, path = found[name]
        items = self.f.sequence(value, path)
        return [(self.f.string(v, (*path, i)), (*path, i)) for i, v in enumerate(items)]
