"""Where the decision gets attestations from: the :class:`AttestationSource` seam.

The decision core never performs I/O itself. Adapters that read a real store
(the Grafeas client, the emulator's store) implement this protocol; the webhook
prefetches with a deadline and hands the core an :class:`InMemorySource`.
A source that fails raises :class:`~kritis_sim.errors.GrafeasError`; the core
turns that into a fail-closed denial.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar, Protocol, runtime_checkable

from kritis_sim.model.occurrence import AttestationOccurrence

__all__ = ["AttestationSource", "InMemorySource"]


@runtime_checkable
class AttestationSource(Protocol):
    """Anything that lists the attestation occurrences of one note for one image."""

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """Occurrences of ``note_name`` whose resourceUri is ``resource_url``.

        Raises:
            GrafeasError: the store could not be read.
        """
        ...


def _without_scheme(uri: str) -> str:
    return uri.removeprefix("https://")


class InMemorySource:
    """An :class:`AttestationSource` over a fixed collection of occurrences.

    Occurrences are indexed by ``(resourceUri, noteName)`` so a lookup costs the
    same however many are held. The ``https://`` scheme is not part of the index
    key: ``gcloud container binauthz attestations create`` stores the artifact URL
    without it, while Kritis and the Grafeas docs use it, and both name the same
    image.
    """

    #: Answers from memory: it can neither hang nor fail. Adapters (the
    #: webhook) may skip their deadline machinery for such sources.
    nonblocking: ClassVar[bool] = True

    def __init__(self, occurrences: Iterable[AttestationOccurrence] = ()) -> None:
        self._index: dict[tuple[str, str], tuple[AttestationOccurrence, ...]] = {}
        for occ in occurrences:
            self.add(occ)

    def add(self, occurrence: AttestationOccurrence) -> None:
        """Hold one more occurrence."""
        key = (_without_scheme(occurrence.resource_uri), occurrence.note_name)
        # Tuples, rebuilt on add: reads (every decision) hand out the stored
        # tuple as is; adds are rare and a key holds few occurrences.
        self._index[key] = (*self._index.get(key, ()), occurrence)

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """See :meth:`AttestationSource.occurrences`."""
        return self._index.get((_without_scheme(resource_url), note_name), ())

    def all(self) -> tuple[AttestationOccurrence, ...]:
        """Every held occurrence."""
        return tuple(o for group in self._index.values() for o in group)
