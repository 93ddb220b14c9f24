"""Freshness: per-attestor limits (issue 10.4) and a clock that cannot be fooled
(issue 15.5): future createTime beyond the skew tolerance, missing createTime."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import yaml

from kritis_sim.core.attestations import CLOCK_SKEW_TOLERANCE
from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import PolicyError
from kritis_sim.model.decision import OutcomeReason
from kritis_sim.model.policy import MAX_AGE_BY_ATTESTOR_FIELD, Policy, load_policy
from tests.unit.core.world import IMAGE, NOW, World, policy, require

TARGET = DeployTarget(cluster=None, namespace="shop")
BY = MAX_AGE_BY_ATTESTOR_FIELD


def _decide(w: World, doc: dict, **options: object):
    return decide(
        policy(doc),
        w.attestors,
        w.source(),
        TARGET,
        [IMAGE],
        now=NOW,
        options=DecisionOptions(**options),  # type: ignore[arg-type]
    )


def _reasons(d) -> dict[str, OutcomeReason]:
    return {o.attestor: o.reason for o in d.images[0].attestors}


def test_qa_expires_after_24h_but_build_never_does() -> None:
    w = World()
    build, qa = w.attestor("build"), w.attestor("qa")
    w.attest(build, created=NOW - timedelta(days=90))
    w.attest(qa, created=NOW - timedelta(hours=25))
    doc = {"defaultAdmissionRule": require(build, qa, **{BY: {qa: "24h"}})}
    d = _decide(w, doc)
    assert not d
    assert _reasons(d) == {build: OutcomeReason.VERIFIED, qa: OutcomeReason.TOO_OLD}
    detail = d.images[0].attestors[1].detail
    assert detail == "attestation is 25h old; the rule accepts at most 24h"
    assert "day" not in d.message
    w.attest(qa, created=NOW - timedelta(hours=23))
    assert _decide(w, doc)


@pytest.mark.parametrize(
    ("rule_age", "own_age", "allowed"),
    [
        ("1h", "48h", True),  # the attestor's own limit is longer: it wins
        ("48h", "1h", False),  # ... or shorter: it still wins
        (None, "1h", False),
        ("1h", None, False),
    ],
)
def test_per_attestor_limit_overrides_the_rule_wide_one(
    rule_age: str | None, own_age: str | None, allowed: bool
) -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW - timedelta(hours=3))
    extra: dict[str, object] = {}
    if rule_age:
        extra["kritisSimMaxAttestationAge"] = rule_age
    if own_age:
        extra[BY] = {qa: own_age}
    assert bool(_decide(w, {"defaultAdmissionRule": require(qa, **extra)})) is allowed


def test_per_attestor_limits_are_worked_out_when_the_rule_is_built() -> None:
    rule = policy(
        {
            "defaultAdmissionRule": require(
                "projects/p/attestors/a",
                "projects/p/attestors/b",
                kritisSimMaxAttestationAge="2h",
                **{BY: {"projects/p/attestors/b": "30m"}},
            )
        }
    ).default_admission_rule
    assert rule.max_ages == (timedelta(hours=2), timedelta(minutes=30))
    assert rule.max_age_for("projects/p/attestors/b") == timedelta(minutes=30)
    plain = dataclasses.replace(rule, max_attestation_age_by_attestor=())
    assert plain.max_ages == (timedelta(hours=2), timedelta(hours=2))


def test_per_attestor_field_round_trips_through_export() -> None:
    text = """\
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy: [projects/p/attestors/build, projects/p/attestors/qa]
  kritisSimMaxAttestationAgeByAttestor:
    projects/p/attestors/qa: 1d1h
"""
    pol = load_policy(text, source="p.yaml")
    rule = pol.to_dict()["defaultAdmissionRule"]
    assert rule[BY] == {"projects/p/attestors/qa": "25h"}
    assert Policy.from_dict(pol.to_dict()) == pol
    assert load_policy(yaml.safe_dump(pol.to_dict())) == pol


@pytest.mark.parametrize(
    ("ages", "message", "line"),
    [
        (
            "{projects/p/attestors/qq: 24h}",
            "'projects/p/attestors/qq' is not in this rule's requireAttestationsBy; "
            "did you mean 'projects/p/attestors/qa'?",
            6,
        ),
        ("{projects/p/attestors/qa: 24}", "expected a string", 6),
        ("{projects/p/attestors/qa: 1.5h}", "expected a duration", 6),
        ("[24h]", "expected a map from attestor name to maximum age", 6),
    ],
)
def test_per_attestor_field_errors_name_file_line_and_field(
    ages: str, message: str, line: int
) -> None:
    text = f"""\
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/p/attestors/qa
  {BY}: {ages}
"""
    with pytest.raises(PolicyError) as info:
        load_policy(text, source="p.yaml")
    err = info.value
    assert message in err.message
    assert (err.source, err.line) == ("p.yaml", line)
    assert err.path is not None and err.path.startswith(f"defaultAdmissionRule.{BY}")


def test_strict_mode_refuses_the_per_attestor_extension() -> None:
    doc = {"defaultAdmissionRule": require("projects/p/attestors/qa")}
    doc["defaultAdmissionRule"][BY] = {"projects/p/attestors/qa": "24h"}
    with pytest.raises(PolicyError, match="kritis-sim extension"):
        Policy.from_dict(doc, strict=True)


def test_future_create_time_beyond_the_tolerance_is_not_fresh() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW + timedelta(hours=2))
    doc = {"defaultAdmissionRule": require(qa, kritisSimMaxAttestationAge="24h")}
    d = _decide(w, doc)
    assert not d
    outcome = d.images[0].attestors[0]
    assert outcome.reason is OutcomeReason.FROM_THE_FUTURE
    assert "created 2h after the decision time" in outcome.detail
    assert "tolerance of 5m" in outcome.detail
    # without a freshness limit createTime is not looked at
    assert _decide(w, {"defaultAdmissionRule": require(qa)})


def test_future_create_time_within_the_tolerance_is_fresh() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW + CLOCK_SKEW_TOLERANCE)
    doc = {"defaultAdmissionRule": require(qa, kritisSimMaxAttestationAge="1h")}
    assert _decide(w, doc)
    assert not _decide(w, doc, clock_skew=timedelta(minutes=4))
    # a cache changes nothing
    assert not _decide(w, doc, clock_skew=timedelta(0), cache=VerificationCache())


def test_missing_create_time_under_a_freshness_rule_is_denied() -> None:
    w = World()
    qa = w.attestor("qa")
    occ = w.attest(qa)
    w.occurrences[:] = [dataclasses.replace(occ, create_time=None)]
    d = _decide(w, {"defaultAdmissionRule": require(qa, **{BY: {qa: "720h"}})})
    assert not d
    outcome = d.images[0].attestors[0]
    assert outcome.reason is OutcomeReason.NO_CREATE_TIME
    assert "at most 720h old" in outcome.detail
    assert _decide(w, {"defaultAdmissionRule": require(qa)})


def test_a_fresh_signature_beats_a_future_one() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW + timedelta(days=1))
    w.attest(qa, created=NOW - timedelta(minutes=1))
    doc = {"defaultAdmissionRule": require(qa, kritisSimMaxAttestationAge="1h")}
    assert _decide(w, doc)
