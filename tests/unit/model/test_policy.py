"""Loading, validating and dumping Binary Authorization policies."""

from __future__ import annotations

import datetime
import json
import textwrap

import pytest
import yaml

from kritis_sim.errors import InputError, PolicyError
from kritis_sim.model.durations import format_duration, parse_duration
from kritis_sim.model.policy import (
    AdmissionRule,
    EnforcementMode,
    EvaluationMode,
    GlobalPolicyEvaluationMode,
    Policy,
    RuleKind,
    load_policy,
    load_policy_file,
)

FULL = textwrap.dedent(
    """\
    admissionWhitelistPatterns:
    - namePattern: gcr.io/google_containers/*
    - namePattern: gcr.io/my-project/tools**
    clusterAdmissionRules:
      us-east1-b.prod:
        enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        evaluationMode: REQUIRE_ATTESTATION
        requireAttestationsBy:
        - projects/my-project/attestors/build
        - projects/my-project/attestors/qa
      europe-west1.staging:
        enforcementMode: DRYRUN_AUDIT_LOG_ONLY
        evaluationMode: ALWAYS_DENY
    defaultAdmissionRule:
      enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
      evaluationMode: REQUIRE_ATTESTATION
      kritisSimMaxAttestationAge: 720h
      requireAttestationsBy:
      - projects/my-project/attestors/build
    description: production policy
    etag: abc123
    globalPolicyEvaluationMode: ENABLE
    name: projects/my-project/policy
    updateTime: '2024-05-01T12:00:00.123456Z'
    """
)

MINIMAL = textwrap.dedent(
    """\
    defaultAdmissionRule:
      evaluationMode: ALWAYS_ALLOW
      enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
    """
)


def _error(text: str, **kwargs: bool) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(text, source="policy.yaml", **kwargs)
    return info.value


def test_policy_loads_every_field() -> None:
    policy = load_policy(FULL, source="policy.yaml")
    assert policy.name == "projects/my-project/policy"
    assert policy.description == "production policy"
    assert policy.etag == "abc123"
    assert policy.update_time == "2024-05-01T12:00:00.123456Z"
    assert policy.global_policy_evaluation_mode is GlobalPolicyEvaluationMode.ENABLE
    assert [p.text for p in policy.admission_whitelist_patterns] == [
        "gcr.io/google_containers/*",
        "gcr.io/my-project/tools**",
    ]
    default = policy.default_admission_rule
    assert default.evaluation_mode is EvaluationMode.REQUIRE_ATTESTATION
    assert default.require_attestations_by == ("projects/my-project/attestors/build",)
    assert default.max_attestation_age == datetime.timedelta(days=30)
    prod = policy.cluster_admission_rules["us-east1-b.prod"]
    assert prod.require_attestations_by[1] == "projects/my-project/attestors/qa"
    staging = policy.cluster_admission_rules["europe-west1.staging"]
    assert staging.enforcement_mode is EnforcementMode.DRYRUN_AUDIT_LOG_ONLY
    assert policy.specific_rules() == (RuleKind.CLUSTER, policy.cluster_admission_rules)


def test_policy_minimal_has_defaults() -> None:
    policy = load_policy(MINIMAL)
    assert policy.admission_whitelist_patterns == ()
    assert policy.cluster_admission_rules == {}
    assert policy.specific_rules() is None
    assert policy.global_policy_evaluation_mode.number == 0


def test_policy_loads_json() -> None:
    data = yaml.safe_load(FULL)
    policy = load_policy(json.dumps(data, indent=2), source="policy.json")
    assert policy == load_policy(FULL)


def test_policy_dump_equals_input_document() -> None:
    policy = load_policy(FULL)
    assert policy.to_dict() == yaml.safe_load(FULL)
    assert list(policy.to_dict()) == sorted(policy.to_dict())


def test_policy_round_trip_is_equal() -> None:
    policy = load_policy(FULL)
    assert Policy.from_dict(policy.to_dict()) == policy
    assert load_policy(yaml.safe_dump(policy.to_dict())) == policy
    assert hash(Policy.from_dict(policy.to_dict())) == hash(policy)


def test_policy_dump_omits_empty_and_unspecified() -> None:
    doc = load_policy(
        MINIMAL
        + "globalPolicyEvaluationMode: GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED\n"
        + "kubernetesNamespaceAdmissionRules: {}\nadmissionWhitelistPatterns: []\n"
    ).to_dict()
    assert doc == {
        "defaultAdmissionRule": {
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "evaluationMode": "ALWAYS_ALLOW",
        }
    }


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (0, EvaluationMode.EVALUATION_MODE_UNSPECIFIED),
        (1, EvaluationMode.ALWAYS_ALLOW),
        (2, EvaluationMode.REQUIRE_ATTESTATION),
        (3, EvaluationMode.ALWAYS_DENY),
        ("ALWAYS_DENY", EvaluationMode.ALWAYS_DENY),
    ],
)
def test_policy_enum_parse_accepts_names_and_numbers(
    written: str | int, expected: EvaluationMode
) -> None:
    assert EvaluationMode.parse(written) is expected
    assert expected.number == list(EvaluationMode).index(expected)


