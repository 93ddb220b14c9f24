"""``kritis-sim review``: the decision for a manifest or an AdmissionReview.

INPUT is a Kubernetes manifest (Pod, Deployment, ReplicaSet, StatefulSet,
DaemonSet, Job, CronJob, ReplicationController, PodTemplate; YAML or JSON, one
or several documents), an AdmissionReview (v1 or v1beta1) or an ImageReview.
The decision is printed as JSON on stdout (for an AdmissionReview: the
AdmissionReview response) and explained in words on stderr. Exit status: 0
allowed, 1 denied, 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kritis_sim._yaml import load_documents
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
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.explain import explain
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
        "input", metavar="INPUT", help="manifest or review file (- for stdin)"
    )
    p.add_argument(
        "--policy", metavar="FILE", help="Binary Authorization policy (YAML/JSON)"
    )
    p.add_argument("--attestors", metavar="FILE", help="Attestor resources (YAML/JSON)")
    p.add_argument(
        "--occurrences",
        metavar="FILE",
        help="attestation occurrences: a JSON/YAML list or {occurrences: [...]}",
    )
    p.add_argument(
        "--cluster",
        metavar="LOCATION.NAME",
        help="the cluster deployed to, for clusterAdmissionRules",
    )
    p.add_argument(
        "--istio-trust-domain",
        metavar="DOMAIN",
        help="derive spiffe://DOMAIN/ns/NS/sa/SA for Istio identity rules",
    )
    p.add_argument(
        "--namespace",
        default="default",
        help="namespace for manifests that name none (default: default)",
    )
    p.add_argument("--now", metavar="RFC3339", help="decision time (default: now)")
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
        help="refuse kritis-sim policy extensions (Google's format only)",
    )
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class _World:
    policy: Policy
    attestors: tuple[Attestor, ...]
    source: AttestationSource
    now: datetime  # read once, so every document is judged at the same time


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


def _as_review(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """Wrap a bare object in the AdmissionReview an API server would send."""
    api_version = obj.get("apiVersion")
    if not isinstance(api_version, str) or not isinstance(obj.get("kind"), str):
        raise ManifestError("a Kubernetes object needs string apiVersion and kind")
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    ns = meta.get("namespace") or namespace
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "resource": {
                "group": group,
                "version": version,
                "resource": obj["kind"].lower() + "s",
            },
            "namespace": ns,
            "name": meta.get("name"),
            "operation": "CREATE",
            "userInfo": {"username": "kritis-sim-review"},
            "object": obj,
            "oldObject": None,
            "dryRun": False,
        },
    }


def _judge(world: _World, workload: Workload, args: argparse.Namespace) -> Decision:
    target = deploy_target(
        workload, cluster=args.cluster, trust_domain=args.istio_trust_domain
    )
    return decide(
        world.policy,
        world.attestors,
        world.source,
        target,
        workload.images,
        now=world.now,
        breakglass=bool(workload.breakglass),
        options=DecisionOptions(check_docker_reference=args.check_docker_reference),
    )


def _documents(args: argparse.Namespace) -> Iterable[tuple[dict[str, Any], str]]:
    for index, (data, locator) in enumerate(
        load_documents(read_text(args.input), source=args.input)
    ):
        if not isinstance(data, dict):
            raise locator.error(
                ManifestError, (), "expected a Kubernetes object (a mapping)"
            )
        yield data, f"{args.input}#{index}"


def _review_one(
    world: _World, data: dict[str, Any], where: str, args: argparse.Namespace
) -> tuple[Any, bool, str]:
    """Returns (json output, allowed, explanation)."""
    try:
        if data.get("kind") == "ImageReview":
            workload = workload_from_image_review(parse_image_review(data))
            decision = _judge(world, workload, args)
            reply = image_review_reply(decision_verdict(decision, workload))
            return reply, decision.allowed, explain(decision)
        is_review = data.get("kind") == "AdmissionReview"
        review = data if is_review else _as_review(data, args.namespace)
        parsed = parse_admission_review(review)
        found = workload_from_admission(parsed)
    except (WebhookRequestError, ManifestError) as exc:
        raise type(exc)(exc.message, path=exc.path, source=where) from None
    if isinstance(found, NotApplicable):
        verdict = not_applicable_verdict(found)
        out = (
            admission_reply(parsed, verdict)
            if is_review
            else {"allowed": True, "notApplicable": found.reason}
        )
        return out, True, found.reason
    decision = _judge(world, found, args)
    out = (
        admission_reply(parsed, decision_verdict(decision, found))
        if is_review
        else {
            "object": {
                "kind": found.kind,
                "namespace": found.namespace,
                "name": found.name,
            },
            **decision.to_dict(),
        }
    )
    return (
        out,
        decision.allowed,
        f"{found.kind} {found.namespace}/{found.name}: {explain(decision)}",
    )


def run(args: argparse.Namespace) -> int:
    """Review every document of INPUT."""
    world = _load_world(args)
    outputs: list[Any] = []
    all_allowed = True
    for data, where in _documents(args):
        out, allowed, text = _review_one(world, data, where, args)
        outputs.append(out)
        all_allowed = all_allowed and allowed
        print(text, file=sys.stderr)
    if not outputs:
        raise InputError("no documents to review", source=args.input)
    print_json(outputs[0] if len(outputs) == 1 else outputs)
    return 0 if all_allowed else 1
