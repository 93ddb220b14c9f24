"""Entry point of the ``kritis-sim`` command: builds the argparse tree from the
subcommand modules listed in :data:`COMMANDS` and runs the chosen one.

Each subcommand module defines ``register(subparsers) -> None`` (adds its parser,
sets ``func``) and a ``run(args) -> int`` returning the exit code. Exit codes
are shared: 0 success/allowed, 1 denied or expectation failed, 2 unusable input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kritis_sim import __version__
from kritis_sim.errors import InputError, KritisSimError

__all__ = ["COMMANDS", "main", "parser"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "kritis_sim.cli.payload",
    "kritis_sim.cli.keygen",
    "kritis_sim.cli.sign",
    "kritis_sim.cli.review",
    "kritis_sim.cli.emulator",
    "kritis_sim.cli.webhook",
    "kritis_sim.cli.certs",
    "kritis_sim.cli.manifests",
    "kritis_sim.cli.run",
    "kritis_sim.cli.conformance",
    "kritis_sim.cli.conformance_adapter",
)

EXIT_OK = 0
EXIT_DENIED = 1
EXIT_INPUT = 2


def parser() -> argparse.ArgumentParser:
    """Build the full argument parser."""
    top = argparse.ArgumentParser(
        prog="kritis-sim",
        description=(
            "Binary Authorization conformance and simulation toolkit: decide, "
            "sign, emulate, enforce and test deployment-authorization policy."
        ),
    )
    top.add_argument("-V", "--version", action="version", version=__version__)
    top.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output"
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) the code."""
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except InputError as exc:
        print(f"kritis-sim: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KritisSimError as exc:
        print(f"kritis-sim: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    return code


def _entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
