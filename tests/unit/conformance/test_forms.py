"""Wire forms: moving a timestamp keeps its shape, forms are checked, and a late
reply is named with its time and budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.conformance.forms import check_form, shift_timestamp, timestamp_shape
from kritis_sim.conformance.runner import late
from kritis_sim.model.occurrence import parse_timestamp

offsets = st.sampled_from([None, "+02:00", "-05:00", "+05:30", "-00:00", "+14:00"])
fractions = st.sampled_from(["", "5", "123", "123456", "999999999", "000000001"])


@st.composite
def stamps(draw: st.DrawFn) -> str:
    when = draw(
        st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))
    ).replace(microsecond=0)
    offset, fraction = draw(offsets), draw(fractions)
    if offset is None:
        head, zone = when.strftime("%Y-%m-%dT%H:%M:%S"), "Z"
    else:
        sign = -1 if offset[0] == "-" else 1
        delta = sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        head = when.astimezone(timezone(delta)).strftime("%Y-%m-%dT%H:%M:%S")
        zone = offset
    return f"{head}.{fraction}{zone}" if fraction else head + zone


@given(
    stamps(),
    st.timedeltas(min_value=timedelta(days=-3000), max_value=timedelta(days=3000)),
)
def test_shift_keeps_the_shape_and_moves_by_whole_seconds(
    text: str, delta: timedelta
) -> None:
    moved = shift_timestamp(text, delta)
    assert timestamp_shape(moved) == timestamp_shape(text)
    step = parse_timestamp(moved) - parse_timestamp(text)
    assert step == timedelta(seconds=round(delta / timedelta(seconds=1)))
    assert abs(step - delta) <= timedelta(seconds=0.5)


def test_nanosecond_digits_survive_the_shift() -> None:
    moved = shift_timestamp(
        "2026-01-14T11:54:59.999999999Z", timedelta(days=300, microseconds=7)
    )
    assert moved == "2026-11-10T11:54:59.999999999Z"


@pytest.mark.parametrize(
    ("form", "occurrence", "ok"),
    [
        ("gcloud-resource-uri", {"resourceUri": "gcr.io/p/i@sha256:00"}, True),
        ("gcloud-resource-uri", {"resourceUri": "https://gcr.io/p/i@sha256:00"}, False),
        ("int-enum-kind", {"kind": 7}, True),
        ("int-enum-kind", {"kind": True}, False),
        ("offset-timestamps", {"createTime": "2026-01-14T13:00:00+02:00"}, True),
        ("offset-timestamps", {"createTime": "2026-01-14T13:00:00Z"}, False),
        (
            "nanosecond-timestamps",
            {"createTime": "2026-01-14T13:00:00.123456789Z"},
            True,
        ),
        ("nanosecond-timestamps", {"createTime": "2026-01-14T13:00:00.123Z"}, False),
        ("whole-second-timestamps", {"createTime": "2026-01-14T13:00:00Z"}, True),
        (
            "api",
            {
                "resourceUri": "https://gcr.io/p/i@sha256:00",
                "kind": "ATTESTATION",
                "createTime": "2026-01-14T13:00:00.5Z",
            },
            True,
        ),
        (
            "api",
            {
                "resourceUri": "https://x",
                "kind": 7,
                "createTime": "2026-01-14T13:00:00Z",
            },
            False,
        ),
    ],
)
def test_forms_are_checked(form: str, occurrence: dict[str, object], ok: bool) -> None:
    assert (check_form(form, occurrence) is None) == ok


def test_late_reply_names_time_and_budget() -> None:
    assert late(1.99, 2) is None
    assert late(2.31, 2) == "reply took 2.31 s, past the request's ?timeout=2s budget"
