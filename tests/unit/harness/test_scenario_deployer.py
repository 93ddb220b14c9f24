"""Scenario deploys answered through a (fake) cluster."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kritis_sim.harness._results import Admission
from kritis_sim.harness._scenario import (
    check_scenario,
    files_from_world,
    reply_from_admission,
)
from kritis_sim.harness.kind import PolicyFiles
from kritis_sim.model.attestor import load_attestors
from kritis_sim.model.occurrence import load_occurrences
from kritis_sim.model.policy import load_policy
from kritis_sim.scenarios.loader import load_scenario_file
from kritis_sim.scenarios.schema import Outcome
from kritis_sim.scenarios.world import World

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def _admission(allowed: bool, message: str, *warnings: str) -> Admission:
    return Admission("Pod", "web", "shop", True, allowed, message, None, warnings)


def test_reply_from_admission_outcomes() -> None:
    denied = reply_from_admission("Pod", "web", _admission(False, "Denied by x"))
    assert (denied.outcome, denied.reasons) == (Outcome.DENIED, ("Denied by x",))
    ok = reply_from_admission("Pod", "web", _admission(True, "pod/web created"))
    assert ok.outcome is Outcome.ALLOWED
    glass = _admission(
        True,
        "pod/web created",
        "breakglass: admitted but would be denied: no qa attestation",
        "breakglass used and audited (label)",
    )
    reply = reply_from_admission("Pod", "web", glass)
    assert reply.outcome is Outcome.BREAKGLASS
    assert reply.reasons == ("no qa attestation",)
    dry = _admission(True, "ok", "dry-run: admitted but would be denied: tag")
    assert reply_from_admission("Pod", "web", dry).outcome is Outcome.DRY_RUN


def test_files_from_world_load_back() -> None:
    world = World(load_scenario_file(SCENARIOS / "breakglass.yaml"))
    files = files_from_world(world)
    load_policy(files.policy_yaml)
    assert len(load_attestors(files.attestors_yaml)) == 1
    assert load_occurrences(files.occurrences_json or "") == ()


class _FakeCluster:
    """Answers like the webhook would, from the world the last install wrote."""

    def __init__(self) -> None:
        self.installs: list[tuple[PolicyFiles, str | None]] = []
        self.sent: list[Mapping[str, Any]] = []

    def install(self, files: PolicyFiles, *, cluster: str | None = None) -> None:
        self.installs.append((files, cluster))

    def ensure_namespace(self, name: str) -> None:
        pass

    def admit(
        self, obj: Mapping[str, Any], *, namespace: str, dry_run: bool
    ) -> Admission:
        self.sent.append(obj)
        occurrences = json.loads(self.installs[-1][0].occurrences_json or "{}")
        allowed = bool(occurrences["occurrences"])
        return Admission("Pod", "x", namespace, dry_run, allowed, "answer")


def test_kind_deployer_reinstalls_only_on_change() -> None:
    cluster = _FakeCluster()
    scenario = load_scenario_file(SCENARIOS / "deployment-refused.yaml")
    result = check_scenario(cluster, scenario)  # type: ignore[arg-type]
    assert result.via == "kind"
    assert len(result.deploys) == 3
    # build (no change visible to decisions), then deploy: one install; each
    # later attestation changes the world once more.
    assert len(cluster.installs) == 3
    assert {c for _, c in cluster.installs} == {"us-east1.prod"}
    assert all("ownerReferences" not in o["metadata"] for o in cluster.sent)
    assert len(cluster.sent) == 1 + 3 + 1 + 3 + 1 + 1
