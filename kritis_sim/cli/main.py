"""Entry point of the ``kritis-sim`` command: builds the argparse tree from the
subcommand modules listed in :data:`COMMANDS` and runs the chosen one.

Each subcommand module defines ``register(subparsers) -> None`` (adds its parser,
sets ``func``) and a ``run(args) -> int`` returning the exit code. Exit codes
are shared: 0 success/allowed, 1 denied or expectation failed, 2 unusable input.

Modules may pass their docstring as a parser's description; :func:`parser`
turns reST/Markdown inline markup (````code````, ```code```, ``:role:```x```,
``**bold**``) into plain text in every description and help string, so
``--help`` shows no markup.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
from collections.abc import Sequence

from kritis_sim import __version__
from kritis_sim.errors import InputError, KritisSimError

__all__ = ["COMMANDS", "main", "parser"]

#: Subcommands: name -> (module, one-line help), in the order ``--help`` lists
#: them. Only the chosen command's module is imported, so start-up stays fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "payload": (
        "kritis_sim.cli.payload",
        "print the signature payload gcloud would make for an image",
    ),
    "keygen": (
        "kritis_sim.cli.keygen",
        "generate a signing key and the attestor public-key entry",
    ),
    "sign": (
        "kritis_sim.cli.sign",
        "sign an image and print the attestation occurrence",
    ),
    "provenance": (
        "kritis_sim.cli.provenance",
        "print a BUILD occurrence with DSSE-signed SLSA v1 provenance",
    ),
    "vulns": (
        "kritis_sim.cli.vulns",
        "turn a Trivy or Grype JSON report into VULNERABILITY and DISCOVERY occurrences",
    ),
    "review": (
        "kritis_sim.cli.review",
        "decide whether a manifest or AdmissionReview would be admitted",
    ),
    "cv": (
        "kritis_sim.cli.cv",
        "continuous validation: judge running Pods, write GKE CV log entries",
    ),
    "whatif": (
        "kritis_sim.cli.whatif",
        "replay admissions under a candidate policy: what would change",
    ),
    "lint": (
        "kritis_sim.cli.lint",
        "find unreachable rules, unknown attestors, risky patterns in a policy",
    ),
    "evaluate": (
        "kritis_sim.cli.evaluate",
        "evaluate a GKE platform policy for a manifest or images",
    ),
    "emulator": (
        "kritis_sim.cli.emulator",
        "run the Grafeas + Binary Authorization REST emulator",
    ),
    "webhook": (
        "kritis_sim.cli.webhook",
        "serve the admission webhook (AdmissionReview and ImageReview)",
    ),
    "certs": (
        "kritis_sim.cli.certs",
        "write a development CA and webhook serving certificate",
    ),
    "manifests": (
        "kritis_sim.cli.manifests",
        "print Kubernetes manifests that install the webhook",
    ),
    "kind": ("kritis_sim.cli.kind", "run the webhook in a local kind cluster"),
    "run": (
        "kritis_sim.cli.run",
        "simulate release-pipeline scenarios and check their expectations",
    ),
    "conformance": (
        "kritis_sim.cli.conformance",
        "run the conformance suite against an enforcer's adapter",
    ),
    "conformance-adapter": (
        "kritis_sim.cli.conformance_adapter",
        "the conformance adapter for kritis-sim's own webhook",
    ),
}

EXIT_OK = 0
EXIT_DENIED = 1
EXIT_INPUT = 2


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is one)."""
    return next((word for word in argv if word in COMMANDS), None)


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser.

    Args:
        command: the subcommand whose full parser is wanted; the others get a
            stub that only carries their help line. ``"*"`` builds all of them.
    """
    top = argparse.ArgumentParser(
        prog="kritis-sim",
        description=(
            "Binary Authorization conformance and simulation toolkit: decide, "
            "sign, emulate, enforce and test deployment-authorization policy."
        ),
    )
    top.add_argument("-V", "--version", action="version", version=__version__)
    top.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log INFO messages on stderr, e.g. each HTTP request to --emulator "
        "(-vv: DEBUG); given before COMMAND, it wins over the command's --quiet",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        if command in (name, "*"):
            importlib.import_module(module).register(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    _plain_help(top)
    return top


_MARKUP = re.compile(r"(?::[a-z]+:)?(`{1,2})([^`]+?)\1|\*\*([^*]+?)\*\*")


def plain(text: str) -> str:
    """``text`` without reST/Markdown inline markup (the text inside is kept)."""
    return _MARKUP.sub(lambda m: m.group(2) or m.group(3), text)


def _plain_help(p: argparse.ArgumentParser) -> None:
    """Apply :func:`plain` to every description, epilog and help string."""
    if p.description:
        p.description = plain(p.description)
    if p.epilog:
        p.epilog = plain(p.epilog)
    for action in p._actions:
        if action.help and action.help != argparse.SUPPRESS:
            action.help = plain(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    choice.help = plain(choice.help)
            for subparser in action.choices.values():
                _plain_help(subparser)


def _log_to_stderr(level: int) -> None:
    """Send log records of ``level`` and above to stderr (set before the
    command runs, so a command's own logging set-up does not replace it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) the code."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser(_chosen(words)).parse_args(words)
    if args.verbose:
        _log_to_stderr(logging.DEBUG if args.verbose > 1 else logging.INFO)
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
