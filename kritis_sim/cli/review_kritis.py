"""``kritis-sim review --semantics kritis``: decide as Kritis admission does.

``--policy FILE|DIR`` holds Kritis resources (AttestationAuthority,
ImageSecurityPolicy, GenericAttestationPolicy, KritisConfig; any mix, several
YAML documents, a List, or a directory whose ``*.yaml``/``*.yml``/``*.json``
files are all read, sorted by name). ``--occurrences`` supplies ATTESTATION
occurrences (PGP signed messages) and VULNERABILITY occurrences; DISCOVERY
and BUILD ones are read and said to be unused (Kritis does not read them).
Warnings about fields Kritis would silently drop are printed on stderr;
``--strict`` refuses them. Output and exit status are ``review``'s.

Options of the GCP semantics (``--attestors``, ``--cluster``,
``--istio-trust-domain``, ``--emulator``, ``--check-docker-reference``) are
refused here rather than ignored. CLI only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kritis_sim.admission.review import (
    AdmissionVerdict,
    ParsedAdmission,
    admission_reply,
    parse_admission_review,
)
from kritis_sim.admission.workloads import NotApplicable, Workload
from kritis_sim.cli._common import parse_now, read_text
from kritis_sim.cli.occurrence_files import occurrence_texts
from kritis_sim.cli.review_inputs import Item, as_admission_review
from kritis_sim.core.kritis import (
    KritisDecision,
    KritisOccurrences,
    decide_kritis,
    kritis_object,
)
from kritis_sim.core.kritis.objects import BREAKGLASS
from kritis_sim.errors import InputError, ManifestError, WebhookRequestError
from kritis_sim.model.kritis import KritisResources, load_kritis
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

__all__ = [
    "KritisWorld",
    "Outcome",
    "load_kritis_world",
    "policy_texts",
    "review_kritis",
]

_SUFFIXES = (".yaml", ".yml", ".json")
_GCP_ONLY = (
    ("attestors", "--attestors"),
    ("cluster", "--cluster"),
    ("istio_trust_domain", "--istio-trust-domain"),
    ("emulator", "--emulator"),
    ("check_docker_reference", "--check-docker-reference"),
)


@dataclass(frozen=True, slots=True)
class KritisWorld:
    """Everything a Kritis-profile review reads, loaded once."""

    resources: KritisResources
    source: KritisOccurrences
    now: datetime
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    output: Any
    allowed: bool
    text: str


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
    values: Sequence[str] | None,
) -> tuple[KritisOccurrences, tuple[str, ...]]:
    """The ATTESTATION and VULNERABILITY occurrences of ``--occurrences``, and
    notes on those of other kinds (read, not used)."""
    atts: list[AttestationOccurrence] = []
    vulns: list[VulnerabilityOccurrence] = []
    unused: dict[str, int] = {}
    for text, shown in occurrence_texts(values or ()):
        for occ in load_mixed_occurrences(text, source=shown):
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


def load_kritis_world(args: argparse.Namespace) -> KritisWorld:
    """``--policy``, ``--occurrences`` and ``--now`` for the Kritis profile."""
    refuse_flags(args, _GCP_ONLY, "review")
    resources = load_resources(args, "review")
    source, notes = read_kritis_occurrences(args.occurrences)
    warnings = tuple(f"warning: {w}" for w in resources.warnings)
    return KritisWorld(resources, source, parse_now(args.now), warnings + notes)


def kritis_interpret(
    parsed: ParsedAdmission, *, judge_updates: str = "changed"
) -> Workload | NotApplicable:
    """What Kritis judges of an AdmissionReview (the webhook's ``interpret``):
    Kritis' kinds, operations, images and breakglass annotation. Kritis judges
    every Pod UPDATE in full, so ``judge_updates`` is not used."""
    namespace = parsed.namespace or "default"
    obj = kritis_object(
        parsed.kind, parsed.operation, namespace, parsed.name or "",
        parsed.obj, sub_resource=parsed.sub_resource,
    )  # fmt: skip
    if isinstance(obj, str):
        return NotApplicable(obj)
    marker = (f"metadata.annotations[{BREAKGLASS!r}]",) if obj.breakglass else ()
    return Workload(
        obj.kind, obj.name or None, obj.namespace, obj.images, breakglass=marker
    )


def _verdict(decision: KritisDecision) -> AdmissionVerdict:
    warnings: tuple[str, ...] = ()
    if decision.breakglass and not decision.verdict_allowed:
        warnings = (
            f"admitted by breakglass; Kritis policies would deny: {decision.message}",
        )
    annotations = {"kritis-sim/semantics": "kritis"}
    return AdmissionVerdict(
        decision.allowed,
        "" if decision.allowed else decision.message,
        warnings,
        annotations,
    )


def review_kritis(world: KritisWorld, item: Item, namespace: str) -> Outcome:
    """One item of INPUT under the Kritis profile."""
    data = item.data
    if data.get("kind") == "ImageReview":
        raise ManifestError(
            "Kritis does not serve ImageReview (only AdmissionReview); give the "
            "Pod, Deployment or ReplicaSet, or its AdmissionReview",
            source=item.where,
        )
    is_review = data.get("kind") == "AdmissionReview"
    try:
        parsed = parse_admission_review(
            data if is_review else as_admission_review(data, namespace)
        )
    except (WebhookRequestError, ManifestError) as exc:
        raise type(exc)(exc.message, path=exc.path, source=item.where) from None
    obj = kritis_object(
        parsed.kind,
        parsed.operation,
        parsed.namespace or namespace,
        parsed.name or "",
        parsed.obj,
        sub_resource=parsed.sub_resource,
    )
    if isinstance(obj, str):
        out = (
            admission_reply(parsed, AdmissionVerdict(True, obj))
            if is_review
            else {"allowed": True, "notApplicable": obj}
        )
        return Outcome(out, True, f"{item.where}: {obj}")
    decision = decide_kritis(
        world.resources, obj, world.source, world.source, now=world.now
    )
    who = {"kind": obj.kind, "namespace": obj.namespace, "name": obj.name}
    out = (
        admission_reply(parsed, _verdict(decision))
        if is_review
        else {"object": who, **decision.to_dict()}
    )
    text = f"{obj.kind} {obj.namespace}/{obj.name} ({item.where})\n{decision.explain()}"
    return Outcome(out, decision.allowed, text)