def test_policy_enum_numbers_in_documents() -> None:
    policy = load_policy(
        "defaultAdmissionRule: {evaluationMode: 3, enforcementMode: 2}\n"
        "globalPolicyEvaluationMode: 2\n"
    )
    assert policy.default_admission_rule.evaluation_mode is EvaluationMode.ALWAYS_DENY
    assert (
        policy.default_admission_rule.enforcement_mode
        is EnforcementMode.DRYRUN_AUDIT_LOG_ONLY
    )
    assert policy.global_policy_evaluation_mode is GlobalPolicyEvaluationMode.DISABLE
    assert policy.to_dict()["globalPolicyEvaluationMode"] == "DISABLE"


def test_policy_enum_refuses_booleans() -> None:
    with pytest.raises(ValueError, match="not a valid EvaluationMode"):
        EvaluationMode.parse(True)


def test_policy_every_specific_map_kind_loads() -> None:
    rule = (
        "{evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}"
    )
    for field, key, kind in [
        ("kubernetesNamespaceAdmissionRules", "test-ns.x", RuleKind.NAMESPACE),
        (
            "kubernetesServiceAccountAdmissionRules",
            "test-ns:default",
            RuleKind.SERVICE_ACCOUNT,
        ),
        (
            "istioServiceIdentityAdmissionRules",
            "spiffe://example.com/ns/test-ns/sa/default",
            RuleKind.ISTIO,
        ),
        ("istioServiceIdentityAdmissionRules", "example.com/ns/a/sa/b", RuleKind.ISTIO),
        ("clusterAdmissionRules", "us-central1.c1", RuleKind.CLUSTER),
    ]:
        policy = load_policy(MINIMAL + f"{field}:\n  {key}: {rule}\n")
        found = policy.specific_rules()
        assert found is not None
        assert found[0] is kind
        assert list(found[1]) == [key]
        assert policy.rules_of(kind) == found[1]


def test_policy_allowlist_is_built_once() -> None:
    policy = load_policy(FULL)
    assert policy.allowlist is policy.allowlist
    assert policy.allowlist.match("gcr.io/google_containers/pause:3.9") is not None
    assert policy.allowlist.match("docker.io/library/nginx:1") is None


def test_policy_constructor_copies_maps() -> None:
    rule = AdmissionRule(
        EvaluationMode.ALWAYS_ALLOW, EnforcementMode.DRYRUN_AUDIT_LOG_ONLY
    )
    rules = {"ns": rule}
    policy = Policy(rule, kubernetes_namespace_admission_rules=rules)
    rules["other"] = rule
    assert list(policy.kubernetes_namespace_admission_rules) == ["ns"]
    assert hash(policy) == hash(
        Policy(rule, kubernetes_namespace_admission_rules={"ns": rule})
    )


def test_policy_load_policy_file(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "p.yaml"  # type: ignore[operator]
    path.write_text(MINIMAL + "evil: 1\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert f"{path}:4: evil:" in str(info.value)


def test_policy_not_one_document_is_input_error() -> None:
    with pytest.raises(InputError, match="exactly one"):
        load_policy(MINIMAL + "---\n" + MINIMAL)


# --- freshness extension ---------------------------------------------------


def test_policy_max_age_written_back() -> None:
    policy = load_policy(
        MINIMAL.replace("ALWAYS_ALLOW", "ALWAYS_DENY")
        + "  kritisSimMaxAttestationAge: 1h30m\n"
    )
    assert policy.default_admission_rule.max_attestation_age == datetime.timedelta(
        minutes=90
    )
    assert (
        policy.to_dict()["defaultAdmissionRule"]["kritisSimMaxAttestationAge"]
        == "1h30m"
    )


def test_policy_strict_refuses_extension() -> None:
    err = _error(FULL, strict=True)
    assert err.line == 17
    assert err.path == "defaultAdmissionRule.kritisSimMaxAttestationAge"
    assert "kritis-sim extension" in err.message
    assert "Google" in err.message


def test_policy_strict_accepts_plain_policy() -> None:
    text = "\n".join(line for line in FULL.splitlines() if "kritisSim" not in line)
    assert (
        load_policy(text, strict=True).default_admission_rule.max_attestation_age
        is None
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("720h", 2_592_000),
        ("30m", 1_800),
        ("86400s", 86_400),
        ("7d", 604_800),
        ("1h30m", 5_400),
        ("1d2h3m4s", 93_784),
    ],
)
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == datetime.timedelta(seconds=seconds)
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize(
    "text", ["", "0s", "0h0m", "5", "1.5h", "-1h", "1m1h", "1 h", "1hh"]
)
def test_durations_refuse(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_durations_format() -> None:
    assert format_duration(datetime.timedelta(days=7)) == "168h"
    assert format_duration(datetime.timedelta(seconds=61)) == "1m1s"
    # zero, negative and fractional durations are written for messages
    assert format_duration(datetime.timedelta(0)) == "0s"
