"""Duration strings for the kritis-sim freshness extension.

``kritisSimMaxAttestationAge`` on an admission rule is written as a sequence of
integer amounts with units, largest unit first: ``"720h"``, ``"30m"``,
``"86400s"``, ``"7d"``, ``"1h30m"``, ``"1d12h"``. Units are ``d`` (24 hours),
``h``, ``m`` and ``s``; each unit may appear once. Fractions, signs, spaces and
``ms``/``us`` are not accepted. This module only converts between such strings
and :class:`datetime.timedelta`; it does not decide whether an attestation is
fresh (the decision core does that).

:func:`format_duration` is the one way kritis-sim prints a duration (policy
export, decision reasons, reports): the way people write it, never Python's
``timedelta`` text (``1 day, 1:00:00``).
"""

from __future__ import annotations

import datetime
import re

__all__ = ["DurationSyntaxError", "format_duration", "parse_duration"]

_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
#: Larger than any attestation age anyone means; keeps timedelta from overflowing.
_MAX_SECONDS = 100 * 365 * 86_400


class DurationSyntaxError(ValueError):
    """A duration string that does not follow the grammar; callers add location."""


def parse_duration(text: str) -> datetime.timedelta:
    """Parse ``text`` into a positive :class:`datetime.timedelta`.

    Raises:
        DurationSyntaxError: when ``text`` is not a duration, is zero, or is
            longer than 100 years.
    """
    match = _DURATION.fullmatch(text) if len(text) <= 40 else None
    if not text or match is None:
        raise DurationSyntaxError(
            f"expected a duration such as '720h', '30m', '86400s', '7d' or "
            f"'1h30m' (units d, h, m, s, largest first), got {text!r}"
        )
    seconds = sum(
        int(amount) * _UNIT_SECONDS[unit]
        for amount, unit in zip(match.groups(), "dhms", strict=True)
        if amount is not None
    )
    if seconds <= 0:
        raise DurationSyntaxError(
            f"the duration must be greater than zero, got {text!r}"
        )
    if seconds > _MAX_SECONDS:
        raise DurationSyntaxError(
            f"the duration must be at most 100 years, got {text!r}"
        )
    return datetime.timedelta(seconds=seconds)


def format_duration(value: datetime.timedelta) -> str:
    """Write ``value`` the way people write it: ``"720h"``, ``"1h30m"``, ``"90s"``.

    Hours are the largest unit (as Go writes durations), so
    ``parse_duration("7d")`` formats as ``"168h"`` and 25 hours as ``"25h"``;
    zero units are left out. Whole positive durations round-trip through
    :func:`parse_duration`. For use in messages, zero is ``"0s"``, a negative
    value gets a ``-`` sign, and a fraction of a second is written as a
    decimal (``"1m0.25s"``, at most microseconds, trailing zeros dropped).
    """
    if value < datetime.timedelta(0):
        return "-" + format_duration(-value)
    total, micros = divmod(value // datetime.timedelta(microseconds=1), 1_000_000)
    hours, rest = divmod(total, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{amount}{unit}" for amount, unit in ((hours, "h"), (minutes, "m")) if amount
    ]
    if micros:
        parts.append(f"{seconds}.{micros:06d}".rstrip("0") + "s")
    elif seconds or not parts:
        parts.append(f"{seconds}s")
    return "".join(parts)
