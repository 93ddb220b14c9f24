"""Duration strings for the kritis-sim freshness extension.

``kritisSimMaxAttestationAge`` on an admission rule is written as a sequence of
integer amounts with units, largest unit first: ``"720h"``, ``"30m"``,
``"86400s"``, ``"7d"``, ``"1h30m"``, ``"1d12h"``. Units are ``d`` (24 hours),
``h``, ``m`` and ``s``; each unit may appear once. Fractions, signs, spaces and
``ms``/``us`` are not accepted. This module only converts between such strings
and :class:`datetime.timedelta`; it does not decide whether an attestation is
fresh (the decision core does that).
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
    match = _DURATION.fullmatch(text)
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
    """Write ``value`` as hours, minutes and seconds (``"720h"``, ``"1h30m"``).

    Days are written as hours, so ``parse_duration("7d")`` formats as
    ``"168h"``. Sub-second parts are refused, since the grammar has none.

    Raises:
        ValueError: for a zero, negative or fractional-second duration.
    """
    if value <= datetime.timedelta(0) or value.microseconds:
        raise ValueError(f"cannot write {value!r} as a positive whole-second duration")
    total = int(value.total_seconds())
    hours, rest = divmod(total, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{amount}{unit}"
        for amount, unit in ((hours, "h"), (minutes, "m"), (seconds, "s"))
        if amount
    ]
    return "".join(parts)
