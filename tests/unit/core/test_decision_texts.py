"""The texts users and scenarios match on, asserted exactly (issue 16.3).

Reason codes (``OutcomeReason`` values), the tag-only text, the Google
"no valid attestations" text, rule references and every verdict, attestor
and summary sentence of the classic decision are spelled out here in full, so
changing one is a deliberate edit of this file. Behaviour is pinned elsewhere
(test_decide*.py); this module is about the words.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from kritis_sim.core import attestations
from kritis_sim.core import decide as decide_module
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.sign import sign
from kritis_sim.errors import GrafeasError
from kritis_sim.model.decision import AUDIT_PREFIX, Decision, OutcomeReason, RuleRef
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from tests.unit.core.world import (
    ALG,
    ALLOW,
    DENY,
    DIGEST,
    IMAGE,
    NOW,
    OTHER_DIGEST,
    World,
    new_key,
    policy,
    require,
)

TARGET = DeployTarget(cluster="us-east1-b.prod", namespace="shop")
NO_VALID = (
    "No attestations found that were valid and signed by a key trusted by the attestor"
)
TAG_REASON = (
    "Attestor cannot attest to an image deployed by tag. Expected digest with "
    "sha256 scheme, but got tag or malformed digest"
)
DEFAULT_RULE = {
    "kind": "default",
    "key": None,
    "evaluationMode": "REQUIRE_ATTESTATION",
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
}


def _decide(
    w: World, doc: dict[str, Any], images: list[str] | None = None, **kw: Any
) -> Decision:
    return decide(
        policy(doc),
        w.attestors,
        kw.pop("source", None) or w.source(),
        kw.pop("target", TARGET),
        images or [IMAGE],
        now=NOW,
        **kw,
    )


def _detail(d: Decision) -> str:
    return d.images[0].attestors[0].detail


def _denied_by(attestor: str, text: str, satisfied: int = 0, of: int = 1) -> str:
    return (
        f"Image {IMAGE} denied by attestor {attestor}: {text} "
        f"({satisfied} of {of} required attestors satisfied; missing: {attestor}) "
        "[defaultAdmissionRule]"
    )


def test_reason_codes_are_spelled_exactly() -> None:
    assert {r.name: r.value for r in OutcomeReason} == {
        "VERIFIED": "verified",
        "NO_ATTESTATION": "no-attestation",
        "UNKNOWN_KEY_ID": "unknown-key-id",
        "BAD_SIGNATURE": "bad-signature",
        "DIGEST_MISMATCH": "digest-mismatch",
        "REFERENCE_MISMATCH": "reference-mismatch",
        "BAD_PAYLOAD": "bad-payload",
        "TOO_OLD": "too-old",
        "FROM_THE_FUTURE": "from-the-future",
        "NO_CREATE_TIME": "no-create-time",
        "WRONG_NOTE": "wrong-note",
        "UNKNOWN_ATTESTOR": "unknown-attestor",
        "NO_KEYS": "no-keys",
        "TAG_ONLY": "tag-only",
        "STORE_ERROR": "store-error",
    }


def test_google_texts_are_spelled_exactly() -> None:
    assert decide_module.TAG_REASON == TAG_REASON
    assert attestations.NO_VALID == NO_VALID


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (RuleRef("allowlist", "gcr.io/a/*"), "allowlist pattern 'gcr.io/a/*'"),
        (
            RuleRef("systemPolicy", "gke.gcr.io/**"),
            "system policy exemption 'gke.gcr.io/**'",
        ),
        (RuleRef("default"), "defaultAdmissionRule"),
        (RuleRef("cluster", "us-east1-b.prod"), "cluster rule 'us-east1-b.prod'"),
        (RuleRef("namespace", "shop"), "namespace rule 'shop'"),
    ],
)
def test_rule_references_are_spelled_exactly(ref: RuleRef, text: str) -> None:
    assert ref.describe() == text


def test_admitted_decision_in_full() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    key_id = w.attestors[qa].public_keys[0].id
    d = _decide(w, {"defaultAdmissionRule": require(qa)})
    assert d.to_dict() == {
        "allowed": True,
        "verdictAllowed": True,
        "breakglass": False,
        "dryRun": False,
        "failedClosed": False,
        "message": "Admitted: all 1 image(s) comply with the policy.",
        "reasons": [],
        "images": [
            {
                "image": IMAGE,
                "allowed": True,
                "rule": DEFAULT_RULE,
                "reason": "attested by all 1 required attestor(s)",
                "dryRun": False,
                "attestors": [
                    {
                        "attestor": qa,
                        "satisfied": True,
                        "reason": "verified",
                        "detail": f"verified with key {key_id!r} ({ALG})",
                        "occurrencesChecked": 1,
                    }
                ],
            }
        ],
        "auditAnnotations": {},
    }


def test_denied_decision_in_full() -> None:
    w = World()
    qa = w.attestor("qa")
    d = _decide(w, {"defaultAdmissionRule": require(qa)})
    reason = _denied_by(qa, NO_VALID)
    assert d.to_dict() == {
        "allowed": False,
        "verdictAllowed": False,
        "breakglass": False,
        "dryRun": False,
        "failedClosed": False,
        "message": f"Denied by Binary Authorization policy: {reason}",
        "reasons": [reason],
        "images": [
            {
                "image": IMAGE,
                "allowed": False,
                "rule": DEFAULT_RULE,
                "reason": reason,
                "dryRun": False,
                "attestors": [
                    {
                        "attestor": qa,
                        "satisfied": False,
                        "reason": "no-attestation",
                        "detail": f"no attestation by {qa} (note projects/p/notes/qa) "
                        f"for {IMAGE}",
                        "occurrencesChecked": 0,
                    }
                ],
            }
        ],
        "auditAnnotations": {},
    }


def test_two_attestors_one_missing_text() -> None:
    w = World()
    qa, build = w.attestor("qa"), w.attestor("build")
    w.attest(qa)
    d = _decide(w, {"defaultAdmissionRule": require(qa, build)})
    assert d.reasons == (
        f"Image {IMAGE} denied by attestor {build}: {NO_VALID} "
        f"(1 of 2 required attestors satisfied; missing: {build}) "
        "[defaultAdmissionRule]",
    )


def test_two_attestors_both_missing_text() -> None:
    w = World()
    qa, build = w.attestor("qa"), w.attestor("build")
    d = _decide(w, {"defaultAdmissionRule": require(qa, build)})
    assert d.reasons == (
        f"Image {IMAGE} denied by attestor {qa}: {NO_VALID} "
        f"(0 of 2 required attestors satisfied; missing: {qa}, {build}) "
        "[defaultAdmissionRule]",
    )


def test_tag_only_text() -> None:
    w = World()
    qa = w.attestor("qa")
    image = "gcr.io/shop/api:1.0"
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [image])
    assert d.reasons == (f"Image {image} denied: {TAG_REASON} [defaultAdmissionRule]",)
    assert d.images[0].attestors[0].to_dict() == {
        "attestor": qa,
        "satisfied": False,
        "reason": "tag-only",
        "detail": TAG_REASON,
        "occurrencesChecked": 0,
    }


def test_rule_mode_texts() -> None:
    w = World()
    d = _decide(w, {"defaultAdmissionRule": ALLOW})
    assert d.images[0].reason == "allowed by defaultAdmissionRule (ALWAYS_ALLOW)"
    d = _decide(
        w,
        {
            "defaultAdmissionRule": ALLOW,
            "clusterAdmissionRules": {TARGET.cluster: DENY},
        },
    )
    assert d.reasons == (
        f"Image {IMAGE} denied by cluster rule 'us-east1-b.prod': "
        "Denied by always_deny admission rule",
    )


def test_exemption_texts() -> None:
    w = World()
    doc = {
        "globalPolicyEvaluationMode": "ENABLE",
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/*"}],
        "defaultAdmissionRule": DENY,
    }
    d = _decide(w, doc, ["gcr.io/shop/web:1", "gke.gcr.io/proxy:1"])
    assert [v.reason for v in d.images] == [
        "exempt by allowlist pattern 'gcr.io/shop/*'",
        "exempt by system policy exemption 'gke.gcr.io/**'",
    ]


def test_unparseable_image_text() -> None:
    d = _decide(World(), {"defaultAdmissionRule": ALLOW}, ["gcr.io/Shop/api:1"])
    assert d.reasons == (
        "Image 'gcr.io/Shop/api:1' denied: repository name must be lowercase: "
        "got 'Shop' in 'gcr.io/Shop/api:1'",
    )


def test_unknown_attestor_and_no_keys_texts() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attestors[qa] = replace(w.attestors[qa], public_keys=())
    ghost = "projects/p/attestors/ghost"
    d = _decide(w, {"defaultAdmissionRule": require(ghost, qa)})
    assert [o.detail for o in d.images[0].attestors] == [
        f"attestor {ghost} is named by the rule but does not exist",
        f"attestor {qa} has no public keys, so it verifies nothing",
    ]


def test_store_error_text_and_audit() -> None:
    class Broken:
        def occurrences(self, resource_url: str, note_name: str) -> Any:
            raise GrafeasError("connection refused")

    w = World()
    qa = w.attestor("qa")
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, source=Broken())
    detail = "attestation store failed, denying (fail closed): connection refused"
    assert _detail(d) == detail
    assert d.reasons == (_denied_by(qa, detail),)
    assert d.audit_annotations() == {AUDIT_PREFIX + "failed-closed": "true"}


def test_signature_failure_texts() -> None:
    w = World()
    qa = w.attestor("qa")
    key_id = w.attestors[qa].public_keys[0].id
    doc = {"defaultAdmissionRule": require(qa)}
    w.attest(qa, key_id="ni:///sha-256;other")
    assert _detail(_decide(w, doc)) == (
        f"signature names key id 'ni:///sha-256;other'; attestor {qa} "
        "has no key with that id (ids must match exactly)"
    )
    w.occurrences.clear()
    w.attest(qa, key=new_key())
    assert _detail(_decide(w, doc)) == (
        f"signature does not verify with key {key_id!r} ({ALG})"
    )


def test_payload_texts() -> None:
    w = World()
    qa = w.attestor("qa")
    key_id = w.attestors[qa].public_keys[0].id
    doc = {"defaultAdmissionRule": require(qa)}
    w.occurrences.append(
        AttestationOccurrence(
            resource_uri=f"https://{IMAGE}",
            note_name="projects/p/notes/qa",
            serialized_payload=b"{}",
            signatures=(Signature(sign(w.keys[qa], ALG, b"{}"), key_id),),
        )
    )
    assert _detail(_decide(w, doc)).startswith("signed payload is unusable: ")
    w.occurrences.clear()
    occ = w.attest(qa, image=f"gcr.io/shop/other@{OTHER_DIGEST}")
    w.occurrences[-1] = replace(occ, resource_uri=f"https://{IMAGE}")
    assert _detail(_decide(w, doc)) == (
        f"signed payload names digest {OTHER_DIGEST!r}, the image has {DIGEST!r}"
    )
    w.occurrences.clear()
    occ = w.attest(qa, image=f"gcr.io/shop/other@{DIGEST}")
    w.occurrences[-1] = replace(occ, resource_uri=f"https://{IMAGE}")
    options = DecisionOptions(check_docker_reference=True)
    assert _detail(_decide(w, doc, options=options)) == (
        "signed payload names repository 'gcr.io/shop/other', "
        "the image is 'gcr.io/shop/api'"
    )


def test_occurrence_texts() -> None:
    w = World()
    qa = w.attestor("qa")
    doc = {"defaultAdmissionRule": require(qa)}
    occ = w.attest(qa)
    w.occurrences[-1] = replace(occ, signatures=(), name="projects/p/occurrences/1")
    assert _detail(_decide(w, doc)) == (
        "occurrence projects/p/occurrences/1 has no signatures"
    )
    w.occurrences[-1] = replace(occ, signatures=())
    assert _detail(_decide(w, doc)) == "occurrence ? has no signatures"


def test_wrong_note_text() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa, note="projects/p/notes/other")

    class IgnoresFilters:
        def occurrences(self, resource_url: str, note_name: str) -> Any:
            return (occ,)

    d = _decide(w, {"defaultAdmissionRule": require(qa)}, source=IgnoresFilters())
    assert _detail(d) == (
        "occurrence ? hangs off note 'projects/p/notes/other', "
        "not the attestor's note 'projects/p/notes/qa'"
    )


@pytest.mark.parametrize(
    ("created", "text"),
    [
        (
            None,
            "occurrence has no createTime, so its age cannot be proven "
            "(the rule accepts attestations at most 1h old)",
        ),
        (
            NOW + timedelta(minutes=6),
            "attestation was created 6m after the decision "
            "time, beyond the clock-skew tolerance of 5m; its age cannot be trusted",
        ),
        (
            NOW - timedelta(hours=2),
            "attestation is 2h old; the rule accepts at most 1h",
        ),
    ],
)
def test_freshness_texts(created: Any, text: str) -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    w.occurrences[-1] = replace(occ, create_time=created)
    d = _decide(
        w, {"defaultAdmissionRule": require(qa, kritisSimMaxAttestationAge="1h")}
    )
    assert _detail(d) == text


def test_dry_run_and_breakglass_texts() -> None:
    w = World()
    qa = w.attestor("qa")
    reason = _denied_by(qa, NO_VALID)
    dry = _decide(
        w, {"defaultAdmissionRule": require(qa, mode="DRYRUN_AUDIT_LOG_ONLY")}
    )
    assert dry.message == (
        f"Admitted in dry-run (DRYRUN_AUDIT_LOG_ONLY); would have been denied: {reason}"
    )
    assert dry.audit_annotations() == {
        AUDIT_PREFIX + "dry-run": "true",
        AUDIT_PREFIX + "overridden-verification-result": f"'{IMAGE}': {reason}\n",
    }
    glass = _decide(w, {"defaultAdmissionRule": require(qa)}, breakglass=True)
    assert glass.message == f"Admitted by breakglass; would have been denied: {reason}"
    allowed = _decide(w, {"defaultAdmissionRule": ALLOW}, breakglass=True)
    assert allowed.message == (
        "Admitted: all 1 image(s) comply with the policy. "
        "Breakglass was requested (recorded)."
    )
