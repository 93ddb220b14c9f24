"""A Grafeas store as a source of platform-policy occurrences: the one reader.

:class:`StorePlatformOccurrences` implements
:class:`kritis_sim.core.platform.occurrences.PlatformOccurrences` by reading
a :class:`~kritis_sim.grafeas.store.Store` directly (no HTTP): each method
lists ``projects/P``'s occurrences of one kind for one resource URL, with and
without ``https://`` (scanners store the scheme, gcloud does not), through the
store's ``(parent, resourceUri, kind)`` index, and parses each with the model.
Occurrences stored under ``projects/P/locations/L`` are not read (the checks
name projects only).

It serves two owners:

* the emulator (:mod:`.platform_evaluate`, uncached): ``:evaluate`` judges
  what ``occurrences`` and ``occurrences:batchCreate`` wrote, at any time;
* a scenario's world (:mod:`kritis_sim.scenarios.world_platform`,
  ``cached=True``): answers are kept per ``(kind, project, resource URL)``
  until :meth:`~StorePlatformOccurrences.forget`, which the world calls after
  each of its writes (it is the only writer of its store).

Both read both URL forms. Choice made: a scenario sees what a real client of
the emulator would see (the world itself stores every occurrence under
``https://``, so the bare form finds nothing there today; the emulator's
answer is the one that stays right if a scenario ever stores gcloud-style
bare URIs).

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
    """A :class:`PlatformOccurrences` over a :class:`Store`.

    With ``cached=True`` each ``(kind, project, resource URL)`` answer is kept
    until :meth:`forget`; the owner must then call :meth:`forget` after every
    write to the store. ``origin`` names the store in parse errors.
    """

    def __init__(
        self, store: Store, *, cached: bool = False, origin: str = "the emulator's store"
    ) -> None:
        self.store = store
        self.origin = origin
        self._answers: dict[tuple[str, str, str], tuple[Any, ...]] | None = {} if cached else None

    def forget(self) -> None:
        """Drop every cached answer (after any write); a no-op when uncached."""
        if self._answers is not None:
            self._answers.clear()

    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        if self._answers is None:
            return self._read(kind, project, resource_url)
        key = (kind, project, resource_url)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._read(kind, project, resource_url)
        return answer

    def _read(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        out: list[Any] = []
        for url in resource_url_forms(resource_url):
            where = Scan(parent=project, resource_uri=url, kind=kind)
            for data in self.store.list_all("occurrences", where):
                parsed = parse_listed(kind, data, self.origin)
                if parsed is not None:
                    out.append(parsed)
        return tuple(out)
