"""A failed expectation's report says what would make the denied deploy pass:
in-process with the attestor's note, key ids and the sign command; through
the webhook with the denial message's fix hint."""

from __future__ import annotations

from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.runner import run_scenarios

KEYS = KeyFactory()
SCENARIO = load_scenario(
    """\
scenario: fixes
environments: {prod: {cluster: us-east1.prod, namespace: shop}}
attestors: {scan: {}}
artifacts: {web: {repository: gcr.io/shop-project/web}}
policy:
  defaultAdmissionRule:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
    requireAttestationsBy: [scan]
events:
  - build: web
  - deploy: {name: unsigned, to: prod, artifact: web, expect: allowed}
""",
    source="fixes.yaml",
)


def test_inprocess_failure_report_shows_the_fix() -> None:
    result = run_scenarios([SCENARIO], via="inprocess", keys=KEYS).results[0]
    (failure,) = result.failures
    assert "expected allowed, got denied" in failure
    assert "fix (attest) for gcr.io/shop-project/web@sha256:" in failure
    assert "accepted key ids: " in failure
    assert "$ kritis-sim sign --image gcr.io/shop-project/web@sha256:" in failure
    assert "fix (allowlist) for " in failure and "'gcr.io/shop-project/web@*'" in failure


def test_webhook_failure_report_shows_the_hint() -> None:
    result = run_scenarios([SCENARIO], via="webhook", keys=KEYS).results[0]
    (failure,) = result.failures
    assert " Fix: attest gcr.io/shop-project/web@sha256:" in failure


def test_platform_attestation_check_failure_names_its_keys_and_project() -> None:
    from kritis_sim.scenarios.simulator import simulate
    from tests.unit.scenarios.test_scenario_platform import KEYS as PKEYS
    from tests.unit.scenarios.test_scenario_platform import SIGNED, _load

    unsigned = SIGNED.replace("      - attest: {artifact: web, attestor: qa}\n", "")
    result = simulate(_load(unsigned), keys=PKEYS)
    (failure, *_) = result.failures
    assert "fix (attest) for us-docker.pkg.dev/tiny-project/apps/web@sha256:" in failure
    assert "accepted key ids: " in failure
    assert "--note-project=kritis-sim --project=kritis-sim" in failure
