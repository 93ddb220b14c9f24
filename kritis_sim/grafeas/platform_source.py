"""The emulator's own Grafeas store as a source of platform-policy occurrences.

:class:`StorePlatformOccurrences` implements
:class:`kritis_sim.core.platform.occurrences.PlatformOccurrences` by reading
the store directly (no HTTP): each method lists ``projects/P``'s occurrences of
one kind for one resource URL, with and without ``https://`` (scanners store
the scheme, gcloud does not), through the store's ``(parent, resourceUri,
kind)`` index, and parses each with the model. The evaluate endpoint of
:mod:`.platform_api` uses it, so ``:evaluate`` judges what ``occurrences`` and
``occurrences:batchCreate`` wrote. Occurrences stored under
``projects/P/locations/L`` are not read (the checks name projects only).

Stored VULNERABILITY, DISCOVERY and BUILD occurrences were checked by the same
model when written (:mod:`.details`), so parsing them cannot fail; if it did,
that is a :class:`~kritis_sim.errors.GrafeasError` (the check reports ERROR),
never a silently skipped vulnerability. An ATTESTATION occurrence the model
refuses is skipped: it could never verify.
Parsed values are cached on the occurrence's exact JSON
(:func:`~kritis_sim.grafeas.details.parse_listed`), never served stale.
"""

from __future__ import annotations

from typing import Any

from kritis_sim.core.platform.occurrences import ListsByKind
from kritis_sim.grafeas.client import resource_url_forms
from kritis_sim.grafeas.details import parse_listed
from kritis_sim.grafeas.store import Scan, Store

__all__ = ["StorePlatformOccurrences"]


class StorePlatformOccurrences(ListsByKind):
    """A :class:`PlatformOccurrences` over an emulator :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        out: list[Any] = []
        for url in resource_url_forms(resource_url):
            where = Scan(parent=project, resource_uri=url, kind=kind)
            for data in self.store.list_all("occurrences", where):
                parsed = parse_listed(kind, data, "the emulator's store")
                if parsed is not None:
                    out.append(parsed)
        return tuple(out)
