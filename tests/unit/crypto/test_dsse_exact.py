"""DSSE verification's exact answers: key labels, reasons, thresholds, payload
and predicate types, and what sign_envelope records.

Known answers come from the openssl-made vectors in tests/vectors/dsse/ (see
PROVENANCE.md there); the Ed25519 key label is computed here from the PEM text
with the standard library only (RFC 6920 ``ni:///sha-256;`` of the DER
SubjectPublicKeyInfo), not with the code under test (issue 16).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kritis_sim.crypto.dsse import (
    DsseKey,
    Ed25519Key,
    pae,
    sign_envelope,
    verify_envelope,
    verify_statement,
)
from kritis_sim.crypto.keys import default_key_id
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm
from kritis_sim.model.envelope import IN_TOTO_PAYLOAD_TYPE, Envelope

from .conftest import key_for, pkix_for

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "dsse"
EC = SignatureAlgorithm.ECDSA_P256_SHA256


def _vector(name: str) -> tuple[Envelope, str, str]:
    """(envelope, public PEM, image digest) of a vector."""
    d = VECTORS / name
    info = json.loads((d / "vector.json").read_text())
    envelope = Envelope.from_dict(json.loads((d / "envelope.json").read_text()))
    return envelope, (d / "public.pem").read_text(), info["imageDigest"]


def _ni(pem: str) -> str:
    """RFC 6920 id of a PEM SubjectPublicKeyInfo, by the standard library."""
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    digest = hashlib.sha256(base64.b64decode(body)).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_ed25519_key_without_id_is_labelled_by_its_rfc6920_id() -> None:
    envelope, pem, _ = _vector("ed25519")
    label = _ni(pem)
    assert len(label) == len("ni:///sha-256;") + 43
    result = verify_envelope(envelope, [Ed25519Key(pem)])
    assert result.verified_keys == (label,)
    assert result.reasons == (f"envelope signed by {label}",)
    refused = verify_envelope(
        Envelope(envelope.payload + b" ", envelope.payload_type, envelope.signatures),
        [Ed25519Key(pem)],
    )
    assert refused.reasons == (
        "signatures[0] does not verify with any trusted key (signature does not "
        f"verify with key {label} (ED25519))",
        "0 of 1 required trusted keys signed the envelope",
    )
    assert refused.reason == "; ".join(refused.reasons)
    assert not refused and refused.verified_keys == ()


def test_a_named_ed25519_key_is_labelled_by_its_id() -> None:
    envelope, pem, _ = _vector("ed25519")
    result = verify_envelope(envelope, [Ed25519Key(pem, "ed-1")])
    assert (result.verified, result.verified_keys) == (True, ("ed-1",))
    assert result.reason == "envelope signed by ed-1"


def test_pkix_key_without_id_is_labelled_by_its_rfc6920_id() -> None:
    envelope, pem, _ = _vector("ecdsa-p256")
    assert default_key_id(pem) == _ni(pem)
    result = verify_envelope(envelope, [PkixPublicKey(pem, EC)])
    assert result.verified_keys == (_ni(pem),)


def test_an_unloadable_ed25519_key_says_so_and_verifies_nothing() -> None:
    envelope, _, _ = _vector("ed25519")
    result = verify_envelope(envelope, [Ed25519Key("not a key")])
    assert not result.verified
    assert result.reasons[0].startswith(
        "signatures[0] does not verify with any trusted key (key <unloadable key> "
        "cannot be loaded: "
    )
    assert result.verified_keys == ()


def test_reasons_name_each_unverified_signature() -> None:
    envelope, pem, _ = _vector("ecdsa-p256")
    stranger = _vector("other-key")[0].signatures  # another P-256 key signed
    _, ed_pem, _ = _vector("ed25519")
    sigs = (*stranger, *envelope.signatures)
    keys: list[DsseKey] = [
        Ed25519Key(ed_pem, "ed"),
        PkixPublicKey(pem, EC, "ec"),
        pkix_for(EC, 1),
    ]
    signed = Envelope(envelope.payload, envelope.payload_type, sigs)
    mixed = verify_envelope(signed, keys)
    assert mixed.verified
    assert mixed.verified_keys == ("ec",)
    assert mixed.reasons == ("envelope signed by ec",)
    strict = verify_envelope(signed, keys, threshold=2)
    assert not strict.verified
    # With several keys the per-key details are left out (one line per signature).
    assert strict.reasons == (
        "signatures[0] does not verify with any trusted key",
        "1 of 2 required trusted keys signed the envelope",
    )
    assert strict.verified_keys == ("ec",)
    # The same key signing twice is one key.
    twice = Envelope(envelope.payload, envelope.payload_type, envelope.signatures * 2)
    assert verify_envelope(twice, keys).verified_keys == ("ec",)


def test_two_keys_each_signing_are_listed_in_signature_order() -> None:
    payload = b'{"x":1}'
    ed = ed25519.Ed25519PrivateKey.generate()
    ed_pem = (
        ed.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    envelope = sign_envelope(payload, [ed, (key_for(EC), EC)])
    keys: list[DsseKey] = [
        PkixPublicKey(pkix_for(EC).public_key_pem, EC, "b"),
        Ed25519Key(ed_pem, "a"),
    ]
    result = verify_envelope(envelope, keys, threshold=2)
    assert result.verified
    # Listed in the order their first signature appears in the envelope.
    assert result.verified_keys == ("a", "b")
    assert result.reasons == ("envelope signed by a, b",)
    assert not verify_envelope(envelope, keys, threshold=3)


@pytest.mark.parametrize("threshold", [0, -2])
def test_threshold_below_one_is_refused_with_its_value(threshold: int) -> None:
    envelope, pem, _ = _vector("ecdsa-p256")
    with pytest.raises(
        ValueError, match=f"^threshold must be at least 1, got {threshold}$"
    ):
        verify_envelope(envelope, [PkixPublicKey(pem, EC)], threshold=threshold)


def test_no_keys_and_no_signatures_give_exact_reasons() -> None:
    envelope, pem, _ = _vector("ecdsa-p256")
    none = verify_envelope(envelope, [])
    assert (none.verified, none.reasons) == (
        False,
        ("no trusted keys to verify the envelope with",),
    )
    unsigned = verify_envelope(
        Envelope(envelope.payload, envelope.payload_type), [PkixPublicKey(pem, EC)]
    )
    assert (unsigned.verified, unsigned.reasons) == (
        False,
        ("envelope has no signatures",),
    )


def test_payload_type_must_be_one_of_the_accepted() -> None:
    envelope, pem, _ = _vector("unaccepted-payload-type")
    key = [PkixPublicKey(pem, EC, "k")]
    refused = verify_envelope(envelope, key)
    assert (refused.verified, refused.verified_keys) == (False, ("k",))
    assert refused.reasons == (
        "payloadType is 'application/json'; expected 'application/vnd.in-toto+json'",
    )
    two = verify_envelope(envelope, key, payload_types=["a/b", "c/d"])
    assert two.reasons == (
        "payloadType is 'application/json'; expected 'a/b' or 'c/d'",
    )
    accepted = verify_envelope(envelope, key, payload_types=iter(["application/json"]))
    assert accepted.verified and accepted.reasons == ("envelope signed by k",)


def test_statement_reasons_and_result() -> None:
    envelope, pem, digest = _vector("ecdsa-p256")
    key = [PkixPublicKey(pem, EC, "k")]
    ok = verify_statement(envelope, key, image_digest=digest)
    assert ok.verified
    assert ok.reasons == ("envelope signed by k", f"statement subject matches {digest}")
    assert ok.verified_keys == ("k",)
    assert ok.statement is not None and ok.statement.matches_digest(digest)
    assert verify_envelope(envelope, key).statement is None
    other = "sha256:" + "0" * 64
    miss = verify_statement(envelope, key, image_digest=other)
    assert (miss.verified, miss.verified_keys, miss.statement) == (False, ("k",), None)
    assert miss.reasons == (f"no subject has digest {other}; subjects have {digest}",)
    wanted = verify_statement(
        envelope, key, image_digest=digest, predicate_types=iter(["a", "b"])
    )
    assert (wanted.verified, wanted.verified_keys) == (False, ("k",))
    assert wanted.reasons == (
        "predicateType is 'https://slsa.dev/provenance/v1'; expected 'a' or 'b'",
    )


def test_statement_subjects_are_listed_sorted() -> None:
    digest = "sha256:" + "b" * 64
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {"name": "z", "digest": {"sha256": "c" * 64}},
            {"name": "a", "digest": {"sha512": "a" * 128, "sha256": "a" * 64}},
        ],
        "predicateType": "https://example.com/p",
        "predicate": {},
    }
    envelope = sign_envelope(json.dumps(statement).encode(), [(key_for(EC), EC)])
    result = verify_statement(envelope, [pkix_for(EC)], image_digest=digest)
    assert result.reasons == (
        f"no subject has digest {digest}; subjects have sha256:{'a' * 64}, "
        f"sha256:{'c' * 64}, sha512:{'a' * 128}",
    )


def test_a_statement_that_does_not_parse_keeps_the_signing_keys() -> None:
    envelope, pem, digest = _vector("malformed-statement")
    result = verify_statement(
        envelope, [PkixPublicKey(pem, EC, "k")], image_digest=digest
    )
    assert (result.verified, result.verified_keys) == (False, ("k",))
    assert result.reason.startswith("envelope.payload")


def test_statement_threshold_is_passed_on() -> None:
    envelope, pem, digest = _vector("ecdsa-p256")
    result = verify_statement(
        envelope, [PkixPublicKey(pem, EC, "k")], image_digest=digest, threshold=2
    )
    assert not result.verified
    assert result.reasons == ("1 of 2 required trusted keys signed the envelope",)


def test_sign_envelope_records_type_and_keyid_hints() -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    plain = sign_envelope(b"body", [ed, (key_for(EC), EC)])
    assert plain.payload == b"body"
    assert plain.payload_type == IN_TOTO_PAYLOAD_TYPE
    assert [s.keyid for s in plain.signatures] == ["", ""]
    ed.public_key().verify(plain.signatures[0].sig, pae(IN_TOTO_PAYLOAD_TYPE, b"body"))
    hinted = sign_envelope(
        b"body", [ed, (key_for(EC), EC)], payload_type="t/x", keyids=["one", "two"]
    )
    assert hinted.payload_type == "t/x"
    assert [s.keyid for s in hinted.signatures] == ["one", "two"]
    ed.public_key().verify(hinted.signatures[0].sig, pae("t/x", b"body"))
    assert verify_envelope(hinted, [pkix_for(EC)], payload_types=["t/x"]).verified


def test_pae_takes_the_type_as_bytes_too() -> None:
    assert pae(b"t\xff", b"") == b"DSSEv1 2 t\xff 0 "
