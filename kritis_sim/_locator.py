"""Field paths and the lines they sit on, for errors that name file:line.

A :class:`Locator` keeps, next to plain data loaded from a user file, the line
of every field path, so loaders can validate plain dicts and still point at
``policy.yaml:12``. It only records and renders positions; it reads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kritis_sim.errors import InputError

__all__ = ["Locator", "Path", "format_path"]

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """Render a field path the way error messages show it.

    ``("clusterAdmissionRules", "us.prod", "requireAttestationsBy", 1)`` becomes
    ``clusterAdmissionRules['us.prod'].requireAttestationsBy[1]``.
    """
    out = ""
    for part in path:
        if isinstance(part, str) and part.isidentifier():
            out += f".{part}" if out else part
        elif isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
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
