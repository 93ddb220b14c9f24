#!/usr/bin/env python3
"""Generate the OpenPGP attestation vectors under tests/vectors/pgp/ with real gpg.

Every key and every signed message is made by the ``gpg`` command-line tool in a
throw-away ``GNUPGHOME`` (a temporary directory, deleted afterwards; no secret
key is kept). The signed content is the exact payload ``kritis-sim payload``
prints for the vector image. Each command run is recorded (temporary paths
shortened to file names) with the gpg version in ``PROVENANCE.md`` and in each
vector's ``vector.json``; each vector is checked back with ``gpg --verify``
(its ``[GNUPG:]`` status word is recorded as ``gpg_status``).

Times are fixed with ``--faked-system-time`` so the expiry vectors mean the
same thing on any later day.

Run from the repository root (needs gpg and the kritis-sim console script)::

    python tools/vectors/make_pgp_vectors.py

This script does not import kritis_sim.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "vectors" / "pgp"
TOOL = "tools/vectors/make_pgp_vectors.py"
IMAGE = (
    "us-docker.pkg.dev/kritis-sim/repo/app@sha256:"
    + hashlib.sha256(b"kritis-sim pgp vectors").hexdigest()
)
OTHER_IMAGE = (
    "us-docker.pkg.dev/kritis-sim/repo/app@sha256:"
    + hashlib.sha256(b"kritis-sim other image").hexdigest()
)
#: Faked clock: keys are made at T0; everything is long in the past today.
T0 = "20240101T000000"
T0_1H = "20240101T010000"
T0_1D = "20240102T000000"
T0_10D = "20240111T000000"


class Gpg:
    """Runs gpg in one temporary home and records each command."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.log: list[str] = []

    def __call__(self, *args: str, at: str | None = None, stdin: bytes = b"") -> str:
        cmd = [
            "gpg",
            "--batch",
            "--yes",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]
        if at is not None:
            cmd += ["--faked-system-time", at + "!"]
        cmd += list(args)
        shown = " ".join(_short(a) for a in cmd)
        self.log.append(shown)
        env = {**os.environ, "GNUPGHOME": str(self.home), "LC_ALL": "C"}
        proc = subprocess.run(
            cmd, input=stdin, capture_output=True, env=env, check=False
        )
        if proc.returncode != 0:
            raise SystemExit(f"{shown} failed:\n{proc.stderr.decode()}")
        return proc.stdout.decode(errors="replace")

    def fingerprint(self, uid: str) -> str:
        out = self("--with-colons", "--list-keys", uid)
        return next(
            line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:")
        )

    def subkey_fingerprint(self, uid: str) -> str:
        out = self("--with-colons", "--list-keys", uid).splitlines()
        fprs = [line.split(":")[9] for line in out if line.startswith("fpr:")]
        return fprs[1]


def _short(arg: str) -> str:
    if not arg:
        return "''"
    return Path(arg).name if arg.startswith(tempfile.gettempdir()) else arg


def _status(gpg: Gpg, tmp: Path, key_asc: bytes, sig: Path, data: Path | None) -> str:
    """The gpg --verify status word for ``sig`` in a fresh keyring holding only the key."""
    home = Path(tempfile.mkdtemp(dir=tmp))
    check = Gpg(home)
    (home / "key.asc").write_bytes(key_asc)
    check("--import", str(home / "key.asc"))
    args = ["--status-fd", "1", "--verify", str(sig)]
    if data is not None:
        args.append(str(data))
    env = {**os.environ, "GNUPGHOME": str(home), "LC_ALL": "C"}
    cmd = ["gpg", "--batch", *args]
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    gpg.log.append(" ".join(_short(a) for a in cmd) + "   # check back")
    words = re.findall(
        r"^\[GNUPG:\] (GOODSIG|BADSIG|EXPKEYSIG|REVKEYSIG|ERRSIG|NO_PUBKEY)",
        proc.stdout.decode(),
        re.M,
    )
    return words[0] if words else f"exit {proc.returncode}"


