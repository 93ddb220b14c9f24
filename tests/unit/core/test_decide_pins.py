"""Behaviours of the classic decision that mutation testing found unpinned
(issue 16.2): each test fails under a mutant that changes a verdict, an
outcome, the governing rule or an audit field.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from kritis_sim.core.attestations import (
    CLOCK_SKEW_TOLERANCE,
    check_attestor,
    fetch_occurrences,
)
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.rules import governing_rule, policy_allowlist
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.pgp import generate_pgp_key, secret_key_fingerprint
from kritis_sim.crypto.sign import make_pgp_attestation
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import GrafeasError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision, OutcomeReason, RuleRef
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence
from tests.unit.core.world import (
    ALLOW,
    DENY,
    DIGEST,
    IMAGE,
    NOW,
    World,
    new_key,
    policy,
    require,
)

TARGET = DeployTarget(cluster="us-east1-b.prod", namespace="shop")
ENFORCED = "ENFORCED_BLOCK_AND_AUDIT_LOG"


def _decide(
    w: World, doc: dict[str, Any], images: list[str] | None = None, **kw: Any
) -> Decision:
    return decide(
        policy(doc),
        kw.pop("attestors", None) or w.attestors,
        kw.pop("source", None) or w.source(),
        kw.pop("target", TARGET),
        [IMAGE] if images is None else images,
        now=kw.pop("now", NOW),
        **kw,
    )


def _reasons(d: Decision, image: int = 0) -> list[OutcomeReason]:
    return [o.reason for o in d.images[image].attestors]


# --- attestors -------------------------------------------------------------


@pytest.mark.parametrize("cache", [None, VerificationCache()])
def test_attestor_without_public_keys_is_never_satisfied(
    cache: VerificationCache | None,
) -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    w.attestors[qa] = replace(w.attestors[qa], public_keys=())
    d = _decide(
        w, {"defaultAdmissionRule": require(qa)}, options=DecisionOptions(cache=cache)
    )
    assert not d.allowed and not d.verdict_allowed
    outcome = d.images[0].attestors[0]
    assert (outcome.satisfied, outcome.reason) == (False, OutcomeReason.NO_KEYS)
    assert outcome.occurrences_checked == 1


def test_attestors_given_as_an_iterable_are_indexed_by_name() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    doc = {"defaultAdmissionRule": require(qa)}
    assert _decide(w, doc, attestors=list(w.attestors.values())).allowed


def test_evaluation_continues_after_an_unknown_attestor() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    ghost = "projects/p/attestors/ghost"
    d = _decide(w, {"defaultAdmissionRule": require(ghost, qa)})
    assert not d.allowed
    assert _reasons(d) == [OutcomeReason.UNKNOWN_ATTESTOR, OutcomeReason.VERIFIED]
    assert [o.satisfied for o in d.images[0].attestors] == [False, True]


class _FailsFor:
    """A source that fails for one note and answers from ``inner`` otherwise."""

    def __init__(self, inner: Any, note: str) -> None:
        self.inner, self.note = inner, note

    def occurrences(self, resource_url: str, note_name: str) -> Any:
        if note_name == self.note:
            raise GrafeasError("store down")
        return self.inner.occurrences(resource_url, note_name)


def test_evaluation_continues_after_a_store_error() -> None:
    w = World()
    qa, build = w.attestor("qa"), w.attestor("build")
    w.attest(build)
    source = _FailsFor(w.source(), "projects/p/notes/qa")
    d = _decide(w, {"defaultAdmissionRule": require(qa, build)}, source=source)
    assert not d.allowed and d.failed_closed
    assert _reasons(d) == [OutcomeReason.STORE_ERROR, OutcomeReason.VERIFIED]


def test_failed_closed_only_for_store_failures_and_kept_across_images() -> None:
    w = World()
    qa = w.attestor("qa")
    doc = {"defaultAdmissionRule": require(qa)}
    denied = _decide(w, doc)
    assert not denied.allowed and denied.failed_closed is False
    assert "imagepolicywebhook.image-policy.k8s.io/failed-closed" not in (
        denied.audit_annotations()
    )
    w.attest(qa)
    assert _decide(w, doc).failed_closed is False

    class FailsForApiOnly:
        def occurrences(self, resource_url: str, note_name: str) -> Any:
            if "/api@" in resource_url:
                raise GrafeasError("store down")
            return ()

    d = _decide(
        w,
        {"defaultAdmissionRule": require(qa)},
        [IMAGE, f"gcr.io/shop/db@{DIGEST}"],
        source=FailsForApiOnly(),
    )
    assert d.failed_closed is True and not d.allowed


def test_best_reason_wins_whatever_the_order() -> None:
    w = World()
    qa = w.attestor("qa")
    unknown = w.attest(qa, key_id="ni:///sha-256;other")
    forged = w.attest(qa, key=new_key())
    image = ImageRef.parse(IMAGE)
    attestor = w.attestors[qa]
    for occs in [(unknown, forged), (forged, unknown)]:
        outcome = check_attestor(attestor, image, occs, now=NOW, max_age=None)
        assert outcome.reason is OutcomeReason.BAD_SIGNATURE
        assert outcome.occurrences_checked == 2


def test_wrong_note_loses_to_a_signature_failure() -> None:
    w = World()
    qa = w.attestor("qa")
    wrong = w.attest(qa, note="projects/p/notes/other")
    forged = w.attest(qa, key=new_key())
    attestor, image = w.attestors[qa], ImageRef.parse(IMAGE)
    for occs in [(wrong, forged), (forged, wrong)]:
        outcome = check_attestor(attestor, image, occs, now=NOW, max_age=None)
        assert outcome.reason is OutcomeReason.BAD_SIGNATURE
    only_wrong = check_attestor(attestor, image, (wrong,), now=NOW, max_age=None)
    assert only_wrong.reason is OutcomeReason.WRONG_NOTE


def test_any_good_signature_of_any_occurrence_satisfies() -> None:
    w = World()
    qa = w.attestor("qa")
    forged = w.attest(qa, key=new_key())
    good = w.attest(qa)
    attestor, image = w.attestors[qa], ImageRef.parse(IMAGE)
    both = replace(good, signatures=(*forged.signatures, *good.signatures))
    for occs in [(forged, good), (both,)]:
        outcome = check_attestor(attestor, image, occs, now=NOW, max_age=None)
        assert outcome.satisfied and outcome.reason is OutcomeReason.VERIFIED
        assert outcome.occurrences_checked == len(occs)


# --- freshness -----------------------------------------------------------------


def _fresh_doc(qa: str, age: str = "1h") -> dict[str, Any]:
    return {"defaultAdmissionRule": require(qa, kritisSimMaxAttestationAge=age)}


@pytest.mark.parametrize("cache", [None, VerificationCache()])
@pytest.mark.parametrize(
    ("age", "allowed"),
    [
        (timedelta(hours=1), True),  # exactly at the limit still counts
        (timedelta(hours=1, microseconds=1), False),
        (-CLOCK_SKEW_TOLERANCE, True),  # exactly at the skew tolerance
        (-CLOCK_SKEW_TOLERANCE - timedelta(microseconds=1), False),
    ],
)
def test_freshness_boundaries(
    age: timedelta, allowed: bool, cache: VerificationCache | None
) -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW - age)
    d = _decide(w, _fresh_doc(qa), options=DecisionOptions(cache=cache))
    assert d.allowed is allowed
    if not allowed:
        expected = (
            OutcomeReason.TOO_OLD
            if age > timedelta(0)
            else (OutcomeReason.FROM_THE_FUTURE)
        )
        assert _reasons(d) == [expected]
        assert d.images[0].attestors[0].occurrences_checked == 1


def test_freshness_limit_holds_with_a_warm_verification_cache() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW - timedelta(hours=3))
    cache = VerificationCache()
    opts = DecisionOptions(cache=cache)
    assert _decide(w, {"defaultAdmissionRule": require(qa)}, options=opts).allowed
    for _ in range(2):  # a cached judgement without the limit must not leak in
        d = _decide(w, _fresh_doc(qa), options=opts)
        assert not d.allowed and _reasons(d) == [OutcomeReason.TOO_OLD]


def test_clock_skew_option_is_used() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW + timedelta(minutes=10))
    assert not _decide(w, _fresh_doc(qa)).allowed
    opts = DecisionOptions(clock_skew=timedelta(minutes=15))
    assert _decide(w, _fresh_doc(qa), options=opts).allowed


def test_without_a_limit_create_time_is_ignored() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    w.occurrences[-1] = replace(occ, create_time=None)
    assert _decide(w, {"defaultAdmissionRule": require(qa)}).allowed
    w.occurrences[-1] = replace(occ, create_time=NOW + timedelta(days=9))
    assert _decide(w, {"defaultAdmissionRule": require(qa)}).allowed
    d = _decide(w, _fresh_doc(qa))
    assert _reasons(d) == [OutcomeReason.FROM_THE_FUTURE]
    w.occurrences[-1] = replace(occ, create_time=None)
    assert _reasons(_decide(w, _fresh_doc(qa))) == [OutcomeReason.NO_CREATE_TIME]


# --- Kritis docker-reference ------------------------------------------------------


def _rehomed(w: World, qa: str, signed_image: str) -> None:
    occ = w.attest(qa, image=signed_image)
    w.occurrences[-1] = replace(occ, resource_uri=f"https://{IMAGE}")


@pytest.mark.parametrize("cache", [None, VerificationCache()])
def test_docker_reference_checked_only_when_asked(
    cache: VerificationCache | None,
) -> None:
    w = World()
    qa = w.attestor("qa")
    _rehomed(w, qa, f"gcr.io/shop/other@{DIGEST}")
    doc = {"defaultAdmissionRule": require(qa)}
    assert _decide(w, doc, options=DecisionOptions(cache=cache)).allowed
    strict = DecisionOptions(check_docker_reference=True, cache=cache)
    d = _decide(w, doc, options=strict)
    assert not d.allowed and _reasons(d) == [OutcomeReason.REFERENCE_MISMATCH]


def test_docker_reference_that_matches_passes_the_kritis_check() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    strict = DecisionOptions(check_docker_reference=True)
    assert _decide(w, {"defaultAdmissionRule": require(qa)}, options=strict).allowed


# --- resource URLs ----------------------------------------------------------------


def test_tag_and_digest_image_finds_attestation_stored_by_digest() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)  # stored under gcr.io/shop/api@sha256:...
    image = f"gcr.io/shop/api:1.0@{DIGEST}"
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [image])
    assert d.allowed
    assert d.images[0].attestors[0].occurrences_checked == 1


def test_docker_hub_short_name_finds_attestation_under_the_full_name() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, image=f"docker.io/library/nginx@{DIGEST}")
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [f"nginx@{DIGEST}"])
    assert d.allowed


def test_occurrence_under_both_urls_counts_once_but_copies_are_kept() -> None:
    w = World()
    qa = w.attestor("qa")
    image = f"gcr.io/shop/api:1.0@{DIGEST}"
    occ = w.attest(qa)
    same = replace(occ, resource_uri=f"https://{image}")
    w.occurrences.append(same)
    doc = {"defaultAdmissionRule": require(qa)}
    forged = w.attest(qa, key=new_key())
    w.occurrences.remove(occ)
    d = _decide(w, doc, [image])
    assert d.images[0].attestors[0].occurrences_checked == 2  # same + forged
    w.occurrences.append(occ)
    d = _decide(w, doc, [image])
    # occ (by digest) and same (by tag+digest URL) differ only in resourceUri
    assert d.images[0].attestors[0].occurrences_checked == 3
    assert forged in w.occurrences


def test_same_occurrence_returned_for_both_urls_is_checked_once() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)

    class Everything:
        def occurrences(self, resource_url: str, note_name: str) -> Any:
            return (occ,)

    image = f"gcr.io/shop/api:1.0@{DIGEST}"
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [image], source=Everything())
    assert d.allowed and d.images[0].attestors[0].occurrences_checked == 1


# --- governing rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules_key", "key", "target", "kind", "other"),
    [
        (
            "clusterAdmissionRules",
            "us-east1-b.prod",
            TARGET,
            "cluster",
            "us-west1-a.dev",
        ),
        ("kubernetesNamespaceAdmissionRules", "shop", TARGET, "namespace", "other"),
        (
            "kubernetesServiceAccountAdmissionRules",
            "shop:api",
            DeployTarget(None, "shop", "api"),
            "serviceAccount",
            "shop:other",
        ),
        (
            "istioServiceIdentityAdmissionRules",
            "spiffe://example.com/ns/shop/sa/api",
            DeployTarget.with_trust_domain(
                cluster=None,
                namespace="shop",
                service_account="api",
                trust_domain="example.com",
            ),
            "istioServiceIdentity",
            "example.com/ns/other/sa/api",
        ),
    ],
)
def test_governing_rule_reference_in_full(
    rules_key: str, key: str, target: DeployTarget, kind: str, other: str
) -> None:
    doc = {
        "defaultAdmissionRule": DENY,
        rules_key: {
            other: DENY,
            key: {**ALLOW, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"},
        },
    }
    d = _decide(World(), doc, target=target)
    assert d.images[0].rule == RuleRef(
        kind, key, "ALWAYS_ALLOW", "DRYRUN_AUDIT_LOG_ONLY"
    )
    default = _decide(World(), doc, target=DeployTarget("eu-west1.x", "n", "s"))
    assert default.images[0].rule == RuleRef("default", None, "ALWAYS_DENY", ENFORCED)


def test_cluster_rules_need_a_cluster() -> None:
    doc = {"defaultAdmissionRule": ALLOW, "clusterAdmissionRules": {"eu-west1.x": DENY}}
    d = _decide(World(), doc, target=DeployTarget(None, "shop"))
    assert d.allowed and d.images[0].rule.kind == "default"


def test_exemptions_carry_no_modes() -> None:
    doc = {
        "globalPolicyEvaluationMode": "ENABLE",
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/web"}],
        "defaultAdmissionRule": DENY,
    }
    d = _decide(World(), doc, ["gcr.io/shop/web", "registry.k8s.io/pause:3"])
    assert [v.rule for v in d.images] == [
        RuleRef("allowlist", "gcr.io/shop/web"),
        RuleRef("systemPolicy", "registry.k8s.io/**"),
    ]
    assert d.allowed and all(v.attestors == () for v in d.images)


def test_wildcard_free_pattern_is_exact_by_default() -> None:
    doc = {
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/web"}],
        "defaultAdmissionRule": DENY,
    }
    image = "gcr.io/shop/web:1.0"
    assert not _decide(World(), doc, [image]).allowed
    assert not _decide(World(), doc, [image], options=DecisionOptions()).allowed
    opts = DecisionOptions(wildcard_free_matches_any_version=True)
    d = _decide(World(), doc, [image], options=opts)
    assert d.allowed and d.images[0].rule == RuleRef("allowlist", "gcr.io/shop/web")


def test_system_policy_patterns_option_replaces_the_default_list() -> None:
    doc = {"globalPolicyEvaluationMode": "ENABLE", "defaultAdmissionRule": DENY}
    opts = DecisionOptions(system_policy_patterns=("gcr.io/mine/**",))
    d = _decide(World(), doc, ["gcr.io/mine/a:1", "gke.gcr.io/b:1"], options=opts)
    assert [v.allowed for v in d.images] == [True, False]


# --- verdict combination -----------------------------------------------------------


def test_dry_run_verdicts_per_image() -> None:
    dry = {**DENY, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}
    d = _decide(World(), {"defaultAdmissionRule": dry}, ["gcr.io/Bad/x:1", IMAGE])
    assert d.allowed and d.dry_run and not d.verdict_allowed
    assert [v.dry_run for v in d.images] == [True, True]
    ok = _decide(
        World(),
        {"defaultAdmissionRule": {**ALLOW, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}},
    )
    assert ok.allowed and not ok.dry_run and ok.images[0].dry_run is False


def test_dry_run_does_not_cover_an_enforced_denial() -> None:
    doc = {
        "defaultAdmissionRule": {**DENY, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"},
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/web:1"}],
    }
    d = _decide(World(), doc, ["gcr.io/shop/web:1", IMAGE])
    assert d.allowed and d.dry_run
    assert d.images[0].dry_run is False  # exempt images are never dry-run verdicts
    enforced = {"defaultAdmissionRule": DENY}
    d = _decide(World(), enforced)
    assert not d.allowed and not d.dry_run and d.images[0].dry_run is False


def test_decision_fields_for_a_mixed_workload() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    d = _decide(
        w,
        {"defaultAdmissionRule": require(qa)},
        [IMAGE, "gcr.io/shop/db:1"],
        breakglass=True,
    )
    assert (d.allowed, d.verdict_allowed, d.breakglass, d.dry_run) == (
        True,
        False,
        True,
        False,
    )
    assert [v.allowed for v in d.images] == [True, False]
    assert len(d.reasons) == 1 and d.reasons[0].startswith("Image gcr.io/shop/db:1 ")


def test_attestation_source_sequence_other_than_tuple_is_judged() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    occs: list[AttestationOccurrence] = [occ]
    outcome = check_attestor(
        w.attestors[qa],
        ImageRef.parse(IMAGE),
        occs,
        now=NOW,
        max_age=None,
        cache=VerificationCache(),
    )
    assert outcome.satisfied


def test_unusable_occurrence_does_not_stop_the_search() -> None:
    w = World()
    qa = w.attestor("qa")
    wrong = w.attest(qa, note="projects/p/notes/other")
    good = w.attest(qa)
    unsigned = replace(good, signatures=())
    attestor, image = w.attestors[qa], ImageRef.parse(IMAGE)
    for occs in [(wrong, good), (unsigned, good)]:
        outcome = check_attestor(attestor, image, occs, now=NOW, max_age=None)
        assert outcome.satisfied, occs


def test_check_attestor_ignores_docker_reference_by_default() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa, image=f"gcr.io/shop/other@{DIGEST}")
    image = ImageRef.parse(IMAGE)
    assert check_attestor(
        w.attestors[qa], image, (occ,), now=NOW, max_age=None
    ).satisfied


# --- the verification cache contract ----------------------------------------------


def test_cache_verifies_once_and_reuses_the_judgement() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    cache = VerificationCache()
    opts = DecisionOptions(cache=cache)
    doc = {"defaultAdmissionRule": require(qa)}
    source = w.source()
    assert _decide(w, doc, options=opts, source=source).allowed
    assert (cache.misses, cache.hits, len(cache.judgements)) == (1, 0, 1)
    assert _decide(w, doc, options=opts, source=source).allowed
    # the judgement is reused: no signature is even looked up again
    assert (cache.misses, cache.hits, len(cache.judgements)) == (1, 0, 1)


def test_cache_under_a_freshness_limit_keeps_results_not_judgements() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa)
    cache = VerificationCache()
    opts = DecisionOptions(cache=cache)
    source = w.source()
    for _ in range(2):
        assert _decide(w, _fresh_doc(qa, "2h"), options=opts, source=source).allowed
    assert (cache.misses, cache.hits, len(cache.judgements)) == (1, 1, 0)


def test_cache_judgements_are_kept_per_attestor_and_sequence() -> None:
    w = World()
    qa, build = w.attestor("qa"), w.attestor("build")
    occs = (w.attest(qa), w.attest(build))
    cache = VerificationCache()
    image = ImageRef.parse(IMAGE)
    for _ in range(2):
        for name in (qa, build):
            outcome = check_attestor(
                w.attestors[name], image, occs, now=NOW, max_age=None, cache=cache
            )
            assert outcome.satisfied
    assert len(cache.judgements) == 2 and cache.misses == 2
    as_list = check_attestor(
        w.attestors[qa], image, list(occs), now=NOW, max_age=None, cache=cache
    )
    assert as_list.satisfied and len(cache.judgements) == 2  # lists are not memoised
    assert cache.hits == 1


# --- fetching occurrences ------------------------------------------------------------


def test_fetch_occurrences_computes_the_urls_itself() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    image = ImageRef.parse(f"gcr.io/shop/api:1.0@{DIGEST}")
    note = "projects/p/notes/qa"
    assert fetch_occurrences(w.source(), image, note) == (occ,)
    assert fetch_occurrences(w.source(), image, note, image.resource_urls()) == (occ,)
    assert fetch_occurrences(w.source(), image, "projects/p/notes/other") == ()


def test_fetch_occurrences_keeps_what_one_url_returns() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    w.occurrences.append(occ)  # the store holds it twice under one URL
    image = ImageRef.parse(IMAGE)
    assert fetch_occurrences(w.source(), image, "projects/p/notes/qa") == (occ, occ)


# --- OpenPGP keys ----------------------------------------------------------------------


@functools.cache
def _pgp_key() -> tuple[str, str]:
    return generate_pgp_key("mutation-test")


def test_pgp_attestor_verifies_and_names_openpgp() -> None:
    secret, public = _pgp_key()
    fingerprint = secret_key_fingerprint(secret)
    name = "projects/p/attestors/pgp"
    attestor = Attestor.from_dict(
        {
            "name": name,
            "userOwnedGrafeasNote": {
                "noteReference": "projects/p/notes/pgp",
                "publicKeys": [{"asciiArmoredPgpPublicKey": public, "id": fingerprint}],
            },
        }
    )
    occ = make_pgp_attestation(IMAGE, "projects/p/notes/pgp", secret)
    image = ImageRef.parse(IMAGE)
    outcome = check_attestor(attestor, image, (occ,), now=NOW, max_age=None)
    assert (outcome.satisfied, outcome.detail) == (
        True,
        f"verified with key {fingerprint!r} (OpenPGP)",
    )
    forged = replace(occ, serialized_payload=occ.serialized_payload + b" ")
    outcome = check_attestor(attestor, image, (forged,), now=NOW, max_age=None)
    assert outcome.reason is OutcomeReason.BAD_SIGNATURE
    assert outcome.detail.startswith(
        f"PGP signature does not verify with key {fingerprint!r}: "
    )


# --- every verdict path, in full ----------------------------------------------------


def test_every_verdict_path_in_full_and_none_fails_closed() -> None:
    w = World()
    qa = w.attestor("qa")
    doc = {
        "globalPolicyEvaluationMode": "ENABLE",
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/web"}],
        "defaultAdmissionRule": require(qa),
        "kubernetesNamespaceAdmissionRules": {"allow": ALLOW, "deny": DENY},
    }
    d = _decide(w, doc, ["gcr.io/Bad/x", "gcr.io/shop/web", "gcr.io/shop/api:1"])
    assert d.failed_closed is False
    assert [(v.image, v.allowed, v.rule, v.dry_run) for v in d.images] == [
        ("gcr.io/Bad/x", False, RuleRef("default", None, *_REQUIRE), False),
        ("gcr.io/shop/web", True, RuleRef("allowlist", "gcr.io/shop/web"), False),
        ("gcr.io/shop/api:1", False, RuleRef("default", None, *_REQUIRE), False),
    ]
    assert [o.satisfied for o in d.images[2].attestors] == [False]
    for namespace, allowed in [("allow", True), ("deny", False)]:
        target = DeployTarget(None, namespace)
        d = _decide(w, doc, ["gcr.io/shop/api:1"], target=target)
        verdict = d.images[0]
        assert (verdict.image, verdict.allowed, d.failed_closed) == (
            "gcr.io/shop/api:1",
            allowed,
            False,
        )
        mode = "ALWAYS_ALLOW" if allowed else "ALWAYS_DENY"
        assert verdict.rule == RuleRef("namespace", namespace, mode, ENFORCED)
        assert verdict.reason.startswith(
            "allowed by namespace rule" if allowed else "Image gcr.io/shop/api:1 denied"
        )


_REQUIRE = ("REQUIRE_ATTESTATION", ENFORCED)


def test_store_error_outcome_is_unsatisfied() -> None:
    w = World()
    qa = w.attestor("qa")
    source = _FailsFor(w.source(), "projects/p/notes/qa")
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, source=source)
    assert d.images[0].attestors[0].satisfied is False
    assert d.images[0].attestors[0].occurrences_checked == 0


def test_governing_rule_is_memoised_per_rule_object() -> None:
    first, second = (
        policy({"defaultAdmissionRule": ALLOW}),
        policy({"defaultAdmissionRule": DENY}),
    )
    a = governing_rule(first, TARGET)
    assert governing_rule(first, TARGET) is a
    b = governing_rule(second, TARGET)
    assert b.rule is second.default_admission_rule and b is not a
    assert governing_rule(first, TARGET) is a
    assert governing_rule(second, TARGET) is b


def test_policy_allowlist_switch() -> None:
    p = policy(
        {
            "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/web"}],
            "defaultAdmissionRule": DENY,
        }
    )
    assert policy_allowlist(p) is p.allowlist
    assert policy_allowlist(p).match("gcr.io/shop/web:1") is None
    loose = policy_allowlist(p, wildcard_free_matches_any_version=True)
    assert loose.wildcard_free_matches_any_version is True
    assert loose.match("gcr.io/shop/web:1") == p.allowlist.patterns[0]


def test_a_workload_without_images_is_admitted_and_not_failed_closed() -> None:
    d = _decide(World(), {"defaultAdmissionRule": DENY}, [])
    assert (d.allowed, d.verdict_allowed, d.failed_closed, d.images) == (
        True,
        True,
        False,
        (),
    )
