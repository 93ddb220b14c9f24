"""Where platform-policy checks read occurrences from: the :class:`PlatformOccurrences` seam.

The occurrence-based checks (``vulnerabilityCheck``, ``slsaCheck``,
``simpleSigningAttestationCheck``) read Grafeas occurrences **per project** (as
the Container Analysis API lists them: ``projects/P/occurrences`` filtered by
resource URL and kind). :class:`PlatformOccurrences` is that read-only
protocol; :class:`InMemoryPlatformOccurrences` implements it over parsed
occurrences, indexed by ``(project, resource URL without scheme)``.

:func:`fetch` looks one kind up for every resource URL form of an image
(:meth:`~kritis_sim.model.imageref.ImageRef.resource_urls`) in every project and
drops exact repeats, as the classic
:func:`~kritis_sim.core.attestations.fetch_occurrences` does.
:func:`image_project` is the project of a Container Registry / Artifact
Registry image (the default project of some checks).

A source that fails raises :class:`~kritis_sim.errors.GrafeasError`; the checks
turn that into ERROR (never CONFORMANT). Nothing here does I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from kritis_sim.errors import InputError
from kritis_sim.model.discovery import DiscoveryOccurrence
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

__all__ = [
    "InMemoryPlatformOccurrences",
    "ListsByKind",
    "PlatformOccurrence",
    "PlatformOccurrences",
    "content_version",
    "fetch",
    "image_project",
    "occurrence_project",
]

PlatformOccurrence = (
    VulnerabilityOccurrence
    | DiscoveryOccurrence
    | BuildOccurrence
    | AttestationOccurrence
)
Occ = TypeVar("Occ")


@runtime_checkable
class PlatformOccurrences(Protocol):
    """Read-only lists of one project's occurrences of one kind for one resource URL.

    ``project`` is ``projects/<id>``; ``resource_url`` a Grafeas resource URI
    (with or without ``https://``). Every method may raise
    :class:`~kritis_sim.errors.GrafeasError` when the store cannot be read.
    """

    def vulnerabilities(
        self, project: str, resource_url: str
    ) -> Sequence[VulnerabilityOccurrence]:
        """VULNERABILITY occurrences."""
        ...

    def discoveries(
        self, project: str, resource_url: str
    ) -> Sequence[DiscoveryOccurrence]:
        """DISCOVERY occurrences."""
        ...

    def builds(self, project: str, resource_url: str) -> Sequence[BuildOccurrence]:
        """BUILD occurrences."""
        ...

    def attestations(
        self, project: str, resource_url: str
    ) -> Sequence[AttestationOccurrence]:
        """ATTESTATION occurrences (of any note)."""
        ...


_PROJECT_OF_NAME = re.compile(r"(projects/[^/]+)/occurrences/[^/]+")


def occurrence_project(name: str | None) -> str | None:
    """``projects/P`` of an occurrence name ``projects/P/occurrences/ID``, or None."""
    if name is None:
        return None
    match = _PROJECT_OF_NAME.fullmatch(name)
    return match.group(1) if match else None


def _bare(url: str) -> str:
    return url.removeprefix("https://")


def _kind(occurrence: PlatformOccurrence) -> str:
    if isinstance(occurrence, VulnerabilityOccurrence):
        return "VULNERABILITY"
    if isinstance(occurrence, DiscoveryOccurrence):
        return "DISCOVERY"
    if isinstance(occurrence, BuildOccurrence):
        return "BUILD"
    return "ATTESTATION"


class ListsByKind:
    """The four :class:`PlatformOccurrences` methods over one lookup by kind.

    A source implements ``_by_kind(kind, project, resource_url)`` (``kind`` is
    ``VULNERABILITY``, ``DISCOVERY``, ``BUILD`` or ``ATTESTATION``) and gets
    the protocol's methods from here.
    """

    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        raise NotImplementedError  # pragma: no cover

    def vulnerabilities(
        self, project: str, resource_url: str
    ) -> Sequence[VulnerabilityOccurrence]:
        """See :meth:`PlatformOccurrences.vulnerabilities`."""
        return self._by_kind("VULNERABILITY", project, resource_url)

    def discoveries(
        self, project: str, resource_url: str
    ) -> Sequence[DiscoveryOccurrence]:
        """See :meth:`PlatformOccurrences.discoveries`."""
        return self._by_kind("DISCOVERY", project, resource_url)

    def builds(self, project: str, resource_url: str) -> Sequence[BuildOccurrence]:
        """See :meth:`PlatformOccurrences.builds`."""
        return self._by_kind("BUILD", project, resource_url)

    def attestations(
        self, project: str, resource_url: str
    ) -> Sequence[AttestationOccurrence]:
        """See :meth:`PlatformOccurrences.attestations`."""
        return self._by_kind("ATTESTATION", project, resource_url)


class InMemoryPlatformOccurrences(ListsByKind):
    """A :class:`PlatformOccurrences` over a fixed collection of parsed occurrences.

    Each occurrence's project is the one its ``name`` says
    (``projects/P/occurrences/ID``), else the ``project`` given (which must
    agree with the name when both are there). An occurrence with neither is
    held as *unplaced*: a lookup of its kind and resource URL raises
    :class:`~kritis_sim.errors.InputError` (its project cannot be told, and
    skipping it could hide a vulnerability or drop an attestation). The
    ``https://`` scheme of ``resourceUri`` is not part of the index key
    (gcloud stores attestations without it, scanners with it).

    ``generation`` counts the changes (every :meth:`add`): the store's content
    is a function of its identity and its generation, so the checks may
    memoise judgements on that pair (:func:`content_version`).
    """

    def __init__(
        self,
        occurrences: Iterable[PlatformOccurrence] = (),
        *,
        project: str | None = None,
    ) -> None:
        self._index: dict[tuple[str, str, str], tuple[PlatformOccurrence, ...]] = {}
        self._unplaced: dict[tuple[str, str], int] = {}
        self.generation = 0
        for occ in occurrences:
            self.add(occ, project=project)

    def add(
        self, occurrence: PlatformOccurrence, *, project: str | None = None
    ) -> None:
        """Hold one more occurrence.

        Raises:
            InputError: ``project`` disagrees with the occurrence's name.
        """
        if isinstance(occurrence, AttestationOccurrence):
            name, uri = occurrence.name, occurrence.resource_uri
        else:
            name, uri = occurrence.header.name, occurrence.header.resource_uri
        named = occurrence_project(name)
        if project is not None and named is not None and named != project:
            raise InputError(f"occurrence {name} belongs to {named}, not to {project}")
        owner = named or project
        kind = _kind(occurrence)
        self.generation += 1
        if owner is None:
            where = (kind, _bare(uri))
            self._unplaced[where] = self._unplaced.get(where, 0) + 1
            return
        key = (kind, owner, _bare(uri))
        # Tuples, rebuilt on add: reads hand out the stored tuple as is.
        self._index[key] = (*self._index.get(key, ()), occurrence)

    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        bare = _bare(resource_url)
        if self._unplaced:
            count = self._unplaced.get((kind, bare))
            if count:
                raise InputError(
                    f"{count} {kind} occurrence(s) for {bare} have no name "
                    "projects/P/occurrences/ID, so whether they belong to "
                    f"{project} cannot be told; name them (or give their project)"
                )
        return self._index.get((kind, project, bare), ())


def content_version(source: object) -> int | None:
    """The generation of an :class:`InMemoryPlatformOccurrences` (its content
    changes only with it), or None for any other source (whose reads may
    change at any time, so nothing may be memoised on its identity)."""
    if type(source) is InMemoryPlatformOccurrences:
        return source.generation
    return None


def _name(occurrence: object) -> str | None:
    if isinstance(occurrence, AttestationOccurrence):
        return occurrence.name
    header = getattr(occurrence, "header", None)
    return getattr(header, "name", None)


@functools.lru_cache(maxsize=4096)
def _urls(image: ImageRef) -> tuple[str, ...]:
    return image.resource_urls()


def fetch(
    lister: Callable[[str, str], Sequence[Occ]],
    projects: Sequence[str],
    image: ImageRef,
) -> tuple[Occ, ...]:
    """Everything ``lister(project, url)`` returns for each project and each
    resource URL form of ``image``, in order, exact repeats dropped: a second
    copy with the same ``name`` that is equal to the first (a store may
    return one occurrence under two URL forms); a differing copy is kept.

    Raises:
        GrafeasError: the source failed.
    """
    urls = _urls(image)
    if len(projects) == 1 and len(urls) == 1:
        return tuple(lister(projects[0], urls[0]))
    out: list[Occ] = []
    named: dict[str, list[Occ]] = {}
    for project in projects:
        for url in urls:
            for occ in lister(project, url):
                name = _name(occ)
                if name is not None:
                    same = named.setdefault(name, [])
                    if any(occ == kept for kept in same):
                        continue
                    same.append(occ)
                out.append(occ)
    return tuple(out)


_GCR = re.compile(r"(?:[a-z0-9-]+\.)?gcr\.io")
_AR = re.compile(r"[a-z0-9-]+-docker\.pkg\.dev")


def image_project(image: ImageRef) -> str | None:
    """``projects/<id>`` of a Container Registry (``[region.]gcr.io/<id>/...``)
    or Artifact Registry (``<location>-docker.pkg.dev/<id>/<repo>/...``) image;
    a domain-scoped project (``gcr.io/example.com/p``) is ``example.com:p``.
    None for other registries."""
    return _project(image.domain, image.path)


def _project_of(domain: str, path: str) -> str | None:
    domain = domain.lower()
    if not (_GCR.fullmatch(domain) or _AR.fullmatch(domain)):
        return None
    parts = path.split("/")
    if len(parts) < 2:
        return None
    if "." in parts[0] and len(parts) > 2:
        return f"projects/{parts[0]}:{parts[1]}"
    return f"projects/{parts[0]}"


# Memoised by wrapping rather than decorating: mutmut mutates only undecorated
# functions (docs/mutation.md).
_project = functools.lru_cache(maxsize=4096)(_project_of)
