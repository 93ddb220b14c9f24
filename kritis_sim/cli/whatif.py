"""``kritis-sim whatif``: what would a policy change break?

Replays every admission in INPUT under a baseline and a candidate policy and
reports what changes: newly denied, newly allowed, unchanged, each changed
object with, per image, the rule or check responsible and the reason on both
sides. INPUT is what ``kritis-sim cv`` reads: ``kubectl get ... -A -o
json|yaml`` output, manifests, a directory of them, a Kubernetes audit log
(every successful create/update of a workload is one admission) or
kritis-sim's webhook audit log (every record). Audit logs are streamed line by
line (only each line is bound by the 8 MiB input limit).

The candidate is --policy (classic, with --attestors) or --platform-policy; the
baseline is --baseline (classic, with --baseline-attestors, default
--attestors) or --baseline-platform-policy; with no baseline, every admission
of INPUT counts as admitted (it is in the log, or it runs). Classic policies
are judged as the webhook admits: a dry-run rule's denial and a breakglassed
workload are admitted. A platform policy is judged as enforced
(AUDIT_AND_ENFORCE): only CONFORMANT is admitted, ERROR never. Every
admission is judged at one time (--now), memoized per images and deploy
target.

Exit status: 0 nothing would be newly denied, 1 something would, 2 unusable
input (file, line and field named).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from typing import Any

from kritis_sim.cli._common import parse_now, read_text
from kritis_sim.cli.common_flags import (
    add_deploy_target,
    add_format,
    add_now,
    add_occurrences,
)
from kritis_sim.cli.k8s_schema import check_namespace
from kritis_sim.cli.occurrence_files import (
    occurrence_texts,
    read_occurrences,
)
from kritis_sim.cli.target import TargetSettings, resolve_target
from kritis_sim.core.decide import DecisionOptions
from kritis_sim.core.judges import ClassicJudge, PlatformJudge
from kritis_sim.core.platform import InMemoryPlatformOccurrences
from kritis_sim.core.source import InMemorySource
from kritis_sim.cv.inputs import FORMATS
from kritis_sim.cv.items import CvItem, Skip
from kritis_sim.errors import InputError, PolicyError
from kritis_sim.model.attestor import load_attestors
from kritis_sim.model.image_metadata import load_image_metadata_file
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.platform.policy import load_platform_policy_file
from kritis_sim.model.policy import Policy, load_policy
from kritis_sim.whatif.inputs import admissions
from kritis_sim.whatif.replay import replay
from kritis_sim.whatif.sides import AsAdmitted, JudgeSide, Side

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``whatif`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "whatif",
        help="replay admissions under a candidate policy: what would change",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        nargs="+",
        help="kubectl get -o json|yaml output, manifests, a directory of them, "
        "a Kubernetes audit log or a kritis-sim webhook audit log",
    )
    p.add_argument(
        "--policy", metavar="FILE", help="candidate classic policy NEW (YAML/JSON)"
    )
    p.add_argument(
        "--attestors",
        metavar="FILE",
        help="Attestor resources of the candidate classic policy (and of "
        "--baseline unless --baseline-attestors is given)",
    )
    p.add_argument(
        "--platform-policy",
        metavar="FILE",
        help="candidate GKE platform policy (.json/.yaml), judged as enforced; "
        "instead of --policy",
    )
    p.add_argument(
        "--baseline", metavar="FILE", help="baseline classic policy OLD (YAML/JSON)"
    )
    p.add_argument(
        "--baseline-attestors",
        metavar="FILE",
        help="Attestor resources of --baseline (default: --attestors)",
    )
    p.add_argument(
        "--baseline-platform-policy",
        metavar="FILE",
        help="baseline GKE platform policy, instead of --baseline; with neither, "
        "every admission of INPUT counts as admitted",
    )
    add_occurrences(
        p,
        reads="attestation occurrences (with a platform policy on either side, "
        "VULNERABILITY, DISCOVERY and BUILD occurrences too)",
    )
    p.add_argument(
        "--image-metadata",
        metavar="FILE",
        help="image metadata (upload times) for platform-policy freshness checks",
    )
    add_deploy_target(
        p, cluster="the cluster the admissions were made in", policy="a classic policy"
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
            "json": "the report as JSON",
            "text": "a report for people",
            "html": "one self-contained page with a chart of the changes by namespace",
        },
        default="text",
    )
    p.add_argument(
        "--input-format",
        choices=FORMATS,
        default="auto",
        help="how to read every INPUT (default auto: by its first line)",
    )
    p.add_argument(
        "--check-docker-reference",
        action="store_true",
        help="classic policies: also require the signed docker-reference to match",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse kritis-sim classic policy extensions (Google's format only)",
    )
    p.set_defaults(func=run)


class _World:
    """Occurrences and metadata, loaded once for both sides."""

    def __init__(self, args: argparse.Namespace, platform: bool) -> None:
        self.args = args
        self.platform = InMemoryPlatformOccurrences()
        if not platform:  # attestations only, read as review and cv read them
            self.attestations = InMemorySource(read_occurrences(args.occurrences or ()))
        else:
            mixed = [
                occ
                for text, shown in occurrence_texts(args.occurrences or ())
                for occ in load_mixed_occurrences(text, source=shown)
            ]
            self.attestations = InMemorySource(
                [o for o in mixed if isinstance(o, AttestationOccurrence)]
            )
            for occ in mixed:
                self.platform.add(occ)
        self.metadata = (
            load_image_metadata_file(args.image_metadata) if args.image_metadata else {}
        )


def _classic(
    label: str, path: str, attestors: str | None, world: _World
) -> tuple[JudgeSide, Policy]:
    args = world.args
    if attestors is None:
        raise InputError(f"{label} needs --attestors", path="--attestors")
    policy = load_policy(read_text(path), source=path, strict=args.strict)
    judge = ClassicJudge(
        policy,
        load_attestors(read_text(attestors), source=attestors),
        DecisionOptions(check_docker_reference=args.check_docker_reference),
    )
    return JudgeSide(
        path, judge, world.attestations, TargetSettings(None, None)
    ), policy


def _platform(path: str, world: _World) -> JudgeSide:
    policy = load_platform_policy_file(path)
    if policy.gke_policy is None:
        raise PolicyError(
            "the platform policy has no gkePolicy; only GKE platform policies "
            "can be judged",
            source=path,
        )
    judge = PlatformJudge(policy, image_metadata=world.metadata)
    return JudgeSide(path, judge, world.platform, TargetSettings(None, None))


def _sides(args: argparse.Namespace) -> tuple[Side, Side, list[str]]:
    if bool(args.policy) == bool(args.platform_policy):
        raise InputError(
            "give the candidate: --policy NEW (with --attestors) or "
            "--platform-policy NEW, one of them",
            path="whatif",
        )
    if args.baseline and args.baseline_platform_policy:
        raise InputError(
            "give --baseline or --baseline-platform-policy, not both", path="whatif"
        )
    world = _World(args, bool(args.platform_policy or args.baseline_platform_policy))
    classic: list[tuple[JudgeSide, Policy]] = []
    candidate: Side
    baseline: Side
    if args.policy:
        classic.append(_classic("candidate", args.policy, args.attestors, world))
        candidate = classic[-1][0]
    else:
        candidate = _platform(args.platform_policy, world)
    if args.baseline:
        attestors = args.baseline_attestors or args.attestors
        classic.append(_classic("baseline", args.baseline, attestors, world))
        baseline = classic[-1][0]
    elif args.baseline_platform_policy:
        baseline = _platform(args.baseline_platform_policy, world)
    else:
        baseline = AsAdmitted()
    notes: list[str] = []
    for side, policy in classic:
        settings = resolve_target(policy, args.cluster, args.istio_trust_domain)
        side.settings = settings
        notes.extend(settings.notes)
    return baseline, candidate, sorted(set(notes))


def _progress(
    items: Iterator[CvItem | Skip],
) -> tuple[Iterator[CvItem | Skip], Callable[[], None] | None, Any]:
    """A rich progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return items, None, None
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.completed} admissions read"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("whatif", total=None)
    return items, lambda: bar.advance(task), bar


def run(args: argparse.Namespace) -> int:
    """Load both sides (exit 2 on any problem), replay, report."""
    check_namespace(args.namespace, "--namespace")
    now = parse_now(args.now)
    baseline, candidate, notes = _sides(args)
    items = admissions(
        args.input, input_format=args.input_format, namespace=args.namespace
    )
    items, tick, bar = _progress(items)
    if bar is not None:
        with bar:
            report = replay(items, baseline, candidate, now=now, progress=tick)
    else:
        report = replay(items, baseline, candidate, now=now)
    if report.admissions == 0 and not report.skipped:
        raise InputError("no admissions to replay (the input is empty)", path="INPUT")
    for note in notes:
        print(f"kritis-sim whatif: note: {note}", file=sys.stderr)
    from kritis_sim.whatif import render

    if args.format == "json":
        print(render.render_json(report))
        print(render.render_summary(report), file=sys.stderr)
    elif args.format == "html":
        sys.stdout.write(render.render_html(report))
        print(render.render_summary(report), file=sys.stderr)
    else:
        print(render.render_text(report))
    return report.exit_code
