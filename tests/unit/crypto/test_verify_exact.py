"""verify_signature_detail's exact reasons and labels, and the parsed-key cache.

Pins the texts users, audit logs and scenarios read (the key label, the
algorithm, why a key cannot verify) and the bounded least-recently-used
behaviour of :class:`PublicKeyCache` (issue 16: mutation testing of the
signature verification).
"""

from __future__ import annotations

import pytest

from kritis_sim.crypto import verify
from kritis_sim.crypto.keys import default_key_id, public_key_pem
from kritis_sim.crypto.sign import sign
from kritis_sim.crypto.verify import (
    PublicKeyCache,
    VerificationCache,
    verify_signature,
    verify_signature_detail,
)
from kritis_sim.model.attestor import PkixPublicKey
from kritis_sim.model.attestor import SignatureAlgorithm as A
from tests.unit.conftest import clear_decision_caches

from .conftest import key_for

DATA = b'{"critical":{}}'
EC = A.ECDSA_P256_SHA256


def _pem(alg: A = EC, variant: int = 0) -> str:
    return public_key_pem(key_for(alg, variant))


@pytest.mark.parametrize(
    "alg", [EC, A.RSA_PSS_2048_SHA256, A.RSA_SIGN_PKCS1_2048_SHA256]
)
def test_verified_and_refused_reasons_name_the_key_and_algorithm(alg: A) -> None:
    signature = sign(key_for(alg), alg, DATA)
    named = PkixPublicKey(_pem(alg), alg, "kid-1")
    ok = verify_signature_detail(named, DATA, signature)
    assert (ok.verified, ok.reason) == (
        True,
        f"signature verifies with key kid-1 ({alg.value})",
    )
    assert ok and verify_signature(named, DATA, signature)
    bad = verify_signature_detail(named, DATA + b" ", signature)
    assert (bad.verified, bad.reason) == (
        False,
        f"signature does not verify with key kid-1 ({alg.value})",
    )
    assert not bad and not verify_signature(named, DATA + b" ", signature)


def test_a_key_without_id_is_labelled_by_its_rfc6920_id() -> None:
    pem = _pem()
    result = verify_signature_detail(
        PkixPublicKey(pem, EC), DATA, sign(key_for(EC), EC, DATA)
    )
    assert (
        result.reason
        == f"signature verifies with key {default_key_id(pem)} ({EC.value})"
    )
    assert default_key_id(pem).startswith("ni:///sha-256;")


def test_an_unloadable_key_is_labelled_and_explained() -> None:
    result = verify_signature_detail(PkixPublicKey("not a key", EC), DATA, b"sig")
    assert not result.verified
    assert result.reason.startswith("key <unloadable key> cannot be loaded: ")
    assert "PUBLIC KEY" in result.reason


def test_an_unsupported_algorithm_cannot_verify() -> None:
    result = verify_signature_detail(
        PkixPublicKey(_pem(), A.ML_DSA_65, "k"), DATA, b"s"
    )
    assert not result.verified
    assert result.reason.startswith(
        "key k cannot verify: signature algorithm ML_DSA_65 is not supported by "
        "kritis-sim; supported: "
    )


def test_a_key_of_another_kind_names_both_and_the_key_id() -> None:
    result = verify_signature_detail(
        PkixPublicKey(_pem(A.RSA_PSS_2048_SHA256), EC, "k9"), DATA, b"s"
    )
    assert not result.verified
    assert result.reason == (
        "key is RSA-2048 but the attestor declares ECDSA_P256_SHA256 (which needs "
        "an EC P-256 key); key id k9"
    )


def test_an_ec_key_declared_rsa_never_verifies_an_rsa_signature() -> None:
    rsa_sig = sign(key_for(A.RSA_PSS_2048_SHA256), A.RSA_PSS_2048_SHA256, DATA)
    as_rsa = PkixPublicKey(_pem(EC), A.RSA_PSS_2048_SHA256, "k")
    assert not verify_signature_detail(as_rsa, DATA, rsa_sig)


