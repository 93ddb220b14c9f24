"""Typed field access for the policy and attestor loaders.

The loaders in :mod:`kritis_sim.model.policy_load` and
:mod:`kritis_sim.model.attestor_load` walk plain ``dict``/``list`` data (from
:mod:`kritis_sim._yaml` or from a caller) and must refuse anything the Google API
would refuse, naming the file, line and field path. This module holds the checks
they share: "is this a mapping with only known keys", "is this a string", "is
this a list", and enum lookups that accept names and proto numbers.

It knows nothing about Binary Authorization itself; it does no I/O.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, Self, TypeVar

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import InputError

__all__ = ["FieldReader", "ProtoEnum", "check_resource_name", "type_name"]


class ProtoEnum(enum.Enum):
    """An enum whose values are the proto enum names.

    Proto numbers follow declaration order unless a subclass overrides
    :attr:`number`; :meth:`parse` accepts names, :meth:`aliases` and numbers, as
    proto JSON parsers do.
    """

    # Members are singletons compared by identity, so identity hashing agrees
    # with equality; it is done in C, where Enum's default hashes the name in
    # Python (members are dict keys on every decision's hot path).
    __hash__ = object.__hash__

    @property
    def number(self) -> int:
        """The proto enum number."""
        return list(type(self)).index(self)

    @classmethod
    def aliases(cls) -> Mapping[str, Self]:
        """Extra accepted names (``allow_alias`` in the proto)."""
        return {}

    @classmethod
    def parse(cls, value: object) -> Self:
        """The member named ``value`` (or an alias), or numbered ``value``.

        Raises:
            ValueError: for anything else, listing the accepted values.
        """
        if isinstance(value, str):
            for member in cls:
                if member.value == value:
                    return member
            alias = cls.aliases().get(value)
            if alias is not None:
                return alias
        elif isinstance(value, int) and not isinstance(value, bool):
            for member in cls:
                if member.number == value:
                    return member
        accepted = ", ".join(f"{m.value} ({m.number})" for m in cls)
        if cls.aliases():
            accepted += "; aliases " + ", ".join(cls.aliases())
        raise ValueError(
            f"{value!r} is not a valid {cls.__name__}; expected one of {accepted}"
        )


P = TypeVar("P", bound=ProtoEnum)


def type_name(value: object) -> str:
    """The JSON-ish name of ``value``'s type, for "expected X, got Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class FieldReader:
    """Raise located errors of one class while reading one document.

    Attributes:
        locator: lines of the document being read (may be empty).
        error_cls: the :class:`InputError` subclass to raise.
    """

    locator: Locator
    error_cls: type[InputError]

    def fail(self, path: Path, message: str) -> NoReturn:
        """Raise ``error_cls`` located at ``path``."""
        raise self.locator.error(self.error_cls, path, message)

    def mapping(
        self, value: object, path: Path, *, known: Collection[str], what: str
    ) -> Mapping[str, Any]:
        """Check that ``value`` is a mapping whose keys are all in ``known``.

        Unknown keys are refused with the closest known name as a suggestion.
        """
        if not isinstance(value, dict):
            self.fail(path, f"expected {what} (a mapping), got {type_name(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"field names must be strings, got {key!r}")
            if key not in known:
                self.fail((*path, key), _unknown_field_message(key, known, what))
        return value

    def string_map(self, value: object, path: Path, *, what: str) -> Mapping[str, Any]:
        """Check that ``value`` is a mapping with string keys (a proto map)."""
        if not isinstance(value, dict):
            self.fail(path, f"expected {what} (a mapping), got {type_name(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(
                    path,
                    f"map keys must be strings, got {type_name(key)} {key!r}",
                )
        return value

    def string(self, value: object, path: Path) -> str:
        """Check that ``value`` is a string."""
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {type_name(value)} {value!r}")
        return value

    def optional_string(
        self, data: Mapping[str, Any], key: str, path: Path
    ) -> str | None:
        """``data[key]`` as a string, or ``None`` when absent."""
        if key not in data:
            return None
        return self.string(data[key], (*path, key))

    def sequence(self, value: object, path: Path) -> list[Any]:
        """Check that ``value`` is a list."""
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {type_name(value)}")
        return value

    def enum_value(self, value: object, path: Path, cls: type[P]) -> P:
        """Look up a :class:`ProtoEnum` member by name, alias or proto number."""
        try:
            return cls.parse(value)
        except ValueError as exc:
            self.fail(path, str(exc))


def _unknown_field_message(key: str, known: Collection[str], what: str) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"unknown field {key!r}; did you mean {close[0]!r}?"
    return f"unknown field {key!r}; {what} accepts: " + ", ".join(sorted(known))


#: A project ID (lower-case letter first, no trailing hyphen; optionally
#: domain-scoped as ``example.com:my-project``) or a project number.
_PROJECT = re.compile(r"(?:[a-z0-9.-]+:)?[a-z](?:[a-z0-9-]*[a-z0-9])?|[0-9]+")
_RESOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def check_resource_name(
    name: str, collection: str, *, allow_project_number: bool = True
) -> str | None:
    """Check ``name`` against ``projects/<project>/<collection>/<id>``.

    Returns:
        ``None`` when it fits, otherwise a message saying what is wrong.
    """
    expected = f"'projects/<project>/{collection}/<id>'"
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "projects" or parts[2] != collection:
        return f"expected a resource name {expected}, got {name!r}"
    project, resource = parts[1], parts[3]
    if not _PROJECT.fullmatch(project):
        return (
            f"bad project {project!r} in {name!r}; expected a project ID "
            "(lower-case letters, digits and hyphens, starting with a letter)"
        )
    if project.isdigit() and not allow_project_number:
        return (
            f"{name!r} uses the project number {project!r}; the project ID is "
            "required here"
        )
    if not _RESOURCE_ID.fullmatch(resource):
        return (
            f"bad {collection[:-1]} id {resource!r} in {name!r}; expected 1-100 "
            "letters, digits, '_', '.' or '-' starting with a letter or digit"
        )
    return None
