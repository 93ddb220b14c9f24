"""``kritis-sim emulator``: serve the Grafeas v1 + Binary Authorization v1 emulator.

Prints the base URL (``http://127.0.0.1:PORT``) on a line of its own once the
server accepts connections, logs one line per request on stderr, and stops
cleanly (exit 0) on SIGINT or SIGTERM. With ``--db FILE`` data lives in SQLite
and every acknowledged write survives a crash; without it, in memory. A
``--db`` file that is not a kritis-sim database, or is corrupt or truncated, is
refused before serving: one line naming it on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.grafeas.store import Store
from kritis_sim.model.image_metadata import load_image_metadata_file
from kritis_sim.serving import serve

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``emulator`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "emulator",
        help="run the Grafeas + Binary Authorization REST emulator",
        description=(
            "Serve Grafeas v1 (Container Analysis) and Binary Authorization v1 "
            "REST on HOST:PORT. Point gcloud at it with "
            "api_endpoint_overrides/containeranalysis and /binaryauthorization."
        ),
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=int, default=0, help="port to bind; 0 (default) picks a free one"
    )
    p.add_argument(
        "--db",
        metavar="FILE",
        help="SQLite file for durable storage (default: in memory); created if "
        "missing, checked at start (exit 2 if it is not a kritis-sim emulator "
        "database or is corrupt or truncated)",
    )
    p.add_argument(
        "--image-metadata",
        metavar="FILE",
        help="registry metadata, YAML/JSON {images: {REF or sha256:DIGEST: "
        "{uploadTime: RFC3339}}} as for kritis-sim evaluate, read once at start: "
        "upload times for imageFreshnessCheck in platforms/gke/policies/ID:evaluate "
        "(without it that check reports ERROR)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log requests")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; returns 0."""
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    metadata = (
        load_image_metadata_file(args.image_metadata) if args.image_metadata else {}
    )
    store: Store = SqliteStore(args.db) if args.db else MemoryStore()
    try:
        serve(
            create_app(store, image_metadata=metadata),
            host=args.host,
            port=args.port,
            ready_message_stream=sys.stdout,
        )
    finally:
        store.close()
    return 0
