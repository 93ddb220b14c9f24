"""``kritis-sim kind``: the webhook in a local kind cluster, checked end to end.

  kritis-sim kind up                  create the cluster, build and load the image
  kritis-sim kind check TARGET        install the webhook and send workloads
  kritis-sim kind down                delete the cluster

TARGET is a scenario file (every deploy is sent to the cluster with
``kubectl apply --dry-run=server`` and checked against the scenario's
expectations) or a YAML file of workloads (each sent with a server-side dry
run and then really created with ``imagePullPolicy: Never``, and deleted
again), judged by the policy in ``--policy``, ``--attestors`` and
``--occurrences``. Needs a Docker engine, kind and kubectl on PATH; without
them it says what is missing and exits 2. Exit codes: 0 all admitted /
expectations hold, 1 something denied / an expectation failed, 2 unusable
input or missing tools.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kritis_sim.cli._common import read_text
from kritis_sim.cli.occurrence_files import OCCURRENCES_HELP
from kritis_sim.errors import HarnessError, InputError

__all__ = ["register", "run"]

_EXIT_INPUT = 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", default="kritis-sim", help="kind cluster name")
    p.add_argument(
        "--image", default="kritis-sim:kind", help="webhook image tag (not :latest)"
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress messages on stderr (results and errors are still shown)",
    )


def register(sub: Any) -> None:
    """Add the ``kind`` subcommand and its ``up``, ``check`` and ``down``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "kind",
        help="run the webhook in a local kind cluster",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up", help="create the cluster, build and load the webhook image"
    )
    _common(up)
    up.add_argument(
        "--base-image",
        default="python:3.11-slim",
        help="Python image the webhook image is built on (default python:3.11-slim)",
    )
    up.add_argument("--node-image", help="kind node image (default: kind's)")
    check = actions.add_parser(
        "check", help="install the webhook and send a scenario's or file's workloads"
    )
    _common(check)
    check.add_argument(
        "target",
        metavar="SCENARIO-or-MANIFESTS",
        help="a scenario file, or Kubernetes manifests (with --policy and --attestors)",
    )
    check.add_argument("--policy", metavar="FILE", help="policy (manifests mode)")
    check.add_argument("--attestors", metavar="FILE", help="attestors (manifests)")
    check.add_argument(
        "--occurrences", metavar="FILE|DIR", action="append", help=OCCURRENCES_HELP
    )
    check.add_argument(
        "--cluster",
        default="us-central1.kind-kritis-sim",
        metavar="LOCATION.NAME",
        help="manifests mode: the cluster the installed webhook guards, as "
        "clusterAdmissionRules keys name it (default us-central1.kind-kritis-sim; "
        "a scenario's environments name their own)",
    )
    check.add_argument("--namespace", default="kritis-sim-e2e", help="for workloads")
    check.add_argument(
        "--dry-run-only", action="store_true", help="do not really create objects"
    )
    down = actions.add_parser("down", help="delete the cluster")
    _common(down)
    p.set_defaults(func=run)


def _missing() -> int | None:
    from kritis_sim.harness._process import REQUIREMENTS, missing_requirements

    missing = missing_requirements()
    if not missing:
        return None
    print(f"kritis-sim kind: needs {REQUIREMENTS}; missing:", file=sys.stderr)
    for line in missing:
        print(f"  - {line}", file=sys.stderr)
    return _EXIT_INPUT


def _log(message: str) -> None:
    print(f"kritis-sim kind: {message}", file=sys.stderr)


def _quiet(message: str) -> None:
    """The progress callback under ``--quiet``: says nothing."""


def _workloads(path: str) -> list[dict[str, Any]]:
    from kritis_sim._yaml import load_documents

    out: list[dict[str, Any]] = []
    for data, locator in load_documents(read_text(path), path):
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise locator.error(InputError, (), "expected a Kubernetes object")
        out.append(data)
    if not out:
        raise InputError("no Kubernetes objects found", source=path)
    return out


def _occurrences_json(values: list[str] | None) -> str | None:
    """Every ``--occurrences`` file and directory, as one JSON list."""
    if not values:
        return None
    import json

    from kritis_sim.cli.occurrence_files import read_occurrences

    return json.dumps([occ.to_dict() for occ in read_occurrences(values)])


def _check_manifests(harness: Any, args: argparse.Namespace) -> int:
    from kritis_sim.harness.kind import PolicyFiles

    if not (args.policy and args.attestors):
        raise InputError(
            "a manifests file needs --policy and --attestors", path="kind check"
        )
    objects = _workloads(args.target)
    files = PolicyFiles(
        policy_yaml=read_text(args.policy),
        attestors_yaml=read_text(args.attestors),
        occurrences_json=_occurrences_json(args.occurrences),
    )
    harness.install(files)
    denied = 0
    for obj in objects:
        if args.dry_run_only:
            answers = (harness.admit(obj, dry_run=True),)
        else:
            answers = harness.check(obj)
        for answer in answers:
            print(answer)
            denied += not answer.allowed
    return 1 if denied else 0


def _check_scenario(harness: Any, path: Path) -> int:
    from kritis_sim.cli.target import check_scenario_targets
    from kritis_sim.harness._scenario import check_scenario
    from kritis_sim.scenarios.loader import load_scenario_file

    scenario = load_scenario_file(path)
    check_scenario_targets(scenario)  # the webhook would refuse to start
    result = check_scenario(harness, scenario)
    for deploy in result.deploys:
        mark = "ok  " if deploy.ok else "FAIL"
        print(
            f"{mark} {deploy.event.label}: {deploy.reply.outcome.value}: "
            f"{deploy.reply.message}"
        )
    for failure in result.failures:
        print(failure, file=sys.stderr)
    return 0 if result.ok else 1


def run(args: argparse.Namespace) -> int:
    """Run ``up``, ``check`` or ``down``."""
    from kritis_sim.harness._commands import KindSettings
    from kritis_sim.harness.kind import KindHarness
    from kritis_sim.scenarios.runner import is_scenario_file

    code = _missing()
    if code is not None:
        return code
    try:
        extra: dict[str, Any] = {}
        if args.action == "up":
            extra = {"base_image": args.base_image, "node_image": args.node_image}
        elif args.action == "check":
            extra = {"cluster": args.cluster, "workload_namespace": args.namespace}
        settings = KindSettings(cluster_name=args.name, image=args.image, **extra)
        harness = KindHarness(settings, log=_quiet if args.quiet else _log)
        if args.action == "up":
            harness.up()
            if not args.quiet:
                _log(f"cluster {args.name} is up; image {args.image} loaded")
            return 0
        if args.action == "down":
            harness.down()
            return 0
        if not harness.cluster_exists():
            raise InputError(
                f"no kind cluster {args.name!r}; run `kritis-sim kind up` first",
                path="kind check",
            )
        harness.verify_local()
        target = Path(args.target)
        if target.suffix in (".yaml", ".yml") and is_scenario_file(target):
            return _check_scenario(harness, target)
        return _check_manifests(harness, args)
    except HarnessError as exc:
        print(f"kritis-sim kind: error: {exc}", file=sys.stderr)
        return _EXIT_INPUT
