"""Every policy validation rule: the error names file, line, field path and expectation.

Each case is a document, the ``policy.yaml:<line>: <path>`` prefix the message must
start with, and a fragment of what was expected.
"""

from __future__ import annotations

import textwrap

import pytest

from kritis_sim._yaml import format_path
from kritis_sim.errors import PolicyError
from kritis_sim.model.policy import Policy, load_policy

RULE = "{evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}"


def _doc(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")


def _fails(text: str, where: str, fragment: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(_doc(text), source="policy.yaml")
    message = str(info.value)
    line, _, path = where.partition(" ")
    prefix = f"policy.yaml:{line}: " + (f"{path}: " if path else "")
    assert message.startswith(prefix), message
    assert fragment in message, message
    return info.value


def test_policy_requires_default_rule() -> None:
    _fails("description: x\n", "1", "missing required field 'defaultAdmissionRule'")


def test_policy_top_level_must_be_mapping() -> None:
    _fails("- a\n", "1", "expected a Policy (a mapping), got list")


def test_policy_unknown_field_suggests_closest() -> None:
    err = _fails(
        """
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
          requireAttestationBy: [projects/p/attestors/a]
        """,
        "4 defaultAdmissionRule.requireAttestationBy",
        "unknown field 'requireAttestationBy'; did you mean 'requireAttestationsBy'?",
    )
    assert err.path == "defaultAdmissionRule.requireAttestationBy"


def test_policy_unknown_top_level_field_lists_known_ones() -> None:
    _fails(
        f"defaultAdmissionRule: {RULE}\nzzz: 1\n",
        "2 zzz",
        "accepts: admissionWhitelistPatterns",
    )


def test_policy_requires_evaluation_mode() -> None:
    _fails(
        "defaultAdmissionRule:\n  enforcementMode: DRYRUN_AUDIT_LOG_ONLY\n",
        "2 defaultAdmissionRule",
        "missing required field 'evaluationMode'",
    )


def test_policy_refuses_unspecified_evaluation_mode() -> None:
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: 0\n  enforcementMode: 1\n",
        "2 defaultAdmissionRule.evaluationMode",
        "EVALUATION_MODE_UNSPECIFIED is not allowed; expected one of ALWAYS_ALLOW",
    )


def test_policy_requires_enforcement_mode() -> None:
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n",
        "2 defaultAdmissionRule",
        "missing required field 'enforcementMode'",
    )


def test_policy_refuses_unspecified_enforcement_mode() -> None:
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: 1\n  enforcementMode: ENFORCEMENT_MODE_UNSPECIFIED\n",
        "3 defaultAdmissionRule.enforcementMode",
        "ENFORCEMENT_MODE_UNSPECIFIED is not allowed",
    )


def test_policy_bad_enum_lists_accepted_values() -> None:
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: allow\n  enforcementMode: 1\n",
        "2 defaultAdmissionRule.evaluationMode",
        "'allow' is not a valid EvaluationMode; expected one of EVALUATION_MODE_UNSPECIFIED (0), "
        "ALWAYS_ALLOW (1), REQUIRE_ATTESTATION (2), ALWAYS_DENY (3)",
    )


def test_policy_bad_global_mode() -> None:
    _fails(
        f"defaultAdmissionRule: {RULE}\nglobalPolicyEvaluationMode: 5\n",
        "2 globalPolicyEvaluationMode",
        "ENABLE (1), DISABLE (2)",
    )


def test_policy_require_attestation_needs_attestors() -> None:
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: 1\n",
        "2 defaultAdmissionRule.requireAttestationsBy",
        "needs at least one attestor",
    )


def test_policy_attestors_only_with_require_attestation() -> None:
    _fails(
        """
        defaultAdmissionRule:
          evaluationMode: ALWAYS_DENY
          enforcementMode: 1
          requireAttestationsBy:
          - projects/p/attestors/a
        """,
        "5 defaultAdmissionRule.requireAttestationsBy",
        "must be empty when evaluationMode is ALWAYS_DENY",
    )


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        (
            "projects/p/attestor/a",
            "expected a resource name 'projects/<project>/attestors/<id>'",
        ),
        ("projects/p/attestors/a/b", "expected a resource name"),
        ("attestors/a", "expected a resource name"),
        ("projects/P!/attestors/a", "bad project 'P!'"),
        ("projects/p/attestors/", "bad attestor id ''"),
        ("projects/p/attestors/a b", "bad attestor id 'a b'"),
    ],
)
def test_policy_attestor_names_are_validated(name: str, fragment: str) -> None:
    _fails(
        f"""
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: 1
          requireAttestationsBy:
          - projects/p/attestors/ok
          - '{name}'
        """,
        "6 defaultAdmissionRule.requireAttestationsBy[1]",
        fragment,
    )


def test_policy_duplicate_attestors_refused() -> None:
    _fails(
        """
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: 1
          requireAttestationsBy:
          - projects/p/attestors/a
          - projects/example.com:p/attestors/b
          - projects/p/attestors/a
        """,
        "7 defaultAdmissionRule.requireAttestationsBy[2]",
        "duplicate attestor 'projects/p/attestors/a' (already listed at index 0)",
    )


def test_policy_at_most_one_specific_map() -> None:
    _fails(
        f"""
        defaultAdmissionRule: {RULE}
        clusterAdmissionRules:
          us-central1-a.c: {RULE}
        kubernetesNamespaceAdmissionRules:
          prod: {RULE}
        """,
        "5 kubernetesNamespaceAdmissionRules",
        "found clusterAdmissionRules and kubernetesNamespaceAdmissionRules",
    )


