"""``kritis-sim sign``: sign an image and print the ATTESTATION occurrence.

The occurrence is Grafeas v1 JSON, as ``gcloud container binauthz attestations
create`` would store it, ready for ``--occurrences`` files or the emulator.
``--append FILE`` also adds it to an existing (or new) occurrences file.
``--pgp-key KEY.asc`` signs with an armored OpenPGP secret key instead (an
armored signed message, as ``gpg --armor --sign`` makes; ``publicKeyId``
defaults to the key's V4 fingerprint; needs ``kritis-sim[pgp]``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from kritis_sim.cli._common import parse_now, print_json, read_text
from kritis_sim.cli.occurrence_files import append_occurrence
from kritis_sim.crypto.keys import load_private_key
from kritis_sim.crypto.sign import make_attestation, make_pgp_attestation
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import SignatureAlgorithm

__all__ = ["register", "run"]

_CURVE_ALGORITHMS = {
    "secp256r1": SignatureAlgorithm.ECDSA_P256_SHA256,
    "secp384r1": SignatureAlgorithm.ECDSA_P384_SHA384,
    "secp521r1": SignatureAlgorithm.ECDSA_P521_SHA512,
}


def register(sub: Any) -> None:
    """Add the ``sign`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "sign",
        help="sign an image and print the attestation occurrence",
        description="Sign IMAGE's payload with KEY and print a Grafeas v1 occurrence.",
    )
    p.add_argument(
        "--image", required=True, metavar="REF", help="image by sha256 digest"
    )
    key = p.add_mutually_exclusive_group(required=True)
    key.add_argument("--key", metavar="KEY.pem", help="PEM private key")
    key.add_argument(
        "--pgp-key",
        metavar="KEY.asc",
        help="armored OpenPGP secret key (kritis-sim keygen --pgp); signs the "
        "payload as an armored signed message",
    )
    p.add_argument(
        "--note",
        required=True,
        metavar="projects/P/notes/N",
        help="the attestor's note",
    )
    p.add_argument(
        "--key-id",
        metavar="ID",
        help="publicKeyId to record (default: the RFC 6920 id of the key, or "
        "the V4 fingerprint of a --pgp-key)",
    )
    p.add_argument(
        "--algorithm",
        metavar="ALG",
        help="signatureAlgorithm (needed for RSA keys; ECDSA is inferred)",
    )
    p.add_argument(
        "--create-time", metavar="RFC3339", help="createTime to record (default: now)"
    )
    p.add_argument(
        "--append",
        metavar="FILE",
        help="also add the occurrence to this occurrences file (created when "
        "missing; an existing file must load as occurrences and keeps its "
        "list or {occurrences: [...]} shape; rewritten atomically)",
    )
    p.set_defaults(func=run)


def _algorithm(args: argparse.Namespace, key: object) -> SignatureAlgorithm:
    if args.algorithm:
        try:
            return SignatureAlgorithm.parse(args.algorithm)
        except ValueError as exc:  # an unknown name (InputError is one too)
            raise InputError(str(exc), path="--algorithm") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = _CURVE_ALGORITHMS.get(key.curve.name)
        if alg is not None:
            return alg
    raise InputError(
        "cannot infer the algorithm for this key; RSA keys may be PSS or PKCS#1, "
        "so give --algorithm (e.g. RSA_SIGN_PKCS1_2048_SHA256)",
        path="--algorithm",
    )


def run(args: argparse.Namespace) -> int:
    """Sign and print."""
    if args.pgp_key:
        if args.algorithm:
            raise InputError(
                "--algorithm does not apply to a --pgp-key", path="--algorithm"
            )
        occ = make_pgp_attestation(
            args.image,
            args.note,
            read_text(args.pgp_key),
            args.key_id,
            create_time=parse_now(args.create_time),
        )
    else:
        key = load_private_key(read_text(args.key))
        alg = _algorithm(args, key)
        occ = make_attestation(
            args.image,
            args.note,
            key,
            alg,
            args.key_id,
            create_time=parse_now(args.create_time),
        )
    entry = occ.to_dict()
    if args.append:
        count = append_occurrence(args.append, entry)
        print(
            f"kritis-sim sign: appended to {args.append} ({count} occurrences)",
            file=sys.stderr,
        )
    print_json(entry)
    return 0
