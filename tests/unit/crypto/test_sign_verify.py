"""sign, make_attestation and verify_signature(_detail), plus the caches."""

from __future__ import annotations

import datetime
import threading

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from kritis_sim.crypto.keys import default_key_id, public_key_pem
from kritis_sim.crypto.payload import make_payload, parse_payload
from kritis_sim.crypto.sign import add_signature, make_attestation, sign
from kritis_sim.crypto.verify import (
    PublicKeyCache,
    VerificationCache,
    verify_signature,
    verify_signature_detail,
)
from kritis_sim.errors import ImageRefError, KeyFormatError, OccurrenceError
from kritis_sim.model.attestor import PkixPublicKey
from kritis_sim.model.attestor import SignatureAlgorithm as A
from kritis_sim.model.occurrence import AttestationOccurrence

from .conftest import ALGORITHMS, DIGEST, IMAGE, NOTE, key_for, pkix_for

DATA = make_payload(IMAGE)


@pytest.mark.parametrize("alg", ALGORITHMS, ids=lambda a: a.value)
def test_sign_then_verify_each_algorithm(alg: A) -> None:
    signature = sign(key_for(alg), alg, DATA)
    result = verify_signature_detail(pkix_for(alg), DATA, signature)
    assert result
    assert alg.value in result.reason
    assert not verify_signature(pkix_for(alg), DATA + b"x", signature)


def test_ecdsa_signature_is_der() -> None:
    signature = sign(key_for(A.ECDSA_P256_SHA256), A.ECDSA_P256_SHA256, DATA)
    r, s = decode_dss_signature(signature)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert not verify_signature(pkix_for(A.ECDSA_P256_SHA256), DATA, raw)


def test_pss_signature_uses_digest_length_salt() -> None:
    key = key_for(A.RSA_PSS_2048_SHA256)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = sign(key, A.RSA_PSS_2048_SHA256, DATA)
    strict = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    key.public_key().verify(signature, DATA, strict, hashes.SHA256())


@pytest.mark.parametrize("salt", [0, 20, padding.PSS.MAX_LENGTH])
def test_pss_verification_accepts_any_salt_length(salt: int) -> None:
    key = key_for(A.RSA_PSS_2048_SHA256)
    assert isinstance(key, rsa.RSAPrivateKey)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)
    signature = key.sign(DATA, pss, hashes.SHA256())
    assert verify_signature(pkix_for(A.RSA_PSS_2048_SHA256), DATA, signature)


def test_algorithm_comes_from_the_key_declaration_only() -> None:
    key = key_for(A.RSA_PSS_4096_SHA256)
    pss_sig = sign(key, A.RSA_PSS_4096_SHA256, DATA)
    pkcs1_sig = sign(key, A.RSA_SIGN_PKCS1_4096_SHA256, DATA)
    declared_pss = PkixPublicKey(public_key_pem(key), A.RSA_PSS_4096_SHA256)
    declared_sha512 = PkixPublicKey(public_key_pem(key), A.RSA_PSS_4096_SHA512)
    assert verify_signature(declared_pss, DATA, pss_sig)
    assert not verify_signature(declared_pss, DATA, pkcs1_sig)
    assert not verify_signature(declared_sha512, DATA, pss_sig)


def test_p256_signature_with_sha384_hash_does_not_verify() -> None:
    key = key_for(A.ECDSA_P256_SHA256)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signature = key.sign(DATA, ec.ECDSA(hashes.SHA384()))
    assert not verify_signature(pkix_for(A.ECDSA_P256_SHA256), DATA, signature)


@pytest.mark.parametrize(
    ("key_alg", "declared", "reason"),
    [
        (
            A.RSA_PSS_2048_SHA256,
            A.ECDSA_P256_SHA256,
            "key is RSA-2048 but the attestor declares ECDSA_P256_SHA256",
        ),
        (
            A.ECDSA_P521_SHA512,
            A.ECDSA_P384_SHA384,
            "key is EC P-521 but the attestor declares ECDSA_P384_SHA384",
        ),
        (A.RSA_SIGN_PKCS1_3072_SHA256, A.RSA_SIGN_PKCS1_2048_SHA256, "key is RSA-3072"),
    ],
)
def test_key_algorithm_mismatch_is_false_with_reason(
    key_alg: A, declared: A, reason: str
) -> None:
    signature = sign(key_for(key_alg), key_alg, DATA)
    result = verify_signature_detail(
        PkixPublicKey(public_key_pem(key_for(key_alg)), declared, "k1"), DATA, signature
    )
    assert not result
    assert reason in result.reason
    assert "k1" in result.reason


@pytest.mark.parametrize(
    ("pem", "alg", "reason"),
    [
        ("not a key", A.ECDSA_P256_SHA256, "cannot be loaded"),
        (None, A.ML_DSA_65, "not supported"),
        (None, A.SIGNATURE_ALGORITHM_UNSPECIFIED, "not supported"),
    ],
)
def test_unusable_keys_never_verify(pem: str | None, alg: A, reason: str) -> None:
    pem = pem or public_key_pem(key_for(A.ECDSA_P256_SHA256))
    result = verify_signature_detail(PkixPublicKey(pem, alg), DATA, b"sig")
    assert not result
    assert reason in result.reason


