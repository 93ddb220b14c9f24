"""kritis_sim agrees with the openssl-made vectors in tests/vectors/signatures/.

Positive vectors must verify; negative vectors in the ``crypto`` scope must
fail for their named reason. Negative vectors in the ``decision`` scope
(wrong key id, digest mismatch, wrong note, tag-only image) describe defects
that only the decision core can judge (it looks keys up by id, compares the
payload digest with the image and the note with the attestor's); here we only
check that each such vector is shaped as its name says, so the decision-core
tests can rely on it. The ``occurrence-format`` vector must not load at all.
"""

from __future__ import annotations

import json

import pytest

from kritis_sim.crypto.keys import default_key_id
from kritis_sim.crypto.payload import make_payload, parse_payload
from kritis_sim.crypto.verify import VerificationCache, verify_signature_detail
from kritis_sim.errors import ImageRefError, OccurrenceError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence, load_occurrences

from .conftest import ALGORITHMS, GCLOUD_PAYLOADS, Vector, load_vectors

POSITIVE = load_vectors("positive")
NEGATIVE = load_vectors("negative")
BY_SCOPE = {
    scope: [v for v in NEGATIVE if v.info["scope"] == scope]
    for scope in ("crypto", "decision", "occurrence-format")
}
REQUIRED_DEFECTS = {
    "wrong-key-id",
    "digest-mismatch",
    "tampered-payload",
    "algorithm-mismatch",
    "truncated-signature",
    "non-base64",
    "wrong-note",
    "tag-only-image",
}


def _occurrence(vector: Vector) -> AttestationOccurrence:
    return AttestationOccurrence.from_dict(vector.json("occurrence.json"))


def test_every_algorithm_and_defect_has_a_vector() -> None:
    assert {v.info["algorithm"] for v in POSITIVE} == {a.value for a in ALGORITHMS}
    assert {v.info["defect"] for v in NEGATIVE} >= REQUIRED_DEFECTS
    assert sum(len(v) for v in BY_SCOPE.values()) == len(NEGATIVE)


@pytest.mark.parametrize("vector", POSITIVE, ids=lambda v: v.name)
def test_positive_vector_verifies(vector: Vector) -> None:
    occ = _occurrence(vector)
    payload = (vector.path / "payload.json").read_bytes()
    (signature,) = occ.signatures
    assert occ.serialized_payload == payload
    assert signature.signature == (vector.path / "signature.bin").read_bytes()
    pkix = vector.pkix()
    assert signature.public_key_id == pkix.key_id == default_key_id(pkix.public_key_pem)
    result = verify_signature_detail(pkix, payload, signature.signature)
    assert result, result.reason
    assert not verify_signature_detail(pkix, payload + b"\n", signature.signature)


@pytest.mark.parametrize("vector", POSITIVE, ids=lambda v: v.name)
def test_positive_vector_payload_is_gcloud_payload_of_its_image(vector: Vector) -> None:
    payload = (vector.path / "payload.json").read_bytes()
    assert payload == (GCLOUD_PAYLOADS / "fixed-image.json").read_bytes()
    assert make_payload(vector.info["image"]) == payload
    parsed = parse_payload(payload)
    assert parsed.manifest_digest == ImageRef.parse(vector.info["image"]).digest


@pytest.mark.parametrize("vector", BY_SCOPE["crypto"], ids=lambda v: v.name)
def test_crypto_negative_vector_fails_for_named_reason(vector: Vector) -> None:
    occ = _occurrence(vector)
    result = verify_signature_detail(
        vector.pkix(), occ.serialized_payload, occ.signatures[0].signature
    )
    assert not result
    assert vector.info["expected_reason_contains"] in result.reason


@pytest.mark.parametrize("vector", BY_SCOPE["crypto"], ids=lambda v: v.name)
def test_cache_agrees_on_negative_vectors(vector: Vector) -> None:
    occ = _occurrence(vector)
    cache = VerificationCache()
    for _ in range(2):
        assert not cache.verify(
            vector.pkix(), occ.serialized_payload, occ.signatures[0].signature
        )


def test_non_base64_vector_is_refused_naming_the_field() -> None:
    (vector,) = BY_SCOPE["occurrence-format"]
    text = (vector.path / "occurrence.json").read_text()
    with pytest.raises(
        OccurrenceError, match=r"signatures\[0\]\.signature: not base64"
    ) as info:
        load_occurrences(text, source="occurrence.json")
    assert info.value.line is not None


def _decision_vector(defect: str) -> tuple[Vector, AttestationOccurrence, bool]:
    (vector,) = [v for v in BY_SCOPE["decision"] if v.info["defect"] == defect]
    occ = _occurrence(vector)
    sig = occ.signatures[0]
    verified = bool(
        verify_signature_detail(vector.pkix(), occ.serialized_payload, sig.signature)
    )
    return vector, occ, verified


def test_wrong_key_id_vector_shape() -> None:
    vector, occ, verified = _decision_vector("wrong-key-id")
    keys = vector.json("attestor.json")["userOwnedGrafeasNote"]["publicKeys"]
    assert verified
    assert occ.signatures[0].public_key_id not in {k["id"] for k in keys}


def test_digest_mismatch_vector_shape() -> None:
    vector, occ, verified = _decision_vector("digest-mismatch")
    image = ImageRef.parse(vector.info["image"])
    assert verified
    assert parse_payload(occ.serialized_payload).manifest_digest != image.digest
    assert occ.resource_uri == image.resource_url


def test_wrong_note_vector_shape() -> None:
    vector, occ, verified = _decision_vector("wrong-note")
    assert verified
    assert (
        occ.note_name
        != vector.json("attestor.json")["userOwnedGrafeasNote"]["noteReference"]
    )


def test_tag_only_image_vector_shape() -> None:
    vector, _, verified = _decision_vector("tag-only-image")
    image = ImageRef.parse((vector.path / "image.txt").read_text().strip())
    assert verified
    assert image.digest is None
    with pytest.raises(ImageRefError, match="fully qualified"):
        make_payload(image)


@pytest.mark.parametrize("vector", NEGATIVE, ids=lambda v: v.name)
def test_negative_vectors_document_their_failure(vector: Vector) -> None:
    info = vector.info
    assert info["expected_failure"]
    assert info["how"]
    assert (vector.path / "image.txt").read_text().strip() == info["image"]
    assert json.loads((vector.path / "attestor.json").read_text())["name"]
