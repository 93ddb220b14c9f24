"""DSSE properties: sign then verify round-trips for every key kind, any single
byte changed in the payload or the payloadType breaks verification, and the
envelope loader refuses garbage only with located InputErrors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.crypto.dsse import (
    DsseKey,
    Ed25519Key,
    Signer,
    sign_envelope,
    verify_envelope,
)
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.envelope import Envelope
from tests.unit.crypto.conftest import key_for, pkix_for

_ED = ed25519.Ed25519PrivateKey.generate()
_ED_PEM = (
    _ED.public_key()
    .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
ALGS = [
    SignatureAlgorithm.ECDSA_P256_SHA256,
    SignatureAlgorithm.RSA_PSS_2048_SHA256,
    SignatureAlgorithm.RSA_SIGN_PKCS1_2048_SHA256,
    "ED25519",
]


def _pair(alg: SignatureAlgorithm | str) -> tuple[Signer, DsseKey]:
    if alg == "ED25519":
        return _ED, Ed25519Key(_ED_PEM)
    assert isinstance(alg, SignatureAlgorithm)
    return (key_for(alg), alg), pkix_for(alg)


PAYLOAD_TYPES = st.text(min_size=1, max_size=40)
FEW = settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("alg", ALGS, ids=str)
@FEW
@given(payload=st.binary(max_size=300), ptype=PAYLOAD_TYPES)
def test_sign_then_verify_round_trips(
    alg: SignatureAlgorithm | str, payload: bytes, ptype: str
) -> None:
    signer, key = _pair(alg)
    envelope = sign_envelope(payload, [signer], payload_type=ptype)
    assert verify_envelope(envelope, [key], payload_types=[ptype])
    again = Envelope.from_dict(envelope.to_dict())
    assert again == envelope
    assert verify_envelope(again, [key], payload_types=[ptype])


@pytest.mark.parametrize("alg", ALGS, ids=str)
@FEW
@given(payload=st.binary(min_size=1, max_size=200), data=st.data())
def test_any_payload_byte_change_fails(
    alg: SignatureAlgorithm | str, payload: bytes, data: st.DataObject
) -> None:
    signer, key = _pair(alg)
    envelope = sign_envelope(payload, [signer])
    i = data.draw(st.integers(0, len(payload) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = bytearray(payload)
    changed[i] ^= flip
    bad = Envelope(bytes(changed), envelope.payload_type, envelope.signatures)
    assert not verify_envelope(bad, [key])


@pytest.mark.parametrize("alg", ALGS, ids=str)
@FEW
@given(
    ptype=st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=40),
    data=st.data(),
)
def test_any_payload_type_byte_change_fails(
    alg: SignatureAlgorithm | str, ptype: str, data: st.DataObject
) -> None:
    signer, key = _pair(alg)
    envelope = sign_envelope(b'{"a":1}', [signer], payload_type=ptype)
    raw = bytearray(ptype.encode())
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] = data.draw(st.integers(0, 127).filter(lambda b: b != raw[i]))
    other = raw.decode()
    bad = Envelope(envelope.payload, other, envelope.signatures)
    assert not verify_envelope(bad, [key], payload_types=[ptype, other])


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
B64 = st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode())
ENVELOPE_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "payload": B64 | JSON,
        "payloadType": st.text(max_size=10) | JSON,
        "signatures": st.lists(
            st.fixed_dictionaries({}, optional={"sig": B64 | JSON, "keyid": JSON}),
            max_size=2,
        )
        | JSON,
        "extra": JSON,
    },
)


@settings(max_examples=30)
@given(data=ENVELOPE_LIKE | JSON)
def test_envelope_loader_refuses_garbage_with_located_input_errors(data: Any) -> None:
    try:
        envelope = Envelope.from_dict(data)
    except InputError as exc:
        assert str(exc).startswith("<envelope>")
        return
    assert Envelope.from_dict(envelope.to_dict()) == envelope
