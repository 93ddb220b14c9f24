"""Container image references, parsed and normalised like distribution/reference.

:class:`ImageRef` is a pure value: :meth:`ImageRef.parse` reads a reference as it
is written in a pod spec or on the command line, checks it against the grammar of
``distribution/reference`` (domain with optional port, bracketed IPv6, lower-case
path components, tag, digest) and validates the digest the way go-digest's
``digest.Parse`` does. It then normalises Docker Hub names the way
``ParseNormalizedNamed`` does (``ubuntu`` becomes ``docker.io/library/ubuntu``).

What this module does not do: it never adds ``:latest`` implicitly (call
:meth:`ImageRef.with_default_tag` for that), never drops a tag when a digest is
present, never resolves a tag to a digest, and performs no I/O. Registries that
name Docker Hub ``index.docker.io`` (go-containerregistry) are normalised to
``docker.io`` here; callers comparing against such strings must account for it.

See ``wire-formats.md`` section 8 for the grammar and the test vectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kritis_sim.errors import ImageRefError

__all__ = [
    "DIGEST_HEX_LENGTHS",
    "DOCKER_HUB_DOMAIN",
    "MAX_NAME_LENGTH",
    "MAX_TAG_LENGTH",
    "ImageRef",
]

DOCKER_HUB_DOMAIN = "docker.io"
"""The normalised domain of Docker Hub."""

MAX_NAME_LENGTH = 255
"""Longest allowed remote name (the normalised path), as ``RepositoryNameTotalLengthMax``."""

MAX_TAG_LENGTH = 128
"""Longest allowed tag."""

DIGEST_HEX_LENGTHS: dict[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}
"""The digest algorithms go-digest registers, with the exact hex length of each."""

_LEGACY_DOCKER_HUB_DOMAIN = "index.docker.io"
_OFFICIAL_REPO_PREFIX = "library/"

# All patterns are ASCII-only and used with fullmatch, so "$"-before-newline and
# Unicode "\w" cannot widen them.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_RE = re.compile(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?",
    re.ASCII,
)
_PATH_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", re.ASCII)
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", re.ASCII)
_DIGEST_RE = re.compile(
    r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}", re.ASCII
)
_LOWER_HEX_RE = re.compile(r"[0-9a-f]+", re.ASCII)
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}", re.ASCII)


def _shorten(text: str, limit: int = 80) -> str:
    """``repr`` of ``text``, cut to ``limit`` characters for error messages."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _is_domain_like(component: str) -> bool:
    """The ``splitDockerDomain`` rule: does the first component name a registry?"""
    return (
        "." in component
        or ":" in component
        or component == "localhost"
        or component.lower() != component
    )


def _split_version(text: str) -> tuple[str, str | None, str | None]:
    """Split ``name[:tag][@digest]`` into its three parts (unvalidated)."""
    name, at, digest = text.partition("@")
    if at and not digest:
        raise ImageRefError(f"empty digest after '@' in {_shorten(text)}")
    if "@" in digest:
        raise ImageRefError(
            f"image reference {_shorten(text)} contains more than one '@'; "
            "expected name[:tag][@digest]"
        )
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        tag = name[colon + 1 :]
        if not tag:
            raise ImageRefError(f"empty tag after ':' in {_shorten(text)}")
        return name[:colon], tag, digest or None
    return name, None, digest or None


def _check_digest(digest: str) -> None:
    """Validate like the reference regex followed by go-digest ``digest.Parse``."""
    if not _DIGEST_RE.fullmatch(digest):
        raise ImageRefError(
            f"digest {_shorten(digest)} is malformed; expected "
            "'<algorithm>:<hex>', e.g. 'sha256:' followed by 64 lower-case hex characters"
        )
    algorithm, _, hex_part = digest.partition(":")
    expected = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        raise ImageRefError(
            f"digest algorithm {algorithm!r} is not supported; expected one of "
            + ", ".join(DIGEST_HEX_LENGTHS)
        )
    if len(hex_part) != expected or not _LOWER_HEX_RE.fullmatch(hex_part):
        raise ImageRefError(
            f"digest {_shorten(digest, 40)} must be {expected} lower-case hex "
            f"characters after '{algorithm}:'; got {len(hex_part)} characters"
            + ("" if _LOWER_HEX_RE.fullmatch(hex_part) else " including upper case")
        )


