#!/usr/bin/env python3
"""Generate the PKIX signature known-answer vectors under tests/vectors/signatures/.

Everything cryptographic here is done by the ``openssl`` command-line tool, not
by kritis-sim or the ``cryptography`` library, so the vectors are an
independent check of :mod:`kritis_sim.crypto`:

1. ``gcloud-payloads/``: signing payloads made by ``gcloud container binauthz
   create-signature-payload`` (refreshed when gcloud is installed, otherwise
   the committed files are reused).
2. ``<ALGORITHM>/`` for every supported ``signatureAlgorithm``: an openssl key
   pair (only the public key is kept), the gcloud payload of a fixed image, an
   ``openssl dgst -sign`` signature, the Grafeas occurrence and an attestor.
3. ``negative/<defect>/``: occurrences that must not verify or must not
   satisfy an attestor, each named by its defect, with the expected reason.

Run from the repository root::

    python tools/vectors/generate_signature_vectors.py

then check them independently with ``tools/vectors/verify_signature_vectors.py``.
Signatures are randomised (ECDSA nonces, PSS salts), so every run rewrites the
files; commit the result together with the updated provenance.

This script does not import kritis_sim.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "vectors" / "signatures"
TOOL = "tools/vectors/generate_signature_vectors.py"

PROJECT = "kritis-sim-vectors"
NOTE = f"projects/{PROJECT}/notes/vectors"
ATTESTOR = f"projects/{PROJECT}/attestors/vectors"
DIGEST = "sha256:" + hashlib.sha256(b"kritis-sim signature vectors").hexdigest()
OTHER_DIGEST = "sha256:" + hashlib.sha256(b"kritis-sim other image").hexdigest()
IMAGE = f"gcr.io/{PROJECT}/hello@{DIGEST}"

#: gcloud known answers: (file stem, --artifact-url).
GCLOUD_CASES = [
    ("fixed-image", IMAGE),
    (
        "hello-app-scheme-and-tag",
        "https://us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0"
        "@sha256:37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567",
    ),
    ("docker-hub-not-normalised", f"docker.io/nginx@{OTHER_DIGEST}"),
    ("upper-case-domain", f"Example.com/team/app@{OTHER_DIGEST}"),
]

# algorithm: (genpkey options, dgst options)
EC = {"P-256": "-sha256", "P-384": "-sha384", "P-521": "-sha512"}
PSS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
ALGORITHMS: dict[str, tuple[list[str], list[str]]] = {
    "RSA_PSS_2048_SHA256": (["RSA", "rsa_keygen_bits:2048"], ["-sha256", *PSS]),
    "RSA_PSS_3072_SHA256": (["RSA", "rsa_keygen_bits:3072"], ["-sha256", *PSS]),
    "RSA_PSS_4096_SHA256": (["RSA", "rsa_keygen_bits:4096"], ["-sha256", *PSS]),
    "RSA_PSS_4096_SHA512": (["RSA", "rsa_keygen_bits:4096"], ["-sha512", *PSS]),
    "RSA_SIGN_PKCS1_2048_SHA256": (["RSA", "rsa_keygen_bits:2048"], ["-sha256"]),
    "RSA_SIGN_PKCS1_3072_SHA256": (["RSA", "rsa_keygen_bits:3072"], ["-sha256"]),
    "RSA_SIGN_PKCS1_4096_SHA256": (["RSA", "rsa_keygen_bits:4096"], ["-sha256"]),
    "RSA_SIGN_PKCS1_4096_SHA512": (["RSA", "rsa_keygen_bits:4096"], ["-sha512"]),
    "ECDSA_P256_SHA256": (["EC", "ec_paramgen_curve:P-256"], [EC["P-256"]]),
    "ECDSA_P384_SHA384": (["EC", "ec_paramgen_curve:P-384"], [EC["P-384"]]),
    "ECDSA_P521_SHA512": (["EC", "ec_paramgen_curve:P-521"], [EC["P-521"]]),
}
#: Extra positive vector: Kritis signs PSS with the maximum salt length.
MAX_SALT = "RSA_PSS_2048_SHA256-saltlen-max"


def run(cmd: list[str], log: list[str], **kw: Any) -> bytes:
    """Run ``cmd``, record it (with paths made relative) and return stdout."""
    log.append(" ".join(Path(c).name if c.startswith("/") else c for c in cmd))
    return subprocess.run(cmd, check=True, capture_output=True, **kw).stdout


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def key_id(public_pem: Path, log: list[str]) -> str:
    """RFC 6920 id: ni:///sha-256; + base64url-nopad(sha256(DER SPKI))."""
    der = run(
        ["openssl", "pkey", "-pubin", "-in", str(public_pem), "-outform", "DER"], log
    )
    log[-1] += "  # key id: 'ni:///sha-256;' + base64url-nopad(sha256(DER))"
    digest = hashlib.sha256(der).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def occurrence(
    name: str, image: str, payload: bytes, sig: str, kid: str, note: str
) -> dict[str, Any]:
    return {
        "name": f"projects/{PROJECT}/occurrences/{name}",
        "resourceUri": "https://" + image,
        "noteName": note,
        "kind": "ATTESTATION",
        "createTime": "2024-01-01T00:00:00Z",
        "attestation": {
            "serializedPayload": b64(payload),
            "signatures": [{"signature": sig, "publicKeyId": kid}],
        },
    }


