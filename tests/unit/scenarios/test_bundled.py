"""Every bundled scenario under scenarios/ holds, in-process and through the webhook.

This is how the project's own test run (``testpaths = ["tests"]``) covers the
bundled scenarios without the pytest plugin collecting them a second time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario_file
from kritis_sim.scenarios.runner import discover, load_all, run_scenarios
from kritis_sim.scenarios.schema import Attest, ChangePolicy, Deploy, KeyChange, Outcome
from kritis_sim.scenarios.simulator import simulate

ROOT = Path(__file__).resolve().parents[3]
FILES = discover([ROOT / "scenarios"])
KEYS = KeyFactory()


def test_at_least_twelve_bundled_scenarios() -> None:
    assert len(FILES) >= 12
    assert all("manifests" not in f.parts for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_bundled_scenario_holds_in_process(path: Path) -> None:
    scenario = load_scenario_file(path)
    assert scenario.description, "a bundled scenario tells its story"
    assert all(d.expect is not None for d in scenario.deploys), "every deploy has an expectation"
    result = simulate(scenario, keys=KEYS)
    assert result.ok, "\n\n".join(result.failures)


def test_bundled_scenarios_cover_the_required_stories() -> None:
    scenarios, errors = load_all(FILES)
    assert not errors
    deploys = [d for s in scenarios for d in s.deploys]
    outcomes = {d.expect.outcome for d in deploys if d.expect is not None}
    assert outcomes == set(Outcome)
    assert any(d.kind == "Deployment" and d.pods for d in deploys)
    assert any(any(":" in i.rsplit("/", 1)[-1] and "@" not in i for i in d.images) for d in deploys)
    events = [e for s in scenarios for e in s.events]
    assert any(isinstance(e, KeyChange) and e.remove for e in events)
    assert any(isinstance(e, Attest) and e.claim_key is not None for e in events)
    assert any(isinstance(e, Attest) and e.payload_image != e.image for e in events)
    assert any(isinstance(e, ChangePolicy) for e in events)
    classic = [s.policy for s in scenarios if s.policy is not None]
    assert any(p.admission_whitelist_patterns for p in classic)
    rules = [
        r
        for p in classic
        for r in (p.default_admission_rule, *p.cluster_admission_rules.values())
    ]
    assert any(r.max_attestation_age is not None for r in rules)
    assert len({s.name for s in scenarios}) == len(scenarios)
    assert all(isinstance(d, Deploy) for d in deploys)


def test_bundled_scenarios_hold_through_the_webhook() -> None:
    scenarios, _ = load_all(FILES)
    summary = run_scenarios(scenarios, via="webhook", keys=KEYS)
    assert summary.ok, "\n\n".join(f for r in summary.results for f in r.failures)
    inprocess = run_scenarios(scenarios, keys=KEYS)
    assert [d.reply.outcome for r in summary.results for d in r.deploys] == [
        d.reply.outcome for r in inprocess.results for d in r.deploys
    ]
    # ``reason`` patterns are matched against the same text on both paths.
    assert [(d.reply.text, *(p.text for p in d.pods)) for r in summary.results for d in r.deploys] == [
        (d.reply.text, *(p.text for p in d.pods)) for r in inprocess.results for d in r.deploys
    ]


def test_bundled_scenarios_match_the_editor_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import json

    import yaml

    schema = json.loads((ROOT / "schema" / "scenario.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in FILES:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
