"""Allowlist name patterns (``admissionWhitelistPatterns[].namePattern``).

:class:`NamePattern` is one validated pattern; :class:`Allowlist` compiles many of
them so that looking an image up costs the same whether the policy lists ten
patterns or ten thousand. The grammar and semantics are documented in
``docs/patterns.md`` (and ``wire-formats.md`` section 1.5):

* ``registry/path*`` matches any run of characters without ``/`` after the prefix;
* ``registry/path**`` matches anything after the prefix, ``/`` included;
* a wildcard-free pattern matches by string equality, or, with
  ``wildcard_free_matches_any_version=True``, also the same repository with any
  tag and/or digest it does not pin;
* the image is matched as written; a Docker Hub short name (``nginx:1``) is also
  tried in normalised form (``docker.io/library/nginx:1``).

What this module does not do: it does not decide admission (see ``core``), does
not read policies (see ``model.policy``), and does not require the image to
parse: matching on the raw string works for any string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kritis_sim.errors import ImageRefError, PatternError
from kritis_sim.model.imageref import ImageRef

__all__ = ["Allowlist", "NamePattern"]

_SEGMENT = "*"  # trailing "*": any run without "/"
_ANY = "**"  # trailing "**": any run, "/" included

# What may follow a wildcard-free pattern under wildcard_free_matches_any_version.
_TAG = r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}"
_TAG_OR_DIGEST_RE = re.compile(f"(?:{_TAG})?(?:{_DIGEST})?", re.ASCII)
_DIGEST_ONLY_RE = re.compile(f"(?:{_DIGEST})?", re.ASCII)
_NOTHING_RE = re.compile("", re.ASCII)


def _version_suffix_re(text: str) -> re.Pattern[str]:
    """Which version suffixes a wildcard-free pattern leaves open.

    A pattern pinning a digest leaves nothing open; one pinning a tag leaves a
    digest open; a bare repository leaves ``:tag``, ``@digest`` and both open.
    """
    if "@" in text:
        return _NOTHING_RE
    if text.rfind(":") > text.rfind("/"):
        return _DIGEST_ONLY_RE
    return _TAG_OR_DIGEST_RE


def _docker_hub_form(image: str) -> str | None:
    """``docker.io/library/nginx:1`` for ``nginx:1``; None when not applicable."""
    slash = image.find("/")
    if slash >= 0:
        first = image[:slash]
        if "." in first or ":" in first or first == "localhost":
            return None  # names its registry: no Docker Hub normalisation
    try:
        ref = ImageRef.parse(image)
    except ImageRefError:
        return None
    if ref.has_explicit_domain:
        return None
    return ref.normalized


@dataclass(frozen=True, slots=True)
class NamePattern:
    """One allowlist name pattern, validated when it is built.

    Attributes:
        text: the pattern as written in the policy.
    """

    text: str
    _prefix: str = field(init=False, repr=False, compare=False)
    _wildcard: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = self.text
        if not text:
            raise PatternError("empty name pattern; expected 'registry/path[*|**]'")
        for index, char in enumerate(text):
            if char.isspace() or not char.isprintable():
                raise PatternError(
                    f"name pattern {text!r} contains {char!r} at position {index}; "
                    "image names never contain whitespace or control characters"
                )
        if text.endswith(_ANY):
            prefix, wildcard = text[:-2], _ANY
        elif text.endswith(_SEGMENT):
            prefix, wildcard = text[:-1], _SEGMENT
        else:
            prefix, wildcard = text, ""
        star = prefix.find("*")
        if star >= 0:
            raise PatternError(
                f"name pattern {text!r} has '*' at position {star}; a wildcard is "
                "allowed only as the trailing '*' or '**'"
            )
        registry, slash, _ = prefix.partition("/")
        if wildcard and not (slash and registry):
            raise PatternError(
                f"name pattern {text!r} has a wildcard before 'registry/'; expected "
                "e.g. 'gcr.io/my-project/*' (a wildcard may only follow 'registry/')"
            )
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_wildcard", wildcard)

    @classmethod
    def parse(cls, text: str) -> NamePattern:
        """Validate ``text`` as a name pattern.

        Raises:
            PatternError: the pattern is empty, has a ``*`` other than as its
                trailing ``*``/``**``, has a wildcard not preceded by
                ``registry/``, or contains whitespace; the message says where.
        """
        return cls(text)

    @property
    def prefix(self) -> str:
        """The text before the trailing wildcard (the whole text when there is none)."""
        return self._prefix

    @property
    def wildcard(self) -> str:
        """``"*"``, ``"**"`` or ``""`` for a wildcard-free pattern."""
        return self._wildcard

    def matches(
        self, image: str, *, wildcard_free_matches_any_version: bool = False
    ) -> bool:
        """Whether ``image`` (as written, or its Docker Hub normal form) matches.

        Args:
            image: the image string from the pod spec; it need not parse.
            wildcard_free_matches_any_version: let a wildcard-free pattern also
                match the same repository with any tag and/or digest it leaves
                open (never a longer repository name).
        """
        if self._matches_raw(image, wildcard_free_matches_any_version):
            return True
        normal = _docker_hub_form(image)
        return normal is not None and self._matches_raw(
            normal, wildcard_free_matches_any_version
        )

    def _matches_raw(self, image: str, any_version: bool) -> bool:
        prefix = self._prefix
        if self._wildcard == _ANY:
            return image.startswith(prefix)
        if self._wildcard == _SEGMENT:
            return image.startswith(prefix) and image.rfind("/") < len(prefix)
        if image == prefix:
            return True
        if not any_version or not image.startswith(prefix):
            return False
        # The suffix grammars start with ":" or "@" and never contain "/".
        rest = image[len(prefix) :]
        return bool(_version_suffix_re(prefix).fullmatch(rest))

    def __str__(self) -> str:
        return self.text


class Allowlist:
    """A compiled set of :class:`NamePattern`; lookups do not scan the patterns.

    Exact patterns sit in a dict keyed by their text; ``*`` and ``**`` patterns in
    dicts keyed by their prefix. A lookup probes the image's own prefixes: for
    ``*`` those from just after its last ``/`` to its full length, for ``**`` all
    those after its first ``/``, and for wildcard-free patterns under the
    any-version switch the cuts at each ``:`` or ``@`` after the last ``/``. The
    cost depends on the image's length, not on the number of patterns.
    """

    __slots__ = (
        "_any",
        "_any_version",
        "_exact",
        "_patterns",
        "_registries",
        "_segment",
    )

    def __init__(
        self,
        patterns: Iterable[NamePattern],
        *,
        wildcard_free_matches_any_version: bool = False,
    ) -> None:
        self._patterns = tuple(patterns)
        self._any_version = wildcard_free_matches_any_version
        self._exact: dict[str, NamePattern] = {}
        self._segment: dict[str, NamePattern] = {}
        self._any: dict[str, NamePattern] = {}
        tables = {"": self._exact, _SEGMENT: self._segment, _ANY: self._any}
        # Wildcard prefixes by their ``registry/`` part, with the shortest and
        # longest prefix length, so most images are dismissed with one lookup.
        self._registries: dict[str, tuple[int, int]] = {}
        for pattern in self._patterns:
            tables[pattern.wildcard].setdefault(pattern.prefix, pattern)
            if pattern.wildcard:
                prefix = pattern.prefix
                registry = prefix[: prefix.find("/") + 1]
                low, high = self._registries.get(registry, (len(prefix), len(prefix)))
                self._registries[registry] = (
                    min(low, len(prefix)),
                    max(high, len(prefix)),
                )

    @property
    def patterns(self) -> tuple[NamePattern, ...]:
        """The patterns, in the order given."""
        return self._patterns

    @property
    def wildcard_free_matches_any_version(self) -> bool:
        """Whether wildcard-free patterns also match any tag and/or digest."""
        return self._any_version

    def __len__(self) -> int:
        return len(self._patterns)

    def __iter__(self) -> Iterator[NamePattern]:
        return iter(self._patterns)

    def __repr__(self) -> str:
        return (
            f"Allowlist({len(self._patterns)} patterns, "
            f"wildcard_free_matches_any_version={self._any_version})"
        )

    def match(self, image: str) -> NamePattern | None:
        """The most specific pattern matching ``image``, or None.

        The image as written is tried first, then its Docker Hub normal form.
        Among matches, an exact pattern wins, then a wildcard-free pattern under
        the any-version switch, then the wildcard pattern with the longest
        prefix (``*`` before ``**`` for equal prefixes).
        """
        if not self._patterns:
            return None
        found = self._match_raw(image)
        if found is None:
            normal = _docker_hub_form(image)
            if normal is not None:
                found = self._match_raw(normal)
        return found

    def _match_raw(self, image: str) -> NamePattern | None:
        exact = self._exact.get(image)
        if exact is not None:
            return exact
        if self._any_version and self._exact:
            found = self._match_any_version(image)
            if found is not None:
                return found
        first_slash = image.find("/")
        if first_slash < 0:
            return None  # every wildcard prefix contains "/"
        bounds = self._registries.get(image[: first_slash + 1])
        if bounds is None:
            return None
        last_slash = image.rfind("/")
        for end in range(min(len(image), bounds[1]), bounds[0] - 1, -1):
            if end > last_slash:
                segment = self._segment.get(image[:end])
                if segment is not None:
                    return segment
            anything = self._any.get(image[:end])
            if anything is not None:
                return anything
        return None

    def _match_any_version(self, image: str) -> NamePattern | None:
        last_slash = image.rfind("/")
        for end in range(len(image) - 1, last_slash, -1):
            if image[end] in ":@":
                candidate = self._exact.get(image[:end])
                if candidate is not None and candidate._matches_raw(image, True):
                    return candidate
        return None
