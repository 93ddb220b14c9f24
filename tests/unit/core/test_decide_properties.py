"""Hypothesis properties of decide(): monotonicity, order independence,
allowlist, tags, dry-run, foreign keys.

A fixed pool of attestors (one ECDSA key each) and pre-signed attestations keeps
examples cheap; Hypothesis chooses which exist, the policy and the images.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.model.decision import Decision
from kritis_sim.model.occurrence import AttestationOccurrence
from tests.unit.core.world import NOW, World, new_key, policy

NAMES = ("build", "test", "qa")
REPOS = ("gcr.io/shop/api", "gcr.io/shop/web", "us-docker.pkg.dev/p/r/db")
DIGESTS = tuple("sha256:" + c * 64 for c in "0123")
TARGET = DeployTarget("us-east1-b.prod", "shop")


@cache
def world() -> World:
    w = World()
    for n in NAMES:
        w.attestor(n)
    return w


@cache
def valid_attestation(attestor: str, image: str) -> AttestationOccurrence:
    w = world()
    occ = w.attest(f"projects/p/attestors/{attestor}", image)
    w.occurrences.clear()
    return occ


@cache
def foreign_attestation(attestor: str, image: str) -> AttestationOccurrence:
    """Claims the attestor's key id but is signed by an unrelated key."""
    w = world()
    occ = w.attest(f"projects/p/attestors/{attestor}", image, key=new_key())
    w.occurrences.clear()
    return occ


images_st = st.builds(
    lambda r, d: f"{r}@{d}", st.sampled_from(REPOS), st.sampled_from(DIGESTS)
)
pairs_st = st.lists(st.tuples(st.sampled_from(NAMES), images_st), max_size=8)


@st.composite
def rules(draw: st.DrawFn, mode: str | None = None) -> dict:
    kind = draw(
        st.sampled_from(["REQUIRE_ATTESTATION"] * 3 + ["ALWAYS_ALLOW", "ALWAYS_DENY"])
    )
    enforcement = mode or draw(
        st.sampled_from(["ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY"])
    )
    rule: dict = {"evaluationMode": kind, "enforcementMode": enforcement}
    if kind == "REQUIRE_ATTESTATION":
        chosen = draw(
            st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)
        )
        rule["requireAttestationsBy"] = [f"projects/p/attestors/{n}" for n in chosen]
    return rule


def _decide(doc: dict, images: list[str], occs: list[AttestationOccurrence], **kw):
    return decide(
        policy(doc),
        world().attestors,
        InMemorySource(occs),
        TARGET,
        images,
        now=NOW,
        **kw,
    )


def _occs(pairs: list[tuple[str, str]]) -> list[AttestationOccurrence]:
    return [valid_attestation(a, i) for a, i in pairs]


@given(
    rules(),
    st.lists(images_st, min_size=1, max_size=3),
    pairs_st,
    st.sampled_from(NAMES),
    images_st,
)
def test_adding_a_valid_attestation_never_turns_allow_into_deny(
    rule, images, pairs, extra_a, extra_i
) -> None:
    doc = {"defaultAdmissionRule": rule}
    before = _decide(doc, images, _occs(pairs))
    after = _decide(doc, images, _occs([*pairs, (extra_a, extra_i)]))
    if before.verdict_allowed:
        assert after.verdict_allowed
    if before.allowed:
        assert after.allowed


@given(
    rules(),
    st.lists(images_st, min_size=1, max_size=3),
    pairs_st.filter(bool),
    st.data(),
)
def test_removing_an_attestation_never_turns_deny_into_allow(
    rule, images, pairs, data
) -> None:
    doc = {"defaultAdmissionRule": rule}
    drop = data.draw(st.integers(0, len(pairs) - 1))
    before = _decide(doc, images, _occs(pairs))
    after = _decide(doc, images, _occs(pairs[:drop] + pairs[drop + 1 :]))
    if not before.verdict_allowed:
        assert not after.verdict_allowed


