"""Run a scenario's deploys against the webhook in a kind cluster.

:class:`KindDeployer` is a :class:`kritis_sim.scenarios.simulator.Deployer`:
before a deploy it makes the in-cluster webhook read the world as it stands
(policy, trusted attestor keys and every stored occurrence, written to the
ConfigMap; the environment's cluster as ``--cluster``), reinstalling only when
the world changed, then sends the deploy's object with ``kubectl apply
--dry-run=server`` to the environment's namespace and reads the API server's
answer into a :class:`~kritis_sim.scenarios.result.Reply`.

Limits, by construction: the webhook in the cluster decides at the real time,
not the scenario's virtual clock, so freshness rules (``kritisSimMaxAttestationAge``)
and ``advance`` steps are judged at wall-clock time; and every world change
rolls the webhook, which takes seconds per change. This module neither runs
processes itself nor decides anything.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from kritis_sim.errors import InputError
from kritis_sim.harness._results import Admission
from kritis_sim.harness.kind import KindHarness, PolicyFiles
from kritis_sim.scenarios.result import Reply, ScenarioResult
from kritis_sim.scenarios.schema import Outcome, Request, Scenario
from kritis_sim.scenarios.simulator import simulate
from kritis_sim.scenarios.world import World

__all__ = ["KindDeployer", "check_scenario", "files_from_world", "reply_from_admission"]

_OVERRIDES = {
    "dry-run: admitted but would be denied": Outcome.DRY_RUN,
    "breakglass: admitted but would be denied": Outcome.BREAKGLASS,
}


def files_from_world(world: World) -> PolicyFiles:
    """The ConfigMap contents for the world as it stands now."""
    attestors: dict[str, Any] = {"attestors": [a.to_dict() for a in world.attestors()]}
    if world.policy is None:
        raise InputError(
            "the kind harness enforces the classic policy only; this scenario "
            "guards every environment with a platform policy"
        )
    return PolicyFiles(
        policy_yaml=yaml.safe_dump(world.policy.to_dict(), sort_keys=False),
        attestors_yaml=yaml.safe_dump(attestors, sort_keys=False),
        occurrences_json=json.dumps({"occurrences": world.occurrences()}),
    )


def reply_from_admission(kind: str, name: str | None, admission: Admission) -> Reply:
    """The scenario reply for the API server's answer.

    Denied when refused; dry-run or breakglass when admitted with the
    webhook's ``... admitted but would be denied: <reason>`` warning (the
    reasons are those warnings); allowed otherwise.
    """
    details = admission.warnings
    if not admission.allowed:
        return Reply(
            kind,
            name,
            Outcome.DENIED,
            admission.message,
            None,
            (admission.message,),
            details,
        )
    outcome, reasons = Outcome.ALLOWED, []
    for warning in admission.warnings:
        for prefix, override in _OVERRIDES.items():
            if warning.startswith(prefix):
                outcome = override
                reasons.append(warning.removeprefix(prefix).lstrip(": "))
    return Reply(kind, name, outcome, admission.message, None, tuple(reasons), details)


class KindDeployer:
    """Answers a scenario's admission requests with the webhook in kind."""

    def __init__(self, harness: KindHarness) -> None:
        self.harness = harness
        self._installed: tuple[int, int, str | None] | None = None
        self._namespaces: set[str] = set()

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        """See :meth:`kritis_sim.scenarios.simulator.Deployer.submit`."""
        if environment in world.platform_policies:
            raise InputError(
                f"environment {environment!r} is guarded by a platform policy; the "
                "kind harness enforces the classic policy only"
            )
        cluster = world.scenario.environments[environment].cluster
        state = (id(world), world.generation, cluster)
        if state != self._installed:
            self.harness.install(files_from_world(world), cluster=cluster)
            self._installed = state
        if request.namespace not in self._namespaces:
            self.harness.ensure_namespace(request.namespace)
            self._namespaces.add(request.namespace)
        obj = dict(request.review["request"]["object"])
        # A controller's Pod names its owner without a uid, which the API
        # server's validation (run before the webhook) would refuse.
        meta = {
            k: v for k, v in obj.get("metadata", {}).items() if k != "ownerReferences"
        }
        obj["metadata"] = meta
        admission = self.harness.admit(obj, namespace=request.namespace, dry_run=True)
        return reply_from_admission(request.kind, request.name, admission)


def check_scenario(harness: KindHarness, scenario: Scenario) -> ScenarioResult:
    """Simulate ``scenario`` with every deploy answered by the cluster."""
    return simulate(scenario, deployer=KindDeployer(harness), via="kind")
