"""``kritis-sim keygen``: a new signing key and its attestor public-key entry.

Writes the private key (PKCS#8 PEM, mode 0600) to ``--out`` and prints the
``userOwnedGrafeasNote.publicKeys[]`` entry for the attestor as JSON, with the
default RFC 6920 key id Binary Authorization would assign. The key goes to a
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
    p.add_argument(
        "--algorithm",
        required=True,
        metavar="ALG",
        help="signatureAlgorithm, e.g. ECDSA_P256_SHA256",
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


def run(args: argparse.Namespace) -> int:
    """Generate, write the key, print the entry."""
    try:
        alg = SignatureAlgorithm.parse(args.algorithm)
    except InputError as exc:
        raise InputError(exc.message, path="--algorithm") from None
    out = Path(args.out)
    key = generate_private_key(alg)
    try:
        write_file(out, private_key_pem(key), mode=0o600, replace=args.force)
    except FileExistsError:
        raise InputError(
            "refusing to overwrite an existing file (--force replaces it)",
            source=str(out),
        ) from None
    except OSError as exc:
        raise InputError(f"cannot write the key: {exc}", source=str(out)) from None
    pem = public_key_pem(key)
    entry: dict[str, Any] = {
        "id": default_key_id(key),
        "pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": alg.value},
    }
    if args.comment:
        entry["comment"] = args.comment
    print_json(entry)
    return 0
