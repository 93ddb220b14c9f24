"""Algorithm specs, strict PEM loading, key ids and key/algorithm agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from kritis_sim.crypto.algorithms import (
    HashName,
    KeyType,
    PaddingScheme,
    spec,
    supported_algorithms,
)
from kritis_sim.crypto.keys import (
    check_key_matches,
    default_key_id,
    describe_key,
    generate_private_key,
    key_mismatch,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from kritis_sim.errors import KeyFormatError
from kritis_sim.model.attestor import SignatureAlgorithm as A

from .conftest import ALGORITHMS, Vector, key_for, load_vectors

POSITIVE = load_vectors("positive")


def test_every_api_algorithm_but_unspecified_and_ml_dsa_is_supported() -> None:
    assert set(supported_algorithms()) == set(A) - {
        A.SIGNATURE_ALGORITHM_UNSPECIFIED,
        A.ML_DSA_65,
    }


@pytest.mark.parametrize(
    ("alg", "key_type", "size", "hash_name", "pad"),
    [
        (A.RSA_PSS_2048_SHA256, KeyType.RSA, 2048, HashName.SHA256, PaddingScheme.PSS),
        (A.RSA_PSS_4096_SHA512, KeyType.RSA, 4096, HashName.SHA512, PaddingScheme.PSS),
        (
            A.RSA_SIGN_PKCS1_3072_SHA256,
            KeyType.RSA,
            3072,
            HashName.SHA256,
            PaddingScheme.PKCS1V15,
        ),
        (
            A.ECDSA_P256_SHA256,
            KeyType.EC,
            "secp256r1",
            HashName.SHA256,
            PaddingScheme.NONE,
        ),
        (
            A.ECDSA_P384_SHA384,
            KeyType.EC,
            "secp384r1",
            HashName.SHA384,
            PaddingScheme.NONE,
        ),
        (
            A.ECDSA_P521_SHA512,
            KeyType.EC,
            "secp521r1",
            HashName.SHA512,
            PaddingScheme.NONE,
        ),
    ],
)
def test_spec_table(
    alg: A, key_type: KeyType, size: int | str, hash_name: HashName, pad: PaddingScheme
) -> None:
    s = spec(alg)
    assert (s.key_type, s.hash_name, s.padding) == (key_type, hash_name, pad)
    assert (s.rsa_bits if key_type is KeyType.RSA else s.curve_name) == size
    assert s.hash_algorithm().name == hash_name.value.lower()


def test_spec_accepts_alias_and_number() -> None:
    assert spec("EC_SIGN_P256_SHA256").algorithm is A.ECDSA_P256_SHA256
    assert spec(1).algorithm is A.RSA_PSS_2048_SHA256


@pytest.mark.parametrize(
    "alg", [A.ML_DSA_65, A.SIGNATURE_ALGORITHM_UNSPECIFIED, "NOPE", 12]
)
def test_spec_refuses_unsupported(alg: A | str | int) -> None:
    with pytest.raises(KeyFormatError):
        spec(alg)


def test_pss_signs_with_digest_salt_and_verifies_with_auto() -> None:
    s = spec(A.RSA_PSS_2048_SHA256)
    signing, verifying = s.rsa_padding(verifying=False), s.rsa_padding(verifying=True)
    assert isinstance(signing, padding.PSS)
    assert signing._salt_length is padding.PSS.DIGEST_LENGTH
    assert isinstance(verifying, padding.PSS)
    assert verifying._salt_length is padding.PSS.AUTO
    with pytest.raises(KeyFormatError):
        spec(A.ECDSA_P256_SHA256).rsa_padding(verifying=True)
    with pytest.raises(KeyFormatError):
        spec(A.RSA_PSS_2048_SHA256).curve()


@pytest.mark.parametrize("vector", POSITIVE, ids=lambda v: v.name)
def test_default_key_id_matches_openssl_computed_id(vector: Vector) -> None:
    pem = (vector.path / "public.pem").read_text()
    assert default_key_id(pem) == vector.info["key_id"]
    assert default_key_id(load_public_key(pem)) == vector.info["key_id"]


def test_default_key_id_of_private_key_is_that_of_its_public_key() -> None:
    key = key_for(A.ECDSA_P256_SHA256)
    assert default_key_id(key) == default_key_id(public_key_pem(key))
    assert default_key_id(key).startswith("ni:///sha-256;")
    assert "=" not in default_key_id(key)


def _pem() -> str:
    # A committed key, so parametrize ids are identical in every xdist worker.
    vectors = Path(__file__).resolve().parents[2] / "vectors" / "signatures"
    return (vectors / "ECDSA_P256_SHA256" / "public.pem").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no PEM block"),
        ("garbage", "no PEM block"),
        (_pem() + "trailing", "unexpected text"),
        ("leading\n" + _pem(), "unexpected text"),
        (_pem() + _pem(), "exactly one PEM block"),
        (_pem().replace("-----END PUBLIC KEY-----", ""), "not terminated"),
        (_pem().replace("PUBLIC KEY", "RSA PUBLIC KEY"), "SubjectPublicKeyInfo"),
        (_pem().replace("M", "A", 3), "does not parse"),
    ],
)
def test_load_public_key_is_strict(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        load_public_key(text)


def test_load_public_key_accepts_bytes_and_surrounding_whitespace() -> None:
    key = load_public_key(("\n  " + _pem() + "\n\n").encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    with pytest.raises(KeyFormatError, match="not ASCII"):
        load_public_key("é".encode())


def test_load_public_key_refuses_ed25519() -> None:
    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(KeyFormatError, match="expected EC or RSA"):
        load_public_key(pem)


@pytest.mark.parametrize(
    "fmt",
    [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL],
)
@pytest.mark.parametrize("alg", [A.ECDSA_P384_SHA384, A.RSA_PSS_2048_SHA256])
def test_load_private_key_formats(fmt: serialization.PrivateFormat, alg: A) -> None:
    key = key_for(alg)
    pem = key.private_bytes(
        serialization.Encoding.PEM, fmt, serialization.NoEncryption()
    )
    label = (
        b"PRIVATE KEY" if fmt is serialization.PrivateFormat.PKCS8 else b"-----BEGIN "
    )
    assert label in pem
    loaded = load_private_key(pem)
    assert public_key_pem(loaded) == public_key_pem(key)
    assert (
        load_private_key(private_key_pem(loaded)).private_numbers()
        == key.private_numbers()
    )


def test_load_private_key_ignores_ec_parameters_block() -> None:
    key = key_for(A.ECDSA_P256_SHA256)
    sec1 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    params = (
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
    )
    assert public_key_pem(load_private_key(params + sec1)) == public_key_pem(key)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nothing", "found: none"),
        ("PUB", "found: PUBLIC KEY"),
        ("TWO", "found: PRIVATE KEY, PRIVATE KEY"),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "does not load",
        ),
    ],
)
def test_load_private_key_refuses(text: str, message: str) -> None:
    pkcs8 = private_key_pem(key_for(A.ECDSA_P256_SHA256)).decode()
    text = {"PUB": _pem(), "TWO": pkcs8 + pkcs8}.get(text, text)
    with pytest.raises(KeyFormatError, match=message):
        load_private_key(text)


@pytest.mark.parametrize("alg", ALGORITHMS, ids=lambda a: a.value)
def test_key_for_each_algorithm_matches_it(alg: A) -> None:
    check_key_matches(alg, key_for(alg))
    check_key_matches(alg, key_for(alg).public_key())


@pytest.mark.parametrize(
    ("key_alg", "declared", "message"),
    [
        (
            A.RSA_PSS_2048_SHA256,
            A.ECDSA_P256_SHA256,
            "key is RSA-2048 but the attestor declares ECDSA_P256_SHA256",
        ),
        (
            A.ECDSA_P384_SHA384,
            A.ECDSA_P256_SHA256,
            "key is EC P-384 but the attestor declares ECDSA_P256_SHA256",
        ),
        (A.ECDSA_P256_SHA256, A.RSA_SIGN_PKCS1_2048_SHA256, "needs an RSA-2048 key"),
        (A.RSA_PSS_3072_SHA256, A.RSA_PSS_2048_SHA256, "key is RSA-3072"),
        (A.RSA_PSS_4096_SHA256, A.RSA_SIGN_PKCS1_2048_SHA256, "key is RSA-4096"),
    ],
)
def test_key_mismatch_reasons(key_alg: A, declared: A, message: str) -> None:
    key = key_for(key_alg)
    reason = key_mismatch(declared, key)
    assert reason is not None
    assert message in reason
    with pytest.raises(KeyFormatError, match=message):
        check_key_matches(declared, key)


def test_describe_key_and_generate() -> None:
    assert describe_key(key_for(A.RSA_PSS_3072_SHA256)) == "RSA-3072"
    assert describe_key(key_for(A.ECDSA_P521_SHA512).public_key()) == "EC P-521"
    fresh = generate_private_key(A.ECDSA_P256_SHA256)
    assert isinstance(fresh, ec.EllipticCurvePrivateKey)
    assert not isinstance(fresh, rsa.RSAPrivateKey)
