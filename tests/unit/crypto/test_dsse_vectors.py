"""DSSE known answers: the PAE bytes, and envelopes signed by openssl
(tests/vectors/dsse/, see PROVENANCE.md there)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.crypto.dsse import (
    DsseKey,
    Ed25519Key,
    pae,
    verify_envelope,
    verify_statement,
)
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm
from kritis_sim.model.envelope import Envelope

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "dsse"
CASES = sorted(p.parent.name for p in VECTORS.glob("*/vector.json"))


def _load(name: str) -> tuple[dict[str, Any], Envelope, DsseKey]:
    d = VECTORS / name
    info = json.loads((d / "vector.json").read_text())
    envelope = Envelope.from_dict(json.loads((d / "envelope.json").read_text()))
    pem = (d / "public.pem").read_text()
    key: DsseKey
    if info["algorithm"] == "ED25519":
        key = Ed25519Key(pem)
    else:
        key = PkixPublicKey(pem, SignatureAlgorithm.parse(info["algorithm"]))
    return info, envelope, key


def test_pae_matches_the_reference_byte_example() -> None:
    body = b'{"a":1}'
    got = pae("application/vnd.in-toto+json", body)
    assert got == b'DSSEv1 28 application/vnd.in-toto+json 7 {"a":1}'
    assert len(got) == 48
    assert got.hex().startswith("445353457631203238206170706c")


def test_pae_matches_the_spec_hello_world_vector() -> None:
    got = pae("http://example.com/HelloWorld", b"hello world")
    assert got == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"


def test_pae_counts_bytes_not_characters() -> None:
    assert pae("tÿpe", "é".encode()) == "DSSEv1 5 tÿpe 2 é".encode()


def test_vectors_are_present() -> None:
    assert len(CASES) >= 11


@pytest.mark.parametrize("name", CASES)
def test_dsse_vector(name: str) -> None:
    info, envelope, key = _load(name)
    digest = info["imageDigest"]
    result = verify_statement(envelope, [key], image_digest=digest)
    expect = info["expect"]
    if expect == "verified":
        assert result, result.reason
        assert result.statement is not None
        assert result.statement.matches_digest(digest)
        assert (
            hashlib.sha256(pae(envelope.payload_type, envelope.payload)).hexdigest()
            == info["pae_sha256"]
        )
        return
    assert not result
    wanted = {
        "signature": "does not verify with any trusted key",
        "payloadType": "payloadType is 'application/json'",
        "statement": "not an in-toto Statement",
        "subject": f"no subject has digest {digest}",
    }[expect]
    assert wanted in result.reason


@pytest.mark.parametrize("name", ["url-safe-base64", "line-broken-base64"])
def test_lenient_base64_decodes_to_the_signed_bytes(name: str) -> None:
    _, envelope, _ = _load(name)
    _, good, _ = _load("ecdsa-p256")
    assert envelope.payload == good.payload


def test_envelope_json_round_trips_as_padded_standard_base64() -> None:
    raw = json.loads((VECTORS / "ecdsa-p256" / "envelope.json").read_text())
    assert Envelope.from_dict(raw).to_dict() == raw
    url = Envelope.from_dict(
        json.loads((VECTORS / "url-safe-base64" / "envelope.json").read_text())
    )
    assert url.to_dict()["payload"] == raw["payload"]
    assert url.to_dict()["signatures"][0]["sig"] == raw["signatures"][0]["sig"]


def test_threshold_counts_distinct_keys() -> None:
    _, ec_env, ec_key = _load("ecdsa-p256")
    _, ed_env, ed_key = _load("ed25519")
    both = Envelope(
        ec_env.payload, ec_env.payload_type, ec_env.signatures + ed_env.signatures
    )
    assert verify_envelope(both, [ec_key, ed_key], threshold=2)
    doubled = Envelope(ec_env.payload, ec_env.payload_type, ec_env.signatures * 2)
    result = verify_envelope(doubled, [ec_key, ed_key], threshold=2)
    assert not result
    assert "1 of 2 required trusted keys" in result.reason


def test_keyid_is_only_a_hint() -> None:
    _, envelope, key = _load("rsa-2048-pkcs1")
    assert envelope.signatures[0].keyid == "rsa-2048-pkcs1"
    pkix = PkixPublicKey(
        key.public_key_pem, SignatureAlgorithm.RSA_SIGN_PKCS1_2048_SHA256, "other-id"
    )
    assert verify_envelope(envelope, [pkix])


def test_declared_algorithm_decides() -> None:
    _, envelope, key = _load("rsa-2048-pkcs1")
    pss = PkixPublicKey(key.public_key_pem, SignatureAlgorithm.RSA_PSS_2048_SHA256)
    assert not verify_envelope(envelope, [pss])
    wrong_type = PkixPublicKey(key.public_key_pem, SignatureAlgorithm.ECDSA_P256_SHA256)
    result = verify_envelope(envelope, [wrong_type])
    assert not result
    assert "ECDSA_P256_SHA256" in result.reason


def test_ed25519_pem_given_as_pkix_and_ec_pem_as_ed25519_verify_nothing() -> None:
    _, ed_env, ed_key = _load("ed25519")
    _, ec_env, ec_key = _load("ecdsa-p256")
    as_pkix = PkixPublicKey(ed_key.public_key_pem, SignatureAlgorithm.ECDSA_P256_SHA256)
    assert not verify_envelope(ed_env, [as_pkix])
    result = verify_envelope(ec_env, [Ed25519Key(ec_key.public_key_pem)])
    assert not result
    assert "expected Ed25519" in result.reason


def test_no_keys_and_no_signatures_never_verify() -> None:
    _, envelope, key = _load("ecdsa-p256")
    assert "no trusted keys" in verify_envelope(envelope, []).reason
    unsigned = Envelope(envelope.payload, envelope.payload_type)
    assert "no signatures" in verify_envelope(unsigned, [key]).reason
    with pytest.raises(ValueError, match="threshold"):
        verify_envelope(envelope, [key], threshold=0)


def test_predicate_type_filter() -> None:
    info, envelope, key = _load("ecdsa-p256")
    digest = info["imageDigest"]
    ok = verify_statement(
        envelope,
        [key],
        image_digest=digest,
        predicate_types=["https://slsa.dev/provenance/v1"],
    )
    assert ok
    bad = verify_statement(
        envelope,
        [key],
        image_digest=digest,
        predicate_types=["https://slsa.dev/provenance/v0.2"],
    )
    assert not bad
    assert "predicateType is 'https://slsa.dev/provenance/v1'" in bad.reason