@given(
    rules(),
    st.lists(images_st, min_size=1, max_size=4),
    pairs_st,
    st.randoms(use_true_random=False),
)
def test_order_of_images_attestations_and_keys_never_changes_the_verdict(
    rule, images, pairs, rnd
) -> None:
    doc = {"defaultAdmissionRule": rule}
    occs = _occs(pairs) + [foreign_attestation(a, i) for a, i in pairs[:2]]
    base = _decide(doc, images, occs)
    shuffled_images = images[:]
    rnd.shuffle(shuffled_images)
    shuffled_occs = occs[:]
    rnd.shuffle(shuffled_occs)
    other = _decide(doc, shuffled_images, shuffled_occs)
    assert (base.allowed, base.verdict_allowed) == (
        other.allowed,
        other.verdict_allowed,
    )
    assert {(v.image, v.allowed) for v in base.images} == {
        (v.image, v.allowed) for v in other.images
    }


@given(
    rules(),
    st.sampled_from(REPOS),
    st.sampled_from(["*", "**"]),
    st.sampled_from([":1.0", "@" + DIGESTS[0], ":latest"]),
)
def test_allowlisted_images_always_pass(rule, repo, star, suffix) -> None:
    doc = {
        "defaultAdmissionRule": rule,
        "admissionWhitelistPatterns": [{"namePattern": repo + star}],
    }
    d = _decide(doc, [repo + suffix], [])
    assert d.verdict_allowed


@given(
    st.sampled_from(REPOS),
    st.from_regex(r"[a-z0-9][a-z0-9.-]{0,10}", fullmatch=True),
    pairs_st,
)
def test_tag_only_images_never_satisfy_require_attestation(repo, tag, pairs) -> None:
    doc = {
        "defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": ["projects/p/attestors/build"],
        }
    }
    d = _decide(doc, [f"{repo}:{tag}"], _occs(pairs))
    assert not d.verdict_allowed and not d.allowed


@given(
    rules(mode="ENFORCED_BLOCK_AND_AUDIT_LOG"),
    st.lists(images_st, min_size=1, max_size=3),
    pairs_st,
)
def test_dry_run_never_blocks_and_reports_the_enforced_verdict(
    rule, images, pairs
) -> None:
    enforced = _decide({"defaultAdmissionRule": rule}, images, _occs(pairs))
    dry = _decide(
        {"defaultAdmissionRule": {**rule, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}},
        images,
        _occs(pairs),
    )
    assert dry.allowed
    assert dry.verdict_allowed == enforced.verdict_allowed
    assert [v.allowed for v in dry.images] == [v.allowed for v in enforced.images]


@given(st.sampled_from(NAMES), images_st)
def test_signature_by_a_key_outside_the_attestor_never_verifies(
    attestor, image
) -> None:
    doc = {
        "defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": [f"projects/p/attestors/{attestor}"],
        }
    }
    forged = foreign_attestation(attestor, image)
    unknown_id = replace(
        forged,
        signatures=tuple(
            replace(s, public_key_id="ni:///sha-256;x") for s in forged.signatures
        ),
    )
    d = _decide(doc, [image], [forged, unknown_id])
    assert not d.verdict_allowed


def _cold(doc: dict, images: list[str], occs: list[AttestationOccurrence]):
    """decide() with no judgement remembered from earlier decisions."""
    return decide(
        policy(doc), world().attestors, InMemorySource(occs), TARGET, images, now=NOW
    )


@given(
    rules(),
    st.lists(images_st, min_size=1, max_size=3),
    pairs_st,
    st.lists(st.tuples(st.sampled_from(NAMES), images_st), max_size=3),
)
def test_reused_judgements_equal_fresh_ones(rule, images, pairs, forged) -> None:
    """Warm decisions (the same in-memory tuples judged again) equal cold
    ones, and an attestation added to the store is seen at once."""
    doc = {"defaultAdmissionRule": rule}
    occs = _occs(pairs) + [foreign_attestation(a, i) for a, i in forged]
    source = InMemorySource(occs)
    cache = VerificationCache()

    def warm() -> Decision:
        return decide(
            policy(doc), world().attestors, source, TARGET, images, now=NOW,
            options=DecisionOptions(cache=cache),
        )  # fmt: skip

    assert warm() == warm() == _cold(doc, images, occs)
    added = [valid_attestation(n, i) for n in NAMES for i in images]
    for occ in added:
        source.add(occ)
    assert warm() == _cold(doc, images, occs + added)
