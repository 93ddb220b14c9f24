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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kritis_sim.admission.review import (
    AdmissionVerdict,
    admission_reply,
    parse_admission_review,
)
from kritis_sim.cli._common import parse_now
from kritis_sim.cli.kritis_inputs import (
    load_resources,
    read_kritis_occurrences,
    refuse_flags,
)
from kritis_sim.cli.review_inputs import Item, as_admission_review
from kritis_sim.core.fixes import render
from kritis_sim.core.kritis import (
    KritisDecision,
    KritisOccurrences,
    decide_kritis,
    kritis_object,
)
from kritis_sim.core.kritis.fixes import kritis_fixes
from kritis_sim.errors import ManifestError, WebhookRequestError
from kritis_sim.model.kritis import KritisResources

__all__ = ["KritisWorld", "Outcome", "load_kritis_world", "review_kritis"]

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


def load_kritis_world(args: argparse.Namespace) -> KritisWorld:
    """``--policy``, ``--occurrences`` and ``--now`` for the Kritis profile."""
    refuse_flags(args, _GCP_ONLY, "review")
    resources = load_resources(args, "review")
    source, notes = read_kritis_occurrences(args.occurrences, resources)
    warnings = tuple(f"warning: {w}" for w in resources.warnings)
    return KritisWorld(resources, source, parse_now(args.now), warnings + notes)


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
    found = () if decision.verdict_allowed else kritis_fixes(decision, world.resources)
    out = (
        admission_reply(parsed, _verdict(decision))
        if is_review
        else {
            "object": who,
            **decision.to_dict(),
            "fixes": [f.to_dict() for f in found],
        }
    )
    text = f"{obj.kind} {obj.namespace}/{obj.name} ({item.where})\n{decision.explain()}"
    if found:
        text += "\n" + render(found)
    return Outcome(out, decision.allowed, text)
