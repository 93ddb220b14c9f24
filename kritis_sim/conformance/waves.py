"""Which cases can be reviewed at the same time, and whose store requests are whose.

The runner reviews cases that share a configuration concurrently, a *wave* at
a time: all worlds of a wave are in the suite's Grafeas together, so two cases
may share a wave only when neither can see the other's attestations. A case's
*keys* are every image digest its review or its occurrences mention, every
occurrence ``resourceUri`` and every image reference; the enforcer looks
attestations up by image, so cases with disjoint keys cannot see each other's
data. A case runs in a wave of its own when:

* its world injects a store fault (faults apply to the whole store);
* one of its images has no digest (an enforcer may normalise a tag in ways the
  suite cannot predict, so its lookups cannot be told apart);
* its keys meet those of every open wave... then it opens a new one.

Waves keep the runner's order (cases sorted by configuration, then name), so
reports come out in the same order whatever the concurrency. The store
requests made during a wave are attributed to cases by the digests in their
paths and queries (:func:`attribute`). This module is pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kritis_sim.conformance.case import Case

__all__ = ["attribute", "case_keys", "plan_waves"]

_DIGEST = re.compile(r"[0-9a-f]{64}(?:[0-9a-f]{64})?")


def _images(obj: Any) -> Iterator[str]:
    """Every string under an ``image`` key, at any depth."""
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if key == "image" and isinstance(value, str):
                yield value
            else:
                yield from _images(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _images(value)


def _strip_scheme(uri: str) -> str:
    return uri.split("://", 1)[-1]


def case_keys(case: Case) -> frozenset[str] | None:
    """The keys of ``case`` (see the module text), or None when it must run
    alone (a store fault, or an image without a digest)."""
    if case.world.fault is not None:
        return None
    images = list(_images(case.request.obj))
    if any("@" not in image for image in images):
        return None
    keys = {_strip_scheme(i) for i in images}
    keys |= set(_DIGEST.findall(json.dumps(case.request.obj)))
    for occ in case.world.occurrences:
        keys |= set(_DIGEST.findall(json.dumps(occ, default=str)))
        uri = occ.get("resourceUri")
        if isinstance(uri, str):
            keys.add(_strip_scheme(uri))
    return frozenset(keys)


def plan_waves(cases: Sequence[Case], limit: int) -> list[list[Case]]:
    """Split ``cases`` (already in run order) into waves of at most ``limit``
    cases, each of one configuration with pairwise disjoint keys.

    A wave closes when the configuration changes, when it is full, or when
    the next case conflicts with it; the order of ``cases`` is kept.
    """
    waves: list[list[Case]] = []
    current: list[Case] = []
    used: set[str] | None = None  # None: the current wave takes no one else
    for case in cases:
        keys = case_keys(case) if limit > 1 else None
        joins = (
            keys is not None
            and used is not None
            and len(current) < limit
            and current[0].config_key == case.config_key
            and used.isdisjoint(keys)
        )
        if joins:
            assert used is not None and keys is not None
            current.append(case)
            used |= keys
            continue
        if current:
            waves.append(current)
        current, used = [case], (set(keys) if keys is not None else None)
    if current:
        waves.append(current)
    return waves


def attribute(
    cases: Sequence[Case], log: Sequence[tuple[str, str, str, int]]
) -> list[int]:
    """How many of the store requests in ``log`` each case made.

    With one case, all of them. With several, a request counts for the case
    whose digest its path or query names; a request naming none of them
    (which no enforcer looking attestations up by image makes) counts for none.
    """
    if len(cases) == 1:
        return [len(log)]
    owner: dict[str, int] = {}
    for i, case in enumerate(cases):
        for key in case_keys(case) or ():
            if _DIGEST.fullmatch(key):
                owner[key] = i
    counts = [0] * len(cases)
    for _, path, query, _ in log:
        found = {owner[d] for d in _DIGEST.findall(path + " " + query) if d in owner}
        if len(found) == 1:
            counts[found.pop()] += 1
    return counts