def attestor(pem: str, alg: str, kid: str) -> dict[str, Any]:
    return {
        "name": ATTESTOR,
        "userOwnedGrafeasNote": {
            "noteReference": NOTE,
            "publicKeys": [
                {
                    "id": kid,
                    "pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": alg},
                }
            ],
        },
    }


def gcloud_payloads(stamp: dict[str, Any]) -> bytes:
    """Refresh gcloud-payloads/ when gcloud is installed; return the fixed image's payload."""
    folder = OUT / "gcloud-payloads"
    folder.mkdir(parents=True, exist_ok=True)
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        print("gcloud not found: reusing committed gcloud-payloads/", file=sys.stderr)
        return (folder / "fixed-image.json").read_bytes()
    with tempfile.TemporaryDirectory() as config:
        env = {
            **os.environ,
            "CLOUDSDK_CONFIG": config,  # a fresh, empty configuration
            "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "True",  # the command is offline
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        }
        version = subprocess.run(
            [gcloud, "version", "--format=value(\"Google Cloud SDK\")"],
            check=True, capture_output=True, text=True, env=env,
        ).stdout.strip()  # fmt: skip
        cases = []
        for stem, url in GCLOUD_CASES:
            cmd = ["gcloud", "container", "binauthz", "create-signature-payload",
                   f"--artifact-url={url}"]  # fmt: skip
            out = subprocess.run(
                [gcloud, *cmd[1:]], check=True, capture_output=True, env=env
            )
            (folder / f"{stem}.json").write_bytes(out.stdout)
            cases.append({"file": f"{stem}.json", "artifact_url": url, "command": " ".join(cmd),
                          "sha256": hashlib.sha256(out.stdout).hexdigest(),
                          "bytes": len(out.stdout)})  # fmt: skip
    write_json(folder / "cases.json", {
        "description": "Known-answer signing payloads printed by gcloud; kritis_sim's "
                       "make_payload must reproduce them byte for byte.",
        "provenance": {"tool": f"gcloud {version}", "generated_by": TOOL,
                       "environment": "CLOUDSDK_CONFIG=<empty dir> "
                                      "CLOUDSDK_AUTH_DISABLE_CREDENTIALS=True",
                       "date": stamp["date"]},
        "cases": cases,
    })  # fmt: skip
    return (folder / "fixed-image.json").read_bytes()


def positive(name: str, alg: str, keygen: list[str], dgst: list[str], payload: bytes,
             tmp: Path, stamp: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log: list[str] = []
    key = tmp / f"{name}.key.pem"
    pub, data, sig = (
        folder / "public.pem",
        folder / "payload.json",
        folder / "signature.bin",
    )
    data.write_bytes(payload)
    run(["openssl", "genpkey", "-algorithm", keygen[0], "-pkeyopt", keygen[1],
         "-out", str(key)], log)  # fmt: skip
    run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)], log)
    run(["openssl", "dgst", *dgst, "-sign", str(key), "-out", str(sig), str(data)], log)
    kid = key_id(pub, log)
    signature = sig.read_bytes()
    (folder / "signature.b64").write_text(b64(signature) + "\n")
    pem = pub.read_text()
    write_json(folder / "occurrence.json",
               occurrence(name.lower(), IMAGE, payload, b64(signature), kid, NOTE))  # fmt: skip
    write_json(folder / "attestor.json", attestor(pem, alg, kid))
    info = {
        "kind": "positive", "algorithm": alg, "image": IMAGE, "note_name": NOTE,
        "key_id": kid, "expected": "verifies",
        "files": {"public_key": "public.pem", "payload": "payload.json",
                  "signature": "signature.bin", "signature_base64": "signature.b64",
                  "occurrence": "occurrence.json", "attestor": "attestor.json"},
        "private_key": "not committed (generated in a temporary directory)",
        "provenance": {**stamp, "commands": log},
    }  # fmt: skip
    write_json(folder / "vector.json", info)
    return {"pem": pem, "kid": kid, "sig": signature}


