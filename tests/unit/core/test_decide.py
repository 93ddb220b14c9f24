"""Unit tests of decide(): one behaviour per test, reasons checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import GrafeasError
from kritis_sim.model.decision import OutcomeReason
from tests.unit.core.world import (
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


def _one(world: World, doc: dict, images: list[str] | None = None, **kw):
    return decide(
        policy(doc),
        world.attestors,
        world.source(),
        kw.pop("target", TARGET),
        images or [IMAGE],
        now=kw.pop("now", NOW),
        **kw,
    )


def test_decide_allows_image_with_valid_attestation() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    d = _one(w, {"defaultAdmissionRule": require(qa)})
    assert d and d.verdict_allowed
    assert d.images[0].attestors[0].reason is OutcomeReason.VERIFIED


def test_decide_denies_without_attestation_with_google_reason() -> None:
    w = World()
    qa = w.attestor("qa")
    d = _one(w, {"defaultAdmissionRule": require(qa)})
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.NO_ATTESTATION
    assert (
        "No attestations found that were valid and signed by a key trusted" in d.message
    )


def test_decide_denies_tag_only_image_even_with_attestations() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    d = _one(w, {"defaultAdmissionRule": require(qa)}, ["gcr.io/shop/api:1.0"])
    assert not d
    assert "cannot attest to an image deployed by tag" in d.message
    assert d.images[0].attestors[0].reason is OutcomeReason.TAG_ONLY


def test_decide_requires_every_listed_attestor() -> None:
    w = World()
    qa, build = w.attestor("qa"), w.attestor("build")
    w.attest(qa)
    d = _one(w, {"defaultAdmissionRule": require(qa, build)})
    assert not d
    assert "1 of 2 required attestors satisfied" in d.message
    w.attest(build)
    assert _one(w, {"defaultAdmissionRule": require(qa, build)})


def test_decide_any_key_of_an_attestor_suffices() -> None:
    w = World()
    qa = w.attestor("qa")
    old = w.attestors[qa]
    second = new_key()
    from kritis_sim.crypto.keys import public_key_pem
    from kritis_sim.model.attestor import Attestor

    doc = old.to_dict()
    doc["userOwnedGrafeasNote"]["publicKeys"].append(
        {
            "pkixPublicKey": {
                "publicKeyPem": public_key_pem(second),
                "signatureAlgorithm": "ECDSA_P256_SHA256",
            }
        }
    )
    w.attestors[qa] = Attestor.from_dict(doc)
    w.attest(qa, key=second, key_id=w.attestors[qa].public_keys[1].id)
    assert _one(w, {"defaultAdmissionRule": require(qa)})


def test_decide_unknown_key_id_is_named() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, key_id="ni:///sha-256;not-a-trusted-key")
    d = _one(w, {"defaultAdmissionRule": require(qa)})
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.UNKNOWN_KEY_ID


def test_decide_signature_by_foreign_key_fails_verification() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, key=new_key())  # claims qa's key id, signed by another key
    d = _one(w, {"defaultAdmissionRule": require(qa)})
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.BAD_SIGNATURE


def test_decide_digest_mismatch() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa, image=f"gcr.io/shop/api@{OTHER_DIGEST}")
    # Re-home the attestation onto our image's resource URL: the signed payload
    # still names the other digest.
    from dataclasses import replace

    w.occurrences[-1] = replace(occ, resource_uri=f"https://{IMAGE}")
    d = _one(w, {"defaultAdmissionRule": require(qa)})
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.DIGEST_MISMATCH


def test_decide_wrong_note_never_counts() -> None:
    w = World()
    qa, other = w.attestor("qa"), w.attestor("other")
    w.attest(other)

    class IgnoresFilters:
        """Returns every occurrence, as the open-source Grafeas server does."""

        def occurrences(self, resource_url: str, note_name: str):
            return tuple(w.occurrences)

    d = decide(
        policy({"defaultAdmissionRule": require(qa)}),
        w.attestors,
        IgnoresFilters(),
        TARGET,
        [IMAGE],
        now=NOW,
    )
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.WRONG_NOTE


def test_decide_freshness_extension_refuses_old_attestations() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW - timedelta(days=3))
    doc = {"defaultAdmissionRule": require(qa, kritisSimMaxAttestationAge="48h")}
    d = _one(w, doc)
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.TOO_OLD
    assert _one(w, doc, now=NOW - timedelta(days=2))


def test_decide_unknown_attestor_denies() -> None:
    w = World()
    d = _one(w, {"defaultAdmissionRule": require("projects/p/attestors/ghost")})
    assert not d
    assert d.images[0].attestors[0].reason is OutcomeReason.UNKNOWN_ATTESTOR


def test_decide_allowlist_exempts_and_names_pattern() -> None:
    w = World()
    doc = {
        "admissionWhitelistPatterns": [{"namePattern": "docker.io/istio/proxyv2*"}],
        "defaultAdmissionRule": DENY,
    }
    d = _one(w, doc, ["docker.io/istio/proxyv2:1.20"])
    assert d
    assert d.images[0].rule.kind == "allowlist"
    assert not _one(w, doc, ["docker.io/istio/proxyv2/evil:1"])


def test_decide_always_allow_and_always_deny() -> None:
    w = World()
    assert _one(w, {"defaultAdmissionRule": ALLOW}, ["nginx:latest"])
    d = _one(w, {"defaultAdmissionRule": DENY})
    assert not d and "always_deny" in d.message


@pytest.mark.parametrize(
    ("rules_key", "key", "target"),
    [
        (
            "clusterAdmissionRules",
            "us-east1-b.prod",
            DeployTarget("us-east1-b.prod", "x"),
        ),
        ("kubernetesNamespaceAdmissionRules", "shop", DeployTarget(None, "shop")),
        (
            "kubernetesServiceAccountAdmissionRules",
            "shop:api",
            DeployTarget(None, "shop", "api"),
        ),
        (
            "istioServiceIdentityAdmissionRules",
            "example.com/ns/shop/sa/api",
            DeployTarget.with_trust_domain(
                cluster=None,
                namespace="shop",
                service_account="api",
                trust_domain="example.com",
            ),
        ),
    ],
)
def test_decide_specific_rule_replaces_default(
    rules_key: str, key: str, target: DeployTarget
) -> None:
    w = World()
    doc = {"defaultAdmissionRule": ALLOW, rules_key: {key: DENY}}
    d = _one(w, doc, target=target)
    assert not d
    assert d.images[0].rule.key == key
    other = DeployTarget("us-west1-a.dev", "other", "other")
    assert _one(w, doc, target=other)


def test_decide_dry_run_admits_and_records_verdict() -> None:
    w = World()
    doc = {"defaultAdmissionRule": {**DENY, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}}
    d = _one(w, doc)
    assert d.allowed and not d.verdict_allowed and d.dry_run
    ann = d.audit_annotations()
    assert ann["imagepolicywebhook.image-policy.k8s.io/dry-run"] == "true"
    assert (
        IMAGE
        in ann["imagepolicywebhook.image-policy.k8s.io/overridden-verification-result"]
    )


def test_decide_breakglass_admits_and_is_always_recorded() -> None:
    w = World()
    d = _one(w, {"defaultAdmissionRule": DENY}, breakglass=True)
    assert d.allowed and not d.verdict_allowed and d.breakglass
    ok = _one(w, {"defaultAdmissionRule": ALLOW}, breakglass=True)
    assert (
        ok.audit_annotations()["imagepolicywebhook.image-policy.k8s.io/break-glass"]
        == "true"
    )


def test_decide_store_failure_fails_closed() -> None:
    class Broken:
        def occurrences(self, resource_url: str, note_name: str):
            raise GrafeasError("connection reset by peer")

    w = World()
    qa = w.attestor("qa")
    d = decide(
        policy({"defaultAdmissionRule": require(qa)}),
        w.attestors,
        Broken(),
        TARGET,
        [IMAGE],
        now=NOW,
    )
    assert not d and d.failed_closed
    assert "fail closed" in d.message


def test_decide_unparseable_image_is_denied_with_parse_error() -> None:
    w = World()
    d = _one(w, {"defaultAdmissionRule": ALLOW}, ["gcr.io/Shop/API:1"])
    assert not d
    assert "gcr.io/Shop/API:1" in d.message


def test_decide_every_image_must_pass() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    d = _one(
        w, {"defaultAdmissionRule": require(qa)}, [IMAGE, f"gcr.io/shop/db@{DIGEST}"]
    )
    assert not d
    assert [v.allowed for v in d.images] == [True, False]


def test_decide_cache_gives_same_answer_and_never_invents_allows() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    cache = VerificationCache()
    opts = DecisionOptions(cache=cache)
    doc = {"defaultAdmissionRule": require(qa)}
    first = _one(w, doc, options=opts)
    second = _one(w, doc, options=opts)
    assert first.allowed and second.allowed
    w.occurrences.clear()
    assert not _one(w, doc, options=opts)


def test_decide_system_policy_only_when_enabled() -> None:
    w = World()
    img = "gke.gcr.io/kube-proxy:v1.30"
    assert not _one(w, {"defaultAdmissionRule": DENY}, [img])
    d = _one(
        w, {"defaultAdmissionRule": DENY, "globalPolicyEvaluationMode": "ENABLE"}, [img]
    )
    assert d and d.images[0].rule.kind == "systemPolicy"


def test_decide_requires_aware_now() -> None:
    w = World()
    with pytest.raises(ValueError, match=r"^decide\(\) needs a timezone-aware 'now'$"):
        _one(w, {"defaultAdmissionRule": ALLOW}, now=NOW.replace(tzinfo=None))


def test_in_memory_source_matches_gcloud_scheme_less_resource_uri() -> None:
    """gcloud stores resourceUri without https://; the lookup uses https://."""
    from dataclasses import replace

    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    w.occurrences[-1] = replace(occ, resource_uri=IMAGE)
    assert _one(w, {"defaultAdmissionRule": require(qa)})
