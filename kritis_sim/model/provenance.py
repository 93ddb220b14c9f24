"""Grafeas v1 BUILD occurrences with SLSA provenance (v0.2 and v1) as pure values.

:class:`BuildOccurrence` reads and writes an occurrence whose detail is
``build`` (``BuildOccurrence``). The provenance forms Grafeas stores:

- ``build.intotoStatement``: an in-toto v0.1 Statement in Grafeas' shape, the
  predicate under ``slsaProvenanceZeroTwo`` (SLSA v0.2), ``slsaProvenance``
  (v0.1) or ``provenance`` (in-toto provenance v0.1);
- ``build.inTotoSlsaProvenanceV1``: a to-spec Statement with a SLSA v1
  ``predicate``;
- the legacy Cloud Build ``provenance``/``provenanceBytes`` and the deprecated
  ``intotoProvenance``, kept verbatim (object / string).

The signed form is the occurrence's DSSE ``envelope`` (see
:mod:`kritis_sim.model.envelope`); the decoded statements above are unsigned
copies. :func:`check_provenance` checks a SLSA v0.2 or v1 predicate against the
field lists of Grafeas' mirrors of those schemas (unknown fields refused,
timestamps RFC 3339, digests ``{alg: value}``) and requires what SLSA marks
REQUIRED and what a verifier reads: ``builder.id`` and ``buildType``.
:func:`summarize` extracts those and the source URIs.

This module verifies nothing (see :func:`kritis_sim.crypto.dsse.verify_build`)
and does no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader
from kritis_sim.model._shapes import Leaf, Shape, check_shape, kept_as_given
from kritis_sim.model.envelope import OccurrenceHeader, header_dict, read_header
from kritis_sim.model.intoto import (
    GRAFEAS_PREDICATE_FIELDS,
    Statement,
    read_grafeas_statement,
    read_statement,
)

__all__ = [
    "SLSA_V01",
    "SLSA_V02",
    "SLSA_V1",
    "BuildOccurrence",
    "ProvenanceSummary",
    "check_provenance",
    "summarize",
]

SLSA_V01 = "https://slsa.dev/provenance/v0.1"
SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"

S, T, D = Leaf.STRING, Leaf.TIMESTAMP, Leaf.DIGEST
_MATERIAL: Shape = {"uri": S, "digest": D}
_V02: Shape = {
    "builder": {"id": S},
    "buildType": S,
    "invocation": {
        "configSource": {"uri": S, "digest": D, "entryPoint": S},
        "parameters": Leaf.STRUCT,
        "environment": Leaf.STRUCT,
    },
    "buildConfig": Leaf.STRUCT,
    "metadata": {
        "buildInvocationId": S,
        "buildStartedOn": T,
        "buildFinishedOn": T,
        "completeness": {
            "parameters": Leaf.BOOL,
            "environment": Leaf.BOOL,
            "materials": Leaf.BOOL,
        },
        "reproducible": Leaf.BOOL,
    },
    "materials": [_MATERIAL],
}
_V01: Shape = {
    "builder": {"id": S},
    "recipe": {
        "type": S,
        "definedInMaterial": Leaf.ANY,
        "entryPoint": S,
        "arguments": Leaf.ANY,
        "environment": Leaf.ANY,
    },
    "metadata": {
        "buildInvocationId": S,
        "buildStartedOn": T,
        "buildFinishedOn": T,
        "completeness": {
            "arguments": Leaf.BOOL,
            "environment": Leaf.BOOL,
            "materials": Leaf.BOOL,
        },
        "reproducible": Leaf.BOOL,
    },
    "materials": [_MATERIAL],
}
_RESOURCE: Shape = {
    "name": S,
    "uri": S,
    "digest": D,
    "content": Leaf.BYTES,
    "downloadLocation": S,
    "mediaType": S,
    "annotations": Leaf.STRUCT,
}
_V1: Shape = {
    "buildDefinition": {
        "buildType": S,
        "externalParameters": Leaf.STRUCT,
        "internalParameters": Leaf.STRUCT,
        "resolvedDependencies": [_RESOURCE],
    },
    "runDetails": {
        "builder": {
            "id": S,
            "version": Leaf.STRING_MAP,
            "builderDependencies": [_RESOURCE],
        },
        "metadata": {"invocationId": S, "startedOn": T, "finishedOn": T},
        "byproducts": [_RESOURCE],
    },
}
_SHAPES: Mapping[str, Shape] = {SLSA_V01: _V01, SLSA_V02: _V02, SLSA_V1: _V1}
#: Where builder.id and buildType live in each predicate.
_REQUIRED: Mapping[str, tuple[tuple[str, ...], ...]] = {
    SLSA_V01: (("builder", "id"),),
    SLSA_V02: (("builder", "id"), ("buildType",)),
    SLSA_V1: (("runDetails", "builder", "id"), ("buildDefinition", "buildType")),
}
#: Legacy and deprecated BUILD fields, kept as given.
_LEGACY_FIELDS: Mapping[str, Shape] = {
    "provenance": Leaf.STRUCT,
    "intotoProvenance": Leaf.STRUCT,
    "provenanceBytes": Leaf.STRING,
}
_BUILD_FIELDS = frozenset(
    {
        "provenance",
        "provenanceBytes",
        "intotoProvenance",
        "intotoStatement",
        "inTotoSlsaProvenanceV1",
    }
)


def _get(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = data
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def check_provenance(
    reader: FieldReader, statement: Statement, path: Path, predicate_key: str
) -> None:
    """Check a SLSA predicate's shape and required fields (other predicate
    types are left alone); ``path + (predicate_key,)`` locates errors."""
    shape = _SHAPES.get(statement.predicate_type)
    if shape is None:
        return
    ppath = (*path, predicate_key)
    check_shape(reader, statement.predicate, ppath, shape)
    for keys in _REQUIRED[statement.predicate_type]:
        value = _get(statement.predicate, keys)
        if not isinstance(value, str) or not value:
            reader.fail(
                (*ppath, *keys),
                f"{'.'.join(keys)} is required in {statement.predicate_type} provenance",
            )


@dataclass(frozen=True, slots=True)
class ProvenanceSummary:
    """What a verifier reads from SLSA provenance.

    Attributes:
        predicate_type: the SLSA version URI.
        builder_id: ``builder.id`` (trusted builders are configuration).
        build_type: the build type URI.
        source_uris: ``invocation.configSource.uri`` and materials (v0.2), or
            ``externalParameters.buildConfigSource.repository`` and resolved
            dependencies (v1), in document order.
    """

    predicate_type: str
    builder_id: str
    build_type: str
    source_uris: tuple[str, ...] = ()


def summarize(statement: Statement) -> ProvenanceSummary | None:
    """The :class:`ProvenanceSummary` of a SLSA statement, or ``None`` for
    other predicate types. The statement must have passed :func:`check_provenance`."""
    p, ptype = statement.predicate, statement.predicate_type
    if ptype not in _REQUIRED:
        return None
    builder = str(_get(p, _REQUIRED[ptype][0]) or "")
    type_at = ("recipe", "type") if ptype == SLSA_V01 else _REQUIRED[ptype][1]
    build_type = str(_get(p, type_at) or "")
    uris: list[Any]
    if ptype == SLSA_V1:
        uris = [
            _get(
                p,
                (
                    "buildDefinition",
                    "externalParameters",
                    "buildConfigSource",
                    "repository",
                ),
            )
        ]
        uris += [
            _get(d, ("uri",))
            for d in _get(p, ("buildDefinition", "resolvedDependencies")) or []
        ]
    else:
        uris = [_get(p, ("invocation", "configSource", "uri"))]
        uris += [_get(m, ("uri",)) for m in p.get("materials") or []]
    sources = tuple(dict.fromkeys(u for u in uris if isinstance(u, str) and u))
    return ProvenanceSummary(ptype, builder, build_type, sources)


@dataclass(frozen=True, slots=True)
class BuildOccurrence:
    """A Grafeas ``BUILD`` occurrence.

    Attributes:
        header: name, resource, note, times, and the DSSE envelope (the signed
            statement) when there is one.
        intoto_statement: ``build.intotoStatement`` (unsigned copy).
        slsa_v1: ``build.inTotoSlsaProvenanceV1`` (unsigned copy).
        legacy: ``provenance``, ``provenanceBytes``, ``intotoProvenance``
            verbatim.
    """

    header: OccurrenceHeader
    intoto_statement: Statement | None = None
    slsa_v1: Statement | None = None
    legacy: Mapping[str, Any] = field(default_factory=dict)

    @property
    def statement(self) -> Statement | None:
        """The decoded statement (v1 first); unsigned, never a trust input."""
        return self.slsa_v1 or self.intoto_statement

    def to_dict(self) -> dict[str, Any]:
        """The Grafeas v1 JSON (``intotoStatement`` in Grafeas' predicate shape)."""
        body: dict[str, Any] = dict(self.legacy)
        if self.intoto_statement is not None:
            st = self.intoto_statement
            body["intotoStatement"] = (
                st.to_grafeas_dict() if st.predicate else _bare(st)
            )
        if self.slsa_v1 is not None:
            body["inTotoSlsaProvenanceV1"] = self.slsa_v1.to_dict()
        return header_dict(self.header, "build", body)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, locator: Locator | None = None
    ) -> BuildOccurrence:
        """Read one occurrence.

        Raises:
            OccurrenceError: not a BUILD occurrence, malformed statement or
                provenance, or a field of the wrong type; located at the field.
        """
        reader = FieldReader(locator or Locator("<occurrence>"), OccurrenceError)
        return read_build(reader, data, ())