def negatives(
    made: dict[str, dict[str, Any]], payload: bytes, stamp: dict[str, Any]
) -> None:
    """Write negative/<defect>/ from the keys and signatures made above."""
    other_kid = "ni:///sha-256;" + "A" * 43
    other_image = f"gcr.io/{PROJECT}/hello@{OTHER_DIGEST}"
    other_note = f"projects/{PROJECT}/notes/someone-else"
    tampered = payload.replace(DIGEST.encode(), OTHER_DIGEST.encode())
    no_verify = "signature does not verify"
    # defect: (scope, expected failure, substring of the reason, how it was made,
    #          key/signature source, declared algorithm, occurrence/image overrides)
    cases: dict[str, tuple[str, str, str, str, str, str, dict[str, Any]]] = {
        "wrong-key-id": ("decision", f"no key of attestor {ATTESTOR} has id {other_kid}", "id",
            "valid signature; publicKeyId changed to an id the attestor lacks",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256", {"kid": other_kid}),
        "digest-mismatch": ("decision",
            f"payload digest {DIGEST} does not match image digest {OTHER_DIGEST}", "digest",
            "valid signature over the fixed image's payload, stored for another digest",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256", {"image": other_image}),
        "tampered-payload": ("crypto", f"{no_verify} with key (ECDSA_P256_SHA256)", no_verify,
            "payload digest rewritten after signing; signature kept",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256",
            {"image": other_image, "payload": tampered}),
        "algorithm-mismatch": ("crypto",
            "key is RSA-2048 but the attestor declares ECDSA_P256_SHA256",
            "key is RSA-2048 but the attestor declares ECDSA_P256_SHA256",
            "valid PKCS#1 signature; the attestor declares the RSA key as ECDSA_P256_SHA256",
            "RSA_SIGN_PKCS1_2048_SHA256", "ECDSA_P256_SHA256", {}),
        "curve-mismatch": ("crypto",
            "key is EC P-384 but the attestor declares ECDSA_P256_SHA256",
            "key is EC P-384 but the attestor declares ECDSA_P256_SHA256",
            "valid P-384 signature; the key is declared as P-256",
            "ECDSA_P384_SHA384", "ECDSA_P256_SHA256", {}),
        "rsa-size-mismatch": ("crypto",
            "key is RSA-3072 but the attestor declares RSA_PSS_2048_SHA256",
            "key is RSA-3072 but the attestor declares RSA_PSS_2048_SHA256",
            "valid PSS signature; the key is declared as 2048-bit",
            "RSA_PSS_3072_SHA256", "RSA_PSS_2048_SHA256", {}),
        "padding-mismatch": ("crypto", f"{no_verify} with key (RSA_SIGN_PKCS1_2048_SHA256)",
            no_verify, "valid PSS signature; the attestor declares the key as PKCS#1 v1.5",
            "RSA_PSS_2048_SHA256", "RSA_SIGN_PKCS1_2048_SHA256", {}),
        "truncated-signature": ("crypto", f"{no_verify} with key (ECDSA_P256_SHA256)",
            no_verify, "last byte of the DER signature cut",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256",
            {"sig": b64(made["ECDSA_P256_SHA256"]["sig"][:-1])}),
        "non-base64": ("occurrence-format",
            "attestation.signatures[0].signature: not base64", "not base64",
            "signature field replaced by text that is not base64",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256", {"sig": "not base64!"}),
        "wrong-note": ("decision",
            f"occurrence note {other_note} is not the attestor's note {NOTE}", "note",
            "valid signature, stored under another attestor's note",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256", {"note": other_note}),
        "tag-only-image": ("decision", "Attestor cannot attest to an image deployed by tag",
            "tag", "the pod image has a tag and no digest; the occurrence is for the digest",
            "ECDSA_P256_SHA256", "ECDSA_P256_SHA256",
            {"pod_image": f"gcr.io/{PROJECT}/hello:1.0"}),
    }  # fmt: skip
    for defect, (
        scope,
        reason,
        contains,
        how,
        source,
        declared,
        extra,
    ) in cases.items():
        key = made[source]
        fields = {"image": IMAGE, "payload": payload, "sig": b64(key["sig"]),
                  "kid": key["kid"], "note": NOTE}  # fmt: skip
        pod_image = extra.pop("pod_image", None)
        fields.update(extra)
        image = pod_image or fields["image"]
        folder = OUT / "negative" / defect
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        write_json(folder / "occurrence.json", occurrence(defect, **fields))
        write_json(folder / "attestor.json", attestor(key["pem"], declared, key["kid"]))
        (folder / "image.txt").write_text(image + "\n")
        write_json(folder / "vector.json", {
            "kind": "negative", "defect": defect, "image": image, "scope": scope,
            "expected_failure": reason, "expected_reason_contains": contains,
            "based_on": source, "declared_algorithm": declared, "how": how,
            "provenance": stamp,
        })  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if shutil.which("openssl") is None:
        print("openssl not found", file=sys.stderr)
        return 2
    version = run(["openssl", "version"], []).decode().strip()
    stamp = {"tool": TOOL, "openssl_version": version,
             "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    payload = gcloud_payloads(stamp)
    made: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for alg, (keygen, dgst) in ALGORITHMS.items():
            print(f"generating {alg}", file=sys.stderr)
            made[alg] = positive(alg, alg, keygen, dgst, payload, tmp, stamp)
        max_salt = [*ALGORITHMS["RSA_PSS_2048_SHA256"][1][:-1], "rsa_pss_saltlen:max"]
        positive(MAX_SALT, "RSA_PSS_2048_SHA256", ALGORITHMS["RSA_PSS_2048_SHA256"][0],
                 max_salt, payload, tmp, stamp)  # fmt: skip
        negatives(made, payload, stamp)
    print(f"wrote vectors under {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
