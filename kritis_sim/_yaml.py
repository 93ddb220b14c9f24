"""Load YAML or JSON documents while remembering the line of every field.

Errors about user files must name the file, the line and the field path. PyYAML
knows the line of every node while composing; this module keeps that knowledge
in a :class:`Locator` next to the plain Python data, so loaders can validate
plain dicts and still point at ``policy.yaml:12``.

It also bounds alias expansion ("billion laughs"): a document whose aliases
would expand beyond :data:`MAX_NODES` nodes is refused.

This module does no validation of its own beyond YAML syntax.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from kritis_sim.errors import InputError

__all__ = ["MAX_NODES", "Locator", "Path", "format_path", "load_documents", "load_one"]

#: The most nodes (after alias expansion) one document may hold.
MAX_NODES = 200_000

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """Render a field path the way error messages show it.

    ``("clusterAdmissionRules", "us.prod", "requireAttestationsBy", 1)`` becomes
    ``clusterAdmissionRules['us.prod'].requireAttestationsBy[1]``.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


@dataclass
class Locator:
    """Lines of the fields of one document, by field path.

    Attributes:
        source: the file name (or ``<stdin>``, ``<inline>``) for messages.
        lines: 1-based line of each path; the root is ``()``.
    """

    source: str = "<input>"
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def error(self, cls: type[InputError], path: Path, message: str) -> InputError:
        """Build ``cls`` located at ``path`` in this document."""
        return cls(
            message,
            path=format_path(path) or None,
            source=self.source,
            line=self.line(path),
        )

    def child(self, prefix: Path) -> Locator:
        """A locator for the sub-document at ``prefix`` (paths re-rooted)."""
        n = len(prefix)
        sub = {p[n:]: ln for p, ln in self.lines.items() if p[:n] == prefix}
        return Locator(self.source, sub)


class _Builder:
    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.count = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(
                f"document expands to more than {MAX_NODES} nodes "
                "(YAML aliases that expand too far are refused)",
                source=self.locator.source,
                line=node.start_mark.line + 1,
            )
        self.locator.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node, self.locator)
                if key == "<<":
                    raise InputError(
                        "YAML merge keys ('<<') are not supported",
                        source=self.locator.source,
                        line=key_node.start_mark.line + 1,
                    )
                if key in out:
                    raise InputError(
                        f"duplicate key {key!r}",
                        path=format_path((*path, key)),
                        source=self.locator.source,
                        line=key_node.start_mark.line + 1,
                    )
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return _scalar(node, self.locator)


def _scalar(node: yaml.Node, locator: Locator) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(
            "mapping keys must be plain scalars",
            source=locator.source,
            line=node.start_mark.line + 1,
        )
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # timestamps stay RFC 3339 strings, as in JSON
    return _SCALARS.construct_object(node, deep=True)


#: Constructs plain scalars (str, int, float, bool, null, timestamps stay str).
_SCALARS = yaml.SafeLoader("")


def load_documents(text: str, source: str = "<input>") -> Iterator[tuple[Any, Locator]]:
    """Yield ``(data, locator)`` for every document in ``text``.

    JSON is YAML, so JSON files load the same way (with lines).

    Raises:
        InputError: on a YAML syntax error, a duplicate key, or alias bombs.
    """
    loader = yaml.SafeLoader(text)
    try:
        while True:
            try:
                node = loader.get_node() if loader.check_node() else None
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                raise InputError(
                    f"not valid YAML/JSON: {exc.problem}",
                    source=source,
                    line=None if mark is None else mark.line + 1,
                ) from None
            except yaml.YAMLError as exc:
                raise InputError(f"not valid YAML/JSON: {exc}", source=source) from None
            if node is None:
                return
            locator = Locator(source)
            yield _Builder(locator).build(node, ()), locator
    finally:
        loader.dispose()


def load_one(text: str, source: str = "<input>") -> tuple[Any, Locator]:
    """Load exactly one document.

    Raises:
        InputError: when ``text`` holds no document or more than one.
    """
    docs = list(load_documents(text, source))
    if len(docs) != 1:
        raise InputError(
            f"expected exactly one YAML/JSON document, found {len(docs)}",
            source=source,
        )
    return docs[0]