def test_policy_empty_second_map_is_fine() -> None:
    text = f"defaultAdmissionRule: {RULE}\nclusterAdmissionRules: {{us-central1.c: {RULE}}}\n"
    policy = load_policy(text + "istioServiceIdentityAdmissionRules: {}\n")
    assert list(policy.cluster_admission_rules) == ["us-central1.c"]


@pytest.mark.parametrize(
    ("field", "key", "fragment"),
    [
        ("clusterAdmissionRules", "prod", "'location.clusterId'"),
        ("clusterAdmissionRules", "us-central1-a.Prod", "'location.clusterId'"),
        ("clusterAdmissionRules", "us-central1-a.prod-", "'location.clusterId'"),
        ("clusterAdmissionRules", "uscentral1.prod", "'location.clusterId'"),
        ("kubernetesNamespaceAdmissionRules", "Prod", "matching [a-z.-]+"),
        ("kubernetesNamespaceAdmissionRules", "ns1", "matching [a-z.-]+"),
        (
            "kubernetesServiceAccountAdmissionRules",
            "default",
            "'namespace:serviceaccount'",
        ),
        (
            "kubernetesServiceAccountAdmissionRules",
            "a:b:c",
            "'namespace:serviceaccount'",
        ),
        (
            "istioServiceIdentityAdmissionRules",
            "spiffe://x/ns/a",
            "'spiffe://<trust-domain>",
        ),
        (
            "istioServiceIdentityAdmissionRules",
            "https://x/ns/a/sa/b",
            "scheme may be left off",
        ),
    ],
)
def test_policy_map_keys_are_validated(field: str, key: str, fragment: str) -> None:
    err = _fails(
        f"defaultAdmissionRule: {RULE}\n{field}:\n  '{key}': {RULE}\n",
        "3 ",
        fragment,
    )
    assert err.path == format_path((field, key))


def test_policy_rules_in_maps_are_validated() -> None:
    _fails(
        f"""
        defaultAdmissionRule: {RULE}
        kubernetesServiceAccountAdmissionRules:
          test-ns:default:
            evaluationMode: ALWAYS_ALLOW
        """,
        "4 kubernetesServiceAccountAdmissionRules['test-ns:default']",
        "missing required field 'enforcementMode'",
    )


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        (
            f"defaultAdmissionRule: {RULE}\ndescription: 5\n",
            "2 description",
            "expected a string, got number",
        ),
        (
            f"defaultAdmissionRule: {RULE}\netag: [a]\n",
            "2 etag",
            "expected a string, got list",
        ),
        (
            "defaultAdmissionRule: []\n",
            "1 defaultAdmissionRule",
            "expected an AdmissionRule (a mapping)",
        ),
        (
            f"defaultAdmissionRule: {RULE}\nclusterAdmissionRules: []\n",
            "2 clusterAdmissionRules",
            "a mapping",
        ),
        (
            f"defaultAdmissionRule: {RULE}\nadmissionWhitelistPatterns: x\n",
            "2 admissionWhitelistPatterns",
            "expected a list",
        ),
        (
            "defaultAdmissionRule:\n  evaluationMode: true\n  enforcementMode: 1\n",
            "2 defaultAdmissionRule.evaluationMode",
            "True is not a valid",
        ),
        (
            "defaultAdmissionRule:\n  evaluationMode: 2\n  enforcementMode: 1\n  requireAttestationsBy: projects/p/attestors/a\n",
            "4 defaultAdmissionRule.requireAttestationsBy",
            "expected a list, got string",
        ),
        (
            "defaultAdmissionRule:\n  evaluationMode: 2\n  enforcementMode: 1\n  requireAttestationsBy: [1]\n",
            "4 defaultAdmissionRule.requireAttestationsBy[0]",
            "expected a string, got number",
        ),
    ],
)
def test_policy_wrong_types_refused(text: str, where: str, fragment: str) -> None:
    _fails(text, where, fragment)


def test_policy_name_pattern_validated() -> None:
    _fails(
        f"""
        defaultAdmissionRule: {RULE}
        admissionWhitelistPatterns:
        - namePattern: gcr.io/p/n*x
        """,
        "3 admissionWhitelistPatterns[0].namePattern",
        "'*'",
    )


def test_policy_name_pattern_entry_fields() -> None:
    _fails(
        f"defaultAdmissionRule: {RULE}\nadmissionWhitelistPatterns:\n- pattern: gcr.io/x\n",
        "3 admissionWhitelistPatterns[0].pattern",
        "did you mean 'namePattern'?",
    )
    _fails(
        f"defaultAdmissionRule: {RULE}\nadmissionWhitelistPatterns:\n- {{}}\n",
        "3 admissionWhitelistPatterns[0]",
        "missing required field 'namePattern'",
    )


def test_policy_update_time_must_be_rfc3339() -> None:
    _fails(
        f"defaultAdmissionRule: {RULE}\nupdateTime: yesterday\n",
        "2 updateTime",
        "RFC 3339",
    )


def test_policy_bad_max_age() -> None:
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: 1\n  enforcementMode: 1\n"
        "  kritisSimMaxAttestationAge: 0s\n",
        "4 defaultAdmissionRule.kritisSimMaxAttestationAge",
        "greater than zero",
    )
    _fails(
        "defaultAdmissionRule:\n  evaluationMode: 1\n  enforcementMode: 1\n"
        "  kritisSimMaxAttestationAge: 3600\n",
        "4 defaultAdmissionRule.kritisSimMaxAttestationAge",
        "expected a string, got number",
    )


def test_policy_from_dict_without_locator_still_names_path() -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_dict({"defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW"}})
    assert info.value.path == "defaultAdmissionRule"
    assert "enforcementMode" in info.value.message
