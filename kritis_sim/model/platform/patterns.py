"""The two pattern grammars of platform-policy checks, validated when built.

* :class:`TrustedDirPattern`: ``trustedDirectoryCheck.trustedDirPatterns[]``,
  ``registry/path/to/directory`` with an optional single leading ``*`` standing
  for a registry-subdomain prefix (``*-docker.pkg.dev``, ``*.gcr.io``) and an
  optional trailing ``*`` (one path segment) or ``**`` (any depth) after
  ``registry/``. The registry must have two or more dot-separated labels.
* :class:`SourceRepoPattern`: ``slsaCheck.rules[].trustedSourceRepoPatterns[]``,
  a repository URL without scheme, ``*``/``**`` only at the very end after a
  ``/``.

Both follow the v1 field documentation (``docs/platform-policy.md`` lists the
rules and the examples they are tested against). Matching lives here too
because it is part of the grammar; deciding a check is :mod:`kritis_sim.core`'s
job. Image allowlists (``imageAllowlist.allowPattern``) reuse the project
policy's :class:`~kritis_sim.model.patterns.NamePattern`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kritis_sim.errors import PatternError

__all__ = ["SourceRepoPattern", "TrustedDirPattern"]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#: A registry host: two or more dot-separated labels, optional port.
_REGISTRY = re.compile(rf"{_LABEL}(?:\.{_LABEL})+(?::[0-9]{{1,5}})?")
#: What a leading ``*`` may be followed by: the rest of a host whose first
#: remaining character is ``-`` or ``.`` (the ``*`` stands for a subdomain part).
_STARRED_REGISTRY = re.compile(rf"[-.](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.{_LABEL})+")
#: One path segment of a directory or repository path.
_SEGMENT = re.compile(r"[A-Za-z0-9._~%+-]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _split_wildcard(text: str) -> tuple[str, str]:
    if text.endswith("**"):
        return text[:-2], "**"
    if text.endswith("*"):
        return text[:-1], "*"
    return text, ""


def _no_space(text: str, what: str) -> None:
    if not text:
        raise PatternError(f"empty {what}")
    for index, char in enumerate(text):
        if char.isspace() or not char.isprintable():
            raise PatternError(
                f"{what} {text!r} contains {char!r} at position {index}; "
                "whitespace and control characters are not allowed"
            )


def _check_segments(text: str, segments: list[str], what: str, example: str) -> None:
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            shown = segment or "an empty segment ('//' or a trailing '/')"
            raise PatternError(
                f"{what} {text!r} has a bad path segment {shown!r}; expected "
                f"letters, digits, '.', '_', '-' (e.g. {example!r})"
            )


def _path_segments(text: str, body: str, wildcard: str, what: str) -> list[str]:
    """The path segments after the host; checks the ``/`` before a wildcard."""
    if wildcard:
        if not body.endswith("/"):
            raise PatternError(
                f"{what} {text!r}: a trailing {wildcard!r} must follow a '/' after "
                "the host (e.g. 'gcr.io/my-project/*')"
            )
        body = body[:-1]
    _, slash, path = body.partition("/")
    if slash and not path:
        raise PatternError(f"{what} {text!r} has an empty path segment after the host")
    return path.split("/") if path else []


@dataclass(frozen=True, slots=True)
class TrustedDirPattern:
    """One ``trustedDirPatterns`` entry.

    Attributes:
        text: the pattern as written.
    """

    text: str
    _host_suffix: str = field(init=False, repr=False, compare=False)
    _any_host_prefix: bool = field(init=False, repr=False, compare=False)
    _path: str = field(init=False, repr=False, compare=False)
    _wildcard: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = self.text
        what = "trusted directory pattern"
        _no_space(text, what)
        leading = text.startswith("*") and not text.startswith("**")
        body, wildcard = _split_wildcard(text[1:] if leading else text)
        if "*" in body:
            raise PatternError(
                f"{what} {text!r} has a '*' in the middle; only one leading '*' "
                "(a registry subdomain prefix) and a trailing '*' or '**' after "
                "'registry/' are allowed"
            )
        host, _, _ = body.partition("/")
        if leading and not _STARRED_REGISTRY.fullmatch(host):
            raise PatternError(
                f"{what} {text!r}: a leading '*' may only stand for a registry "
                "subdomain part, followed by '-' or '.' and the rest of the "
                "registry (e.g. '*-docker.pkg.dev/p/r', '*.gcr.io/p')"
            )
        if not leading and not _REGISTRY.fullmatch(host):
            raise PatternError(
                f"{what} {text!r} does not start with a complete registry "
                "(two or more dot-separated labels, e.g. 'gcr.io' or 'us.pkg.dev')"
            )
        segments = _path_segments(text, body, wildcard, what)
        _check_segments(text, segments, what, "gcr.io/my-project/my-repo")
        object.__setattr__(self, "_host_suffix", host)
        object.__setattr__(self, "_any_host_prefix", leading)
        object.__setattr__(self, "_path", "/".join(segments))
        object.__setattr__(self, "_wildcard", wildcard)

    def matches_directory(self, directory: str) -> bool:
        """Whether ``directory`` (``registry/path``, no tag/digest) matches."""
        host, _, path = directory.partition("/")
        if self._any_host_prefix:
            if not host.endswith(self._host_suffix):
                return False
            head = host[: len(host) - len(self._host_suffix)]
            if not head or "/" in head:
                return False
        elif host != self._host_suffix:
            return False
        if not self._wildcard:
            return path == self._path
        prefix = f"{self._path}/" if self._path else ""
        if not path.startswith(prefix) or len(path) == len(prefix):
            return False
        rest = path[len(prefix) :]
        return self._wildcard == "**" or "/" not in rest

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class SourceRepoPattern:
    """One ``trustedSourceRepoPatterns`` entry (a repository URL without scheme).

    Attributes:
        text: the pattern as written.
    """

    text: str

    def __post_init__(self) -> None:
        text = self.text
        what = "trusted source repository pattern"
        _no_space(text, what)
        if _SCHEME.match(text):
            raise PatternError(
                f"{what} {text!r} includes a scheme; patterns match the URL "
                "without its scheme (e.g. 'github.com/my-org/my-repo')"
            )
        body, wildcard = _split_wildcard(text)
        if "*" in body:
            raise PatternError(
                f"{what} {text!r}: '*' and '**' may only occur at the very end, "
                "after a '/'"
            )
        if not _REGISTRY.fullmatch(body.partition("/")[0]):
            raise PatternError(
                f"{what} {text!r} does not start with a host name "
                "(e.g. 'github.com' or 'source.cloud.google.com')"
            )
        segments = _path_segments(text, body, wildcard, what)
        _check_segments(text, segments, what, "github.com/my-org/my-repo")

    def matches(self, url: str) -> bool:
        """Whether repository ``url`` (scheme optional) matches."""
        bare = _SCHEME.sub("", url, count=1)
        body, wildcard = _split_wildcard(self.text)
        if not wildcard:
            return bare == body
        if not bare.startswith(body) or len(bare) == len(body):
            return False
        return wildcard == "**" or "/" not in bare[len(body) :]

    def __str__(self) -> str:
        return self.text
