"""``kritis-sim provenance``: print a BUILD occurrence with DSSE-signed SLSA v1 provenance.

The occurrence is Grafeas v1 JSON (``build.inTotoSlsaProvenanceV1`` and the
``envelope`` over the same statement), made by
:func:`kritis_sim.producers.provenance.make_provenance`: subject = the image
digest, ``runDetails.builder.id`` = ``--builder``, the source repository as a
resolved dependency and, with ``--config-based``, as the build config source.
It is what ``slsaCheck`` reads (``kritis-sim evaluate --occurrences``, the
emulator). Every bad value is exit 2 naming the flag; nothing is printed then.
"""

from __future__ import annotations

import argparse
from typing import Any

from kritis_sim.cli._common import parse_now, print_json, read_text
from kritis_sim.errors import InputError
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.producers.provenance import (
    DEFAULT_BUILD_TYPE,
    load_signer,
    make_provenance,
)

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``provenance`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "provenance",
        help="print a BUILD occurrence with DSSE-signed SLSA v1 provenance",
        description=__doc__,
    )
    p.add_argument(
        "--image",
        required=True,
        metavar="REF",
        help="the built image, pinned by digest (registry/repo@sha256:<64 hex>)",
    )
    p.add_argument(
        "--source-repo",
        required=True,
        metavar="URL",
        help="the source repository it was built from, with a scheme "
        "(https://github.com/my-org/app, git+https://...)",
    )
    p.add_argument(
        "--builder",
        required=True,
        metavar="ID",
        help="the SLSA builder id (runDetails.builder.id), e.g. "
        "https://cloudbuild.googleapis.com/GoogleHostedWorker",
    )
    p.add_argument(
        "--key",
        required=True,
        metavar="KEY.pem",
        help="PEM private key that signs the envelope: ECDSA, RSA (with "
        "--algorithm) or Ed25519",
    )
    p.add_argument(
        "--algorithm",
        metavar="ALG",
        help="signatureAlgorithm of an RSA key (e.g. RSA_SIGN_PKCS1_2048_SHA256); "
        "ECDSA is inferred from the curve; not for Ed25519",
    )
    p.add_argument(
        "--config-based",
        action="store_true",
        help="the build ran from a config file in the source repository: record "
        "it as externalParameters.buildConfigSource (what "
        "configBasedBuildRequired asks for)",
    )
    p.add_argument(
        "--config-path",
        default="cloudbuild.yaml",
        metavar="PATH",
        help="path of the build config in the repository, with --config-based "
        "(default: cloudbuild.yaml)",
    )
    p.add_argument(
        "--source-commit",
        metavar="SHA",
        help="the git commit built (40 hex), recorded as the dependency's gitCommit",
    )
    p.add_argument(
        "--build-type",
        default=DEFAULT_BUILD_TYPE,
        metavar="URI",
        help=f"buildDefinition.buildType (default: {DEFAULT_BUILD_TYPE})",
    )
    p.add_argument(
        "--note",
        required=True,
        metavar="projects/P/notes/N",
        help="the occurrence's noteName (the builder's note)",
    )
    p.add_argument(
        "--key-id",
        metavar="ID",
        help="keyid recorded on the envelope signature (an unauthenticated hint; "
        "default: the RFC 6920 ni:///sha-256 id of the public key)",
    )
    p.add_argument(
        "--built-at",
        metavar="RFC3339",
        help="build finish time: runDetails.metadata.finishedOn and createTime "
        "(default: now)",
    )
    p.set_defaults(func=run)


#: make_provenance's parameter names -> the flags that give them.
_FLAGS = {
    "image": "--image",
    "source_repo": "--source-repo",
    "builder_id": "--builder",
    "note_name": "--note",
    "source_commit": "--source-commit",
    "build_type": "--build-type",
    "built_at": "--built-at",
    "algorithm": "--algorithm",
}


def run(args: argparse.Namespace) -> int:
    """Make, sign and print the occurrence."""
    try:
        signer = load_signer(read_text(args.key), args.algorithm)
    except InputError as exc:
        if exc.source is not None:  # the file could not be read
            raise
        flag = _FLAGS.get(exc.path or "", "--key")
        source = args.key if flag == "--key" else None
        raise InputError(exc.message, path=flag, source=source) from None
    try:
        built_at = (
            parse_now(None) if args.built_at is None else parse_timestamp(args.built_at)
        )
    except ValueError as exc:
        raise InputError(str(exc), path="--built-at") from None
    try:
        occurrence = make_provenance(
            args.image,
            source_repo=args.source_repo,
            builder_id=args.builder,
            signer=signer,
            note_name=args.note,
            config_based=args.config_based,
            key_id=args.key_id,
            built_at=built_at,
            source_commit=args.source_commit,
            build_type=args.build_type,
            config_path=args.config_path,
        )
    except InputError as exc:
        raise InputError(
            exc.message, path=_FLAGS.get(exc.path or "") or exc.path
        ) from None
    print_json(occurrence.to_dict())
    return 0
