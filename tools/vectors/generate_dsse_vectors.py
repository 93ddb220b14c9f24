#!/usr/bin/env python3
"""Generate the DSSE known-answer vectors under tests/vectors/dsse/.

Every signature is made by the ``openssl`` command-line tool over the DSSE v1
PAE bytes, which this script builds with the stdlib from protocol.md's
definition (``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``), not with
kritis-sim:

- ECDSA P-256: ``openssl dgst -sha256 -sign`` (DER signature);
- RSA-2048 PKCS#1 v1.5: ``openssl dgst -sha256 -sign``;
- Ed25519: ``openssl pkeyutl -sign -rawin``.

Each signature is checked back with ``openssl dgst -verify`` /
``openssl pkeyutl -verify -rawin`` before it is written. Positive vectors must
verify; negative ones are made by editing a good envelope (or by signing with
another key, or signing a statement about another digest) and say what must
fail. Private keys live in a temporary directory and are not kept.

Run from the repository root::

    python tools/vectors/generate_dsse_vectors.py

This script does not import kritis_sim.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "vectors" / "dsse"
TOOL = "tools/vectors/generate_dsse_vectors.py"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
DIGEST_HEX = hashlib.sha256(b"kritis-sim dsse vectors").hexdigest()
OTHER_HEX = hashlib.sha256(b"kritis-sim other image").hexdigest()
IMAGE = "us-docker.pkg.dev/kritis-sim/repo/app"

#: name -> (genpkey args, sign command template, verify template, algorithm)
KEYS = {
    "ecdsa-p256": (
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ["openssl", "dgst", "-sha256", "-sign", "{key}", "-out", "{sig}", "{pae}"],
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            "{pub}",
            "-signature",
            "{sig}",
            "{pae}",
        ],
        "ECDSA_P256_SHA256",
    ),
    "rsa-2048-pkcs1": (
        ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        ["openssl", "dgst", "-sha256", "-sign", "{key}", "-out", "{sig}", "{pae}"],
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            "{pub}",
            "-signature",
            "{sig}",
            "{pae}",
        ],
        "RSA_SIGN_PKCS1_2048_SHA256",
    ),
    "ed25519": (
        ["-algorithm", "ED25519"],
        [
            "openssl",
            "pkeyutl",
            "-sign",
            "-rawin",
            "-inkey",
            "{key}",
            "-in",
            "{pae}",
            "-out",
            "{sig}",
        ],
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-rawin",
            "-pubin",
            "-inkey",
            "{pub}",
            "-in",
            "{pae}",
            "-sigfile",
            "{sig}",
        ],
        "ED25519",
    ),
}


def pae(ptype: bytes, body: bytes) -> bytes:
    return b"DSSEv1 %d %b %d %b" % (len(ptype), ptype, len(body), body)


def statement(digest_hex: str) -> bytes:
    """A to-spec SLSA v1 statement (reference richer-attestations.md 2.3)."""
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": IMAGE, "digest": {"sha256": digest_hex}}],
            "predicateType": "https://slsa.dev/provenance/v1",
            "predicate": {
                "buildDefinition": {
                    "buildType": "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
                    "externalParameters": {
                        "buildConfigSource": {
                            "path": "cloudbuild.yaml",
                            "ref": "refs/heads/main",
                            "repository": "git+https://github.com/my-org/app",
                        }
                    },
                    "internalParameters": {},
                    "resolvedDependencies": [
                        {
                            "uri": "git+https://github.com/my-org/app@refs/heads/main",
                            "digest": {
                                "gitCommit": "0123456789abcdef0123456789abcdef01234567"
                            },
                        }
                    ],
                },
                "runDetails": {
                    "builder": {
                        "id": "https://cloudbuild.googleapis.com/GoogleHostedWorker"
                    },
                    "metadata": {
                        "invocationId": "https://cloudbuild.googleapis.com/v1/projects/my-proj/locations/global/builds/b7c2",
                        "startedOn": "2024-05-01T10:00:00Z",
                        "finishedOn": "2024-05-01T10:03:00Z",
                    },
                },
            },
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


class Gen:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.commands: list[str] = []
        self.version = subprocess.run(
            ["openssl", "version"], capture_output=True, text=True, check=True
        ).stdout.strip()

    def run(self, argv: list[str]) -> None:
        subprocess.run(argv, check=True, capture_output=True)
        self.commands.append(" ".join(a.replace(str(self.tmp) + "/", "") for a in argv))

    def keypair(self, name: str) -> tuple[Path, str]:
        genargs = KEYS[name.split("#")[0]][0]
        key, pub = self.tmp / f"{name}.key.pem", self.tmp / f"{name}.pub.pem"
        self.run(["openssl", "genpkey", *genargs, "-out", str(key)])
        self.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)])
        return key, pub.read_text()

    def sign(self, kind: str, key: Path, pub: str, data: bytes) -> bytes:
        _, sign_t, verify_t, _ = KEYS[kind]
        pae_f, sig_f, pub_f = (
            self.tmp / "pae.bin",
            self.tmp / "sig.bin",
            self.tmp / "pub.pem",
        )
        pae_f.write_bytes(data)
        pub_f.write_text(pub)
        fill = {
            "key": str(key),
            "sig": str(sig_f),
            "pae": str(pae_f),
            "pub": str(pub_f),
        }
        self.run([a.format(**fill) for a in sign_t])
        self.run([a.format(**fill) for a in verify_t])
        return sig_f.read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write(
    name: str, info: dict[str, Any], envelope: dict[str, Any], pub: str, gen: Gen
) -> None:
    d = OUT / name
    d.mkdir(parents=True)
    (d / "public.pem").write_text(pub)
    (d / "envelope.json").write_text(json.dumps(envelope, indent=2) + "\n")
    info["provenance"] = {
        "tool": TOOL,
        "openssl_version": gen.version,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commands": gen.commands,
    }
    (d / "vector.json").write_text(json.dumps(info, indent=2) + "\n")
    gen.commands = []


def main() -> None:
    if OUT.exists():
        for child in OUT.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    OUT.mkdir(parents=True, exist_ok=True)
    ptype = PAYLOAD_TYPE.encode()
    body = statement(DIGEST_HEX)
    with tempfile.TemporaryDirectory() as tmpdir:
        gen = Gen(Path(tmpdir))
        keys: dict[str, tuple[Path, str]] = {}
        for kind, (_, _, _, alg) in KEYS.items():
            key, pub = keys[kind] = gen.keypair(kind)
            sig = gen.sign(kind, key, pub, pae(ptype, body))
            env = {
                "payload": b64(body),
                "payloadType": PAYLOAD_TYPE,
                "signatures": [{"keyid": kind, "sig": b64(sig)}],
            }
            base = {
                "algorithm": alg,
                "payloadType": PAYLOAD_TYPE,
                "imageDigest": f"sha256:{DIGEST_HEX}",
                "pae_sha256": hashlib.sha256(pae(ptype, body)).hexdigest(),
            }
            write(
                kind, {**base, "kind": "positive", "expect": "verified"}, env, pub, gen
            )
            if kind != "ecdsa-p256":
                continue
            # Variants of the good ECDSA envelope: same key; commands listed are
            # only the extra signatures made for the variant.
            base["derived_from"] = "ecdsa-p256 (key pair and original signature)"
            url = {
                **env,
                "payload": base64.urlsafe_b64encode(body).decode().rstrip("="),
                "signatures": [
                    {"sig": base64.urlsafe_b64encode(sig).decode().rstrip("=")}
                ],
            }
            write(
                "url-safe-base64",
                {
                    **base,
                    "kind": "positive",
                    "expect": "verified",
                    "note": "payload and sig in unpadded URL-safe base64",
                },
                url,
                pub,
                gen,
            )
            text = b64(body)
            wrapped = {
                **env,
                "payload": "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
                + "\n",
            }
            write(
                "line-broken-base64",
                {
                    **base,
                    "kind": "positive",
                    "expect": "verified",
                    "note": "payload base64 wrapped at 76 columns with LF",
                },
                wrapped,
                pub,
                gen,
            )
            wrong = {**env, "payloadType": "application/json"}
            write(
                "wrong-payload-type",
                {
                    **base,
                    "kind": "negative",
                    "expect": "signature",
                    "note": "payloadType changed after signing: the PAE differs",
                },
                wrong,
                pub,
                gen,
            )
            tampered = bytearray(body)
            tampered[body.index(DIGEST_HEX.encode())] ^= 0x01
            write(
                "tampered-payload",
                {
                    **base,
                    "kind": "negative",
                    "expect": "signature",
                    "note": "one payload byte changed after signing",
                },
                {**env, "payload": b64(bytes(tampered))},
                pub,
                gen,
            )
            other = statement(OTHER_HEX)
            osig = gen.sign(kind, key, pub, pae(ptype, other))
            write(
                "subject-digest-mismatch",
                {
                    **base,
                    "kind": "negative",
                    "expect": "subject",
                    "note": "validly signed statement about another image digest",
                },
                {**env, "payload": b64(other), "signatures": [{"sig": b64(osig)}]},
                pub,
                gen,
            )
            bad = b'{"_type": "https://in-toto.io/Statement/v1", "subject": '
            bsig = gen.sign(kind, key, pub, pae(ptype, bad))
            write(
                "malformed-statement",
                {
                    **base,
                    "kind": "negative",
                    "expect": "statement",
                    "note": "validly signed, truncated JSON",
                },
                {**env, "payload": b64(bad), "signatures": [{"sig": b64(bsig)}]},
                pub,
                gen,
            )
            sametype = pae(b"application/json", body)
            tsig = gen.sign(kind, key, pub, sametype)
            write(
                "unaccepted-payload-type",
                {
                    **base,
                    "kind": "negative",
                    "expect": "payloadType",
                    "note": "validly signed with payloadType application/json",
                },
                {
                    **env,
                    "payloadType": "application/json",
                    "signatures": [{"sig": b64(tsig)}],
                },
                pub,
                gen,
            )
        okey, opub = gen.keypair("ecdsa-p256#other")
        osig = gen.sign("ecdsa-p256", okey, opub, pae(ptype, body))
        write(
            "other-key",
            {
                "algorithm": "ECDSA_P256_SHA256",
                "payloadType": PAYLOAD_TYPE,
                "imageDigest": f"sha256:{DIGEST_HEX}",
                "kind": "negative",
                "expect": "signature",
                "note": "signed by another P-256 key; public.pem is the trusted (first) key",
            },
            {
                "payload": b64(body),
                "payloadType": PAYLOAD_TYPE,
                "signatures": [{"sig": b64(osig)}],
            },
            keys["ecdsa-p256"][1],
            gen,
        )


if __name__ == "__main__":
    main()
