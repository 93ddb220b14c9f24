"""``kritis-sim payload``: print the signature payload for an image.

The bytes are exactly those of ``gcloud container binauthz
create-signature-payload --artifact-url=REF``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kritis_sim.crypto.payload import make_payload

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``payload`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "payload",
        help="print the signature payload gcloud would make for an image",
        description=(
            "Print the simple-signing payload for IMAGE, byte-identical to "
            "`gcloud container binauthz create-signature-payload`."
        ),
    )
    p.add_argument(
        "--image",
        required=True,
        metavar="REF",
        help="image by digest, e.g. gcr.io/p/app@sha256:<64 hex>",
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    # The old spelling keeps working, hidden: --out is the name every command uses.
    p.add_argument("--output", dest="out", metavar="FILE", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print (or write) the payload bytes."""
    data = make_payload(args.image)
    if args.out:
        Path(args.out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
