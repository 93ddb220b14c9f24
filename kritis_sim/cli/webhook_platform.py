"""``kritis-sim webhook --platform-policy``: the judge and the occurrence source.

Split from :mod:`kritis_sim.cli.webhook` (which wires everything else): a
platform policy from a file or, with ``--emulator``, by name from the
emulator; occurrences from ``--occurrences`` files, the emulator's Grafeas, or
both; and the refusal of platform-only flags for a classic policy. CLI-only.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kritis_sim.admission.enforcer import JudgeProvider, StaticJudge
from kritis_sim.cli.platform_inputs import (
    ChainedOccurrences,
    EmulatorPlatformJudges,
    is_policy_name,
    load_gke_policy,
    load_trusted_builders,
    platform_source,
)
from kritis_sim.core.judges import PlatformJudge
from kritis_sim.errors import GrafeasError, InputError, PolicyError
from kritis_sim.model.image_metadata import load_image_metadata_file
from kritis_sim.model.platform.policy import PlatformPolicy

__all__ = ["classic_only", "platform_world"]


def platform_world(args: argparse.Namespace) -> tuple[JudgeProvider, Any]:
    """A platform-policy judge provider and the occurrence source it reads:
    the ``--occurrences`` files, the emulator's Grafeas, or both (files first).
    The policy is a file, or a policy name read from ``--emulator`` (re-read
    at most every ``--policy-ttl`` seconds)."""
    if args.policy or args.attestors:
        raise InputError(
            "give --platform-policy, or --policy and --attestors, not both",
            path="--platform-policy",
        )
    if args.project:
        raise InputError(
            "--project names the classic policy's project in the emulator; a "
            "--platform-policy reads occurrences from the projects its checks name",
            path="--project",
        )
    metadata = (
        load_image_metadata_file(args.image_metadata) if args.image_metadata else {}
    )
    builders = load_trusted_builders(args.trusted_builders)

    def make(policy: PlatformPolicy) -> PlatformJudge:
        return PlatformJudge(
            policy,
            image_metadata=metadata,
            trusted_builders=builders,
            dry_run=args.platform_enforcement == "dry-run",
        )

    files = platform_source(args.occurrences, args.occurrences_project)
    named = is_policy_name(args.platform_policy)
    if named and not args.emulator:
        raise InputError(
            f"{args.platform_policy!r} is a policy name and there is no such file; "
            "give --emulator URL to read it from the emulator, or a policy file",
            path="--platform-policy",
        )
    if not args.emulator:
        return StaticJudge(make(load_gke_policy(args.platform_policy))), files
    from kritis_sim.grafeas.client import GrafeasPlatformOccurrences, GrafeasRestClient

    judges: JudgeProvider
    if named:
        judges = EmulatorPlatformJudges(
            GrafeasRestClient(args.emulator),
            args.platform_policy,
            make,
            args.policy_ttl,
        )
        try:
            judges()
        except (GrafeasError, PolicyError) as exc:
            print(
                f"kritis-sim webhook: warning: cannot read {args.platform_policy} "
                f"now ({exc}); every request is denied until it can be read",
                file=sys.stderr,
            )
    else:
        judges = StaticJudge(make(load_gke_policy(args.platform_policy)))
    live = GrafeasPlatformOccurrences(GrafeasRestClient(args.emulator))
    return judges, live if not args.occurrences else ChainedOccurrences(files, live)


def classic_only(args: argparse.Namespace) -> None:
    """Platform-policy flags are refused without --platform-policy (never
    silently ignored)."""
    for flag in ("occurrences_project", "image_metadata", "trusted_builders"):
        if getattr(args, flag) is not None:
            name = "--" + flag.replace("_", "-")
            raise InputError(
                f"{name} applies to --platform-policy only (a classic policy "
                "reads attestations only)",
                path=name,
            )
    if args.platform_enforcement != "enforce":
        raise InputError(
            "--platform-enforcement applies to --platform-policy only (a classic "
            "policy's rules carry their own enforcementMode)",
            path="--platform-enforcement",
        )
