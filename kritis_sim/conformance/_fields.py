"""Typed field access for the case files, with errors that name file, line and field.

:class:`Fields` wraps one parsed case document (``world.yaml``,
``request.yaml``, ``expect.yaml``) and its :class:`~kritis_sim._yaml.Locator`.
Every getter either returns a value of the promised type or raises
:class:`~kritis_sim.errors.InputError` saying where the field is and what was
expected, so no malformed case reaches the runner as a ``KeyError`` or
``TypeError``. It knows nothing about what the fields mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import InputError

__all__ = ["Fields", "show"]


def show(value: Any) -> str:
    """A short rendering of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Fields:
    """Checked reads from one document.

    Args:
        data: the parsed document.
        locator: its field lines (None: no lines known).
        source: the file name for messages.
    """

    def __init__(self, data: Any, locator: Locator | None, source: str) -> None:
        self.data = data
        self.locator = locator or Locator(source)
        self.source = source

    def error(self, path: Path, message: str) -> InputError:
        """An :class:`InputError` located at ``path``."""
        return self.locator.error(InputError, path, message)

    def root(self, what: str) -> Mapping[str, Any]:
        """The document itself, which must be a mapping (empty: ``{}``)."""
        if self.data is None:
            return {}
        if not isinstance(self.data, Mapping):
            raise self.error((), f"expected a mapping ({what}), got {show(self.data)}")
        return self.data

    def get(self, path: Path) -> Any:
        """The raw value at ``path`` (None when any step is absent)."""
        node: Any = self.data
        for step in path:
            if isinstance(step, int):
                node = (
                    node[step] if isinstance(node, list) and step < len(node) else None
                )
            else:
                node = node.get(step) if isinstance(node, Mapping) else None
        return node

    def mapping(self, path: Path, *, required: bool = False) -> Mapping[str, Any]:
        """A mapping with string keys (absent: ``{}`` unless ``required``)."""
        value = self.get(path)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self.error(path, f"expected a mapping, got {show(value)}")
        return value

    def items(self, path: Path) -> list[Any]:
        """A list (absent: ``[]``)."""
        value = self.get(path)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path, f"expected a list, got {show(value)}")
        return value

    def string(self, path: Path, default: str | None = None) -> str:
        """A string (absent: ``default``, which None makes required)."""
        value = self.get(path)
        if value is None and default is not None:
            return default
        if not isinstance(value, str):
            raise self.error(path, f"expected a string, got {show(value)}")
        return value

    def optional_string(self, path: Path) -> str | None:
        """A string or None."""
        value = self.get(path)
        if value is not None and not isinstance(value, str):
            raise self.error(path, f"expected a string, got {show(value)}")
        return value

    def strings(self, path: Path) -> tuple[str, ...]:
        """A list of strings (absent: empty)."""
        out = []
        for i, value in enumerate(self.items(path)):
            if not isinstance(value, str):
                raise self.error((*path, i), f"expected a string, got {show(value)}")
            out.append(value)
        return tuple(out)

    def boolean(self, path: Path, default: bool | None = None) -> bool:
        """``true`` or ``false`` (absent: ``default``, which None makes required)."""
        value = self.get(path)
        if value is None and default is not None:
            return default
        if not isinstance(value, bool):
            raise self.error(path, f"expected true or false, got {show(value)}")
        return value

    def integer(self, path: Path, default: int, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]`` (absent: ``default``)."""
        value = self.get(path)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not lo <= value <= hi
        ):
            raise self.error(
                path, f"expected an integer from {lo} to {hi}, got {show(value)}"
            )
        return value

    def number(self, path: Path, default: float, lo: float, hi: float) -> float:
        """A number in ``[lo, hi]`` (absent: ``default``)."""
        value = self.get(path)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not lo <= value <= hi
        ):
            raise self.error(
                path, f"expected a number from {lo} to {hi}, got {show(value)}"
            )
        return float(value)

    def pattern(self, path: Path, value: Any) -> str:
        """``value`` (found at ``path``) as a valid regular expression."""
        if not isinstance(value, str):
            raise self.error(path, f"expected a regular expression, got {show(value)}")
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:
            raise self.error(
                path, f"bad regular expression {show(value)}: {exc}"
            ) from None
        return value
