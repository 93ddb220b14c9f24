"""Occurrence documents mixing ATTESTATION, VULNERABILITY, DISCOVERY and BUILD.

Platform-policy checks read several kinds of Grafeas occurrence; a user's
occurrences file (or ``gcloud artifacts docker images describe
--show-all-metadata`` output, or a Grafeas list reply) may hold any of them.
:func:`load_mixed_occurrences` reads one YAML/JSON text whose documents are one
occurrence, a list, or ``{"occurrences": [...], "nextPageToken": ...}``, and
routes each entry by its ``kind`` (name, or proto number as some clients send
it) to the model's reader: :class:`~kritis_sim.model.occurrence.AttestationOccurrence`,
:class:`~kritis_sim.model.vulnerability.VulnerabilityOccurrence`,
:class:`~kritis_sim.model.discovery.DiscoveryOccurrence`,
:class:`~kritis_sim.model.provenance.BuildOccurrence`. An entry without a
``kind`` (it is output-only in the API) is routed by its one detail field.

Refused, with file, line and field (:class:`~kritis_sim.errors.OccurrenceError`):
another kind (``PACKAGE``, ``SBOM_REFERENCE``, ...), an unknown kind, an entry
with neither kind nor a known detail (a scanner's own report format, such as
Trivy's or Grype's JSON, is never read as "no findings"), and every error the
model readers raise. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kritis_sim._yaml import Locator, Path, format_path, load_documents
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader, type_name
from kritis_sim.model.discovery import DiscoveryOccurrence, read_discovery
from kritis_sim.model.envelope import DETAIL_FIELDS
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.provenance import BuildOccurrence, read_build
from kritis_sim.model.vulnerability import VulnerabilityOccurrence, read_vulnerability

__all__ = ["MIXED_KINDS", "MixedOccurrence", "load_mixed_occurrences"]

MixedOccurrence = (
    AttestationOccurrence
    | VulnerabilityOccurrence
    | DiscoveryOccurrence
    | BuildOccurrence
)

Reader = Callable[[FieldReader, Locator, Any, Path], MixedOccurrence]


def _attestation(
    reader: FieldReader, locator: Locator, value: Any, path: Path
) -> MixedOccurrence:
    """The attestation model reads at the root; re-prefix its error paths."""
    try:
        return AttestationOccurrence.from_dict(value, locator=locator.child(path))
    except OccurrenceError as exc:
        inner = exc.path or ""
        sep = "" if not inner or inner.startswith("[") else "."
        raise OccurrenceError(
            exc.message,
            path=(format_path(path) + sep + inner) or None,
            source=exc.source,
            line=exc.line,
        ) from None


def _plain(
    read: Callable[[FieldReader, object, Path], MixedOccurrence],
) -> Reader:
    def run(
        reader: FieldReader, locator: Locator, value: Any, path: Path
    ) -> MixedOccurrence:
        return read(reader, value, path)

    return run


#: Detail field -> reader, for the kinds platform-policy checks use.
_READERS: dict[str, Reader] = {
    "attestation": _attestation,
    "vulnerability": _plain(read_vulnerability),
    "discovery": _plain(read_discovery),
    "build": _plain(read_build),
}

#: The kind names read here, in the order messages list them.
MIXED_KINDS = tuple(DETAIL_FIELDS[d][0] for d in _READERS)

_BY_KIND: dict[object, str] = {}
for _detail, (_name, _number) in DETAIL_FIELDS.items():
    _BY_KIND[_name] = _detail
    _BY_KIND[_number] = _detail
_UNSPECIFIED = ("NOTE_KIND_UNSPECIFIED", 0)
_LIST_FIELDS = ("occurrences", "nextPageToken")
_EXPECTED = ", ".join(MIXED_KINDS)


def _detail_of(reader: FieldReader, value: Any, path: Path) -> str:
    if not isinstance(value, dict):
        reader.fail(path, f"expected an occurrence (a mapping), got {type_name(value)}")
    kind = value.get("kind")
    if kind is not None and kind not in _UNSPECIFIED:
        hashable = isinstance(kind, str | int) and not isinstance(kind, bool)
        detail = _BY_KIND.get(kind) if hashable else None
        if detail is None:
            reader.fail(
                (*path, "kind"),
                f"unknown occurrence kind {kind!r}; expected one of {_EXPECTED}",
            )
        if detail not in _READERS:
            reader.fail(
                (*path, "kind"),
                f"{DETAIL_FIELDS[detail][0]} occurrences are not read by kritis-sim; "
                f"expected one of {_EXPECTED}",
            )
        return detail
    present = [d for d in DETAIL_FIELDS if d in value]
    if len(present) == 1 and present[0] in _READERS:
        return present[0]
    if present:
        reader.fail(
            path,
            f"an occurrence with detail {', '.join(present)} and no kind; "
            f"expected one of {_EXPECTED}",
        )
    reader.fail(
        path,
        "not a Grafeas occurrence: no 'kind' and no attestation, vulnerability, "
        "discovery or build detail (a scanner's own report format is not read; "
        f"give Grafeas v1 occurrences of kind {_EXPECTED})",
    )


def _entries(reader: FieldReader, data: Any) -> list[tuple[Any, Path]]:
    if isinstance(data, dict) and "occurrences" in data:
        reader.mapping(data, (), known=_LIST_FIELDS, what="an occurrence list")
        items = reader.sequence(data["occurrences"], ("occurrences",))
        return [(item, ("occurrences", i)) for i, item in enumerate(items)]
    if isinstance(data, list):
        return [(item, (i,)) for i, item in enumerate(data)]
    if isinstance(data, dict):
        return [(data, ())]
    reader.fail((), f"expected an occurrence or a list of them, got {type_name(data)}")


def load_mixed_occurrences(
    text: str, *, source: str = "<occurrences>"
) -> tuple[MixedOccurrence, ...]:
    """Every occurrence of every document of ``text``, in order.

    Raises:
        OccurrenceError: an entry of another or unknown kind, or invalid
            (file, line and field named).
        InputError: the text is not YAML/JSON.
    """
    out: list[MixedOccurrence] = []
    for data, locator in load_documents(text, source):
        if data is None:
            continue
        reader = FieldReader(locator, OccurrenceError)
        for value, path in _entries(reader, data):
            read = _READERS[_detail_of(reader, value, path)]
            out.append(read(reader, locator, value, path))
    return tuple(out)