def main() -> None:
    version = subprocess.run(
        ["gpg", "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    payload = subprocess.run(
        ["kritis-sim", "payload", "--image", IMAGE], capture_output=True, check=True
    ).stdout
    other_payload = subprocess.run(
        ["kritis-sim", "payload", "--image", OTHER_IMAGE],
        capture_output=True,
        check=True,
    ).stdout
    vectors: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        home = tmp / "gnupghome"
        home.mkdir(mode=0o700)
        gpg = Gpg(home)
        gpg.log.append(f"kritis-sim payload --image {IMAGE} > payload.json")
        gpg.log.append(f"kritis-sim payload --image {OTHER_IMAGE} > other-payload.json")
        (tmp / "payload.json").write_bytes(payload)
        (tmp / "other-payload.json").write_bytes(other_payload)
        pay, other = str(tmp / "payload.json"), str(tmp / "other-payload.json")

        def key(uid: str, algo: str, usage: str = "sign", expire: str = "never") -> str:
            gpg("--quick-generate-key", uid, algo, usage, expire, at=T0)
            return gpg.fingerprint(uid)

        rsa = key("rsa@kritis-sim.test", "rsa3072")
        ed = key("ed25519@kritis-sim.test", "ed25519")
        gpg(
            "--quick-generate-key",
            "subkey@kritis-sim.test",
            "ed25519",
            "cert",
            "never",
            at=T0,
        )
        sub = gpg.fingerprint("subkey@kritis-sim.test")
        gpg("--quick-add-key", sub, "ed25519", "sign", "never", at=T0)
        sub_signing = gpg.subkey_fingerprint("subkey@kritis-sim.test")
        exp = key("expired@kritis-sim.test", "ed25519", expire="1d")
        late = key("late-expiry@kritis-sim.test", "ed25519")
        rev = key("revoked@kritis-sim.test", "ed25519")

        def sign(
            uid: str,
            name: str,
            *,
            src: str = pay,
            armor: bool = True,
            detach: bool = False,
            at: str = T0_1H,
        ) -> Path:
            out = tmp / name
            args = ["--local-user", uid, "--output", str(out)]
            args += ["--armor"] if armor else []
            args += ["--detach-sign" if detach else "--sign", src]
            gpg(*args, at=at)
            return out

        def export(uid: str) -> bytes:
            return gpg("--armor", "--export", uid).encode()

        def add(
            name: str,
            uid: str,
            fpr: str,
            sig: Path,
            expect: str,
            why: str,
            *,
            key_id: str | None = None,
            detached: bool = False,
        ) -> None:
            key_asc = export(uid)
            d = OUT / name
            d.mkdir()
            (d / "key.asc").write_bytes(key_asc)
            (d / "payload.json").write_bytes(payload)
            (d / f"signature{sig.suffix}").write_bytes(sig.read_bytes())
            status = _status(
                gpg, tmp, key_asc, sig, tmp / "payload.json" if detached else None
            )
            vectors.append({"name": name, "expect": expect, "gpg_status": status})
            (d / "vector.json").write_text(
                json.dumps(
                    {
                        "description": why,
                        "expect": expect,
                        "image": IMAGE,
                        "fingerprint": fpr,
                        "publicKeyId": key_id or fpr,
                        "signature": f"signature{sig.suffix}",
                        "gpg_status": status,
                        "provenance": {
                            "tool": TOOL,
                            "gpg": version,
                            "date": datetime.date.today().isoformat(),
                        },
                    },
                    indent=2,
                )
                + "\n"
            )

        add(
            "rsa-armored",
            "rsa@kritis-sim.test",
            rsa,
            sign("rsa@kritis-sim.test", "rsa.asc"),
            "verified",
            "RSA-3072 key, gpg --armor --sign over the payload",
        )
        add(
            "rsa-binary",
            "rsa@kritis-sim.test",
            rsa,
            sign("rsa@kritis-sim.test", "rsa.gpg", armor=False),
            "verified",
            "RSA-3072 key, gpg --sign (binary) over the payload",
        )
        add(
            "ed25519-armored",
            "ed25519@kritis-sim.test",
            ed,
            sign("ed25519@kritis-sim.test", "ed.asc"),
            "verified",
            "EdDSA (Ed25519) key, gpg --armor --sign",
        )
        add(
            "ed25519-binary",
            "ed25519@kritis-sim.test",
            ed,
            sign("ed25519@kritis-sim.test", "ed.gpg", armor=False),
            "verified",
            "EdDSA (Ed25519) key, gpg --sign (binary)",
        )
        sub_sig = sign("subkey@kritis-sim.test", "sub.asc")
        add(
            "signing-subkey",
            "subkey@kritis-sim.test",
            sub,
            sub_sig,
            "verified",
            "certify-only primary with an Ed25519 signing subkey; gpg signs with the "
            "subkey; the attestor id is the primary's fingerprint",
        )
        add(
            "signing-subkey-id",
            "subkey@kritis-sim.test",
            sub,
            sub_sig,
            "unknown-key-id",
            "as signing-subkey, but publicKeyId is the subkey's fingerprint, which is "
            "not the attestor key's id",
            key_id=sub_signing,
        )
        add(
            "expired-before-signing",
            "expired@kritis-sim.test",
            exp,
            sign("expired@kritis-sim.test", "exp-ok.asc"),
            "verified",
            "key valid for 1 day from T0, signed 1 hour after T0: the signature was "
            "made while the key was alive, so it verifies although the key has expired",
        )
        # A signature made at T0+10d, then the key's expiry moved to T0+2d by a
        # self-signature dated T0+1d (gpg refuses to sign with an expired key).
        late_sig = sign("late-expiry@kritis-sim.test", "late.asc", at=T0_10D)
        gpg("--quick-set-expire", late, "1d", at=T0_1D)
        add(
            "expired-at-signing",
            "late-expiry@kritis-sim.test",
            late,
            late_sig,
            "bad-signature",
            "signature made at T0+10d; the key's self-signature "
            "(made T0+1d) says it expired at T0+2d, so it was dead when it signed",
        )
        rev_sig = sign("revoked@kritis-sim.test", "rev.asc")
        cert = (home / "openpgp-revocs.d" / f"{rev}.rev").read_text()
        (tmp / "rev.rev").write_text(cert.replace(":-----BEGIN", "-----BEGIN"))
        gpg.log.append(
            f"sed 's/^:-----BEGIN/-----BEGIN/' openpgp-revocs.d/{rev}.rev > rev.rev"
        )
        gpg("--import", str(tmp / "rev.rev"), at=T0_1D)
        add(
            "revoked",
            "revoked@kritis-sim.test",
            rev,
            rev_sig,
            "bad-signature",
            "signed, then the key revoked with gpg's own revocation certificate "
            "(no reason given: a hard revocation, all its signatures are invalid)",
        )
        add(
            "other-key",
            "rsa@kritis-sim.test",
            rsa,
            sign("ed25519@kritis-sim.test", "other.asc"),
            "bad-signature",
            "signed by the Ed25519 key, attestor holds the RSA key under its fingerprint",
        )
        add(
            "other-content",
            "rsa@kritis-sim.test",
            rsa,
            sign("rsa@kritis-sim.test", "content.asc", src=other),
            "bad-signature",
            "a good signature by the key over another image's payload; the signed "
            "content is not serializedPayload",
        )
        add(
            "detached",
            "rsa@kritis-sim.test",
            rsa,
            sign("rsa@kritis-sim.test", "detached.asc", detach=True),
            "bad-signature",
            "gpg --armor --detach-sign: a detached signature, not a signed message",
            detached=True,
        )
        log = list(gpg.log)

    rows = "\n".join(
        f"| `{v['name']}` | {v['expect']} | {v['gpg_status']} |" for v in vectors
    )
    commands = "\n".join(log).replace(str(ROOT) + "/", "")
    (OUT / "PROVENANCE.md").write_text(f"""# OpenPGP attestation vectors

Made by `{TOOL}` with **{version}** on {datetime.date.today().isoformat()} in a
temporary `GNUPGHOME` (deleted; no secret key is kept). Clock faked with
`--faked-system-time` (T0 = {T0}). The signed content is the exact output of
`kritis-sim payload --image {IMAGE}`.

Each directory holds `key.asc` (`gpg --armor --export`, the attestor's
`asciiArmoredPgpPublicKey`), `payload.json` (the occurrence's
`serializedPayload`), the signature file and `vector.json` (`expect`: `verified`
or the decide() reason; `publicKeyId` the signature names; `gpg_status`: what
`gpg --verify` says in a keyring holding only `key.asc`).

| vector | expect | gpg --verify |
|---|---|---|
{rows}

gpg reports a signature by an expired or revoked key as EXPKEYSIG/REVKEYSIG (a
good signature by a key that is not valid now); kritis-sim follows OpenPGP
(RFC 4880 5.2.3.6, 5.2.3.23 and Sequoia's policy): a key must be alive and not
revoked at the signature's creation time, and a hard revocation (no reason, or
key compromised) invalidates every signature.

## Commands (in order)

```sh
{commands}
```
""")


if __name__ == "__main__":
    main()
