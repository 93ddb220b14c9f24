"""verify_pgp, signed_content and the key checks of crypto/pgp.py, answer by answer.

Judged directly (not through decide()) on the gpg-made vectors of
tests/vectors/pgp/ (see PROVENANCE.md there): every vector's verdict and exact
reason, the literal data signed_content returns, the key-text checks and their
messages, and the one-line error texts made from Sequoia's multi-line errors
(issue 16: mutation testing of the signature verification).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kritis_sim.crypto import pgp
from kritis_sim.errors import KeyFormatError

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "pgp"
NAMES = sorted(p.name for p in VECTORS.iterdir() if p.is_dir())
NO_VALID = (
    "no valid signature by key {} (another key signed, the signature is corrupt, "
    "or the key was expired or revoked when it signed)"
)
#: The reason verify_pgp gives for each refused vector ({} is the fingerprint).
REFUSED = {
    "detached": "not an OpenPGP signed message (a detached signature is not "
    "accepted; sign with gpg --sign): Malformed Message: Malformed OpenPGP message",
    "expired-at-signing": NO_VALID,
    "other-key": NO_VALID,
    "revoked": NO_VALID,
    "other-content": "a good signature by key {}, but the signed content is not "
    "the occurrence's serializedPayload",
}


def _parts(name: str) -> tuple[str, bytes, bytes, str]:
    """(armored key, signature file bytes, payload, fingerprint) of a vector."""
    d = VECTORS / name
    vec = json.loads((d / "vector.json").read_text())
    return (
        (d / "key.asc").read_text(),
        (d / vec["signature"]).read_bytes(),
        (d / "payload.json").read_bytes(),
        vec["fingerprint"],
    )


@pytest.mark.parametrize("name", NAMES)
def test_verify_pgp_judges_each_vector_with_its_exact_reason(name: str) -> None:
    key, message, payload, fingerprint = _parts(name)
    result = pgp.verify_pgp(key, message, payload)
    if name in REFUSED:
        assert result == pgp.PgpResult(False, REFUSED[name].format(fingerprint))
    else:
        # verified (a signing-subkey signature names the subkey, which the
        # decision core refuses as an unknown key id, not verify_pgp)
        assert result == pgp.PgpResult(True, "")
        assert pgp.PgpResult(True) == result


@pytest.mark.parametrize("name", NAMES)
def test_signed_content_is_the_literal_data_of_a_valid_signed_message(
    name: str,
) -> None:
    key, message, payload, _ = _parts(name)
    content = pgp.signed_content(key, message)
    if name in REFUSED and name != "other-content":
        assert content is None
    elif name == "other-content":
        assert content is not None and content != payload
        assert json.loads(content)["critical"]["image"]["docker-manifest-digest"]
    else:
        assert content == payload


def test_garbage_is_refused_in_one_line_without_the_backtrace() -> None:
    key, _, payload, _ = _parts("rsa-armored")
    result = pgp.verify_pgp(key, b"\x00garbage", payload)
    assert result == pgp.PgpResult(False, "unexpected EOF")
    assert pgp.signed_content(key, b"\x00garbage") is None


def test_an_empty_library_error_is_named_by_its_type() -> None:
    assert pgp._reason(ValueError("")) == "ValueError"
    assert pgp._reason(ValueError("  first\nsecond ")) == "first"


def test_key_text_may_start_with_blank_lines() -> None:
    key, _, _, fingerprint = _parts("rsa-armored")
    assert pgp.pgp_fingerprint("\n  \n" + key) == fingerprint


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "not armor\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
            "expected an ASCII-armored public key starting with "
            "'-----BEGIN PGP PUBLIC KEY BLOCK-----'",
        ),
        (
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nabc\n",
            "expected an ASCII-armored public key starting with "
            "'-----BEGIN PGP PUBLIC KEY BLOCK-----'; this is a secret key, give "
            "gpg --armor --export",
        ),
        (
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n",
            "not a usable OpenPGP public key: Invalid ASCII Armor footer.",
        ),
    ],
)
def test_bad_key_texts_are_refused_with_exact_messages(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError) as info:
        pgp.pgp_fingerprint(text)
    assert info.value.message == message


def test_a_v6_key_is_refused_naming_its_fingerprint() -> None:
    import pysequoia

    v6 = pysequoia.Tsk.generate("v6", profile=pysequoia.Profile.RFC9580)
    cert = v6.extract_certificate()
    with pytest.raises(KeyFormatError) as info:
        pgp.pgp_fingerprint(str(cert))
    assert info.value.message == (
        "only version 4 OpenPGP keys are supported (Binary Authorization ids are "
        f"V4 fingerprints); this key's fingerprint is {cert.fingerprint}"
    )


def test_generated_keys_carry_the_user_id_and_sign_armored_by_default() -> None:
    import pysequoia

    assert pgp.pgp_available()
    secret, public = pgp.generate_pgp_key("ci <ci@example.test>")
    assert secret.startswith("-----BEGIN PGP PRIVATE KEY BLOCK-----")
    assert public.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    cert = pysequoia.Cert.from_bytes(public.encode())
    assert [str(u) for u in cert.user_ids] == ["ci <ci@example.test>"]
    assert pgp.secret_key_fingerprint(secret) == pgp.pgp_fingerprint(public)
    assert pgp.secret_key_fingerprint(secret) == str(cert.fingerprint).upper()
    armored = pgp.sign_pgp(secret, b"data")
    assert armored.startswith(b"-----BEGIN PGP MESSAGE-----")
    binary = pgp.sign_pgp(secret, b"data", armor=False)
    assert not binary.startswith(b"-----")
    for message in (armored, binary):
        assert pgp.signed_content(public, message) == b"data"


def test_an_unusable_secret_key_is_a_key_error() -> None:
    with pytest.raises(KeyFormatError) as info:
        pgp.sign_pgp("junk", b"data")
    assert info.value.message == (
        "not a usable OpenPGP secret key (an unprotected key with a signing-capable "
        "key is needed): unexpected EOF"
    )
    with pytest.raises(KeyFormatError, match=r"^not a usable OpenPGP secret key"):
        pgp.secret_key_fingerprint("junk")


def test_public_and_pem_keys_are_not_secret_keys() -> None:
    public, _, _, _ = _parts("rsa-armored")
    with pytest.raises(KeyFormatError) as info:
        pgp.secret_key_certificate(public)
    assert info.value.message == (
        "expected an OpenPGP secret key; this is a public key (export the secret "
        "one with gpg --armor --export-secret-keys)"
    )
    pem = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"
    with pytest.raises(KeyFormatError) as info:
        pgp.sign_pgp(pem, b"data")
    assert info.value.message == (
        "expected an OpenPGP secret key; this is a PEM key (PKIX keys are PEM, "
        "PGP keys armored OpenPGP: gpg --armor --export-secret-keys)"
    )


def test_a_secret_key_followed_by_its_public_key_reaches_the_library() -> None:
    secret, public = pgp.generate_pgp_key("both")
    assert pgp.secret_key_certificate(secret) == public
    with pytest.raises(KeyFormatError) as info:
        pgp.sign_pgp(secret + "\n" + public, b"data")
    # Not "this is a public key": the text holds a secret key, which Sequoia
    # then refuses as a keyring.
    assert info.value.message.startswith("not a usable OpenPGP secret key")
    assert "keyring" in info.value.message


def test_a_secret_key_after_blank_lines_still_gets_the_hint() -> None:
    with pytest.raises(KeyFormatError) as info:
        pgp.pgp_fingerprint("\n\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nabc\n")
    assert info.value.message.endswith(
        "; this is a secret key, give gpg --armor --export"
    )


class _Library:
    """pysequoia stand-in whose verify answers with the given signers."""

    def __init__(self, signers: list[str], content: bytes) -> None:
        self.signers, self.content = signers, content

    def verify(self, **_kwargs: object) -> object:
        sigs = [type("Sig", (), {"certificate": s})() for s in self.signers]
        return type("Result", (), {"valid_sigs": sigs, "bytes": self.content})()


@pytest.mark.parametrize("signers", [[], ["a" * 40], ["a" * 40, "b" * 40]])
def test_a_library_answer_without_the_key_never_verifies(
    signers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store offers only the attestor's key, so Sequoia cannot report
    # another signer; should a library fault do so, it is still a refusal.
    key, message, payload, fingerprint = _parts("rsa-armored")
    pgp.pgp_fingerprint(key)  # parse the key with the real library first
    monkeypatch.setattr(pgp, "_sequoia", lambda: _Library(signers, payload))
    result = pgp.verify_pgp(key, message, payload)
    assert result == pgp.PgpResult(False, f"no valid signature by key {fingerprint}")
    assert pgp.signed_content(key, message) == (payload if signers else None)
    # The stand-in reporting the key itself (in lower case, as Sequoia does).
    pgp.verify_pgp.cache_clear()
    monkeypatch.setattr(
        pgp, "_sequoia", lambda: _Library([fingerprint.lower()], payload)
    )
    assert pgp.verify_pgp(key, message, payload) == pgp.PgpResult(True)


def test_verify_pgp_at_refusals_are_false_with_exact_reasons() -> None:
    d = VECTORS.parent / "pgp-expiry" / "expires-1d"  # expires 2024-01-02T01:00Z
    key, message = (d / "key.asc").read_text(), (d / "signature.asc").read_bytes()
    payload = (d / "payload.json").read_bytes()
    late = datetime(2024, 6, 1, tzinfo=UTC)
    assert pgp.verify_pgp_at(key, message, payload, late) == pgp.PgpResult(
        False,
        "the signature expired at 2024-01-02T01:00:00Z (its signature expiration "
        "time), not after the decision time 2024-06-01T00:00:00Z",
    )
    early = datetime(2024, 1, 1, 12, tzinfo=UTC)
    library = pgp.verify_pgp(key, message, payload)  # refused: expired by now
    assert not library.verified
    assert pgp.verify_pgp_at(key, message, payload, early) == pgp.PgpResult(
        False,
        f"{library.reason}; the signature expires at 2024-01-02T01:00:00Z, after "
        "the decision time 2024-01-01T12:00:00Z, but if that is already past on "
        "the current clock pysequoia cannot verify it (it judges signature expiry "
        "at the current time only)",
    )
