#!/usr/bin/env python3
"""Generate tests/vectors/pgp-expiry/: gpg-made signatures that carry their own
*signature expiration* time, with the decision times they are judged at.

Made as the vectors of ``make_pgp_vectors.py`` are (its ``Gpg`` runner: real
``gpg`` in a throw-away ``GNUPGHOME``, every command recorded, no secret key
kept, the clock faked with ``--faked-system-time``); signatures are made with
``--default-sig-expire``. Each vector's ``vector.json`` lists decisions: a
decision time, what kritis-sim must answer then (``verified`` or
``bad-signature`` and words of the reason) and what ``gpg --verify`` says when
its clock is faked to that time (``GOODSIG`` / ``EXPSIG``), the independent
check. Kept apart from tests/vectors/pgp/ because these vectors need a
decision time.

Run from the repository root (needs gpg and the kritis-sim console script)::

    python tools/vectors/make_pgp_expiry_vectors.py

This script does not import kritis_sim.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_pgp_vectors import IMAGE, ROOT, T0, T0_1H, Gpg, _short

OUT = ROOT / "tests" / "vectors" / "pgp-expiry"
TOOL = "tools/vectors/make_pgp_expiry_vectors.py"


def faked(when: str) -> str:
    """A ``--faked-system-time`` value for an RFC 3339 UTC time."""
    return when.replace("-", "").replace(":", "").removesuffix("Z")


def gpg_status_at(gpg: Gpg, tmp: Path, key_asc: bytes, sig: Path, now: str) -> str:
    """What ``gpg --verify`` says of ``sig`` with its clock faked to ``now``,
    in a fresh keyring holding only the key."""
    home = Path(tempfile.mkdtemp(dir=tmp))
    (home / "key.asc").write_bytes(key_asc)
    Gpg(home)("--import", str(home / "key.asc"))
    cmd = ["gpg", "--batch", "--faked-system-time", faked(now) + "!", "--status-fd", "1",
           "--verify", str(sig)]  # fmt: skip
    env = {**os.environ, "GNUPGHOME": str(home), "LC_ALL": "C"}
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    gpg.log.append(" ".join(_short(a) for a in cmd) + "   # check back")
    words = re.findall(r"^\[GNUPG:\] (GOODSIG|EXPSIG|BADSIG|EXPKEYSIG|ERRSIG)", proc.stdout.decode(), re.M)
    return words[0] if words else f"exit {proc.returncode}"


def main() -> None:
    version = subprocess.run(["gpg", "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    payload = subprocess.run(["kritis-sim", "payload", "--image", IMAGE], capture_output=True, check=True).stdout
    vectors: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        home = tmp / "gnupghome"
        home.mkdir(mode=0o700)
        gpg = Gpg(home)
        gpg.log.append(f"kritis-sim payload --image {IMAGE} > payload.json")
        (tmp / "payload.json").write_bytes(payload)
        uid = "sig-expiry@kritis-sim.test"
        gpg("--quick-generate-key", uid, "ed25519", "sign", "never", at=T0)
        fpr = gpg.fingerprint(uid)
        key_asc = gpg("--armor", "--export", uid).encode()

        def add(name: str, expire: str, why: str, decisions: list[dict[str, str]]) -> None:
            sig = tmp / f"{name}.asc"
            gpg("--default-sig-expire", expire, "--local-user", uid, "--output", str(sig),
                "--armor", "--sign", str(tmp / "payload.json"), at=T0_1H)  # fmt: skip
            d = OUT / name
            d.mkdir()
            (d / "key.asc").write_bytes(key_asc)
            (d / "payload.json").write_bytes(payload)
            (d / "signature.asc").write_bytes(sig.read_bytes())
            for decision in decisions:
                decision["gpg_status"] = gpg_status_at(gpg, tmp, key_asc, sig, decision["now"])
            vectors.append({"name": name, "decisions": decisions})
            (d / "vector.json").write_text(json.dumps({
                "description": why,
                "image": IMAGE,
                "fingerprint": fpr,
                "publicKeyId": fpr,
                "signature": "signature.asc",
                "decisions": decisions,
                "provenance": {"tool": TOOL, "gpg": version, "date": datetime.date.today().isoformat()},
            }, indent=2) + "\n")  # fmt: skip

        add("expires-2099", "2099-01-01", "signed at T0+1h with --default-sig-expire 2099-01-01: valid "
            "until then, expired after (judged at the decision time, not the wall clock)", [
            {"now": "2025-01-01T00:00:00Z", "expect": "verified", "reason": ""},
            {"now": "2099-06-01T00:00:00Z", "expect": "bad-signature",
             "reason": "the signature expired at 2099-01-01T12:00:00Z"},
        ])
        add("expires-1d", "1d", "signed at T0+1h with --default-sig-expire 1d: expired since "
            "2024-01-02T01:00:00Z; before that gpg (faked clock) finds it good, but pysequoia "
            "judges signature expiry at the current time only, so kritis-sim refuses it and says so", [
            {"now": "2024-01-01T12:00:00Z", "expect": "bad-signature",
             "reason": "pysequoia cannot verify it"},
            {"now": "2024-06-01T00:00:00Z", "expect": "bad-signature",
             "reason": "the signature expired at 2024-01-02T01:00:00Z"},
        ])  # fmt: skip
        log = list(gpg.log)

    rows = "\n".join(
        f"| `{v['name']}` | {d['now']} | {d['expect']} | {d['gpg_status']} |"
        for v in vectors
        for d in v["decisions"]
    )
    commands = "\n".join(log).replace(str(ROOT) + "/", "")
    (OUT / "PROVENANCE.md").write_text(f"""# OpenPGP signature-expiry vectors

Made by `{TOOL}` with **{version}** on {datetime.date.today().isoformat()} in a
temporary `GNUPGHOME` (deleted; no secret key is kept). Clock faked with
`--faked-system-time` (key made at T0 = {T0}, signatures at {T0_1H}). The
signed content is the exact output of `kritis-sim payload --image {IMAGE}`.

Each directory holds `key.asc`, `payload.json`, `signature.asc` and
`vector.json`, whose `decisions` give a decision time (`now`), what kritis-sim
answers then (`expect`, words of the reason) and what `gpg --verify` says with
its clock faked to that time (`gpg_status`).

| vector | decision time | expect | gpg --verify at that time |
|---|---|---|---|
{rows}

The one disagreement is the documented limit (docs/signatures.md): pysequoia's
`verify` takes no reference time and refuses a signature whose expiration has
passed on the wall clock, so kritis-sim cannot verify it at an earlier decision
time and refuses it, saying why.

## Commands (in order)

```sh
{commands}
```
""")


if __name__ == "__main__":
    main()
