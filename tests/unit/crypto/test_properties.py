"""Hypothesis properties of signing, verification and the verification cache.

Keys come from the session cache in conftest (RSA key generation is slow), so
each example costs one sign and a few verifies.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.crypto.sign import sign
from kritis_sim.crypto.verify import VerificationCache, verify_signature
from kritis_sim.model.attestor import SignatureAlgorithm as A

from .conftest import ALGORITHMS, key_for, pkix_for

algorithms = st.sampled_from(ALGORITHMS)
payloads = st.binary(min_size=1, max_size=512)
# Signing is the slow part; keep examples cheap but let profiles pick the count.
_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(alg=algorithms, data=payloads)
def test_round_trip_per_algorithm(alg: A, data: bytes) -> None:
    assert verify_signature(pkix_for(alg), data, sign(key_for(alg), alg, data))


@_settings
@given(signer_alg=algorithms, attestor_alg=algorithms, data=payloads)
def test_signature_by_outside_key_never_verifies(
    signer_alg: A, attestor_alg: A, data: bytes
) -> None:
    # variant=1 is a different key from the attestor's (variant 0), even for
    # the same algorithm.
    signature = sign(key_for(signer_alg, variant=1), signer_alg, data)
    assert not verify_signature(pkix_for(attestor_alg), data, signature)


@_settings
@given(
    alg=algorithms,
    data=payloads,
    position=st.integers(min_value=0),
    flip=st.integers(1, 255),
)
def test_tampering_any_payload_byte_breaks_verification(
    alg: A, data: bytes, position: int, flip: int
) -> None:
    signature = sign(key_for(alg), alg, data)
    index = position % len(data)
    tampered = data[:index] + bytes([data[index] ^ flip]) + data[index + 1 :]
    assert not verify_signature(pkix_for(alg), tampered, signature)


@_settings
@given(alg=algorithms, data=payloads, garbage=st.binary(max_size=1100))
def test_arbitrary_signature_bytes_never_raise_and_never_verify(
    alg: A, data: bytes, garbage: bytes
) -> None:
    assert verify_signature(pkix_for(alg), data, garbage) is False


@_settings
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(ALGORITHMS[:1] + ALGORITHMS[-3:]), st.booleans(), payloads
        ),
        min_size=1,
        max_size=12,
    ),
    maxsize=st.integers(1, 4),
)
def test_cache_agrees_with_uncached_verification(
    steps: list[tuple[A, bool, bytes]], maxsize: int
) -> None:
    """A model check: the cache never answers differently from a fresh verify."""
    cache = VerificationCache(maxsize=maxsize)
    signed = {}
    for alg, tamper, data in steps:
        signature = signed.setdefault((alg, data), sign(key_for(alg), alg, data))
        checked = data + b"!" if tamper else data
        expected = verify_signature(pkix_for(alg), checked, signature)
        assert cache.verify(pkix_for(alg), checked, signature) == expected
        assert cache.verify(pkix_for(alg), checked, signature) == expected
        assert expected == (not tamper)
