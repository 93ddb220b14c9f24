"""Breakglass on a controller is read from its pod template, in-process and via the webhook."""

from __future__ import annotations

from pathlib import Path

import pytest

from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.runner import run_scenarios
from kritis_sim.scenarios.schema import Outcome

LABEL = "image-policy.k8s.io/break-glass"


def _deployment(controller_labels: str, template_labels: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: hotfix, labels: {controller_labels}}}
spec:
  selector: {{matchLabels: {{app: hotfix}}}}
  template:
    metadata: {{labels: {template_labels}}}
    spec:
      containers: [{{name: app, image: "${{web}}"}}]
"""


@pytest.mark.parametrize("via", ["inprocess", "webhook"])
def test_breakglass_on_controller_metadata_does_not_count(tmp_path: Path, via: str) -> None:
    (tmp_path / "on-controller.yaml").write_text(_deployment(f'{{"{LABEL}": "true", app: hotfix}}', "{app: hotfix}"))
    (tmp_path / "on-template.yaml").write_text(_deployment("{app: hotfix}", f'{{"{LABEL}": "true", app: hotfix}}'))
    (tmp_path / "plain.yaml").write_text(_deployment("{app: hotfix}", "{app: hotfix}"))
    scenario = load_scenario(
        """\
scenario: controller-breakglass
environments: {prod: {namespace: ops}}
attestors: {qa: {}}
artifacts: {web: {repository: gcr.io/ops-project/hotfix}}
policy:
  defaultAdmissionRule: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [qa]}
events:
  - build: web
  - deploy: {name: label on the controller, to: prod, manifest: on-controller.yaml, pods: 1, expect: denied, reason: no-attestation}
  - deploy: {name: label on the template, to: prod, manifest: on-template.yaml, pods: 1, expect: breakglass, reason: no-attestation}
  - deploy: {name: breakglass true, to: prod, manifest: plain.yaml, breakglass: true, pods: 1, expect: breakglass}
""",
        source="s.yaml",
        base_dir=tmp_path,
    )
    (result,) = run_scenarios([scenario], via=via, keys=KeyFactory()).results
    assert result.ok, "\n\n".join(result.failures)
    outcomes = [(d.reply.outcome, d.pods[0].outcome) for d in result.deploys]
    assert outcomes == [
        (Outcome.DENIED, Outcome.DENIED),
        (Outcome.BREAKGLASS, Outcome.BREAKGLASS),
        (Outcome.BREAKGLASS, Outcome.BREAKGLASS),
    ]
