"""Shape checks for decoded JSON objects, shared by the admission readers.

Each helper returns the value in the expected shape (``None`` reads as empty)
or raises :class:`~kritis_sim.errors.ManifestError` naming the field path. No
Kubernetes knowledge lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from kritis_sim.errors import ManifestError

__all__ = ["as_list", "mapping", "string_map"]


def mapping(value: Any, path: str) -> Mapping[str, Any]:
    """An object (``None`` is an empty one)."""
    if type(value) is dict:  # decoded JSON: skip the slower ABC check
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(
            f"expected an object, got {type(value).__name__}", path=path
        )
    return cast(Mapping[str, Any], value)


def as_list(value: Any, path: str) -> list[Any]:
    """A list (``None`` is an empty one)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ManifestError(f"expected a list, got {type(value).__name__}", path=path)
    return value


def string_map(value: Any, path: str) -> Mapping[str, Any]:
    """An object whose values are all strings (labels, annotations)."""
    result = mapping(value, path)
    for key, item in result.items():
        if not isinstance(item, str):
            raise ManifestError(
                f"expected a string value, got {type(item).__name__}",
                path=f"{path}[{key!r}]",
            )
    return result
