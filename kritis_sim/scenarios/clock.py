"""The virtual clock a simulation runs on.

A scenario starts at a fixed instant (``start:``) and time moves only when an
``advance`` event says so, so freshness rules and attestation ages are exact
and runs are repeatable. The decision core never reads a clock; the simulator
passes :meth:`VirtualClock.now` to it, and the webhook path hands the same
method to the webhook as its clock. This module does not know about events.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from kritis_sim.model.durations import format_duration

__all__ = ["Clock", "VirtualClock"]


class Clock(Protocol):
    """Anything that tells the (timezone-aware) time."""

    def now(self) -> datetime.datetime:
        """The current instant."""
        ...


class VirtualClock:
    """A clock that only moves when told to.

    Args:
        start: the first instant; must be timezone-aware.

    Raises:
        ValueError: for a naive ``start``.
    """

    def __init__(self, start: datetime.datetime) -> None:
        if start.utcoffset() is None:
            raise ValueError(f"the clock needs a timezone-aware start, got {start!r}")
        self._start = start
        self._now = start

    def __repr__(self) -> str:
        return f"VirtualClock({self._now.isoformat()})"

    @property
    def start(self) -> datetime.datetime:
        """The instant the clock started at."""
        return self._start

    def now(self) -> datetime.datetime:
        """The current virtual instant."""
        return self._now

    def elapsed(self) -> datetime.timedelta:
        """How far the clock has moved since ``start``."""
        return self._now - self._start

    def advance(self, by: datetime.timedelta) -> datetime.datetime:
        """Move forward by ``by`` and return the new instant.

        Raises:
            ValueError: when ``by`` is negative (time never goes back).
        """
        if by < datetime.timedelta(0):
            raise ValueError(f"the virtual clock cannot go back (advance by {format_duration(by)})")
        self._now += by
        return self._now

    def __call__(self) -> datetime.datetime:
        """The current instant, so the clock can be passed where a callable is wanted."""
        return self._now