@pytest.mark.parametrize("size", [0, -1])
def test_caches_need_room_for_one_entry(size: int) -> None:
    with pytest.raises(
        ValueError, match=f"^cache size must be at least 1, got {size}$"
    ):
        PublicKeyCache(maxsize=size)
    with pytest.raises(
        ValueError, match=f"^cache size must be at least 1, got {size}$"
    ):
        VerificationCache(maxsize=size)
    assert len(PublicKeyCache(maxsize=1)) == 0
    assert len(VerificationCache(maxsize=1)) == 0


def test_public_key_cache_drops_the_least_recently_used_key() -> None:
    cache = PublicKeyCache(maxsize=2)
    a, b, c = _pem(EC, 0), _pem(EC, 1), _pem(A.ECDSA_P384_SHA384)
    first_a, first_b = cache.load(a), cache.load(b)
    assert cache.load(a) is first_a  # a is now the most recently used
    cache.load(c)  # evicts b, the least recently used
    assert len(cache) == 2
    assert cache.load(a) is first_a
    assert cache.load(b) is not first_b  # parsed again
    assert cache.load(b) == first_b


def test_public_key_cache_default_size_holds_many_keys() -> None:
    cache = PublicKeyCache()
    pems = [_pem(EC, v) for v in range(3)]
    loaded = [cache.load(p) for p in pems]
    assert [cache.load(p) for p in pems] == loaded
    assert all(
        x is y for x, y in zip(loaded, [cache.load(p) for p in pems], strict=True)
    )
    assert len(cache) == 3


def test_verifiers_are_memoised_per_key_and_algorithm_and_bounded() -> None:
    cache = PublicKeyCache(maxsize=1)
    pem = _pem()
    first = cache.verifier(pem, EC)
    assert cache.verifier(pem, EC) is first
    other = cache.verifier(pem, A.ECDSA_P384_SHA384)  # evicts (pem, EC)
    assert other is not first and other.check is None
    assert cache.verifier(pem, EC) is not first


def test_verification_cache_uses_the_given_key_cache() -> None:
    keys = PublicKeyCache(maxsize=4)
    cache = VerificationCache(maxsize=4, key_cache=keys)
    assert cache.key_cache is keys
    pkix = PkixPublicKey(_pem(), EC, "k")
    assert cache.verify(pkix, DATA, sign(key_for(EC), EC, DATA))
    assert len(keys) == 1
    result = cache.verify_detail(pkix, DATA, b"x")
    assert result.reason == f"signature does not verify with key k ({EC.value})"
    default = VerificationCache().key_cache
    assert isinstance(default, PublicKeyCache)
    assert VerificationCache().key_cache is default  # one process-wide key cache


def test_verification_cache_keys_on_the_key_id_and_algorithm() -> None:
    cache = VerificationCache(maxsize=8)
    signature = sign(key_for(EC), EC, DATA)
    one = cache.verify_detail(PkixPublicKey(_pem(), EC, "one"), DATA, signature)
    two = cache.verify_detail(PkixPublicKey(_pem(), EC, "two"), DATA, signature)
    assert "key one" in one.reason and "key two" in two.reason
    p384 = cache.verify_detail(
        PkixPublicKey(_pem(), A.ECDSA_P384_SHA384, "one"), DATA, signature
    )
    assert not p384.verified
    assert (cache.hits, cache.misses, len(cache)) == (0, 3, 3)


def test_public_key_cache_clear_forgets_keys_and_verifiers() -> None:
    cache = PublicKeyCache(maxsize=4)
    pem = _pem()
    key, check = cache.load(pem), cache.verifier(pem, EC)
    cache.clear()
    assert len(cache) == 0
    assert cache.load(pem) is not key
    assert cache.verifier(pem, EC) is not check


def test_unit_tests_start_with_an_empty_process_wide_key_cache() -> None:
    # A verifier prepared before a test (or before mutmut forks a worker)
    # would hide a changed _prepare from it: the unit conftest empties it.
    verify_signature_detail(PkixPublicKey(_pem(), EC), DATA, b"sig")
    assert len(verify._DEFAULT_KEYS) == 1
    clear_decision_caches()
    assert len(verify._DEFAULT_KEYS) == 0
    assert len(verify._DEFAULT_KEYS._verifiers) == 0
