"""PGP attestors end to end: keygen --pgp, sign --pgp-key, review; key checks;
the OpenPGP library missing is an input error, never a silent allow."""

from __future__ import annotations

import base64
import functools
import json
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kritis_sim.cli.main import main
from kritis_sim.crypto import pgp
from kritis_sim.crypto.payload import make_payload
from kritis_sim.errors import KeyFormatError
from kritis_sim.model.attestor import Attestor, load_attestors

DIGEST = "sha256:" + "d" * 64
IMAGE = f"gcr.io/shop/api@{DIGEST}"
ATTESTOR = "projects/shop/attestors/pgp"
NOTE = "projects/shop/notes/pgp"
VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "pgp"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def pgp_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """keygen --pgp, an attestor with the entry, a policy, sign --pgp-key."""
    code, out, _ = _run(capsys, "keygen", "--pgp", "--out", str(tmp_path / "k.asc"))
    assert code == 0
    entry = json.loads(out)
    assert (tmp_path / "k.asc").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k.asc").read_text().startswith("-----BEGIN PGP PRIVATE KEY")
    assert entry["id"] == pgp.pgp_fingerprint(entry["asciiArmoredPgpPublicKey"])
    attestor = {
        "name": ATTESTOR,
        "userOwnedGrafeasNote": {"noteReference": NOTE, "publicKeys": [entry]},
    }
    (tmp_path / "attestors.yaml").write_text(yaml.safe_dump([attestor]))
    (tmp_path / "policy.yaml").write_text(
        yaml.safe_dump(
            {
                "defaultAdmissionRule": {
                    "evaluationMode": "REQUIRE_ATTESTATION",
                    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                    "requireAttestationsBy": [ATTESTOR],
                }
            }
        )
    )
    code, out, _ = _run(
        capsys,
        "sign",
        "--image",
        IMAGE,
        "--pgp-key",
        str(tmp_path / "k.asc"),
        "--note",
        NOTE,
        "--create-time",
        "2026-11-01T00:00:00Z",
    )
    assert code == 0
    occ = json.loads(out)
    (sig,) = occ["attestation"]["signatures"]
    assert sig["publicKeyId"] == entry["id"]
    assert base64.b64decode(sig["signature"]).startswith(b"-----BEGIN PGP MESSAGE-----")
    (tmp_path / "occ.json").write_text(json.dumps([occ]))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"containers": [{"name": "api", "image": IMAGE}]},
    }
    (tmp_path / "pod.yaml").write_text(yaml.safe_dump(pod))
    return tmp_path


def _review(world: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code, out, err = _run(
        capsys,
        "review",
        str(world / "pod.yaml"),
        "--policy",
        str(world / "policy.yaml"),
        "--attestors",
        str(world / "attestors.yaml"),
        "--occurrences",
        str(world / "occ.json"),
        "--now",
        "2026-11-26T00:00:00Z",
    )
    return code, out + err


def test_keygen_pgp_sign_pgp_key_review_admits(
    pgp_world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = _review(pgp_world, capsys)
    assert code == 0, text
    assert "OpenPGP" in text


def test_review_denies_a_pgp_attestation_by_another_key(
    pgp_world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = pgp_world / "other.asc"
    assert _run(capsys, "keygen", "--pgp", "--out", str(other))[0] == 0
    occ = json.loads((pgp_world / "occ.json").read_text())[0]
    # Same publicKeyId, message signed by the other key.
    fake = pgp.sign_pgp(other.read_text(), make_payload(IMAGE))
    occ["attestation"]["signatures"][0]["signature"] = base64.b64encode(fake).decode()
    (pgp_world / "occ.json").write_text(json.dumps([occ]))
    code, text = _review(pgp_world, capsys)
    assert code == 1
    assert "bad-signature" in text or "does not verify" in text


def test_sign_pgp_key_refuses_algorithm_and_bad_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "k.asc"
    assert _run(capsys, "keygen", "--pgp", "--out", str(key))[0] == 0
    base = ["sign", "--image", IMAGE, "--note", NOTE]
    code, _, err = _run(capsys, *base, "--pgp-key", str(key), "--algorithm", "X")
    assert code == 2 and "--algorithm" in err
    public = tmp_path / "pub.asc"
    public.write_text((VECTORS / "rsa-armored" / "key.asc").read_text())
    code, _, err = _run(capsys, *base, "--pgp-key", str(public))
    assert code == 2 and "secret key" in err
    # --force is kept for --pgp too
    assert _run(capsys, "keygen", "--pgp", "--out", str(key))[0] == 2
    assert _run(capsys, "keygen", "--pgp", "--out", str(key), "--force")[0] == 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not armor", "ASCII-armored public key"),
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nabc\n", "secret key"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n", "not a usable"),
    ],
)
def test_bad_pgp_keys_are_located_key_errors(text: str, words: str) -> None:
    doc = {
        "name": ATTESTOR,
        "userOwnedGrafeasNote": {
            "noteReference": NOTE,
            "publicKeys": [{"asciiArmoredPgpPublicKey": text}],
        },
    }
    with pytest.raises(KeyFormatError) as info:
        Attestor.from_dict(doc)
    assert words in info.value.message
    assert info.value.path.endswith("publicKeys[0].asciiArmoredPgpPublicKey")


