"""Shared field readers for the platform-policy loaders.

On top of :class:`~kritis_sim.model._fields.FieldReader`: required fields,
non-empty lists, bounded project lists (``projects/[PROJECT_ID]``), enums that
may not be UNSPECIFIED, image allowlists and PKIX keys. Every failure is a
:class:`~kritis_sim.errors.PolicyError` naming file, line and field path.
Internal to :mod:`kritis_sim.model.platform`; it does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kritis_sim._yaml import Path
from kritis_sim.crypto.keys import key_mismatch, load_public_key
from kritis_sim.errors import KeyFormatError, PatternError
from kritis_sim.model._fields import FieldReader, ProtoEnum
from kritis_sim.model.attestor import (
    UNSUPPORTED_ALGORITHMS,
    PkixPublicKey,
    SignatureAlgorithm,
)
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.platform.checks import ImageAllowlist

__all__ = ["MAX_PROJECTS", "Reader"]

#: The most projects one check may name (documented in the v1 field docs).
MAX_PROJECTS = 10
#: The most patterns one image allowlist may hold (kritis-sim limit, as for
#: ``admissionWhitelistPatterns``).
MAX_ALLOW_PATTERNS = 20_000

_PROJECT_ID = re.compile(r"(?:[a-z0-9.-]+:)?[a-z](?:[a-z0-9-]*[a-z0-9])?")
#: An RFC 3986 URI with a scheme, or a network-path reference ``//host/...``
#: (the form of Cloud KMS key ids, ``//cloudkms.googleapis.com/v1/...``).
_URI = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*:|//[A-Za-z0-9.-]+/)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*"
)

T = TypeVar("T")
E = TypeVar("E", bound=ProtoEnum)


class Reader:
    """A :class:`FieldReader` plus the platform-policy field shapes."""

    def __init__(self, fields: FieldReader) -> None:
        self.f = fields

    def field(self, doc: Mapping[str, Any], path: Path, key: str) -> Any:
        """``doc[key]``, or a located "missing required field" error."""
        if key not in doc:
            self.f.fail(path, f"missing required field {key!r}")
        return doc[key]

    def items(
        self,
        doc: Mapping[str, Any],
        path: Path,
        key: str,
        read: Callable[[Any, Path], T],
        *,
        required: bool = False,
        limit: int | None = None,
    ) -> tuple[T, ...]:
        """Read the list ``doc[key]`` item by item with ``read(item, path)``."""
        if key not in doc:
            if required:
                self.f.fail(
                    path, f"missing required field {key!r} (at least one entry)"
                )
            return ()
        where: Path = (*path, key)
        values = self.f.sequence(doc[key], where)
        if required and not values:
            self.f.fail(where, "expected at least one entry, got an empty list")
        if limit is not None and len(values) > limit:
            self.f.fail(
                where, f"{len(values)} entries is more than the limit of {limit}"
            )
        return tuple(read(v, (*where, i)) for i, v in enumerate(values))

    def string(self, value: Any, path: Path) -> str:
        return self.f.string(value, path)

    def non_empty_string(self, value: Any, path: Path) -> str:
        text = self.f.string(value, path)
        if not text:
            self.f.fail(path, "expected a non-empty string")
        return text

    def boolean(self, doc: Mapping[str, Any], key: str, path: Path) -> bool:
        if key not in doc:
            return False
        value = doc[key]
        if not isinstance(value, bool):
            self.f.fail((*path, key), f"expected true or false, got {value!r}")
        return value

    def enum(self, doc: Mapping[str, Any], path: Path, key: str, cls: type[E]) -> E:
        """A required enum field that may not be its UNSPECIFIED (0) value."""
        member = self.f.enum_value(self.field(doc, path, key), (*path, key), cls)
        if member.number == 0:
            choices = ", ".join(m.value for m in cls if m.number != 0)
            self.f.fail(
                (*path, key),
                f"{member.value} is not allowed; expected one of {choices}",
            )
        return member

    def projects(self, doc: Mapping[str, Any], path: Path, key: str) -> tuple[str, ...]:
        """A list of at most 10 distinct ``projects/[PROJECT_ID]``."""
        seen: dict[str, int] = {}
        for i, name in enumerate(
            self.items(doc, path, key, self.string, limit=MAX_PROJECTS)
        ):
            where: Path = (*path, key, i)
            head, slash, project = name.partition("/")
            if head != "projects" or not slash or not project:
                self.f.fail(where, f"expected 'projects/[PROJECT_ID]', got {name!r}")
            if project.isdigit():
                self.f.fail(
                    where,
                    f"{name!r} names a project number; a project ID is required "
                    "(e.g. 'projects/my-project')",
                )
            if not _PROJECT_ID.fullmatch(project):
                self.f.fail(
                    where,
                    f"bad project ID {project!r}; expected lower-case letters, digits "
                    "and hyphens, starting with a letter",
                )
            if name in seen:
                self.f.fail(
                    where, f"duplicate {name!r} (already at index {seen[name]})"
                )
            seen[name] = i
        return tuple(seen)

    def pattern(self, cls: Callable[[str], T], value: Any, path: Path) -> T:
        text = self.f.string(value, path)
        try:
            return cls(text)
        except PatternError as exc:
            self.f.fail(path, exc.message)

    def name_pattern(self, value: Any, path: Path) -> NamePattern:
        pattern = self.pattern(NamePattern, value, path)
        if "[" in pattern.text or "]" in pattern.text:
            self.f.fail(
                path,
                f"name pattern {pattern.text!r} has '[' or ']'; character classes "
                "such as 'gcr.io/nginx[@:]*' are not supported by kritis-sim (their "
                "meaning is undocumented); list one pattern per alternative",
            )
        return pattern

    def allowlist(self, doc: Mapping[str, Any], path: Path) -> ImageAllowlist | None:
        """The optional ``imageAllowlist`` of ``doc`` (``allowPattern`` required)."""
        if "imageAllowlist" not in doc:
            return None
        where: Path = (*path, "imageAllowlist")
        body = self.f.mapping(
            doc["imageAllowlist"],
            where,
            known={"allowPattern"},
            what="an ImageAllowlist",
        )
        patterns = self.items(
            body,
            where,
            "allowPattern",
            self.name_pattern,
            required=True,
            limit=MAX_ALLOW_PATTERNS,
        )
        return ImageAllowlist(patterns)

    def pem(self, value: Any, path: Path) -> tuple[str, Any]:
        """A PEM public key that loads; returns the text and the key."""
        pem = self.non_empty_string(value, path)
        try:
            return pem, load_public_key(pem)
        except KeyFormatError as exc:
            self.f.fail(path, exc.message)

    def pkix_key(self, value: Any, path: Path) -> PkixPublicKey:
        doc = self.f.mapping(
            value,
            path,
            known={"keyId", "publicKeyPem", "signatureAlgorithm"},
            what="a PkixPublicKey",
        )
        pem, key = self.pem(
            self.field(doc, path, "publicKeyPem"), (*path, "publicKeyPem")
        )
        alg_path: Path = (*path, "signatureAlgorithm")
        alg = self.f.enum_value(
            self.field(doc, path, "signatureAlgorithm"), alg_path, SignatureAlgorithm
        )
        if alg in UNSUPPORTED_ALGORITHMS:
            self.f.fail(
                alg_path,
                f"{alg.value} is not supported; expected one of the RSA or ECDSA "
                "algorithms matching the key",
            )
        mismatch = key_mismatch(alg, key)
        if mismatch:
            mismatch = mismatch.replace(
                "the attestor declares", "signatureAlgorithm is"
            )
            self.f.fail(alg_path, f"{mismatch}; the algorithm must match the key")
        key_id = self.f.optional_string(doc, "keyId", path)
        if key_id and not _URI.fullmatch(key_id):
            self.f.fail(
                (*path, "keyId"),
                f"a key id must be an RFC 3986 URI (with a scheme, e.g. "
                f"'ni:///sha-256;...', or '//cloudkms.googleapis.com/...'), got "
                f"{key_id!r}; leave it out for the default",
            )
        return PkixPublicKey(
            public_key_pem=pem, signature_algorithm=alg, key_id=key_id or None
        )
