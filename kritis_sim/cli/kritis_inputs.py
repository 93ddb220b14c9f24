"""Inputs of ``--semantics kritis``, shared by ``review`` and ``webhook``.

``--policy FILE|DIR`` holds Kritis resources (a file of any mix of the four
kinds, or a directory whose ``*.yaml``/``*.yml``/``*.json`` files are all
read, sorted by name; none is an error); ``--occurrences`` supplies
ATTESTATION and VULNERABILITY occurrences, in Grafeas v1 or, file by file, in
v1beta1 as Kritis' own store holds them (:mod:`kritis_sim.model.kritis.v1beta1`);
DISCOVERY and BUILD ones are read and said to be unused. Options of the GCP semantics are refused rather than
ignored. :func:`kritis_interpret` reads an AdmissionReview as Kritis does
(the webhook's ``interpret``); :func:`webhook_judge` builds the webhook's
judge and source. CLI only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kritis_sim.admission.enforcer import JudgeProvider, StaticJudge
from kritis_sim.admission.kritis_workloads import kritis_interpret
from kritis_sim.cli._common import read_text
from kritis_sim.cli.occurrence_files import occurrence_texts
from kritis_sim.core.kritis import KritisJudge, KritisOccurrences
from kritis_sim.errors import InputError
from kritis_sim.model.kritis import KritisResources, load_kritis
from kritis_sim.model.kritis.v1beta1 import read_v1beta1_text
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

__all__ = [
    "kritis_interpret",
    "load_resources",
    "policy_texts",
    "read_kritis_occurrences",
    "refuse_flags",
    "webhook_judge",
]

_SUFFIXES = (".yaml", ".yml", ".json")


def policy_texts(value: str) -> list[tuple[str, str]]:
    """``(text, name)`` of ``--policy FILE|DIR`` (``-`` is stdin).

    Raises:
        InputError: a missing file, or a directory holding no resource file.
    """
    path = Path(value)
    if value == "-" or not path.is_dir():
        return [(read_text(value), "<stdin>" if value == "-" else value)]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in _SUFFIXES)
    if not files:
        raise InputError(
            "the directory holds no *.yaml, *.yml or *.json files", source=value
        )
    return [(read_text(str(p)), str(p)) for p in files]


def refuse_flags(
    args: argparse.Namespace, flags: Sequence[tuple[str, str]], where: str
) -> None:
    """Refuse options of the GCP semantics given with ``--semantics kritis``."""
    for attr, flag in flags:
        value = getattr(args, attr, None)
        if value and value != "enforce":
            raise InputError(
                f"{flag} is not used with --semantics kritis (Kritis resources in "
                "--policy name their authorities and keys)",
                path=where,
            )


def read_kritis_occurrences(
    values: Sequence[str] | None, resources: KritisResources | None = None
) -> tuple[KritisOccurrences, tuple[str, ...]]:
    """The ATTESTATION and VULNERABILITY occurrences of ``--occurrences``
    (Grafeas v1, or v1beta1 as Kritis' store holds them: a PGP signed message
    is opened with the ``resources``' AA key its ``pgpKeyId`` names), and
    notes on those of other kinds (read, not used)."""
    keys = {
        k.fingerprint: k.armored
        for aa in (resources.authorities if resources else ())
        for k in aa.pgp_keys
    }
    atts: list[AttestationOccurrence] = []
    vulns: list[VulnerabilityOccurrence] = []
    unused: dict[str, int] = {}
    for text, shown in occurrence_texts(values or ()):
        beta = read_v1beta1_text(text, shown, keys)
        for occ in (
            beta if beta is not None else load_mixed_occurrences(text, source=shown)
        ):
            if isinstance(occ, AttestationOccurrence):
                atts.append(occ)
            elif isinstance(occ, VulnerabilityOccurrence):
                vulns.append(occ)
            else:
                name = type(occ).__name__.removesuffix("Occurrence").upper()
                unused[name] = unused.get(name, 0) + 1
    notes = tuple(
        f"note: {n} {kind} occurrence(s) read but not used: Kritis reads only "
        "ATTESTATION and VULNERABILITY occurrences"
        for kind, n in sorted(unused.items())
    )
    return KritisOccurrences(atts, vulns), notes


def load_resources(args: argparse.Namespace, where: str) -> KritisResources:
    """``--policy FILE|DIR`` as Kritis resources."""
    if not args.policy:
        raise InputError("--policy FILE|DIR (Kritis resources) is required", path=where)
    return load_kritis(
        policy_texts(args.policy),
        default_namespace=getattr(args, "namespace", "default"),
        strict=getattr(args, "strict", False),
    )


#: Options of the GCP semantics, refused with --semantics kritis.
_WEBHOOK_GCP_ONLY = tuple(
    (flag.removeprefix("--").replace("-", "_"), flag)
    for flag in (
        "--attestors", "--emulator", "--project", "--platform-policy", "--cluster",
        "--istio-trust-domain", "--check-docker-reference", "--occurrences-project",
        "--image-metadata", "--trusted-builders", "--platform-enforcement",
    )
)  # fmt: skip


def webhook_judge(args: argparse.Namespace) -> tuple[JudgeProvider, Any, Any]:
    """``--semantics kritis``: a Kritis judge over the ``--policy`` resources,
    the ``--occurrences`` it reads, and Kritis' reading of objects."""
    refuse_flags(args, _WEBHOOK_GCP_ONLY, "webhook")
    resources = load_resources(args, "webhook")
    source, notes = read_kritis_occurrences(args.occurrences, resources)
    for line in (*(f"warning: {w}" for w in resources.warnings), *notes):
        print(f"kritis-sim webhook: {line}", file=sys.stderr)
    print(
        "kritis-sim webhook: semantics kritis: Pods (CREATE, UPDATE), Deployments "
        "and ReplicaSets (CREATE) judged by their namespace's Kritis resources",
        file=sys.stderr,
    )
    return StaticJudge(KritisJudge(resources)), source, kritis_interpret