def _check_path(path: str, text: str) -> None:
    """Validate a normalised remote name: lower-case components, length limit."""
    for component in path.split("/"):
        if not component:
            raise ImageRefError(
                f"empty path component in {_shorten(text)}; "
                "expected components separated by single '/'"
            )
        if _PATH_COMPONENT_RE.fullmatch(component):
            continue
        if _PATH_COMPONENT_RE.fullmatch(component.lower()):
            raise ImageRefError(
                f"repository name must be lowercase: got {component!r} in {_shorten(text)}"
            )
        raise ImageRefError(
            f"invalid path component {_shorten(component)} in {_shorten(text)}; "
            "expected lower-case letters and digits joined by '.', '_', '__' or "
            "runs of '-'"
        )
    if len(path) > MAX_NAME_LENGTH:
        raise ImageRefError(
            f"repository name is {len(path)} characters; "
            f"at most {MAX_NAME_LENGTH} allowed (got {_shorten(path, 40)})"
        )


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed, normalised container image reference.

    Build instances with :meth:`parse`; the fields are then consistent with
    ``original`` and ``ImageRef.parse(str(ref)) == ref``.

    Attributes:
        original: the reference exactly as written (pod spec, CLI).
        domain: the registry, normalised (``docker.io`` for Docker Hub); upper
            case is kept as written.
        path: the normalised remote name, e.g. ``library/nginx``.
        tag: the tag, or ``None``; ``:latest`` is never implied.
        digest: ``<algorithm>:<hex>``, or ``None``.
    """

    original: str
    domain: str
    path: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        """Parse and normalise ``text``.

        Raises:
            ImageRefError: the reference does not follow the grammar, the digest
                does not validate, or a limit is exceeded; the message says which
                part is wrong, what it was and what was expected.
        """
        if not text:
            raise ImageRefError("empty image reference; expected name[:tag][@digest]")
        if _IDENTIFIER_RE.fullmatch(text):
            raise ImageRefError(
                f"cannot use a bare 64-character hex string {_shorten(text, 20)} as an "
                "image reference; expected a repository name, e.g. name@sha256:<hex>"
            )
        name, tag, digest = _split_version(text)
        if tag is not None and not _TAG_RE.fullmatch(tag):
            if len(tag) > MAX_TAG_LENGTH:
                raise ImageRefError(
                    f"tag is {len(tag)} characters; at most {MAX_TAG_LENGTH} allowed"
                )
            raise ImageRefError(
                f"invalid tag {_shorten(tag)}; expected a letter, digit or '_' "
                "followed by letters, digits, '_', '.' or '-'"
            )
        if digest is not None:
            _check_digest(digest)
        first, slash, rest = name.partition("/")
        if slash and _is_domain_like(first):
            domain, path = first, rest
            if not _DOMAIN_RE.fullmatch(domain):
                raise ImageRefError(
                    f"invalid registry domain {_shorten(domain)} in {_shorten(text)}; "
                    "expected host[:port] with a DNS name, IPv4 address or [IPv6]"
                )
            if domain == _LEGACY_DOCKER_HUB_DOMAIN:
                domain = DOCKER_HUB_DOMAIN
        else:
            domain, path = DOCKER_HUB_DOMAIN, name
        if domain == DOCKER_HUB_DOMAIN and path and "/" not in path:
            path = _OFFICIAL_REPO_PREFIX + path
        _check_path(path, text)
        return cls(original=text, domain=domain, path=path, tag=tag, digest=digest)

    @property
    def name(self) -> str:
        """The normalised repository name, ``domain/path``."""
        return f"{self.domain}/{self.path}"

    @property
    def has_sha256_digest(self) -> bool:
        """Whether the reference pins its content with a ``sha256:`` digest."""
        return self.digest is not None and self.digest.startswith("sha256:")

    @property
    def has_explicit_domain(self) -> bool:
        """Whether ``original`` names its registry (``nginx`` and ``foo/bar`` do not)."""
        first, slash, _ = self.original.partition("/")
        return bool(slash) and _is_domain_like(first)

    @property
    def normalized(self) -> str:
        """``name[:tag][@digest]``, without an implied ``:latest``."""
        return self.name + self._version_suffix()

    @property
    def familiar(self) -> str:
        """The Docker Hub shortened form, with tag and digest (``FamiliarString``).

        ``docker.io/`` is stripped, and ``library/`` too when no further ``/``
        follows; other registries are left as they are. Unlike Go's
        ``FamiliarString``, ``docker.io/`` is kept when the path's first component
        would otherwise be read as a registry (``docker.io/a.b/c``), so the
        familiar form always names the same image.
        """
        name = self.name
        first = self.path.partition("/")[0]
        if self.domain == DOCKER_HUB_DOMAIN and not _is_domain_like(first):
            name = self.path
            remainder = name.removeprefix(_OFFICIAL_REPO_PREFIX)
            if remainder != name and "/" not in remainder:
                name = remainder
        return name + self._version_suffix()

    @property
    def resource_url(self) -> str:
        """``https://`` + the reference as written: the Grafeas resource URI."""
        return "https://" + self.original

    def resource_urls(self) -> tuple[str, ...]:
        """Resource URIs to look attestations up under, most literal first.

        ``https://`` + ``original``, then ``https://name@digest`` when there is a
        digest and that URI differs from the first.
        """
        first = self.resource_url
        if self.digest is None:
            return (first,)
        by_digest = f"https://{self.name}@{self.digest}"
        return (first,) if by_digest == first else (first, by_digest)

    def with_default_tag(self) -> ImageRef:
        """This reference with ``:latest`` appended when it has no tag and no digest.

        Like ``TagNameOnly``; the new ``original`` is the old one plus ``:latest``.
        """
        if self.tag is not None or self.digest is not None:
            return self
        return ImageRef.parse(self.original + ":latest")

    def _version_suffix(self) -> str:
        tag = "" if self.tag is None else ":" + self.tag
        digest = "" if self.digest is None else "@" + self.digest
        return tag + digest

    def __str__(self) -> str:
        return self.original
