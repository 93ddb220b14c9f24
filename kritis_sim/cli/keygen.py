"""``kritis-sim keygen``: a new signing key and its attestor public-key entry.

Writes the private key (PKCS#8 PEM, mode 0600) to ``--out`` and prints the
``userOwnedGrafeasNote.publicKeys[]`` entry for the attestor as JSON, with the
default RFC 6920 key id Binary Authorization would assign. ``--pgp`` makes an
OpenPGP key instead (Ed25519, via ``kritis-sim[pgp]``): the armored secret key
goes to ``--out`` and the entry holds ``asciiArmoredPgpPublicKey`` with the V4
fingerprint as its id. The key goes to a
new file renamed into place: an existing ``--out`` is refused unless
``--force``, which replaces it (a 0644 file becomes a 0600 one; a symlink is
replaced, never written through).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kritis_sim._files import write_file
from kritis_sim.cli._common import print_json
from kritis_sim.crypto.algorithms import supported_algorithms
from kritis_sim.crypto.keys import (
    default_key_id,
    generate_private_key,
    private_key_pem,
    public_key_pem,
)
from kritis_sim.crypto.pgp import generate_pgp_key, pgp_fingerprint
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import SignatureAlgorithm

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``keygen`` subcommand."""
    names = ", ".join(a.value for a in supported_algorithms())
    p: argparse.ArgumentParser = sub.add_parser(
        "keygen",
        help="generate a signing key and the attestor public-key entry",
        description=f"Generate a private key for ALG. Algorithms: {names} (aliases accepted).",
    )
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--algorithm",
        metavar="ALG",
        help="signatureAlgorithm, e.g. ECDSA_P256_SHA256",
    )
    kind.add_argument(
        "--pgp",
        action="store_true",
        help="make an OpenPGP (Ed25519) key for a PGP attestor instead; needs "
        "kritis-sim[pgp]",
    )
    p.add_argument(
        "--user-id",
        default="kritis-sim attestor",
        metavar="UID",
        help="OpenPGP user id of a --pgp key (default: 'kritis-sim attestor')",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="KEY.pem",
        help="where to write the private key, mode 0600 (refuses to "
        "overwrite unless --force)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing file (a new 0600 file is renamed over it)",
    )
    p.add_argument("--comment", help="comment for the public-key entry")
    p.set_defaults(func=run)


def _write(out: Path, data: bytes, force: bool) -> None:
    try:
        write_file(out, data, mode=0o600, replace=force)
    except FileExistsError:
        raise InputError(
            "refusing to overwrite an existing file (--force replaces it)",
            source=str(out),
        ) from None
    except OSError as exc:
        raise InputError(f"cannot write the key: {exc}", source=str(out)) from None


def run(args: argparse.Namespace) -> int:
    """Generate, write the key, print the entry."""
    out = Path(args.out)
    if args.pgp:
        secret, public = generate_pgp_key(args.user_id)
        _write(out, secret.encode(), args.force)
        entry: dict[str, Any] = {
            "id": pgp_fingerprint(public),
            "asciiArmoredPgpPublicKey": public,
        }
        if args.comment:
            entry["comment"] = args.comment
        print_json(entry)
        return 0
    try:
        alg = SignatureAlgorithm.parse(args.algorithm)
    except ValueError as exc:  # an unknown name (InputError is one too)
        raise InputError(str(exc), path="--algorithm") from None
    key = generate_private_key(alg)
    _write(out, private_key_pem(key), args.force)
    pem = public_key_pem(key)
    entry = {
        "id": default_key_id(key),
        "pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": alg.value},
    }
    if args.comment:
        entry["comment"] = args.comment
    print_json(entry)
    return 0
