"""Properties of the replay: a policy compared with itself changes nothing;
adding a required attestor (tightening) never allows anything newly."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kritis_sim._locator import Locator
from kritis_sim.cli.target import TargetSettings
from kritis_sim.core.judges import ClassicJudge
from kritis_sim.core.source import InMemorySource
from kritis_sim.cv.items import CvItem, item_from_object
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import load_attestors
from kritis_sim.model.occurrence import load_occurrences
from kritis_sim.model.policy import Policy
from kritis_sim.strategies import CLUSTER, TIME, GeneratedWorld, world_batches
from kritis_sim.whatif.replay import replay
from kritis_sim.whatif.sides import JudgeSide

EXTRA = "projects/gen/attestors/never-signed"


def _items(batch: list[GeneratedWorld]) -> list[CvItem]:
    out = []
    for world in batch:
        try:
            item = item_from_object(
                world.workload, Locator("<gen>", {}), (), namespace="default"
            )
        except InputError:
            continue
        if isinstance(item, CvItem):
            out.append(item)
    return out


def _side(
    world: GeneratedWorld, doc: dict[str, Any], batch: list[GeneratedWorld]
) -> JudgeSide:
    occurrences = [o for w in batch for o in w.occurrences]
    return JudgeSide(
        "p",
        ClassicJudge(
            Policy.from_dict(doc), load_attestors(json.dumps(world.attestors))
        ),
        InMemorySource(load_occurrences(json.dumps(occurrences))),
        TargetSettings(world.cluster or CLUSTER, None),
    )


def _tighten(doc: dict[str, Any], extra: str) -> dict[str, Any]:
    """Every REQUIRE_ATTESTATION rule also requires ``extra``."""
    doc = copy.deepcopy(doc)
    rules = [doc["defaultAdmissionRule"]]
    for key in ("clusterAdmissionRules", "kubernetesNamespaceAdmissionRules"):
        rules.extend((doc.get(key) or {}).values())
    for rule in rules:
        required = rule.get("requireAttestationsBy") or []
        if (
            rule.get("evaluationMode") == "REQUIRE_ATTESTATION"
            and extra not in required
        ):
            rule["requireAttestationsBy"] = [*rule["requireAttestationsBy"], extra]
    return doc


@settings(max_examples=10)
@given(world_batches(max_size=4))
def test_a_policy_compared_with_itself_changes_nothing(
    batch: list[GeneratedWorld],
) -> None:
    items = _items(batch)
    assume(items)
    side = _side(batch[0], batch[0].policy, batch)
    report = replay(items, side, side, now=TIME)
    assert report.counts["unchanged"] == len(items)
    assert not report.changes
    assert report.exit_code == 0


@settings(max_examples=10)
@given(world_batches(max_size=4), st.booleans())
def test_adding_a_required_attestor_never_newly_allows(
    batch: list[GeneratedWorld], defined: bool
) -> None:
    items = _items(batch)
    assume(items)
    world = batch[0]
    extra = world.attestors[-1]["name"] if defined else EXTRA
    old = _side(world, world.policy, batch)
    new = _side(world, _tighten(world.policy, extra), batch)
    report = replay(items, old, new, now=TIME)
    assert report.counts["newlyAllowed"] == 0
    assert not report.of("newlyAllowed")
