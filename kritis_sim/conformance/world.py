"""A case's world as stored data: occurrences shifted to a clock, and sources.

Cases are written at a fixed reference time (``world.time``). Enforcers under
test read the wall clock, so before a case runs the suite moves every
occurrence's ``createTime`` (and ``updateTime``) by ``now - world.time``; the
age of each attestation relative to the decision stays what the case says.
Times keep the shape they are written in (offset, fractional digits; see
:func:`~kritis_sim.conformance.forms.shift_timestamp`): the suite seeds the
forms real stores hold, not one normalised form.
Inside DISCOVERY occurrences, ``lastScanTime``, ``archiveTime`` and
``lastVulnerabilityUpdateTime`` move too.
The in-process reference decision uses the same shifted data with ``now``
fixed, so both sides see identical ages.

This module neither talks HTTP nor decides.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kritis_sim.conformance.case import World
from kritis_sim.conformance.forms import shift_timestamp
from kritis_sim.core.source import InMemorySource
from kritis_sim.model.occurrence import AttestationOccurrence

__all__ = ["note_body", "note_parent", "reference_source", "shifted_occurrences"]

_TIME_FIELDS = ("createTime", "updateTime")
#: Times inside a DISCOVERY occurrence that move with the world too (a scan
#: archived an hour before the case time stays archived an hour before now).
_DISCOVERY_TIMES = ("lastScanTime", "archiveTime", "lastVulnerabilityUpdateTime")


def shifted_occurrences(world: World, now: datetime) -> list[dict[str, Any]]:
    """The world's occurrences with their times moved so ``world.time`` is ``now``."""
    delta = now - world.time
    out: list[dict[str, Any]] = []
    for occ in world.occurrences:
        data = copy.deepcopy(dict(occ))
        for key in _TIME_FIELDS:
            value = data.get(key)
            if isinstance(value, str):
                data[key] = shift_timestamp(value, delta)
        discovery = data.get("discovery")
        if isinstance(discovery, dict):
            for key in _DISCOVERY_TIMES:
                value = discovery.get(key)
                if isinstance(value, str):
                    discovery[key] = shift_timestamp(value, delta)
        out.append(data)
    return out


def reference_source(world: World, now: datetime | None = None) -> InMemorySource:
    """An in-memory source over the world (shifted to ``now`` when given)."""
    data = (
        shifted_occurrences(world, now)
        if now is not None
        else [dict(o) for o in world.occurrences]
    )
    return InMemorySource(AttestationOccurrence.from_dict(d) for d in data)


def note_parent(note_name: str) -> tuple[str, str]:
    """Split ``projects/P/notes/N`` into (``projects/P``, ``N``)."""
    project, _, note_id = note_name.partition("/notes/")
    return project, note_id


def note_body(note_name: str) -> Mapping[str, Any]:
    """A Grafeas v1 attestation-authority note for ``note_name``."""
    _, note_id = note_parent(note_name)
    return {
        "kind": "ATTESTATION",
        "shortDescription": f"conformance note {note_id}",
        "attestation": {"hint": {"humanReadableName": note_id}},
    }
