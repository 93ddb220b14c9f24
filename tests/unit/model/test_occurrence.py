"""AttestationOccurrence: Grafeas v1 JSON in and out, base64, kinds, timestamps."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.errors import InputError, OccurrenceError
from kritis_sim.model.occurrence import (
    AttestationOccurrence,
    Signature,
    decode_bytes,
    encode_bytes,
    format_timestamp,
    load_occurrences,
    parse_timestamp,
)

PAYLOAD = b'{"critical": {}}\n\xff\xfe'
SIG = bytes(range(250, 256)) + b"\x00\x01?>"


def grafeas(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "projects/p/occurrences/1",
        "resourceUri": "https://gcr.io/p/i@sha256:" + "a" * 64,
        "noteName": "projects/p/notes/n",
        "kind": "ATTESTATION",
        "createTime": "2024-03-04T05:06:07.123456789Z",
        "updateTime": "2024-03-04T05:06:07Z",
        "attestation": {
            "serializedPayload": base64.b64encode(PAYLOAD).decode(),
            "signatures": [
                {"signature": base64.b64encode(SIG).decode(), "publicKeyId": "k"}
            ],
        },
    }
    data.update(overrides)
    return data


def test_from_dict_reads_grafeas_json() -> None:
    occ = AttestationOccurrence.from_dict(grafeas())
    assert occ.serialized_payload == PAYLOAD
    assert occ.signatures == (Signature(SIG, "k"),)
    assert occ.name == "projects/p/occurrences/1"
    assert occ.create_time == datetime.datetime(
        2024, 3, 4, 5, 6, 7, 123456, tzinfo=datetime.UTC
    )
    assert occ.update_time is not None and occ.update_time.tzinfo is not None


def test_to_dict_round_trips() -> None:
    occ = AttestationOccurrence.from_dict(grafeas())
    out = occ.to_dict()
    assert out["kind"] == "ATTESTATION"
    assert out["createTime"] == "2024-03-04T05:06:07.123456Z"
    assert AttestationOccurrence.from_dict(out) == occ
    minimal = AttestationOccurrence("https://x", "projects/p/notes/n", b"")
    assert minimal.to_dict() == {
        "resourceUri": "https://x",
        "noteName": "projects/p/notes/n",
        "kind": "ATTESTATION",
        "attestation": {"serializedPayload": ""},
    }


@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
@pytest.mark.parametrize("strip", [False, True])
def test_bytes_accept_standard_and_url_safe_padded_or_not(
    encode: Any, strip: bool
) -> None:
    text = encode(SIG).decode()
    text = text.rstrip("=") if strip else text
    assert decode_bytes(text) == SIG


@given(st.binary(max_size=64), st.booleans(), st.booleans())
def test_decode_bytes_round_trip(data: bytes, url_safe: bool, strip: bool) -> None:
    text = (
        base64.urlsafe_b64encode(data) if url_safe else base64.b64encode(data)
    ).decode()
    assert decode_bytes(text.rstrip("=") if strip else text) == data
    assert decode_bytes(encode_bytes(data)) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ab$c", "unexpected character"),
        ("ab c", "unexpected character"),
        ("a+b_", "mixes"),
        ("abcde", "cannot encode whole bytes"),
        ("abc==", "padding"),
        ("é", "unexpected character"),
    ],
)
def test_decode_bytes_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_bytes(text)


@pytest.mark.parametrize("kind", ["ATTESTATION", 7, 0, "NOTE_KIND_UNSPECIFIED", None])
def test_kind_may_be_name_number_or_unspecified(kind: object) -> None:
    data = grafeas(kind=kind)
    if kind is None:
        del data["kind"]
    assert AttestationOccurrence.from_dict(data).note_name == "projects/p/notes/n"


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        ({"kind": "VULNERABILITY"}, "kind", "expected 'ATTESTATION'"),
        ({"kind": 1}, "kind", "expected 'ATTESTATION'"),
        ({"kind": True}, "kind", "expected 'ATTESTATION'"),
        ({"vulnerability": {}}, "vulnerability", "expected an attestation occurrence"),
        ({"attestation": None}, "attestation", "expected an attestation"),
        ({"resourceUri": ""}, "resourceUri", "must not be empty"),
        ({"noteName": 5}, "noteName", "expected a string"),
        ({"createTime": "2024-03-04 05:06:07"}, "createTime", "RFC 3339"),
        ({"createTime": "2024-03-04T05:06:07"}, "createTime", "RFC 3339"),
        ({"createTime": "2024-03-04T05:06:07.1234567890Z"}, "createTime", "RFC 3339"),
        ({"createTime": "2024-13-04T05:06:07Z"}, "createTime", "RFC 3339"),
        ({"createTime": "2024-01-04T05:06:07+24:00"}, "createTime", "RFC 3339"),
        ({"resourceUrl": "x"}, "resourceUrl", "unknown field"),
        (
            {"attestation": {"serializedPayload": "!!"}},
            "attestation.serializedPayload",
            "not base64",
        ),
        (
            {"attestation": {"serializedPayload": 12}},
            "attestation.serializedPayload",
            "expected a base64 string",
        ),
        (
            {"attestation": {"signatures": [{"signature": "a=b", "publicKeyId": "k"}]}},
            "attestation.signatures[0].signature",
            "not base64",
        ),
        (
            {"attestation": {"signatures": [{"sig": "AA=="}]}},
            "attestation.signatures[0].sig",
            "unknown field",
        ),
    ],
)
def test_from_dict_refuses_naming_the_field(
    overrides: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(OccurrenceError, match=message) as info:
        AttestationOccurrence.from_dict(grafeas(**overrides))
    assert info.value.path == path


def test_missing_attestation_and_required_fields() -> None:
    data = grafeas()
    del data["attestation"]
    with pytest.raises(OccurrenceError, match="not an ATTESTATION occurrence"):
        AttestationOccurrence.from_dict(data)
    data = grafeas()
    del data["noteName"]
    with pytest.raises(OccurrenceError, match="missing required field 'noteName'"):
        AttestationOccurrence.from_dict(data)


def test_absent_bytes_and_lists_are_empty_and_jwts_are_kept() -> None:
    occ = AttestationOccurrence.from_dict(
        grafeas(attestation={"jwts": [{"compactJwt": "a.b.c"}], "signatures": [{}]})
    )
    assert occ.serialized_payload == b""
    assert occ.signatures == (Signature(b"", ""),)
    assert occ.jwts == ("a.b.c",)
    assert AttestationOccurrence.from_dict(occ.to_dict()) == occ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2024-01-02T03:04:05Z",
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        ),
        (
            "2024-01-02t03:04:05.5z",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=datetime.UTC),
        ),
        (
            "2024-01-02T03:04:05.000000001Z",
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        ),
        (
            "2024-01-02T05:04:05+02:00",
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        ),
        (
            "2024-01-01T22:04:05-05:00",
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        ),
    ],
)
def test_parse_timestamp(text: str, expected: datetime.datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


def test_format_timestamp_requires_timezone() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        format_timestamp(datetime.datetime(2024, 1, 1))
    tz = datetime.timezone(datetime.timedelta(hours=1))
    assert (
        format_timestamp(datetime.datetime(2024, 1, 1, 1, tzinfo=tz))
        == "2024-01-01T00:00:00Z"
    )


def test_load_occurrences_accepts_list_grafeas_reply_single_and_documents() -> None:
    one = grafeas()
    as_list = json.dumps([one, one])
    reply = json.dumps({"occurrences": [one], "nextPageToken": ""})
    assert len(load_occurrences(as_list)) == 2
    assert len(load_occurrences(reply)) == 1
    assert len(load_occurrences(json.dumps(one))) == 1
    assert len(load_occurrences(json.dumps(one) + "\n---\n" + reply)) == 2
    assert load_occurrences("") == ()


def test_load_occurrences_errors_name_file_line_and_path() -> None:
    text = (
        "occurrences:\n"
        "- resourceUri: https://gcr.io/p/i\n"
        "  noteName: projects/p/notes/n\n"
        "  attestation:\n"
        "    serializedPayload: AAAA\n"
        "- resourceUri: https://gcr.io/p/i\n"
        "  noteName: projects/p/notes/n\n"
        "  kind: 7\n"
        "  attestation:\n"
        "    serializedPayload: 'not base64!'\n"
    )
    with pytest.raises(OccurrenceError) as info:
        load_occurrences(text, source="occ.yaml")
    assert str(info.value).startswith(
        "occ.yaml:10: occurrences[1].attestation.serializedPayload"
    )


@pytest.mark.parametrize(
    ("text", "cls", "message"),
    [
        ("5", OccurrenceError, "expected a list of occurrences"),
        ('{"occurrences": [], "extra": 1}', OccurrenceError, "unknown field"),
        ('{"occurrences": {}}', OccurrenceError, "expected a list"),
        ("[1]", OccurrenceError, "expected an occurrence"),
        ("{", InputError, "not valid YAML/JSON"),
    ],
)
def test_load_occurrences_refuses(
    text: str, cls: type[Exception], message: str
) -> None:
    with pytest.raises(cls, match=message):
        load_occurrences(text, source="x.json")