@pytest.mark.parametrize("alg", ALGORITHMS, ids=lambda a: a.value)
@pytest.mark.parametrize(
    "garbage", [b"", b"\x00", b"\x30\x06\x02\x01\x01\x02\x01\x01", b"\xff" * 600]
)
def test_garbage_signatures_are_false_not_exceptions(alg: A, garbage: bytes) -> None:
    result = verify_signature_detail(pkix_for(alg), DATA, garbage)
    assert not result
    assert "does not verify" in result.reason


def test_sign_refuses_key_of_wrong_kind() -> None:
    with pytest.raises(KeyFormatError, match="key is EC P-256"):
        sign(key_for(A.ECDSA_P256_SHA256), A.RSA_PSS_2048_SHA256, DATA)


def test_make_attestation_shape() -> None:
    key = key_for(A.ECDSA_P256_SHA256)
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    occ = make_attestation(
        "https://" + IMAGE, NOTE, key, A.ECDSA_P256_SHA256, create_time=when
    )
    assert occ.resource_uri == "https://" + IMAGE
    assert occ.note_name == NOTE
    assert occ.create_time == when
    assert occ.serialized_payload == DATA
    assert parse_payload(occ.serialized_payload).manifest_digest == DIGEST
    (signature,) = occ.signatures
    assert signature.public_key_id == default_key_id(key)
    assert verify_signature(
        pkix_for(A.ECDSA_P256_SHA256), occ.serialized_payload, signature.signature
    )
    assert AttestationOccurrence.from_dict(occ.to_dict()) == occ


def test_make_attestation_custom_key_id_and_second_signature() -> None:
    occ = make_attestation(
        IMAGE, NOTE, key_for(A.ECDSA_P256_SHA256), A.ECDSA_P256_SHA256, "kid-1"
    )
    both = add_signature(occ, key_for(A.RSA_PSS_2048_SHA256), A.RSA_PSS_2048_SHA256)
    assert [s.public_key_id for s in both.signatures] == [
        "kid-1",
        default_key_id(key_for(A.RSA_PSS_2048_SHA256)),
    ]
    assert verify_signature(
        pkix_for(A.RSA_PSS_2048_SHA256),
        both.serialized_payload,
        both.signatures[1].signature,
    )


def test_make_attestation_refuses_bad_input() -> None:
    key = key_for(A.ECDSA_P256_SHA256)
    with pytest.raises(ImageRefError, match="fully qualified"):
        make_attestation("gcr.io/p/img:1.0", NOTE, key, A.ECDSA_P256_SHA256)
    with pytest.raises(OccurrenceError, match="note name"):
        make_attestation(IMAGE, "", key, A.ECDSA_P256_SHA256)
    with pytest.raises(OccurrenceError, match="timezone"):
        make_attestation(
            IMAGE,
            NOTE,
            key,
            A.ECDSA_P256_SHA256,
            create_time=datetime.datetime(2024, 1, 1),
        )


def test_verification_cache_repeats_results_and_counts() -> None:
    cache = VerificationCache(maxsize=8)
    pkix = pkix_for(A.ECDSA_P256_SHA256)
    signature = sign(key_for(A.ECDSA_P256_SHA256), A.ECDSA_P256_SHA256, DATA)
    assert cache.verify(pkix, DATA, signature)
    assert cache.verify(pkix, DATA, signature)
    assert not cache.verify(pkix, DATA + b" ", signature)
    assert (cache.hits, cache.misses, len(cache)) == (1, 2, 2)
    assert not cache.verify_detail(pkix, DATA, signature[:-1])
    cache.judgements["derived"] = True
    cache.clear()
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)
    assert cache.judgements == {}  # judgements derived from results go too


def test_verification_cache_is_bounded_lru() -> None:
    cache = VerificationCache(maxsize=2)
    pkix = pkix_for(A.ECDSA_P256_SHA256)
    for i in range(5):
        cache.verify(pkix, DATA, bytes([i]))
    assert len(cache) == 2
    with pytest.raises(ValueError, match="at least 1"):
        VerificationCache(maxsize=0)


def test_verification_cache_is_thread_safe() -> None:
    cache = VerificationCache(maxsize=16)
    pkix = pkix_for(A.ECDSA_P256_SHA256)
    good = sign(key_for(A.ECDSA_P256_SHA256), A.ECDSA_P256_SHA256, DATA)
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(40):
            sig = good if (i + n) % 2 else good[:-1] + bytes([i % 7])
            if cache.verify(pkix, DATA, sig) != (sig == good):
                errors.append(f"thread {n} iteration {i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 16


def test_public_key_cache_reuses_parsed_keys_and_refuses_bad_pem() -> None:
    cache = PublicKeyCache(maxsize=4)
    pem = public_key_pem(key_for(A.ECDSA_P384_SHA384))
    assert cache.load(pem) is cache.load(pem)
    assert len(cache) == 1
    with pytest.raises(KeyFormatError):
        cache.load("bad")
    assert len(cache) == 1
