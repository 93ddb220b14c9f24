"""verify_build: a BUILD occurrence's signed provenance is trusted only when the
envelope verifies, the payload is well-formed SLSA about the image, and the
decoded copy says the same; every other case is a False result with a reason."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.crypto.dsse import sign_envelope, verify_build
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm
from kritis_sim.model.envelope import Envelope
from kritis_sim.model.provenance import BuildOccurrence
from tests.unit.crypto.conftest import key_for, pkix_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "occurrences"
ALG = SignatureAlgorithm.ECDSA_P256_SHA256
DIGEST = "sha256:" + "a" * 64


def _occurrence(name: str, payload: dict[str, Any] | None = None) -> BuildOccurrence:
    occ = BuildOccurrence.from_dict(json.loads((FIXTURES / name).read_text()))
    assert occ.statement is not None
    body = json.dumps(payload or occ.statement.to_dict()).encode()
    envelope = sign_envelope(body, [(key_for(ALG), ALG)])
    return dataclasses.replace(
        occ, header=dataclasses.replace(occ.header, envelope=envelope)
    )


@pytest.mark.parametrize("name", ["build-slsa-v02.json", "build-slsa-v1.json"])
def test_signed_build_verifies(name: str) -> None:
    occ = _occurrence(name)
    result = verify_build(occ, [pkix_for(ALG)], image_digest=DIGEST)
    assert result, result.reason
    assert result.statement == occ.statement


def _wire(name: str) -> dict[str, Any]:
    occ = BuildOccurrence.from_dict(json.loads((FIXTURES / name).read_text()))
    assert occ.statement is not None
    return occ.statement.to_dict()


def test_unsigned_build_is_not_trusted() -> None:
    occ = BuildOccurrence.from_dict(
        json.loads((FIXTURES / "build-slsa-v1.json").read_text())
    )
    result = verify_build(occ, [pkix_for(ALG)], image_digest=DIGEST)
    assert not result
    assert "no envelope" in result.reason


def test_placeholder_signature_of_the_reference_example_does_not_verify() -> None:
    occ = BuildOccurrence.from_dict(
        json.loads((FIXTURES / "build-slsa-v02.json").read_text())
    )
    result = verify_build(occ, [pkix_for(ALG)], image_digest=DIGEST)
    assert not result
    assert "does not verify" in result.reason


def test_other_image_digest_is_refused() -> None:
    result = verify_build(
        _occurrence("build-slsa-v1.json"),
        [pkix_for(ALG)],
        image_digest="sha256:" + "b" * 64,
    )
    assert not result
    assert "no subject has digest" in result.reason


def test_signed_malformed_provenance_is_refused() -> None:
    wire = _wire("build-slsa-v1.json")
    del wire["predicate"]["runDetails"]["builder"]["id"]
    occ = _occurrence("build-slsa-v1.json", wire)
    occ = dataclasses.replace(occ, slsa_v1=None, legacy={"provenanceBytes": ""})
    result = verify_build(occ, [pkix_for(ALG)], image_digest=DIGEST)
    assert not result
    assert "envelope.payload" in result.reason
    assert "runDetails.builder.id is required" in result.reason


def test_signed_non_provenance_predicate_is_refused() -> None:
    wire = _wire("build-slsa-v1.json")
    wire["predicateType"] = "https://example.com/other/v1"
    result = verify_build(
        _occurrence("build-slsa-v1.json", wire), [pkix_for(ALG)], image_digest=DIGEST
    )
    assert not result
    assert "predicateType is 'https://example.com/other/v1'" in result.reason


def test_decoded_copy_that_differs_from_the_signed_payload_is_refused() -> None:
    wire = _wire("build-slsa-v1.json")
    wire["predicate"]["runDetails"]["builder"]["id"] = "https://evil.example/builder"
    result = verify_build(
        _occurrence("build-slsa-v1.json", wire), [pkix_for(ALG)], image_digest=DIGEST
    )
    assert not result
    assert "differs from the signed envelope payload" in result.reason


def test_wrong_payload_type_is_refused() -> None:
    occ = _occurrence("build-slsa-v1.json")
    env = occ.header.envelope
    assert env is not None
    signed = sign_envelope(
        env.payload, [(key_for(ALG), ALG)], payload_type="application/json"
    )
    occ = dataclasses.replace(
        occ, header=dataclasses.replace(occ.header, envelope=signed)
    )
    result = verify_build(occ, [pkix_for(ALG)], image_digest=DIGEST)
    assert not result
    assert "payloadType is 'application/json'" in result.reason


def test_signature_by_another_key_is_refused() -> None:
    result = verify_build(
        _occurrence("build-slsa-v1.json"), [pkix_for(ALG, 1)], image_digest=DIGEST
    )
    assert not result
    assert "does not verify with any trusted key" in result.reason


def test_envelope_round_trips_on_the_occurrence() -> None:
    occ = _occurrence("build-slsa-v02.json")
    again = BuildOccurrence.from_dict(occ.to_dict())
    assert again == occ
    assert isinstance(again.header.envelope, Envelope)


def test_every_decoded_copy_must_match() -> None:
    occ = _occurrence("build-slsa-v1.json")
    other = BuildOccurrence.from_dict(
        json.loads((FIXTURES / "build-slsa-v02.json").read_text())
    )
    both = dataclasses.replace(occ, intoto_statement=other.intoto_statement)
    result = verify_build(both, [pkix_for(ALG)], image_digest=DIGEST)
    assert not result
    assert "build.intotoStatement differs" in result.reason


def _named(variant: int = 0) -> PkixPublicKey:
    return PkixPublicKey(pkix_for(ALG, variant).public_key_pem, ALG, "builder-key")


def test_build_reasons_are_exact_and_keep_the_signing_keys() -> None:
    unsigned = BuildOccurrence.from_dict(
        json.loads((FIXTURES / "build-slsa-v1.json").read_text())
    )
    result = verify_build(unsigned, [_named()], image_digest=DIGEST)
    assert (result.verified, result.verified_keys) == (False, ())
    assert result.reasons == (
        "BUILD occurrence has no envelope: its provenance is unsigned",
    )
    ok = verify_build(
        _occurrence("build-slsa-v1.json"), [_named()], image_digest=DIGEST
    )
    assert ok.reasons == (
        "envelope signed by builder-key",
        f"statement subject matches {DIGEST}",
    )
    wire = _wire("build-slsa-v1.json")
    del wire["predicate"]["runDetails"]["builder"]["id"]
    occ = dataclasses.replace(
        _occurrence("build-slsa-v1.json", wire),
        slsa_v1=None,
        legacy={"provenanceBytes": ""},
    )
    bad = verify_build(occ, [_named()], image_digest=DIGEST)
    assert (bad.verified, bad.verified_keys, bad.statement) == (
        False,
        ("builder-key",),
        None,
    )
    assert bad.reasons == (
        "envelope.payload: predicate.runDetails.builder.id: runDetails.builder.id "
        "is required in https://slsa.dev/provenance/v1 provenance",
    )


def test_a_differing_v1_copy_is_named_and_keeps_the_signing_keys() -> None:
    wire = _wire("build-slsa-v1.json")
    wire["predicate"]["runDetails"]["builder"]["id"] = "https://evil.example/b"
    result = verify_build(
        _occurrence("build-slsa-v1.json", wire), [_named()], image_digest=DIGEST
    )
    assert (result.verified, result.verified_keys) == (False, ("builder-key",))
    assert result.reasons == (
        "the decoded statement in build.inTotoSlsaProvenanceV1 differs from the "
        "signed envelope payload",
    )


def test_build_threshold_is_passed_on() -> None:
    occ = _occurrence("build-slsa-v1.json")
    result = verify_build(occ, [_named(), _named(1)], image_digest=DIGEST, threshold=2)
    assert not result.verified
    assert result.reasons == ("1 of 2 required trusted keys signed the envelope",)
    assert verify_build(occ, [_named(), _named(1)], image_digest=DIGEST).verified
