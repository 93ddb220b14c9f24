"""``kritis-sim conformance-adapter``: the reference adapter for the conformance kit.

Implements the adapter protocol (docs/conformance.md) for kritis-sim's own
webhook, served over real TLS on 127.0.0.1. ``--defect NAME`` runs a variant
with one deliberate bug (``--list-defects`` lists them, one per line); those
exist to prove the suite catches real mistakes and must never guard a cluster.

Imports stay light so that the per-case ``setup`` and ``start`` calls are fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``conformance-adapter`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "conformance-adapter",
        help="the conformance adapter for kritis-sim's own webhook",
        description=(
            "Adapter protocol for kritis-sim's webhook: capabilities, setup, start, "
            "stop (see docs/conformance.md). --defect runs a deliberately broken "
            "variant for testing the suite."
        ),
    )
    p.add_argument("--defect", metavar="NAME", help="serve a variant with this bug")
    p.add_argument(
        "--list-defects", action="store_true", help="print defect names and exit"
    )
    steps = p.add_subparsers(dest="step", metavar="SUBCOMMAND")
    steps.add_parser("capabilities", help="print the feature tags as JSON")
    steps.add_parser(
        "serve",
        help="the persistent mode: read setup/start/stop as JSON lines on stdin, "
        "answer each with a JSON line on stdout",
    )
    s = steps.add_parser("setup", help="translate a case into native configuration")
    s.add_argument(
        "--case", required=True, type=Path, metavar="DIR", help="the case directory"
    )
    s.add_argument(
        "--grafeas",
        required=True,
        metavar="URL",
        help="the suite's Grafeas store, which the webhook reads attestations from",
    )
    s.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="where to write the native configuration (start and stop read it)",
    )
    for name in ("start", "stop"):
        q = steps.add_parser(name, help=f"{name} the webhook")
        q.add_argument(
            "--config",
            required=True,
            type=Path,
            metavar="DIR",
            help="the directory setup wrote",
        )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one protocol step."""
    from kritis_sim.conformance import reference_adapter as ref

    if args.list_defects:
        from kritis_sim.conformance.defects import DEFECTS
        from kritis_sim.conformance.defects_kritis import KRITIS_DEFECTS
        from kritis_sim.conformance.defects_platform import PLATFORM_DEFECTS

        print("\n".join([*DEFECTS, *PLATFORM_DEFECTS, *KRITIS_DEFECTS]))
        return 0
    if args.defect is not None:
        from kritis_sim.conformance.defects import DEFECTS
        from kritis_sim.conformance.defects_kritis import KRITIS_DEFECTS
        from kritis_sim.conformance.defects_platform import PLATFORM_DEFECTS

        known = (*DEFECTS, *PLATFORM_DEFECTS, *KRITIS_DEFECTS)
        if args.defect not in known:
            print(f"kritis-sim: error: unknown defect {args.defect!r}", file=sys.stderr)
            return 2
    if args.step == "capabilities":
        print(json.dumps(ref.capabilities()))
    elif args.step == "setup":
        ref.setup(args.case, args.grafeas, args.out, args.defect)
    elif args.step == "start":
        try:
            line = ref.start(args.config)
        except RuntimeError as exc:
            print(f"kritis-sim: error: {exc}", file=sys.stderr)
            return 1
        print(line, flush=True)
    elif args.step == "stop":
        ref.stop(args.config)
    elif args.step == "serve":
        # httpcore imports trio when it is installed, only for trio-based
        # clients, which this process never has: a second of start-up saved
        # on a busy machine (an import of trio here now fails, as intended).
        sys.modules.setdefault("trio", None)  # type: ignore[arg-type]
        from kritis_sim.conformance.reference_serve import serve

        code = serve(args.defect)
        # Answered, server stopped, files removed: end now rather than after
        # the interpreter unloads the webhook's modules (about a second on a
        # busy machine, which the suite would wait for after ``stop``).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    else:
        print("kritis-sim: error: a SUBCOMMAND is required", file=sys.stderr)
        return 2
    return 0
