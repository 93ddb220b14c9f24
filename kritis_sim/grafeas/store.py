"""The emulator's storage contract, with pagination shared by every backend.

A store keeps JSON dicts (Grafeas notes and occurrences, BinAuthz attestors,
project policies and platform policies) in *collections*, each row addressed by its resource ``name`` and
numbered by a sequence that only ever grows. Listing walks one index in
sequence order and pages by keyset (``seq > last``), so a page token stays valid
and no row is skipped or repeated while other clients insert, and the cost of
a page depends on the rows in that index, not on the size of the store.

Backends (:mod:`.memory_store`, :mod:`.sqlite_store`) implement five small
primitives; this module does the rest. They must be thread-safe, and they
serialise rows with :func:`encode_record`, which refuses (``INVALID_ARGUMENT``,
before anything is written) data that could not be served back: strings that
are not valid UTF-8 (lone surrogates), non-string keys, integers beyond 64
bits, nesting past 254 levels.

Not here: HTTP, validation of JSON shapes, or filter syntax.
"""

from __future__ import annotations

import abc
import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import orjson

from kritis_sim.grafeas.filters import Filter
from kritis_sim.grafeas.googleerrors import InvalidArgument

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Collection",
    "Page",
    "Record",
    "Scan",
    "Store",
    "encode_record",
]

Collection = Literal[
    "notes", "occurrences", "attestors", "policies", "platformPolicies"
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
_SCAN_CHUNK = 256


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """One stored resource and the fields it is indexed by.

    ``parent`` is ``projects/P`` (or ``projects/P/locations/L``). The three
    optional fields are set for occurrences only.
    """

    name: str
    parent: str
    data: dict[str, Any]
    resource_uri: str | None = None
    kind: str | None = None
    note_name: str | None = None

    @classmethod
    def for_occurrence(cls, parent: str, data: dict[str, Any]) -> Record:
        """Index an occurrence by resource URI, kind and note."""
        return cls(
            name=data["name"],
            parent=parent,
            data=data,
            resource_uri=data.get("resourceUri"),
            kind=data.get("kind"),
            note_name=data.get("noteName"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Scan:
    """Equality constraints a backend answers from one index (``None``: any)."""

    parent: str | None = None
    resource_uri: str | None = None
    kind: str | None = None
    note_name: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing; ``next_page_token`` is ``""`` on the last page."""

    items: list[dict[str, Any]]
    next_page_token: str


def encode_record(record: Record) -> bytes:
    """``record.data`` as compact UTF-8 JSON, after checking every indexed string.

    Raises:
        ApiError: INVALID_ARGUMENT when the record could not be stored and
            served back (see the module docstring).
    """
    for value in (
        record.name,
        record.parent,
        record.resource_uri,
        record.kind,
        record.note_name,
    ):
        if value is not None and not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError as exc:
                raise InvalidArgument(
                    f"{value!r}: not valid UTF-8 ({exc.reason})"
                ) from None
    try:
        return orjson.dumps(record.data)
    except orjson.JSONEncodeError as exc:
        raise InvalidArgument(f"{record.name!r} cannot be stored: {exc}") from None


class Store(abc.ABC):
    """Thread-safe storage of JSON resources; see the module docstring."""

    # --- primitives a backend implements -------------------------------------

    @abc.abstractmethod
    def insert(self, collection: Collection, records: Sequence[Record]) -> None:
        """Add all ``records`` or none.

        Raises:
            ApiError: ALREADY_EXISTS naming the first duplicate name.
        """

    @abc.abstractmethod
    def get(self, collection: Collection, name: str) -> dict[str, Any] | None:
        """The stored dict (a private copy) or ``None``."""

    @abc.abstractmethod
    def replace(self, collection: Collection, record: Record) -> bool:
        """Overwrite an existing row, keeping its sequence; ``False`` if absent."""

    @abc.abstractmethod
    def delete(self, collection: Collection, name: str) -> bool:
        """Remove a row; ``False`` if it was absent."""

    @abc.abstractmethod
    def scan(
        self, collection: Collection, where: Scan, *, after: int, limit: int
    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` rows with ``seq > after`` matching ``where``, by seq."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (files, connections)."""

    # --- shared behaviour ----------------------------------------------------

    def upsert(self, collection: Collection, record: Record) -> None:
        """Replace ``record`` if present, else insert it (used for policies)."""
        if not self.replace(collection, record):
            self.insert(collection, [record])

    def list(
        self,
        collection: Collection,
        where: Scan,
        flt: Filter,
        *,
        page_size: int | None,
        page_token: str | None,
        query_key: str = "",
    ) -> Page:
        """One page of rows matching ``where`` and ``flt``.

        Args:
            where: constraints answered by an index.
            flt: the full filter; rows are also checked against it.
            page_size: 1..1000; ``None`` or 0 means 100, larger values are capped.
            page_token: ``nextPageToken`` from the previous page of the same query.
            query_key: distinguishes queries so a token cannot be replayed on
                another listing.

        Raises:
            ApiError: INVALID_ARGUMENT for a bad page size or token.
        """
        size = _page_size(page_size)
        fingerprint = _fingerprint(collection, where, flt, query_key)
        after = _decode_token(page_token, fingerprint) if page_token else 0
        if flt.impossible:
            return Page([], "")
        found: list[tuple[int, dict[str, Any]]] = []
        cursor = after
        while len(found) <= size:
            chunk = self.scan(
                collection, where, after=cursor, limit=max(_SCAN_CHUNK, size + 1)
            )
            found.extend(row for row in chunk if flt.matches(row[1]))
            if len(chunk) < max(_SCAN_CHUNK, size + 1):
                break
            cursor = chunk[-1][0]
        if len(found) > size:
            last_seq = found[size - 1][0]
            return Page(
                [d for _, d in found[:size]], _encode_token(last_seq, fingerprint)
            )
        return Page([d for _, d in found], "")

    def list_all(self, collection: Collection, where: Scan) -> Iterable[dict[str, Any]]:
        """Every row matching ``where`` (for small collections and tests)."""
        cursor = 0
        while True:
            chunk = self.scan(collection, where, after=cursor, limit=_SCAN_CHUNK)
            yield from (d for _, d in chunk)
            if len(chunk) < _SCAN_CHUNK:
                return
            cursor = chunk[-1][0]


def _page_size(value: int | None) -> int:
    if value is None or value == 0:
        return DEFAULT_PAGE_SIZE
    if value < 0:
        raise InvalidArgument(f"pageSize: must not be negative, got {value}")
    return min(value, MAX_PAGE_SIZE)


def _fingerprint(collection: str, where: Scan, flt: Filter, key: str) -> str:
    text = json.dumps(
        [collection, dataclasses.astuple(where), dataclasses.astuple(flt), key]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _encode_token(seq: int, fingerprint: str) -> str:
    raw = f"{fingerprint}:{seq}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, fingerprint: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        got, seq_text = raw.split(":")
        seq = int(seq_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument(
            f"pageToken: {token!r} is not a valid page token"
        ) from None
    if got != fingerprint:
        raise InvalidArgument(
            "pageToken: the token belongs to a different listing (parent, filter "
            "or collection changed since the previous page)"
        )
    return seq
