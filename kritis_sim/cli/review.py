"""``kritis-sim review``: the decision for manifests or AdmissionReviews.

INPUT (a file, or - for stdin) holds one or more items, in any of these
shapes: a Kubernetes object (Pod, Deployment, ReplicaSet, StatefulSet,
DaemonSet, Job, CronJob, ReplicationController, PodTemplate; other kinds are
not applicable), several YAML documents, a JSON array, a ``kind: List`` (as
``kubectl get -o yaml`` writes), an AdmissionReview (v1 or v1beta1) or an
ImageReview. Every item is reviewed. Objects are first checked against the
Kubernetes 1.33 OpenAPI schemas (strict: unknown fields are errors) and the
types the API server serves; a manifest the API server would reject is
unusable input (exit 2, naming file, line and field) and nothing is judged.

The deploy target is never guessed: a policy with clusterAdmissionRules needs
--cluster LOCATION.NAME (or --cluster none for a cluster the policy does not
name); Istio identity rules need --istio-trust-domain (or none).

Decisions are printed as JSON on stdout (one item: its decision, or the
AdmissionReview response; several items: a list, in input order) and
explained in words on stderr, each with its deploy target. A denied image
also gets what would make it pass (docs/review.md, "Fixing a denial"): on
stderr, in a ``fixes`` list of the JSON decision, and as a short hint in an
AdmissionReview's denial message. Exit status: the worst item's, 0 allowed,
1 denied, 2 unusable input.

With --semantics kritis the decision is Kritis admission's: --policy holds
Kritis resources (a file or a directory), --occurrences ATTESTATION and
VULNERABILITY occurrences (see docs/kritis.md).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kritis_sim.admission.review import (
    admission_reply,
    image_review_reply,
    parse_admission_review,
    parse_image_review,
)
from kritis_sim.admission.verdicts import decision_verdict, not_applicable_verdict
from kritis_sim.admission.workloads import (
    NotApplicable,
    Workload,
    deploy_target,
    workload_from_admission,
    workload_from_image_review,
)
from kritis_sim.cli._common import load_files, parse_now, print_json, read_text
from kritis_sim.cli.common_flags import add_deploy_target, add_now, add_occurrences
from kritis_sim.cli.k8s_schema import check_namespace
from kritis_sim.cli.review_inputs import Item, as_admission_review, load_items
from kritis_sim.cli.target import (
    TargetSettings,
    describe_target,
    object_notes,
    resolve_target,
)
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.explain import explain
from kritis_sim.core.fixes import Fix, fixes, render
from kritis_sim.core.source import AttestationSource, InMemorySource
from kritis_sim.errors import InputError, ManifestError, WebhookRequestError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision
from kritis_sim.model.policy import Policy

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``review`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "review",
        help="decide whether a manifest or AdmissionReview would be admitted",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        help="manifest(s), List, JSON array or review file (- for stdin)",
    )
    p.add_argument(
        "--semantics",
        choices=("gcp", "kritis"),
        default="gcp",
        help="decide as GKE Binary Authorization does (gcp, the default) or as "
        "Kritis admission does (kritis: --policy holds Kritis resources; see "
        "docs/kritis.md)",
    )
    p.add_argument(
        "--policy",
        metavar="FILE",
        help="Binary Authorization policy (YAML/JSON); with --semantics kritis, "
        "Kritis resources: a file of any mix of the four kinds, or a directory",
    )
    p.add_argument("--attestors", metavar="FILE", help="Attestor resources (YAML/JSON)")
    add_occurrences(p)
    add_deploy_target(p, cluster="the cluster deployed to")
    p.add_argument(
        "--namespace",
        default="default",
        help="namespace for manifests that name none (default: default)",
    )
    add_now(p)
    p.add_argument(
        "--emulator",
        metavar="URL",
        help="read policy, attestors and attestations from a Grafeas/"
        "BinAuthz REST endpoint (e.g. kritis-sim emulator) instead of files",
    )
    p.add_argument(
        "--project", metavar="P", help="project whose policy --emulator reads"
    )
    p.add_argument(
        "--check-docker-reference",
        action="store_true",
        help="also require the signed docker-reference to match (Kritis mode)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse kritis-sim policy extensions (Google's format only); with "
        "--semantics kritis, refuse fields Kritis would silently ignore",
    )
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class _World:
    policy: Policy
    attestors: tuple[Attestor, ...]
    source: AttestationSource
    now: datetime  # read once, so every item is judged at the same time


def _load_world(args: argparse.Namespace) -> _World:
    if args.emulator:
        if not args.project:
            raise InputError("--emulator needs --project", path="review")
        from kritis_sim.grafeas.client import load_world

        return _World(*load_world(args.emulator, args.project), parse_now(args.now))
    if not args.policy or not args.attestors:
        raise InputError("--policy and --attestors are required", path="review")
    policy, attestors, occurrences = load_files(
        args.policy, args.attestors, args.occurrences, strict=args.strict
    )
    return _World(policy, attestors, InMemorySource(occurrences), parse_now(args.now))


@dataclass(frozen=True, slots=True)
class _Outcome:
    output: Any
    allowed: bool
    text: str


class _Reviewer:
    def __init__(
        self, world: _World, settings: TargetSettings, args: argparse.Namespace
    ) -> None:
        self.world, self.settings, self.args = world, settings, args

    def judge(self, workload: Workload) -> tuple[Decision, str]:
        target = deploy_target(
            workload,
            cluster=self.settings.cluster,
            trust_domain=self.settings.trust_domain,
        )
        decision = decide(
            self.world.policy,
            self.world.attestors,
            self.world.source,
            target,
            workload.images,
            now=self.world.now,
            breakglass=bool(workload.breakglass),
            options=DecisionOptions(
                check_docker_reference=self.args.check_docker_reference
            ),
        )
        notes = object_notes(self.world.policy, target)
        text = describe_target(target, self.settings)
        return decision, "\n".join([text, *(f"note: {n}" for n in notes)])

    def fixes(self, decision: Decision) -> tuple[Fix, ...]:
        """What would make each denied image pass (none when allowed)."""
        if decision.verdict_allowed:
            return ()
        return fixes(decision, self.world.attestors, self.world.source)

    def review(self, item: Item) -> _Outcome:
        data = item.data
        try:
            if data.get("kind") == "ImageReview":
                workload = workload_from_image_review(parse_image_review(data))
                decision, target = self.judge(workload)
                remedies = self.fixes(decision)
                reply = image_review_reply(
                    decision_verdict(decision, workload, fixes=remedies)
                )
                text = (
                    f"ImageReview ({item.where})\n{target}\n{explain(decision)}"
                    + _fix_text(remedies)
                )
                return _Outcome(reply, decision.allowed, text)
            is_review = data.get("kind") == "AdmissionReview"
            review = (
                data if is_review else as_admission_review(data, self.args.namespace)
            )
            parsed = parse_admission_review(review)
            found = workload_from_admission(parsed)
        except (WebhookRequestError, ManifestError) as exc:
            raise type(exc)(exc.message, path=exc.path, source=item.where) from None
        if isinstance(found, NotApplicable):
            reason = found.reason
            if item.custom:
                reason += " (a custom resource: not checked against a schema)"
            out = (
                admission_reply(parsed, not_applicable_verdict(found))
                if is_review
                else {"allowed": True, "notApplicable": reason}
            )
            return _Outcome(out, True, f"{item.where}: {reason}")
        decision, target = self.judge(found)
        remedies = self.fixes(decision)
        out = (
            admission_reply(parsed, decision_verdict(decision, found, fixes=remedies))
            if is_review
            else {
                "object": {
                    "kind": found.kind,
                    "namespace": found.namespace,
                    "name": found.name,
                },
                **decision.to_dict(),
                "fixes": [f.to_dict() for f in remedies],
            }
        )
        text = (
            f"{found.kind} {found.namespace}/{found.name} ({item.where})\n"
            f"{target}\n{explain(decision)}" + _fix_text(remedies)
        )
        return _Outcome(out, decision.allowed, text)


def _fix_text(found: tuple[Fix, ...]) -> str:
    return "\n" + render(found) if found else ""


def run(args: argparse.Namespace) -> int:
    """Check every item of INPUT, then review each; exit with the worst."""
    check_namespace(args.namespace, "--namespace")
    if args.semantics == "kritis":
        return _run_kritis(args)
    world = _load_world(args)
    settings = resolve_target(world.policy, args.cluster, args.istio_trust_domain)
    items = load_items(read_text(args.input), source=args.input)
    for note in settings.notes:
        print(f"kritis-sim review: note: {note}", file=sys.stderr)
    reviewer = _Reviewer(world, settings, args)
    outcomes = [reviewer.review(item) for item in items]
    for outcome in outcomes:
        print(outcome.text, file=sys.stderr)
    outputs = [o.output for o in outcomes]
    print_json(outputs[0] if len(outputs) == 1 else outputs)
    return max(0 if o.allowed else 1 for o in outcomes)


def _run_kritis(args: argparse.Namespace) -> int:
    """``--semantics kritis``: the same conventions over Kritis resources."""
    from kritis_sim.cli.review_kritis import load_kritis_world, review_kritis

    world = load_kritis_world(args)
    items = load_items(read_text(args.input), source=args.input)
    for note in world.notes:
        print(f"kritis-sim review: {note}", file=sys.stderr)
    outcomes = [review_kritis(world, item, args.namespace) for item in items]
    for outcome in outcomes:
        print(outcome.text, file=sys.stderr)
    outputs = [o.output for o in outcomes]
    print_json(outputs[0] if len(outputs) == 1 else outputs)
    return max(0 if o.allowed else 1 for o in outcomes)
