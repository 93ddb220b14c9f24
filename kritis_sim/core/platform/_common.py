"""Small pieces the occurrence-based platform checks share.

* :data:`Outcome`: what a check returns, ``(verdict, explanation)``;
* :class:`Stop`: raised inside a check to end it with an outcome (caught by
  :func:`stops`, never leaves the package);
* :func:`occurrence_image`: the parsed, digest-pinned image an occurrence check
  needs, or a :class:`Stop` saying why there is none;
* :func:`read`: one store read, a :class:`~kritis_sim.errors.GrafeasError`
  turned into an ERROR (fail closed);
* :func:`listing`: a bounded, readable list for explanations;
* :func:`judged`: a judgement memoised on the *identity* of the immutable
  values it was computed from (an in-memory store hands out the same tuples
  until its contents change, so warm evaluations skip work they did before;
  a store that builds new objects per read never hits).

No I/O, no clock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ParamSpec, TypeVar

from kritis_sim.core.platform.facts import ImageFacts
from kritis_sim.core.platform.occurrences import PlatformOccurrences, fetch
from kritis_sim.errors import GrafeasError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.platform.results import Verdict

__all__ = [
    "Outcome",
    "Stop",
    "judged",
    "listing",
    "occurrence_image",
    "read",
    "stops",
]

Outcome = tuple[Verdict, str]
Occ = TypeVar("Occ")
P = ParamSpec("P")
T = TypeVar("T")

#: judged()'s memo: key -> (the objects, the value). Each entry holds its
#: objects, so their ids cannot be reused while the entry exists.
_MEMO: dict[Hashable, tuple[tuple[object, ...], Any]] = {}
_MEMO_MAX = 8192


class Stop(Exception):
    """Ends a check early with ``outcome``."""

    def __init__(self, verdict: Verdict, explanation: str) -> None:
        super().__init__(explanation)
        self.outcome: Outcome = (verdict, explanation)


def stops(check: Callable[P, Outcome]) -> Callable[P, Outcome]:
    """``check`` with a :class:`Stop` turned into its outcome."""

    @functools.wraps(check)
    def run(*args: P.args, **kwargs: P.kwargs) -> Outcome:
        try:
            return check(*args, **kwargs)
        except Stop as stop:
            return stop.outcome

    return run


#: How many items an explanation lists before "and N more".
LIST_LIMIT = 10


def listing(items: Sequence[str], limit: int = LIST_LIMIT) -> str:
    """``a, b, c`` with at most ``limit`` items, then ``and N more``."""
    shown = ", ".join(items[:limit])
    extra = len(items) - limit
    return f"{shown} and {extra} more" if extra > 0 else shown


def occurrence_image(
    facts: ImageFacts, missing_digest: Verdict
) -> tuple[ImageRef, PlatformOccurrences]:
    """The image and the source an occurrence check reads.

    Raises:
        Stop: the image does not parse, or there is no occurrence source
            (ERROR); the image has no ``sha256`` digest (``missing_digest``:
            occurrences are bound to digests).
    """
    if facts.ref is None:
        raise Stop(
            Verdict.ERROR,
            f"image {facts.image!r} does not parse ({facts.parse_error}); its "
            "occurrences cannot be looked up",
        )
    if not facts.ref.has_sha256_digest:
        raise Stop(
            missing_digest,
            f"image {facts.image!r} is not pinned by a sha256 digest, and "
            "occurrences are bound to digests",
        )
    if facts.occurrences is None:
        raise Stop(
            Verdict.ERROR,
            "no occurrence source was given, so the occurrences this check "
            "needs cannot be read",
        )
    return facts.ref, facts.occurrences


def read(
    what: str,
    lister: Callable[[str, str], Sequence[Occ]],
    projects: Sequence[str],
    image: ImageRef,
) -> tuple[Occ, ...]:
    """:func:`fetch`.

    Raises:
        Stop: ERROR naming what could not be read (the source failed).
    """
    try:
        return fetch(lister, projects, image)
    except GrafeasError as exc:
        raise Stop(
            Verdict.ERROR,
            f"could not read {what} occurrences from {', '.join(projects)}: "
            f"{exc}; failing closed",
        ) from exc


def judged(
    tag: str, objects: tuple[object, ...], extra: Hashable, compute: Callable[[], T]
) -> T:
    """``compute()``, memoised on the identity of ``objects`` (immutable values:
    frozen dataclasses and tuples) and the hashable ``extra``.

    Each entry holds its objects, so while it exists no other object can have
    their ids: a key that matches names the very same objects.
    """
    key = (tag, extra, *map(id, objects))
    hit = _MEMO.get(key)
    if hit is not None:
        value: T = hit[1]
        return value
    value = compute()
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = (objects, value)
    return value
