#!/usr/bin/env python3
"""Check the committed signature vectors with an independent verifier (openssl).

For every positive vector directory under tests/vectors/signatures/ this
script checks, using only the ``openssl`` command-line tool and the standard
library (never kritis_sim or the ``cryptography`` library):

- ``openssl dgst -<hash> -verify public.pem -signature signature.bin payload.json``
  succeeds with the algorithm in ``vector.json`` (PSS with
  ``rsa_pss_saltlen:auto``, so the max-salt variant verifies too);
- the key size or curve reported by openssl is the one the algorithm needs;
- ``payload.json`` is byte-identical to the gcloud payload of the fixed image;
- ``occurrence.json`` carries exactly those payload and signature bytes and
  ``signature.b64`` agrees with ``signature.bin``;
- the key id is ``ni:///sha-256;`` + base64url(sha256(DER SPKI)).

For the negative vectors in the crypto scope it checks that openssl *also*
rejects the signature under the declared algorithm (or that the key does not
fit it), so both verifiers agree on every vector.

Exit status 0 when everything agrees, 1 otherwise (each failure is printed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "signatures"

# algorithm -> (openssl digest flag, padding, key description openssl prints)
ALGORITHMS: dict[str, tuple[str, str, str]] = {
    "RSA_PSS_2048_SHA256": ("-sha256", "pss", "2048 bit"),
    "RSA_PSS_3072_SHA256": ("-sha256", "pss", "3072 bit"),
    "RSA_PSS_4096_SHA256": ("-sha256", "pss", "4096 bit"),
    "RSA_PSS_4096_SHA512": ("-sha512", "pss", "4096 bit"),
    "RSA_SIGN_PKCS1_2048_SHA256": ("-sha256", "pkcs1", "2048 bit"),
    "RSA_SIGN_PKCS1_3072_SHA256": ("-sha256", "pkcs1", "3072 bit"),
    "RSA_SIGN_PKCS1_4096_SHA256": ("-sha256", "pkcs1", "4096 bit"),
    "RSA_SIGN_PKCS1_4096_SHA512": ("-sha512", "pkcs1", "4096 bit"),
    "ECDSA_P256_SHA256": ("-sha256", "ecdsa", "P-256"),
    "ECDSA_P384_SHA384": ("-sha384", "ecdsa", "P-384"),
    "ECDSA_P521_SHA512": ("-sha512", "ecdsa", "P-521"),
}


def openssl_verify(alg: str, pem: Path, payload: Path, signature: Path) -> bool:
    digest, pad, _ = ALGORITHMS[alg]
    cmd = ["openssl", "dgst", digest, "-verify", str(pem), "-signature", str(signature)]
    if pad == "pss":
        cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:auto"]
    result = subprocess.run([*cmd, str(payload)], capture_output=True, text=True)
    return result.returncode == 0 and "Verified OK" in result.stdout


def key_fits(alg: str, pem: Path) -> bool:
    """Does openssl describe the key the way ``alg`` needs (size / NIST curve)?"""
    text = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(pem), "-noout", "-text"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    _, pad, need = ALGORITHMS[alg]
    if pad == "ecdsa":
        return re.search(rf"NIST CURVE: {re.escape(need)}\b", text) is not None
    return "Modulus" in text and f"({need})" in text


def key_id(pem: Path) -> str:
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(pem), "-outform", "DER"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    digest = hashlib.sha256(der).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_positive(folder: Path, info: dict[str, Any], gcloud: bytes) -> list[str]:
    errors = []
    alg = info["algorithm"]
    pem, payload, sig = (
        folder / "public.pem",
        folder / "payload.json",
        folder / "signature.bin",
    )
    if not openssl_verify(alg, pem, payload, sig):
        errors.append(f"openssl does not verify the signature as {alg}")
    if not key_fits(alg, pem):
        errors.append(f"key does not fit {alg} according to openssl")
    if payload.read_bytes() != gcloud:
        errors.append("payload.json differs from gcloud-payloads/fixed-image.json")
    occ = json.loads((folder / "occurrence.json").read_text())
    att = occ["attestation"]
    if base64.b64decode(att["serializedPayload"]) != payload.read_bytes():
        errors.append("occurrence serializedPayload differs from payload.json")
    if base64.b64decode(att["signatures"][0]["signature"]) != sig.read_bytes():
        errors.append("occurrence signature differs from signature.bin")
    if base64.b64decode((folder / "signature.b64").read_text()) != sig.read_bytes():
        errors.append("signature.b64 differs from signature.bin")
    kid = key_id(pem)
    if kid != info["key_id"] or att["signatures"][0]["publicKeyId"] != kid:
        errors.append(f"key id is {kid}, vector says {info['key_id']}")
    return errors


def check_negative(folder: Path, info: dict[str, Any]) -> list[str]:
    if info["scope"] != "crypto":
        return []  # shape-only defects (decision scope) have nothing to verify here
    occ = json.loads((folder / "occurrence.json").read_text())
    key = json.loads((folder / "attestor.json").read_text())["userOwnedGrafeasNote"][
        "publicKeys"
    ][0]["pkixPublicKey"]
    alg = key["signatureAlgorithm"]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "public.pem").write_text(key["publicKeyPem"])
        (tmp / "payload").write_bytes(
            base64.b64decode(occ["attestation"]["serializedPayload"])
        )
        (tmp / "sig").write_bytes(
            base64.b64decode(occ["attestation"]["signatures"][0]["signature"])
        )
        fits = key_fits(alg, tmp / "public.pem")
        verified = fits and openssl_verify(
            alg, tmp / "public.pem", tmp / "payload", tmp / "sig"
        )
    return [f"openssl accepts the signature as {alg}"] if verified else []


def main() -> int:
    gcloud = (VECTORS / "gcloud-payloads" / "fixed-image.json").read_bytes()
    failures = 0
    checked = 0
    for vector in sorted(VECTORS.glob("**/vector.json")):
        info = json.loads(vector.read_text())
        folder = vector.parent
        if info["kind"] == "positive":
            errors = check_positive(folder, info, gcloud)
        else:
            errors = check_negative(folder, info)
        checked += 1
        name = folder.relative_to(VECTORS)
        for error in errors:
            print(f"FAIL {name}: {error}")
        failures += bool(errors)
        if not errors:
            print(f"ok   {name}")
    print(f"{checked} vectors checked, {failures} failed")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
