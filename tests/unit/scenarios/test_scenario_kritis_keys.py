"""``rotateKey`` / ``revokeKey`` in Kritis-guarded environments: the
AttestationAuthorities that list an attestor's keys follow its key changes
(kritis_sim/scenarios/kritis.py, ``rotate_authorities``); a step that could
change nothing is refused at load."""

from __future__ import annotations

import pytest

from kritis_sim.errors import ScenarioError
from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.simulator import simulate

pytest.importorskip("pysequoia")

KEYS = KeyFactory()

SCENARIO = """\
scenario: kritis-rotation
project: rotation-demo
attestors:
  release:
    algorithm: PGP
    keys: [{name: k1}, {name: k2, trusted: false}]
  other: {algorithm: PGP}
environments:
  prod:
    namespace: shop
    kritis:
      - apiVersion: kritis.grafeas.io/v1beta1
        kind: AttestationAuthority
        metadata: {name: release}
        spec:
          noteReference: projects/rotation-demo/notes/release
          publicKeys: [{scenarioKey: release/k1}]
      - apiVersion: kritis.grafeas.io/v1beta1
        kind: GenericAttestationPolicy
        metadata: {name: released}
        spec: {attestationAuthorityNames: [release]}
artifacts:
  app: {repository: gcr.io/rotation-demo/app}
  next: {repository: gcr.io/rotation-demo/next}
events:
  - build: app
  - build: next
  - attest: {artifact: app, attestor: release, key: k1}
  - attest: {artifact: next, attestor: release, key: k2}
  - deploy: {name: app signed by k1, to: prod, artifact: app, expect: allowed}
  - deploy: {name: next signed by k2 (not listed yet), to: prod, artifact: next, expect: denied}
  - rotateKey: {attestor: release, add: k2, remove: k1}
  - deploy: {name: app after rotation, to: prod, artifact: app, expect: denied, reason: release}
  - deploy: {name: next after rotation, to: prod, artifact: next, expect: allowed}
  - revokeKey: {attestor: release, key: k2}
  - deploy: {name: next after revocation, to: prod, artifact: next, expect: denied}
"""


def _failures(text: str, via: str = "inprocess") -> list[str]:
    scenario = load_scenario(text, source="rotation.yaml")
    if via == "webhook":
        from kritis_sim.scenarios.webhook import ViaWebhook

        with ViaWebhook() as deployer:
            fails = list(simulate(scenario, keys=KEYS, deployer=deployer, via="webhook").failures)
            assert deployer.requests == 5
            return fails
    return list(simulate(scenario, keys=KEYS).failures)


def test_rotation_and_revocation_change_the_authority() -> None:
    assert _failures(SCENARIO) == []


def test_without_the_rotation_expectations_fail() -> None:
    # The step is what changes the outcomes (the AA would keep listing k1 only).
    text = SCENARIO.replace("  - rotateKey: {attestor: release, add: k2, remove: k1}\n", "")
    text = text.replace("  - revokeKey: {attestor: release, key: k2}\n", "")
    fails = _failures(text)
    assert any("app after rotation" in f for f in fails)
    assert any("next after rotation" in f for f in fails)


def test_rotation_reaches_the_webhook() -> None:
    assert _failures(SCENARIO, via="webhook") == []


def test_key_change_that_changes_nothing_is_refused() -> None:
    text = SCENARIO.replace("  - revokeKey: {attestor: release, key: k2}\n",
                            "  - revokeKey: {attestor: other, key: default}\n")  # fmt: skip
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, source="rotation.yaml")
    err = str(info.value)
    assert err.startswith("rotation.yaml:")
    assert "revokeKey.attestor: revokeKey changes attestor 'other''s keys" in err
    assert "would change nothing" in err


def test_bundled_merchant_rotation_matters() -> None:
    # kritis-online-merchant rotates the approval key: without the step the old
    # approval keeps counting and the "after the rotation" deploy is admitted.
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "scenarios"
    text = (root / "kritis-online-merchant.yaml").read_text()
    step = "  - rotateKey: {attestor: prod-approved, add: next, remove: default}\n"
    assert step in text
    scenario = load_scenario(text.replace(step, ""), source="m.yaml", base_dir=root, root=root)
    fails = list(simulate(scenario, keys=KEYS).failures)
    assert any("storefront after the approval key rotation" in f for f in fails)
