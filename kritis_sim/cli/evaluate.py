"""``kritis-sim evaluate``: a GKE platform policy's verdict for workloads.

The offline counterpart of ``gcloud beta container binauthz policy evaluate``
(``projects.platforms.gke.policies.evaluate``). INPUT (a file, or - for stdin)
holds Kubernetes objects in any shape ``kritis-sim review`` reads: one object,
several YAML documents, a JSON array or a ``kind: List``; each is checked
against the Kubernetes schemas first (an object the API server would refuse is
unusable input, exit 2). Every object with a pod spec (Pod, Deployment,
CronJob, ...) is evaluated as one Pod; objects without one are named on stderr
as not evaluated. Instead of INPUT, ``--image REF`` (repeatable) evaluates a Pod
running those images and, as in gcloud, no namespace: only the unscoped check
set applies.

Output: one ``EvaluateGkePolicyResponse`` as JSON on stdout, with one
``PodResult`` per object in input order and the worst verdict overall
(NON_CONFORMANT > ERROR > CONFORMANT); an explanation in words on stderr
(with, per image that does not conform, what would make it conform)
(``--format text``: the explanation on stdout, no JSON). Checks that kritis-sim
does not evaluate yet report ERROR, which is never conformant.

``--occurrences`` files may mix ATTESTATION, VULNERABILITY, DISCOVERY and BUILD
occurrences (:mod:`kritis_sim.model.occurrence_mix`); ``--image-metadata`` gives
upload times (:mod:`kritis_sim.model.image_metadata`); ``--trusted-builders``
the roots of trust of ``slsaCheck`` (:mod:`kritis_sim.cli.platform_inputs`).

Exit status: 0 CONFORMANT, 1 NON_CONFORMANT or ERROR, 2 unusable input (an
invalid policy, manifest, occurrences or image metadata file, named with file,
line and field). gcloud exits 2 for every verdict but CONFORMANT; kritis-sim
keeps 2 for unusable input, as its other commands do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kritis_sim.admission.review import parse_admission_review
from kritis_sim.admission.workloads import NotApplicable, workload_from_admission
from kritis_sim.cli._common import parse_now, print_json, read_text
from kritis_sim.cli.common_flags import add_format, add_now, add_occurrences
from kritis_sim.cli.k8s_schema import check_namespace
from kritis_sim.cli.platform_inputs import (
    add_trusted_builders,
    load_gke_policy,
    load_trusted_builders,
    platform_source,
)
from kritis_sim.cli.review_inputs import as_admission_review, is_review, load_items
from kritis_sim.core.fixes import fixes, render
from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.verdict import platform_decision
from kritis_sim.errors import (
    InputError,
    ManifestError,
    WebhookRequestError,
)
from kritis_sim.model.image_metadata import load_image_metadata_file
from kritis_sim.model.occurrence_mix import (
    MIXED_KINDS,
)
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import (
    EvaluateGkePolicyResponse,
    ImageMetadata,
    PodResult,
    Verdict,
    worst,
)

__all__ = ["register", "run"]

#: The namespace of a manifest that names none (as ``kubectl apply`` would use).
DEFAULT_NAMESPACE = "default"


def register(sub: Any) -> None:
    """Add the ``evaluate`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "evaluate",
        help="evaluate a GKE platform policy for a manifest or images",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        nargs="?",
        help="Pod or workload manifest(s), List or JSON array (- for stdin); "
        "not with --image",
    )
    p.add_argument(
        "--image",
        metavar="REF",
        action="append",
        help="evaluate a Pod running this image instead of INPUT; repeatable. "
        "As in gcloud, the Pod has no namespace: only the unscoped check set applies",
    )
    p.add_argument(
        "--platform-policy",
        metavar="FILE",
        required=True,
        help="the platform policy (.json, .yaml or .yml, as gcloud "
        "--policy-file); it must hold a gkePolicy",
    )
    add_occurrences(
        p,
        reads="Grafeas v1 occurrences of kind " + ", ".join(MIXED_KINDS),
        note="Other kinds and scanners' own report formats are refused",
    )
    p.add_argument(
        "--occurrences-project",
        metavar="projects/P",
        help="the project of --occurrences entries that have no name "
        "projects/P/occurrences/ID (e.g. made by kritis-sim sign); without it "
        "such an entry is refused when a check would read it",
    )
    p.add_argument(
        "--image-metadata",
        metavar="FILE",
        help="registry metadata, YAML/JSON {images: {REF or sha256:DIGEST: "
        "{uploadTime: RFC3339}}}, for imageFreshnessCheck (without it that "
        "check reports ERROR)",
    )
    add_trusted_builders(p)
    p.add_argument(
        "--namespace",
        metavar="NS",
        help=f"namespace of manifests that name none (default: {DEFAULT_NAMESPACE}); "
        "not with --image",
    )
    add_now(p)
    add_format(
        p,
        {
            "json": "the response as JSON on stdout and the explanation on stderr",
            "text": "the explanation on stdout and no JSON",
        },
        default="json",
    )
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class _Unit:
    """One Pod to evaluate."""

    title: str
    name: str | None
    namespace: str | None
    service_account: str | None
    images: tuple[str, ...]


def _units_from_images(images: Sequence[str]) -> tuple[list[_Unit], list[str]]:
    """gcloud's ``--image`` Pod: no name, no namespace, default service account."""
    title = "Pod with --image " + ", ".join(images) + " (no namespace)"
    return [_Unit(title, None, None, None, tuple(images))], []


def _units_from_input(path: str, namespace: str) -> tuple[list[_Unit], list[str]]:
    """One unit per object with a pod spec, and notes for those without."""
    units: list[_Unit] = []
    notes: list[str] = []
    for item in load_items(read_text(path), source=path):
        if is_review(item.data):
            raise ManifestError(
                f"a {item.data.get('kind')} is not a workload; evaluate takes "
                "Kubernetes objects (as gcloud's --resource), kritis-sim review "
                "takes reviews",
                source=item.where,
            )
        try:
            parsed = parse_admission_review(as_admission_review(item.data, namespace))
            found = workload_from_admission(parsed)
        except (WebhookRequestError, ManifestError) as exc:
            raise type(exc)(exc.message, path=exc.path, source=item.where) from None
        if isinstance(found, NotApplicable):
            reason = found.reason
            if item.custom:
                reason += " (a custom resource: not checked against a schema)"
            notes.append(f"{item.where}: not evaluated: {reason}")
            continue
        title = f"{found.kind} {found.namespace}/{found.name} ({item.where})"
        units.append(
            _Unit(
                title, found.name, found.namespace, found.service_account, found.images
            )
        )
    if not units:
        raise InputError(
            "no object in INPUT has a pod spec; there is nothing to evaluate",
            source=path,
        )
    return units, notes


def _units(args: argparse.Namespace) -> tuple[list[_Unit], list[str]]:
    if args.image and args.input is not None:
        raise InputError("give INPUT or --image, not both", path="evaluate")
    if args.image:
        if args.namespace is not None:
            raise InputError(
                "--namespace does not apply to --image: as in gcloud, an --image "
                "Pod has no namespace and only the unscoped check set applies; "
                "write a Pod manifest to evaluate a scoped check set",
                path="evaluate",
            )
        return _units_from_images(args.image)
    if args.input is None:
        raise InputError(
            "give INPUT (a manifest, - for stdin) or --image REF", path="evaluate"
        )
    namespace = args.namespace if args.namespace is not None else DEFAULT_NAMESPACE
    check_namespace(namespace, "--namespace")
    return _units_from_input(args.input, namespace)


def _explain(
    response: EvaluateGkePolicyResponse,
    titles: Sequence[str],
    policy: PlatformPolicy | None = None,
) -> str:
    """The response in words, one Pod after another (``policy``: the one
    evaluated, so fixes can name an attestation check's keys)."""
    lines: list[str] = []
    for title, pod in zip(titles, response.results, strict=True):
        account = pod.kubernetes_service_account
        lines.append(f"{title}, service account {account}: {pod.verdict.value}")
        for image in pod.image_results:
            lines.append(f"  image {image.image_uri}: {image.verdict.value}")
            if image.explanation:
                lines.append(f"    {image.explanation}")
            cs = image.check_set_result
            if cs is None:
                continue
            scope = cs.scope.to_dict() if cs.scope is not None else {}
            named = f" {cs.display_name!r}" if cs.display_name else ""
            where = ", ".join(f"{k} {v}" for k, v in scope.items()) or "unscoped"
            lines.append(
                f"    check set {cs.index}{named} ({where}): {cs.verdict.value}"
            )
            if cs.explanation:
                lines.append(f"      {cs.explanation}")
            for check in cs.check_results:
                named = f" {check.display_name!r}" if check.display_name else ""
                why = f": {check.explanation}" if check.explanation else ""
                lines.append(
                    f"      check {check.index} {check.type}{named}: "
                    f"{check.verdict.value}{why}"
                )
        one = EvaluateGkePolicyResponse(verdict=pod.verdict, results=(pod,))
        found = fixes(platform_decision(one), platform_policy=policy)
        if found:
            lines.append(render(found))
    verdict = response.verdict
    code = 0 if verdict is Verdict.CONFORMANT else 1
    closing = {
        Verdict.CONFORMANT: "every image conforms",
        Verdict.NON_CONFORMANT: "at least one image does not conform",
        Verdict.ERROR: "at least one check could not be evaluated; an ERROR is "
        "never conformant",
    }[verdict]
    lines.append(f"verdict: {verdict.value}: {closing} (exit {code})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Load everything first (exit 2 on any problem), then evaluate every Pod."""
    policy = load_gke_policy(args.platform_policy)
    metadata: dict[str, ImageMetadata] = (
        load_image_metadata_file(args.image_metadata) if args.image_metadata else {}
    )
    source = platform_source(args.occurrences, args.occurrences_project)
    builders = load_trusted_builders(args.trusted_builders)
    now = parse_now(args.now)
    units, notes = _units(args)
    pods: list[PodResult] = []
    for unit in units:
        one = evaluate_platform_policy(
            policy,
            unit.images,
            namespace=unit.namespace,
            service_account=unit.service_account,
            now=now,
            occurrences=source,
            image_metadata=metadata,
            pod_name=unit.name,
            trusted_builders=builders,
        )
        pods.extend(one.results)
    response = EvaluateGkePolicyResponse(
        verdict=worst(p.verdict for p in pods), results=tuple(pods)
    )
    for note in notes:
        print(f"kritis-sim evaluate: note: {note}", file=sys.stderr)
    text = _explain(response, [u.title for u in units], policy)
    if args.format == "text":
        print(text)
    else:
        print(text, file=sys.stderr)
        print_json(response.to_dict())
    return 0 if response.verdict is Verdict.CONFORMANT else 1
