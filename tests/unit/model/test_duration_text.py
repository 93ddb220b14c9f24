"""Durations are printed as people write them, never as ``timedelta`` text
(issue 10.4): one formatter, used by reasons, exports and messages."""

from __future__ import annotations

import datetime

import pytest

from kritis_sim.model.durations import format_duration
from kritis_sim.scenarios.clock import VirtualClock

T = datetime.timedelta


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (T(hours=25), "25h"),
        (T(days=1, hours=1), "25h"),
        (T(seconds=90), "1m30s"),
        (T(hours=1, minutes=30), "1h30m"),
        (T(0), "0s"),
        (T(minutes=-5), "-5m"),
        (T(hours=2, milliseconds=250), "2h0.25s"),
        (T(microseconds=1), "0.000001s"),
        (T(days=7), "168h"),
    ],
)
def test_format_duration(value: datetime.timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_the_virtual_clock_names_a_backwards_step_in_duration_text() -> None:
    clock = VirtualClock(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(ValueError, match=r"\(advance by -5m\)$"):
        clock.advance(T(minutes=-5))