def _bare(statement: Statement) -> dict[str, Any]:
    out = statement.to_dict()
    del out["predicate"]
    return out


def read_build(reader: FieldReader, value: object, path: Path) -> BuildOccurrence:
    """Read a BUILD occurrence at ``path``."""
    header, body = read_header(
        reader, value, path, detail="build", detail_fields=_BUILD_FIELDS
    )
    bpath = (*path, "build")
    legacy = kept_as_given(reader, body, bpath, _LEGACY_FIELDS)
    intoto = None
    if body.get("intotoStatement") is not None:
        spath = (*bpath, "intotoStatement")
        intoto = read_grafeas_statement(reader, body["intotoStatement"], spath)
        key = next(
            (
                k
                for k, t in GRAFEAS_PREDICATE_FIELDS.items()
                if t == intoto.predicate_type
            ),
            "predicateType",
        )
        check_provenance(reader, intoto, spath, key)
    v1 = None
    if body.get("inTotoSlsaProvenanceV1") is not None:
        vpath = (*bpath, "inTotoSlsaProvenanceV1")
        v1 = read_statement(reader, body["inTotoSlsaProvenanceV1"], vpath)
        if v1.predicate_type != SLSA_V1:
            reader.fail(
                (*vpath, "predicateType"),
                f"predicateType is {v1.predicate_type!r}; inTotoSlsaProvenanceV1 "
                f"holds {SLSA_V1!r}",
            )
        check_provenance(reader, v1, vpath, "predicate")
    if intoto is None and v1 is None and not legacy:
        reader.fail(
            bpath,
            "a build detail needs provenance: intotoStatement, "
            "inTotoSlsaProvenanceV1, provenance or provenanceBytes",
        )
    return BuildOccurrence(header, intoto, v1, legacy)