def test_missing_openpgp_library_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pysequoia", None)  # import now fails
    pgp._cert.cache_clear()
    try:
        text = (VECTORS / "rsa-armored" / "key.asc").read_text()
        doc = {
            "name": ATTESTOR,
            "userOwnedGrafeasNote": {
                "noteReference": NOTE,
                "publicKeys": [{"asciiArmoredPgpPublicKey": text}],
            },
        }
        with pytest.raises(KeyFormatError, match=r"kritis-sim\[pgp\]"):
            load_attestors(json.dumps([doc]), source="a.json")
        assert not pgp.pgp_available()
        with pytest.raises(KeyFormatError, match=r"kritis-sim\[pgp\]"):
            pgp.generate_pgp_key("x")
    finally:
        pgp._cert.cache_clear()


def test_own_keys_and_messages_round_trip() -> None:
    secret, public = pgp.generate_pgp_key("t")
    data = make_payload(IMAGE)
    for armor in (True, False):
        message = pgp.sign_pgp(secret, data, armor=armor)
        assert pgp.verify_pgp(public, message, data).verified
        assert not pgp.verify_pgp(public, message, data + b" ").verified
    assert pgp.secret_key_fingerprint(secret) == pgp.pgp_fingerprint(public)
    garbage = pgp.verify_pgp(public, b"\x00garbage", data)
    assert not garbage.verified and garbage.reason


def test_keyrings_and_v6_keys_are_refused() -> None:
    import pysequoia

    certs = [
        pysequoia.Cert.from_bytes((VECTORS / name / "key.asc").read_bytes())
        for name in ("rsa-armored", "ed25519-armored")
    ]
    ring = pysequoia.armor(
        b"".join(bytes(c) for c in certs), pysequoia.ArmorKind.PublicKey
    )
    with pytest.raises(KeyFormatError, match="keyring"):
        pgp.pgp_fingerprint(ring)
    v6 = pysequoia.Tsk.generate("v6", profile=pysequoia.Profile.RFC9580)
    with pytest.raises(KeyFormatError, match="only version 4"):
        pgp.pgp_fingerprint(str(v6.extract_certificate()))


@functools.cache
def _key() -> tuple[str, str]:
    return pgp.generate_pgp_key("property")


@settings(max_examples=25)
@given(
    data=st.binary(max_size=512),
    flip=st.integers(min_value=0, max_value=511),
    armor=st.booleans(),
)
def test_signed_message_verifies_only_over_its_exact_content(
    data: bytes, flip: int, armor: bool
) -> None:
    secret, public = _key()
    message = pgp.sign_pgp(secret, data, armor=armor)
    assert pgp.verify_pgp(public, message, data).verified
    other = bytearray(data or b"\x00")
    other[flip % len(other)] ^= 0x01
    assert not pgp.verify_pgp(public, message, bytes(other)).verified
