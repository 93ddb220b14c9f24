"""``kritis-sim cv``: continuous validation of what runs, as GKE logs it.

SNAPSHOT (one or more) is what you already have: ``kubectl get pods,
deployments,statefulsets,daemonsets,jobs,cronjobs,replicasets -A -o json``
(or ``-o yaml``) output, a directory of manifests, a Kubernetes audit log
(``audit.k8s.io/v1`` Events, JSON lines) or kritis-sim's webhook audit log.
Every running Pod is judged against the policy at one time (--now), breakglass
ignored as GKE CV ignores it (breakglassed Pods are still reported, marked);
controllers' pod templates are judged too and reported apart.

--format json (default) writes the CV log entries on stdout, one JSON object
per line, in the shape GKE writes them to Cloud Logging
(``continuousValidationEvent`` payloads: ``podEvent`` for each violating Pod,
``configErrorEvent``); --format text writes a report for people, --format
html the same as one self-contained HTML page. The summary
(counts, and every skipped item's reason) goes to stderr. Items that do not
apply (other kinds, API versions no longer served, finished Pods, audit
events without requestObject, a truncated last line) are skipped and counted;
an unusable item stops the command naming file and line.

The deploy target is never guessed: a policy with clusterAdmissionRules needs
--cluster LOCATION.NAME (or --cluster none). Exit status: 0 nothing violates,
1 a Pod or pod template violates (or a config error), 2 unusable input or an
evaluation that could not be completed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kritis_sim.cli._common import load_files, parse_now
from kritis_sim.cli.common_flags import (
    add_deploy_target,
    add_format,
    add_now,
    add_occurrences,
)
from kritis_sim.cli.k8s_schema import check_namespace
from kritis_sim.cli.platform_inputs import (
    add_trusted_builders,
    load_gke_policy,
    load_trusted_builders,
    platform_source,
)
from kritis_sim.cli.target import resolve_target
from kritis_sim.core.decide import DecisionOptions
from kritis_sim.core.source import InMemorySource
from kritis_sim.cv.entries import Cluster, dumps
from kritis_sim.cv.inputs import FORMATS, read_inputs
from kritis_sim.cv.judge import ClassicJudge, Judge, PlatformJudge
from kritis_sim.cv.validate import render_summary, render_text, validate
from kritis_sim.errors import InputError
from kritis_sim.model.image_metadata import load_image_metadata_file

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``cv`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "cv",
        help="continuous validation: judge running Pods, write GKE CV log entries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "snapshot",
        metavar="SNAPSHOT",
        nargs="+",
        help="kubectl get -o json|yaml output, manifests, a directory of them, "
        "a Kubernetes audit log or a kritis-sim webhook audit log",
    )
    p.add_argument(
        "--platform-policy",
        metavar="FILE",
        help="a GKE platform policy (.json/.yaml/.yml with a gkePolicy): entries "
        "carry policyName and each failing check (checkResults); instead of "
        "--policy/--attestors",
    )
    p.add_argument(
        "--policy",
        metavar="FILE",
        help="classic Binary Authorization policy (YAML/JSON)",
    )
    p.add_argument("--attestors", metavar="FILE", help="Attestor resources (YAML/JSON)")
    add_occurrences(
        p,
        reads="attestation occurrences (with --platform-policy, VULNERABILITY, "
        "DISCOVERY and BUILD occurrences too)",
    )
    p.add_argument(
        "--occurrences-project",
        metavar="projects/P",
        help="--platform-policy: the project of --occurrences entries that have "
        "no name projects/P/occurrences/ID (as evaluate)",
    )
    p.add_argument(
        "--image-metadata",
        metavar="FILE",
        help="--platform-policy: image upload times {images: {REF or "
        "sha256:DIGEST: {uploadTime: RFC3339}}} for imageFreshnessCheck; "
        "accepted and unused with a classic --policy, which reads attestations only",
    )
    add_trusted_builders(p)
    add_deploy_target(
        p,
        cluster="the cluster the snapshot was taken from",
        note="also names the k8s_cluster resource of the log entries",
    )
    p.add_argument(
        "--project",
        metavar="P",
        help="project of the log entries' logName and resource (default: the "
        "project of the policy's name; left out when neither says)",
    )
    p.add_argument(
        "--namespace",
        default="default",
        help="namespace for manifests that name none (default: default)",
    )
    add_now(p)
    add_format(
        p,
        {
            "json": "CV log entries, one per line",
            "text": "a report for people",
            "html": "the same report as one self-contained HTML page",
        },
        default="json",
    )
    p.add_argument(
        "--input-format",
        choices=FORMATS,
        default="auto",
        help="how to read every SNAPSHOT (default auto: by its first line)",
    )
    p.add_argument(
        "--summary", metavar="FILE", help="also write the summary as JSON to FILE"
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


def _project(args: argparse.Namespace, policy_name: str | None) -> str | None:
    if args.project:
        return str(args.project)
    parts = (policy_name or "").split("/")
    return parts[1] if len(parts) >= 2 and parts[0] == "projects" else None


def _platform(args: argparse.Namespace) -> tuple[Judge, Cluster, list[str]]:
    """The platform-policy judge, the cluster of the entries, and notes."""
    if args.policy or args.attestors:
        raise InputError(
            "give --platform-policy, or --policy and --attestors, not both",
            path="--platform-policy",
        )
    for flag, given in (
        ("--check-docker-reference", args.check_docker_reference),
        ("--strict", args.strict),
    ):
        if given:
            raise InputError(f"{flag} applies to a classic --policy only", path=flag)
    policy = load_gke_policy(args.platform_policy)
    settings = resolve_target(None, args.cluster, args.istio_trust_domain)
    metadata = (
        load_image_metadata_file(args.image_metadata) if args.image_metadata else {}
    )
    judge = PlatformJudge(
        policy,
        platform_source(args.occurrences, args.occurrences_project),
        settings,
        image_metadata=metadata,
        trusted_builders=load_trusted_builders(args.trusted_builders),
        cluster_label=settings.cluster,
    )
    return judge, Cluster.parse(settings.cluster, _project(args, policy.name)), []


def _classic(args: argparse.Namespace) -> tuple[Judge, Cluster, list[str]]:
    """The classic policy's judge, the cluster of the entries, and notes."""
    if not args.policy or not args.attestors:
        raise InputError(
            "--policy and --attestors are required (or --platform-policy)", path="cv"
        )
    for flag, given in (
        ("--trusted-builders", args.trusted_builders),
        ("--occurrences-project", args.occurrences_project),
    ):
        if given is not None:
            raise InputError(f"{flag} applies to --platform-policy only", path=flag)
    policy, attestors, occurrences = load_files(
        args.policy, args.attestors, args.occurrences, strict=args.strict
    )
    settings = resolve_target(policy, args.cluster, args.istio_trust_domain)
    judge = ClassicJudge(
        policy,
        attestors,
        InMemorySource(occurrences),
        settings,
        DecisionOptions(check_docker_reference=args.check_docker_reference),
    )
    notes = list(settings.notes)
    if args.image_metadata:
        notes.append(
            "--image-metadata is not used: a classic policy reads attestations only"
        )
    return judge, Cluster.parse(settings.cluster, _project(args, policy.name)), notes


def run(args: argparse.Namespace) -> int:
    """Read the world and the snapshot, judge, write entries and the summary."""
    check_namespace(args.namespace, "--namespace")
    now = parse_now(args.now)
    judge, cluster, notes = _platform(args) if args.platform_policy else _classic(args)
    inputs = read_inputs(
        args.snapshot, input_format=args.input_format, namespace=args.namespace
    )
    report = validate(inputs, judge, cluster=cluster, now=now)
    for note in notes:
        print(f"kritis-sim cv: note: {note}", file=sys.stderr)
    if args.format == "json":
        for entry in report.entries:
            sys.stdout.write(dumps(entry) + "\n")
        print(render_summary(report), file=sys.stderr)
    elif args.format == "html":
        from kritis_sim.cv.html_report import render_html

        sys.stdout.write(render_html(report))
        print(render_summary(report), file=sys.stderr)
    else:
        print(render_text(report))
    if args.summary:
        Path(args.summary).write_text(
            json.dumps({**report.summary(), "fixes": report.fix_summary()}, indent=2)
            + "\n",
            encoding="utf-8",
        )
    return report.exit_code
