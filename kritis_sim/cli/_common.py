"""Helpers shared by CLI subcommands: reading files, parsing times, JSON out.

CLI-only; nothing here is used by the library layers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kritis_sim._yaml import read_input
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import Attestor, load_attestors
from kritis_sim.model.occurrence import AttestationOccurrence, parse_timestamp
from kritis_sim.model.policy import Policy, load_policy

__all__ = ["load_files", "parse_now", "print_json", "read_text"]


def read_text(path: str) -> str:
    """Read ``path`` (``-`` is stdin) as UTF-8 text within the input limits
    (:func:`kritis_sim._yaml.read_input`), with an InputError on failure."""
    return read_input(path)


def parse_now(text: str | None) -> datetime:
    """``--now RFC3339``, or the current time when not given."""
    if text is None:
        return datetime.now(UTC)
    try:
        return parse_timestamp(text)
    except InputError as exc:
        raise InputError(exc.message, path="--now") from None


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout."""
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def load_files(
    policy: str,
    attestors: str,
    occurrences: str | Sequence[str] | None,
    *,
    strict: bool = False,
) -> tuple[Policy, tuple[Attestor, ...], tuple[AttestationOccurrence, ...]]:
    """The ``--policy`` and ``--attestors`` files, and the occurrences of every
    ``--occurrences`` file or directory (see
    :mod:`kritis_sim.cli.occurrence_files`), merged."""
    from kritis_sim.cli.occurrence_files import read_occurrences

    paths = [occurrences] if isinstance(occurrences, str) else list(occurrences or ())
    return (
        load_policy(read_text(policy), source=policy, strict=strict),
        tuple(load_attestors(read_text(attestors), source=attestors)),
        read_occurrences(paths),
    )
