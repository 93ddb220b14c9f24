"""Attestor resources: algorithms, key ids, validation and dumping."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import textwrap
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from kritis_sim.errors import AttestorError, KeyFormatError
from kritis_sim.model.attestor import (
    Attestor,
    SignatureAlgorithm,
    load_attestors,
)

ALIASES = {
    "RSA_SIGN_PSS_2048_SHA256": SignatureAlgorithm.RSA_PSS_2048_SHA256,
    "RSA_SIGN_PSS_3072_SHA256": SignatureAlgorithm.RSA_PSS_3072_SHA256,
    "RSA_SIGN_PSS_4096_SHA256": SignatureAlgorithm.RSA_PSS_4096_SHA256,
    "RSA_SIGN_PSS_4096_SHA512": SignatureAlgorithm.RSA_PSS_4096_SHA512,
    "EC_SIGN_P256_SHA256": SignatureAlgorithm.ECDSA_P256_SHA256,
    "EC_SIGN_P384_SHA384": SignatureAlgorithm.ECDSA_P384_SHA384,
    "EC_SIGN_P521_SHA512": SignatureAlgorithm.ECDSA_P521_SHA512,
}
USABLE = [
    a
    for a in SignatureAlgorithm
    if a
    not in (
        SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED,
        SignatureAlgorithm.ML_DSA_65,
    )
]


def _key_shape(alg: SignatureAlgorithm) -> tuple[str, int]:
    name = alg.value
    if name.startswith("ECDSA_P"):
        return "ec", int(name.split("_")[1][1:])
    return "rsa", int(name.split("_")[-2])


@pytest.fixture(scope="module")
def pems() -> dict[tuple[str, int], str]:
    """One public key PEM per key shape (RSA 4096 is slow: made once per module)."""
    out: dict[tuple[str, int], str] = {}
    curves = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}
    for alg in USABLE:
        kind, size = _key_shape(alg)
        if (kind, size) in out:
            continue
        if kind == "ec":
            public: Any = ec.generate_private_key(curves[size]).public_key()
        else:
            public = rsa.generate_private_key(65537, size).public_key()
        out[kind, size] = public.public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        ).decode()
    return out


def _expected_default_id(pem: str) -> str:
    der = load_pem_public_key(pem.encode()).public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    digest = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode()
    return "ni:///sha-256;" + digest.rstrip("=")


def _attestor(
    *keys: dict[str, Any], name: str = "projects/p/attestors/a"
) -> dict[str, Any]:
    return {
        "name": name,
        "userOwnedGrafeasNote": {
            "noteReference": "projects/p/notes/n",
            "publicKeys": list(keys),
        },
    }


def _pkix(
    pem: str, alg: str | int = "ECDSA_P256_SHA256", **extra: Any
) -> dict[str, Any]:
    return {"pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": alg}, **extra}


def _load_error(doc: Any, cls: type[Exception] = AttestorError) -> Any:
    with pytest.raises(cls) as info:
        load_attestors(json.dumps(doc, indent=1), source="att.json")
    assert str(info.value).startswith("att.json:"), str(info.value)
    return info.value


def test_signature_algorithm_numbers_and_aliases() -> None:
    assert SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED.number == 0
    assert SignatureAlgorithm.RSA_SIGN_PKCS1_4096_SHA512.number == 8
    assert SignatureAlgorithm.ECDSA_P521_SHA512.number == 11
    assert SignatureAlgorithm.ML_DSA_65.number == 13
    for alias, member in ALIASES.items():
        assert SignatureAlgorithm.parse(alias) is member
    for member in SignatureAlgorithm:
        assert SignatureAlgorithm.parse(member.number) is member
        assert SignatureAlgorithm.parse(member.value) is member
    with pytest.raises(ValueError, match="not a valid SignatureAlgorithm"):
        SignatureAlgorithm.parse(12)


@pytest.mark.parametrize("alg", USABLE, ids=lambda a: a.value)
def test_attestor_loads_every_algorithm(
    alg: SignatureAlgorithm, pems: dict[tuple[str, int], str]
) -> None:
    pem = pems[_key_shape(alg)]
    (attestor,) = load_attestors(json.dumps([_attestor(_pkix(pem, alg.number))]))
    key = attestor.public_keys[0]
    assert key.pkix_public_key is not None
    assert key.pkix_public_key.signature_algorithm is alg
    assert key.id == _expected_default_id(pem)
    assert attestor.key_by_id(key.id) is key


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_attestor_alias_canonicalised_on_dump(
    alias: str, pems: dict[tuple[str, int], str]
) -> None:
    pem = pems[_key_shape(ALIASES[alias])]
    (attestor,) = load_attestors(json.dumps([_attestor(_pkix(pem, alias))]))
    dumped = attestor.to_dict()["userOwnedGrafeasNote"]["publicKeys"][0]
    assert dumped["pkixPublicKey"]["signatureAlgorithm"] == ALIASES[alias].value
    assert Attestor.from_dict(attestor.to_dict()) == attestor


def test_attestor_default_id_known_answer(pems: dict[tuple[str, int], str]) -> None:
    pem = pems["ec", 256]
    (attestor,) = load_attestors(json.dumps(_attestor(_pkix(pem, id=""))))
    assert attestor.public_keys[0].id == _expected_default_id(pem)
    assert attestor.public_keys[0].id.startswith("ni:///sha-256;")
    assert "=" not in attestor.public_keys[0].id


def test_attestor_round_trip_and_shapes(pems: dict[tuple[str, int], str]) -> None:
    one = _attestor(_pkix(pems["ec", 256], id="https://keys.example/1", comment="ci"))
    one.update(description="d", updateTime="2024-01-01T00:00:00Z", etag="e")
    one["userOwnedGrafeasNote"]["delegationServiceAccountEmail"] = "sa@example.iam"
    two = _attestor(name="projects/p/attestors/b")
    (from_list_doc,) = load_attestors(
        json.dumps({"attestors": [one], "nextPageToken": ""})
    )
    assert from_list_doc.to_dict() == one
    docs = load_attestors(yaml.safe_dump(one) + "---\n" + yaml.safe_dump([two]))
    assert [a.name for a in docs] == [
        "projects/p/attestors/a",
        "projects/p/attestors/b",
    ]
    assert docs[1].public_keys == ()
    assert load_attestors("") == ()


def test_attestor_key_by_id_is_exact(pems: dict[tuple[str, int], str]) -> None:
    (attestor,) = load_attestors(
        json.dumps([_attestor(_pkix(pems["ec", 256], id="urn:k:1"))])
    )
    assert attestor.key_by_id("urn:k:1") is attestor.public_keys[0]
    assert attestor.key_by_id("URN:K:1") is None
    assert attestor.key_by_id("urn:k:1 ") is None


def test_attestor_keyid_equal_or_blank(pems: dict[tuple[str, int], str]) -> None:
    pem = pems["ec", 256]
    key = _pkix(pem, id="urn:k:1")
    key["pkixPublicKey"]["keyId"] = "urn:k:1"
    (attestor,) = load_attestors(json.dumps([_attestor(key)]))
    assert attestor.public_keys[0].pkix_public_key.key_id == "urn:k:1"  # type: ignore[union-attr]
    key["pkixPublicKey"]["keyId"] = "urn:k:2"
    err = _load_error([_attestor(key)])
    assert err.path == "[0].userOwnedGrafeasNote.publicKeys[0].pkixPublicKey.keyId"
    assert "must be equal or blank" in err.message


def test_attestor_pkix_id_must_be_uri(pems: dict[tuple[str, int], str]) -> None:
    err = _load_error([_attestor(_pkix(pems["ec", 256], id="my key"))])
    assert err.path == "[0].userOwnedGrafeasNote.publicKeys[0].id"
    assert "RFC 3986 URI" in err.message


def test_attestor_duplicate_key_ids(pems: dict[tuple[str, int], str]) -> None:
    pem = pems["ec", 256]
    err = _load_error([_attestor(_pkix(pem), _pkix(pem))])
    assert err.path == "[0].userOwnedGrafeasNote.publicKeys[1].id"
    assert "duplicate key id" in err.message


def test_attestor_duplicate_names() -> None:
    err = _load_error([_attestor(), _attestor()])
    assert err.path == "[1].name"
    assert "duplicate attestor name" in err.message


def test_attestor_bad_pem_is_key_format_error() -> None:
    err = _load_error(
        [
            _attestor(
                _pkix("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            )
        ],
        KeyFormatError,
    )
    assert (
        err.path == "[0].userOwnedGrafeasNote.publicKeys[0].pkixPublicKey.publicKeyPem"
    )


def test_attestor_algorithm_must_match_key(pems: dict[tuple[str, int], str]) -> None:
    err = _load_error([_attestor(_pkix(pems["ec", 384], "ECDSA_P256_SHA256"))])
    assert err.path.endswith("pkixPublicKey.signatureAlgorithm")


@pytest.mark.parametrize(
    ("alg", "fragment"),
    [
        ("ML_DSA_65", "not supported by kritis-sim"),
        (0, "not supported"),
        ("RSA_PSS", "expected one of"),
    ],
)
def test_attestor_unusable_algorithms(
    alg: str | int, fragment: str, pems: dict[tuple[str, int], str]
) -> None:
    err = _load_error([_attestor(_pkix(pems["ec", 256], alg))])
    assert err.path.endswith("pkixPublicKey.signatureAlgorithm")
    assert fragment in err.message


def test_attestor_exactly_one_key_kind(pems: dict[tuple[str, int], str]) -> None:
    both = _pkix(pems["ec", 256], asciiArmoredPgpPublicKey="x")
    assert "found both" in _load_error([_attestor(both)]).message
    assert "found neither" in _load_error([_attestor({"id": "urn:x"})]).message


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (lambda d: d.pop("userOwnedGrafeasNote"), "[0]", "userOwnedGrafeasNote"),
        (
            lambda d: d["userOwnedGrafeasNote"].pop("noteReference"),
            "[0].userOwnedGrafeasNote",
            "noteReference",
        ),
        (
            lambda d: d.update(name="projects/p/notes/a"),
            "[0].name",
            "projects/<project>/attestors/<id>",
        ),
        (
            lambda d: d["userOwnedGrafeasNote"].update(
                noteReference="projects/123/notes/n"
            ),
            "[0].userOwnedGrafeasNote.noteReference",
            "project ID is required",
        ),
        (lambda d: d.update(nmae="x"), "[0].nmae", "did you mean 'name'?"),
        (
            lambda d: d["userOwnedGrafeasNote"].update(publicKey=[]),
            "[0].userOwnedGrafeasNote.publicKey",
            "did you mean 'publicKeys'?",
        ),
        (lambda d: d.update(description=1), "[0].description", "expected a string"),
    ],
)
def test_attestor_validation(mutate: Any, path: str, fragment: str) -> None:
    doc = _attestor()
    mutate(doc)
    err = _load_error([doc])
    assert err.path == path
    assert fragment in err.message


def test_attestor_error_has_line() -> None:
    text = textwrap.dedent(
        """\
        name: projects/p/attestors/a
        userOwnedGrafeasNote:
          noteReference: projects/p/note/n
        """
    )
    with pytest.raises(
        AttestorError, match=r"^a.yaml:3: userOwnedGrafeasNote.noteReference: "
    ):
        load_attestors(text, source="a.yaml")


@pytest.fixture(scope="module")
def gpg_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(armored public key, fingerprint) made by gpg, or skip."""
    gpg = shutil.which("gpg")
    if gpg is None:
        pytest.skip("gpg is not installed")
    home = tmp_path_factory.mktemp("gnupg")
    os.chmod(home, 0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}

    def run(*args: str) -> str:
        return subprocess.run(
            [gpg, "--batch", "--quiet", *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    run(
        "--passphrase",
        "",
        "--quick-gen-key",
        "kritis <k@example.com>",
        "ed25519",
        "sign",
        "never",
    )
    fpr = next(
        line.split(":")[9]
        for line in run("--with-colons", "--list-keys").splitlines()
        if line.startswith("fpr:")
    )
    return run("--armor", "--export"), fpr


def test_attestor_pgp_id_is_fingerprint(gpg_key: tuple[str, str]) -> None:
    armored, fingerprint = gpg_key
    key = {"asciiArmoredPgpPublicKey": armored}
    (attestor,) = load_attestors(json.dumps([_attestor(key)]))
    assert attestor.public_keys[0].id == fingerprint
    key["id"] = fingerprint
    assert load_attestors(json.dumps([_attestor(key)])) == (attestor,)
    key["id"] = "0" * 40  # the API overwrites a supplied id with the fingerprint
    assert load_attestors(json.dumps([_attestor(key)])) == (attestor,)


def test_attestor_bad_pgp_armor() -> None:
    err = _load_error(
        [_attestor({"asciiArmoredPgpPublicKey": "not armor"})], KeyFormatError
    )
    assert err.path == "[0].userOwnedGrafeasNote.publicKeys[0].asciiArmoredPgpPublicKey"
