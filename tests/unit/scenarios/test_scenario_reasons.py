"""A ``reason`` expectation matches the same text in-process and through the webhook."""

from __future__ import annotations

import pytest

from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.runner import run_scenarios
from kritis_sim.scenarios.webhook import reply_from_review

KEYS = KeyFactory()
SCENARIO = load_scenario(
    """\
scenario: reasons
environments: {prod: {cluster: us-east1.prod, namespace: shop}}
attestors: {scan: {}}
artifacts: {web: {repository: gcr.io/shop-project/web}}
policy:
  defaultAdmissionRule:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
    requireAttestationsBy: [scan]
    kritisSimMaxAttestationAge: 1h
events:
  - build: web
  - attest: {artifact: web, attestor: scan}
  - advance: 2h
  - deploy: {name: by code, to: prod, artifact: web, expect: denied, reason: too-old}
  - deploy: {name: by message text, to: prod, artifact: web, expect: denied, reason: "is 2h old"}
  - deploy: {name: by attestor and code, to: prod, artifact: web, expect: denied, reason: "attestors/scan: too-old: "}
  - deploy: {name: controller, to: prod, artifact: web, kind: Deployment, pods: 2, expect: denied, reason: "^gcr.io/shop-project/web@sha256:[0-9a-f]{64}: .*too-old"}
  - deploy: {name: breakglass, to: prod, artifact: web, breakglass: true, expect: breakglass, reason: too-old}
  - deploy: {name: wrong code, to: prod, artifact: web, expect: denied, reason: bad-signature}
  - deploy: {name: wrong text, to: prod, artifact: web, expect: denied, reason: "Denied by Binary Authorization"}
""",
    source="reasons.yaml",
)


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return {via: run_scenarios([SCENARIO], via=via, keys=KEYS).results[0] for via in ("inprocess", "webhook")}


@pytest.mark.parametrize("via", ["inprocess", "webhook"])
def test_reason_codes_and_message_text_match_on_both_paths(results: dict[str, object], via: str) -> None:
    result = results[via]
    failed = {d.event.label: d.failures for d in result.deploys if not d.ok}  # type: ignore[attr-defined]
    assert set(failed) == {"wrong code", "wrong text"}, failed
    assert failed["wrong code"] == (
        "Pod: expected a reason matching /bad-signature/, got: "
        + next(d for d in result.deploys if d.event.label == "wrong code").reply.reasons[0],  # type: ignore[attr-defined]
    )


def test_the_matched_text_is_identical(results: dict[str, object]) -> None:
    inprocess, webhook = (results[v].deploys for v in ("inprocess", "webhook"))  # type: ignore[attr-defined]
    assert [d.reply.text for d in webhook] == [d.reply.text for d in inprocess]
    assert [p.text for d in webhook for p in d.pods] == [p.text for d in inprocess for p in d.pods]
    assert all(d.reply.text for d in inprocess)  # every deploy here has reasons


def test_wire_reply_reads_reason_lines_from_audit_annotations() -> None:
    reply = reply_from_review("Pod", "web", {"response": {
        "allowed": False,
        "status": {"message": "Denied by Binary Authorization policy: r1 r2"},
        "auditAnnotations": {
            "denied": "true",
            "denial-reasons": "r1\nr2",
            "unsatisfied-attestors": "img: projects/p/attestors/a: too-old: 2h old",
        },
    }})
    assert reply.reasons == ("r1", "r2")
    assert reply.details == ("img: projects/p/attestors/a: too-old: 2h old",)
    assert reply.text == "r1\nr2\nimg: projects/p/attestors/a: too-old: 2h old"
    assert reply.wire_notes == ("denied=true",)
