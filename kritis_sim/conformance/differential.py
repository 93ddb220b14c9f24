"""Differential mode: random cases, judged by the reference, run against an adapter.

Hypothesis draws *batches* of worlds from
:func:`kritis_sim.strategies.world_batches`: every world of a batch shares one
configuration (policy, attestors, cluster), so the adapter is configured
(``setup`` + ``start``) once per batch and then answers one review per world.
Each world becomes a case directory whose expectation is the reference
decision (:func:`kritis_sim.conformance.reference.reference_result`) and runs
in one long-lived session.

The run stops after ``examples`` cases or ``seconds`` of wall time, whichever
comes first. On the first disagreement Hypothesis shrinks the batch for at most
``shrink_seconds`` (a shrink step that changes the configuration costs an
adapter reconfiguration), and the smallest disagreeing world found is written
under ``out_dir`` as ``generated_<hash>[_deny]``, ready to be added to the
catalogue.

Results are memoised by world, so replays during shrinking cost nothing.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky

from kritis_sim.conformance.case import Case, case_from_documents
from kritis_sim.conformance.reference import reference_result
from kritis_sim.conformance.runner import CaseResult, judge, open_session
from kritis_sim.conformance.writer import CaseData, dump_yaml, write_case
from kritis_sim.model.occurrence import format_timestamp
from kritis_sim.strategies import TIME, GeneratedWorld, world_batches

__all__ = ["case_data", "run_differential", "world_case", "world_features"]

_RULE_MAPS = ("clusterAdmissionRules", "kubernetesNamespaceAdmissionRules")
_BREAKGLASS_KEYS = (
    "image-policy.k8s.io/break-glass",
    "alpha.image-policy.k8s.io/break-glass",
    "kritis.grafeas.io/breakglass",
)


def _rules(policy: dict[str, Any]) -> list[dict[str, Any]]:
    rules = [policy["defaultAdmissionRule"]]
    for key in _RULE_MAPS:
        rules += (policy.get(key) or {}).values()
    return rules


def _metadata(obj: Any) -> list[dict[str, Any]]:
    """Every ``metadata`` mapping in ``obj`` (object, templates)."""
    if isinstance(obj, dict):
        found = [obj["metadata"]] if isinstance(obj.get("metadata"), dict) else []
        for value in obj.values():
            found += _metadata(value)
        return found
    return []


def world_features(world: GeneratedWorld) -> list[str]:
    """The feature tags a generated world needs (docs/conformance.md)."""
    policy, workload = world.policy, world.workload
    spec_text = json.dumps(workload)
    rules = _rules(policy)
    tags = {
        "allowlist": bool(policy.get("admissionWhitelistPatterns")),
        "cluster-rules": "clusterAdmissionRules" in policy,
        "namespace-rules": "kubernetesNamespaceAdmissionRules" in policy,
        "dry-run": any(r["enforcementMode"] == "DRYRUN_AUDIT_LOG_ONLY" for r in rules),
        "freshness": any(
            "kritisSimMaxAttestationAge" in r
            or "kritisSimMaxAttestationAgeByAttestor" in r
            for r in rules
        ),
        "controllers": workload["kind"] != "Pod",
        "init-containers": '"initContainers"' in spec_text,
        "ephemeral-containers": '"ephemeralContainers"' in spec_text,
        "breakglass": any(
            key in (meta.get(part) or {})
            for meta in _metadata(workload)
            for part in ("labels", "annotations")
            for key in _BREAKGLASS_KEYS
        ),
    }
    return sorted(tag for tag, needed in tags.items() if needed)


def case_data(
    world: GeneratedWorld, name: str, allowed: bool | None = None
) -> CaseData:
    """The case directory contents for a generated world."""
    notes = {a["userOwnedGrafeasNote"]["noteReference"] for a in world.attestors}
    notes |= {o["noteName"] for o in world.occurrences}
    occurrences = [
        {
            "made": "generated",
            "occurrence": dict(o, name=f"projects/generated/occurrences/{i}"),
        }
        for i, o in enumerate(world.occurrences)
    ]
    features = world_features(world)
    request: dict[str, Any] = {"review": "AdmissionReview", "object": world.workload}
    if world.sub_resource:
        request["subResource"] = world.sub_resource
    request["target"] = {"cluster": world.cluster, "istioTrustDomain": None}
    return CaseData(
        name=name,
        policy=world.policy,
        attestors=world.attestors,
        world={
            "time": format_timestamp(TIME),
            "notes": sorted(notes),
            "occurrences": occurrences,
        },
        request=request,
        expect={"allowed": bool(allowed), "features": features},
        readme=(
            f"# {name}\n\nChecks: a world generated by the differential mode "
            "(kritis_sim.strategies); the expectation is the reference decision.\n"
            f"Features: {', '.join(features) or 'core'}.\n"
            "Traces to: wire-formats.md 1.4.\n"
        ),
    )


def _world_digest(world: GeneratedWorld) -> str:
    data = json.dumps(world.__dict__, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()[:12]


def world_case(world: GeneratedWorld, root: Path) -> Case:
    """Write ``world`` as a case whose expectation is the reference decision
    (decided in memory first, so the directory is written once)."""
    name = f"generated_{_world_digest(world)}"
    draft = case_data(world, name, True)
    probe = case_from_documents(
        Path(root) / name,
        policy_text=dump_yaml(dict(draft.policy)),
        attestors_text=dump_yaml([dict(a) for a in draft.attestors]),
        world=draft.world,
        request=draft.request,
        expect=draft.expect,
    )
    allowed = reference_result(probe).observed.allowed
    return write_case(
        root, case_data(world, name + ("" if allowed else "_deny"), allowed)
    )


class _Stop(BaseException):
    """Ends the Hypothesis run when a budget is spent. Hypothesis counts only
    ``Exception`` (and ``SystemExit``, ``GeneratorExit``) as a failing test and
    lets other ``BaseException`` subclasses through, as it does
    ``KeyboardInterrupt``; it has no public way to stop generating or shrinking
    early."""


@dataclass
class _Run:
    """Bookkeeping of one differential run."""

    examples: int
    seconds: float | None
    shrink_seconds: float
    started: float = field(default_factory=time.perf_counter)
    ran: int = 0
    memo: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[GeneratedWorld, str]] = field(default_factory=list)
    first_failure_at: float | None = None

    def out_of_budget(self) -> bool:
        """Generating: enough cases ran or time is up. Shrinking: time is up."""
        now = time.perf_counter()
        if self.first_failure_at is not None:
            return now - self.first_failure_at >= self.shrink_seconds
        over_time = self.seconds is not None and now - self.started >= self.seconds
        return self.ran >= self.examples or over_time

    def check(
        self,
        batch: Sequence[GeneratedWorld],
        judge_world: Callable[[GeneratedWorld], str],
    ) -> None:
        """Judge a batch's worlds in order; raise on the first disagreement.

        Raises:
            AssertionError: a world disagrees (Hypothesis then shrinks).
            _Stop: the budget is spent.
        """
        if self.out_of_budget():
            raise _Stop
        for world in batch:
            key = _world_digest(world)
            if key not in self.memo:
                if self.out_of_budget():
                    raise _Stop
                self.memo[key] = judge_world(world)
                if self.first_failure_at is None:
                    self.ran += 1  # cases tried while shrinking do not count
            detail = self.memo[key]
            if detail:
                # Hypothesis only tries candidates smaller than its current
                # best, so the last failure recorded is the smallest so far.
                self.first_failure_at = self.first_failure_at or time.perf_counter()
                self.failures.append((world, detail))
                raise AssertionError(detail)


def run_differential(
    entrypoint: str,
    *,
    examples: int,
    out_dir: str | Path,
    seconds: float | None = None,
    shrink_seconds: float = 30.0,
    batch_size: int = 16,
    seed: int | None = None,
) -> CaseResult:
    """Run up to ``examples`` generated cases for at most ``seconds``.

    Args:
        entrypoint: the adapter command line.
        examples: the most generated cases to run.
        out_dir: where the minimal disagreeing case is written.
        seconds: a wall-time budget for generating and running (None: none).
        shrink_seconds: a wall-time budget for shrinking a disagreement.
        batch_size: the most cases that share one configuration.
        seed: makes the draws reproducible (None: random).

    Returns:
        One :class:`CaseResult` named ``generated`` summarising the run.
    """
    run = _Run(examples, seconds, shrink_seconds)
    with tempfile.TemporaryDirectory(prefix="kritis-generated-") as tmp, \
            open_session(entrypoint) as (session, capabilities):  # fmt: skip

        def judge_world(world: GeneratedWorld) -> str:
            result = judge(session, world_case(world, Path(tmp)), capabilities, {})
            return result.detail if result.outcome == "failed" else ""

        @settings(
            max_examples=max(examples, 1), deadline=None, database=None,
            suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
            phases=[Phase.generate, Phase.shrink], verbosity=Verbosity.quiet,
        )  # fmt: skip
        @given(world_batches(max_size=batch_size))
        def check(batch: list[GeneratedWorld]) -> None:
            run.check(batch, judge_world)

        if seed is not None:
            check = hypothesis_seed(seed)(check)
        try:
            check()
        except (AssertionError, Flaky, _Stop):
            pass  # a disagreement (Flaky: one that did not reproduce) or a budget
    elapsed = time.perf_counter() - run.started
    if not run.failures:
        return CaseResult(
            "generated", "passed", f"{run.ran} generated cases agreed", (), elapsed
        )
    world, detail = run.failures[-1]
    written = world_case(world, Path(out_dir))
    return CaseResult(
        "generated", "failed",
        f"{run.ran} generated cases; minimal disagreeing case written to "
        f"{written.path}: {detail}", (), elapsed,
    )  # fmt: skip
