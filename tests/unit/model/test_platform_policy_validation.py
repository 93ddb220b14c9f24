"""Every platform-policy validation rule: the error names file, line, field path and
what was expected (issue 11 item 1: wrong enum, scoped last check set, misordered
scopes, bad patterns, unknown fields, ...).

Each case is a document, the ``p.yaml:<line>: <path>`` prefix the message must start
with, and a fragment of the expectation.
"""

from __future__ import annotations

import textwrap

import pytest

from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.errors import PolicyError
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.platform import load_platform_policy

PEM = public_key_pem(generate_private_key(SignatureAlgorithm.ECDSA_P256_SHA256))
PEM_FLOW = PEM.replace("\n", "\\n")
CATCH_ALL = "  - checks: [{alwaysDeny: true}]\n"


def _fails(text: str, where: str, fragment: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_platform_policy(textwrap.dedent(text).lstrip("\n"), source="p.yaml")
    message = str(info.value)
    line, _, path = where.partition(" ")
    prefix = f"p.yaml:{line}: " + (f"{path}: " if path else "")
    assert message.startswith(prefix), message
    assert fragment in message, message
    assert "\n" not in message
    return info.value


def _check(body: str, where: str, fragment: str) -> None:
    """A one-check policy: the check's YAML (flow style) on line 3."""
    _fails(
        f"gkePolicy:\n  checkSets:\n  - checks: [{body}]\n",
        where,
        fragment,
    )


# --- the document ------------------------------------------------------------


def test_unknown_top_level_field_suggests_closest() -> None:
    err = _fails(
        "gkePolicy: {}\ndescripton: x\n", "2 descripton", "did you mean 'description'?"
    )
    assert err.path == "descripton"


def test_neither_sub_policy() -> None:
    _fails(
        "description: x\n",
        "1",
        "exactly one of 'gkePolicy' and 'cloudRunPolicy', found neither",
    )


def test_both_sub_policies() -> None:
    _fails(
        "gkePolicy: {}\ncloudRunPolicy: {rule: {evaluationMode: ALWAYS_ALLOW, "
        "enforcementMode: DRYRUN_AUDIT_LOG_ONLY}}\n",
        "2 cloudRunPolicy",
        "found both",
    )


def test_name_platform_must_match_sub_policy() -> None:
    _fails(
        "name: projects/p/platforms/cloudRun/policies/x\ngkePolicy: {}\n",
        "1 name",
        "platform 'cloudRun', but the document holds a gke sub-policy",
    )


def test_bad_name() -> None:
    _fails(
        "name: my-policy\ngkePolicy: {}\n", "1 name", "'projects/<project>/platforms/"
    )


def test_update_time_must_be_rfc3339() -> None:
    _fails("updateTime: yesterday\ngkePolicy: {}\n", "1 updateTime", "RFC 3339")


def test_unknown_gke_field() -> None:
    _fails(
        "gkePolicy:\n  checkSet: []\n",
        "2 gkePolicy.checkSet",
        "did you mean 'checkSets'?",
    )


# --- check sets and scopes ---------------------------------------------------


def test_last_check_set_must_be_unscoped() -> None:
    _fails(
        """
        gkePolicy:
          checkSets:
          - scope: {kubernetesNamespace: prod}
            checks: [{alwaysDeny: true}]
        """,
        "3 gkePolicy.checkSets[0].scope",
        "the last check set must have no scope",
    )


def test_only_the_last_check_set_may_be_unscoped() -> None:
    _fails(
        "gkePolicy:\n  checkSets:\n  - displayName: all\n  - scope: {kubernetesNamespace: a}\n"
        + CATCH_ALL,
        "3 gkePolicy.checkSets[0]",
        "only the last check set may be unscoped; check sets 1..2",
    )


def test_empty_scope_counts_as_unscoped() -> None:
    _fails(
        "gkePolicy:\n  checkSets:\n  - scope: {kubernetesNamespace: ''}\n"
        "  - scope: {kubernetesNamespace: a}\n" + CATCH_ALL,
        "3 gkePolicy.checkSets[0]",
        "only the last check set may be unscoped",
    )


def test_service_account_scope_must_precede_its_namespace() -> None:
    _fails(
        """
        gkePolicy:
          checkSets:
          - scope: {kubernetesNamespace: prod}
          - scope: {kubernetesServiceAccount: "prod:deployer"}
          - {}
        """,
        "4 gkePolicy.checkSets[1].scope.kubernetesServiceAccount",
        "comes after the namespace scope 'prod' of checkSets[0]",
    )


def test_service_account_of_another_namespace_may_follow() -> None:
    load_platform_policy(
        "gkePolicy:\n  checkSets:\n  - scope: {kubernetesNamespace: prod}\n"
        "  - scope: {kubernetesServiceAccount: 'dev:deployer'}\n  - {}\n"
    )


def test_duplicate_scope() -> None:
    _fails(
        "gkePolicy:\n  checkSets:\n  - scope: {kubernetesNamespace: a}\n"
        "  - scope: {kubernetesNamespace: a}\n  - {}\n",
        "4 gkePolicy.checkSets[1].scope.kubernetesNamespace",
        "the same scope as checkSets[0]",
    )


def test_scope_sets_one_of_namespace_and_service_account() -> None:
    _fails(
        "gkePolicy:\n  checkSets:\n  - scope:\n      kubernetesNamespace: a\n"
        "      kubernetesServiceAccount: 'a:b'\n  - {}\n",
        "4 gkePolicy.checkSets[0].scope",
        "not both",
    )


@pytest.mark.parametrize(
    ("scope", "field", "fragment"),
    [
        ("{kubernetesNamespace: Prod}", "kubernetesNamespace", "bad namespace 'Prod'"),
        ("{kubernetesNamespace: 'a_b'}", "kubernetesNamespace", "a DNS label"),
        (
            "{kubernetesServiceAccount: deployer}",
            "kubernetesServiceAccount",
            "'namespace:serviceaccount'",
        ),
        (
            "{kubernetesServiceAccount: 'a:B'}",
            "kubernetesServiceAccount",
            "bad service account",
        ),
    ],
)
def test_bad_scope_values(scope: str, field: str, fragment: str) -> None:
    _fails(
        f"gkePolicy:\n  checkSets:\n  - scope: {scope}\n  - {{}}\n",
        f"3 gkePolicy.checkSets[0].scope.{field}",
        fragment,
    )


def test_unknown_scope_field() -> None:
    _fails(
        "gkePolicy:\n  checkSets:\n  - scope: {namespace: a}\n  - {}\n",
        "3 gkePolicy.checkSets[0].scope.namespace",
        "unknown field 'namespace'",
    )


def test_allowlist_requires_patterns() -> None:
    _fails(
        "gkePolicy:\n  imageAllowlist: {}\n",
        "2 gkePolicy.imageAllowlist",
        "missing required field 'allowPattern'",
    )
    _fails(
        "gkePolicy:\n  imageAllowlist: {allowPattern: []}\n",
        "2 gkePolicy.imageAllowlist.allowPattern",
        "at least one entry",
    )


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("'*'", "wildcard before 'registry/'"),
        ("'gcr.io/*/app'", "'*' at position 7"),
        ("'gcr.io/nginx[@:]*'", "character classes"),
        ("''", "empty name pattern"),
    ],
)
def test_bad_allow_patterns(pattern: str, fragment: str) -> None:
    _fails(
        f"gkePolicy:\n  imageAllowlist:\n    allowPattern:\n    - ok.io/x\n    - {pattern}\n",
        "5 gkePolicy.imageAllowlist.allowPattern[1]",
        fragment,
    )


# --- checks ------------------------------------------------------------------


def test_check_needs_exactly_one_type() -> None:
    _check("{displayName: x}", "3 gkePolicy.checkSets[0].checks[0]", "found none")
    _check(
        "{alwaysDeny: true, imageFreshnessCheck: {maxUploadAgeDays: 1}}",
        "3 gkePolicy.checkSets[0].checks[0]",
        "found both 'alwaysDeny' and 'imageFreshnessCheck'",
    )
    _check(
        "{alwaysDeny: false}",
        "3 gkePolicy.checkSets[0].checks[0]",
        "'alwaysDeny: false' sets nothing",
    )


def test_always_deny_is_a_boolean() -> None:
    _check(
        "{alwaysDeny: 'yes'}",
        "3 gkePolicy.checkSets[0].checks[0].alwaysDeny",
        "true or false",
    )


def test_unknown_check_type_suggests_closest() -> None:
    _check(
        "{trustedDirectoryChecks: {trustedDirPatterns: [gcr.io/a]}}",
        "3 gkePolicy.checkSets[0].checks[0].trustedDirectoryChecks",
        "did you mean 'trustedDirectoryCheck'?",
    )


@pytest.mark.parametrize(
    ("days", "fragment"),
    [("0", "greater than zero"), ("-3", "greater than zero"), ("'30'", "whole number"),
     ("1.5", "whole number"), ("true", "whole number"), ("2147483648", "int32")],
)  # fmt: skip
def test_freshness_days(days: str, fragment: str) -> None:
    _check(
        f"{{imageFreshnessCheck: {{maxUploadAgeDays: {days}}}}}",
        "3 gkePolicy.checkSets[0].checks[0].imageFreshnessCheck.maxUploadAgeDays",
        fragment,
    )


def test_freshness_days_required() -> None:
    _check(
        "{imageFreshnessCheck: {}}",
        "3 gkePolicy.checkSets[0].checks[0].imageFreshnessCheck",
        "missing required field 'maxUploadAgeDays'",
    )


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("'gcr.i*'", "must follow a '/'"),
        ("'sub*domain.gcr.io/nginx'", "in the middle"),
        (
            "'*pkg.dev/my-project/my-repo'",
            "leading '*' may only stand for a registry subdomain",
        ),
        ("'**-docker.pkg.dev'", "in the middle"),
        ("'localhost/x'", "complete registry"),
        ("'gcr.io/p/a*'", "must follow a '/'"),
        ("'gcr.io//x'", "bad path segment"),
    ],
)
def test_bad_trusted_dir_patterns(pattern: str, fragment: str) -> None:
    _check(
        f"{{trustedDirectoryCheck: {{trustedDirPatterns: [gcr.io/ok, {pattern}]}}}}",
        "3 gkePolicy.checkSets[0].checks[0].trustedDirectoryCheck.trustedDirPatterns[1]",
        fragment,
    )


def test_vulnerability_enums() -> None:
    base = "3 gkePolicy.checkSets[0].checks[0].vulnerabilityCheck"
    _check(
        "{vulnerabilityCheck: {maximumFixableSeverity: SEVERE, maximumUnfixableSeverity: LOW}}",
        f"{base}.maximumFixableSeverity",
        "'SEVERE' is not a valid Severity; expected one of MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED (0), "
        "BLOCK_ALL (1)",
    )
    _check(
        "{vulnerabilityCheck: {maximumFixableSeverity: LOW, maximumUnfixableSeverity: 0}}",
        f"{base}.maximumUnfixableSeverity",
        "MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED is not allowed",
    )
    _check(
        "{vulnerabilityCheck: {maximumFixableSeverity: LOW}}",
        base,
        "missing required field 'maximumUnfixableSeverity'",
    )


def test_vulnerability_cves() -> None:
    base = "3 gkePolicy.checkSets[0].checks[0].vulnerabilityCheck"
    sev = "maximumFixableSeverity: LOW, maximumUnfixableSeverity: LOW"
    _check(
        f"{{vulnerabilityCheck: {{{sev}, allowedCves: [projects/goog-vulnz/notes/CVE-1]}}}}",
        f"{base}.allowedCves[0]",
        "list the ID only",
    )
    _check(
        f"{{vulnerabilityCheck: {{{sev}, allowedCves: [CVE-1], blockedCves: [CVE-2, CVE-1]}}}}",
        f"{base}.blockedCves[1]",
        "both allowed (allowedCves[0]) and blocked",
    )
    _check(
        f"{{vulnerabilityCheck: {{{sev}, blockedCves: [CVE-1, CVE-1]}}}}",
        f"{base}.blockedCves[1]",
        "duplicate 'CVE-1'",
    )


@pytest.mark.parametrize(
    ("projects", "index", "fragment"),
    [
        ("[projects/123]", 0, "project number"),
        ("[my-proj]", 0, "expected 'projects/[PROJECT_ID]'"),
        ("[projects/Bad]", 0, "bad project ID"),
        ("[projects/a, projects/a]", 1, "duplicate"),
        (
            "[" + ", ".join(f"projects/p{i}" for i in range(11)) + "]",
            None,
            "limit of 10",
        ),
    ],
)
def test_vulnerability_projects(
    projects: str, index: int | None, fragment: str
) -> None:
    path = "vulnerabilityCheck.containerAnalysisVulnerabilityProjects"
    _check(
        "{vulnerabilityCheck: {maximumFixableSeverity: LOW, maximumUnfixableSeverity: LOW, "
        f"containerAnalysisVulnerabilityProjects: {projects}}}}}",
        f"3 gkePolicy.checkSets[0].checks[0].{path}"
        + ("" if index is None else f"[{index}]"),
        fragment,
    )


def test_simple_signing_rules() -> None:
    base = "gkePolicy.checkSets[0].checks[0].simpleSigningAttestationCheck"
    _check(
        "{simpleSigningAttestationCheck: {attestationAuthenticators: []}}",
        f"3 {base}.attestationAuthenticators",
        "at least one entry",
    )
    _check(
        "{simpleSigningAttestationCheck: {attestationAuthenticators: [{displayName: a}]}}",
        f"3 {base}.attestationAuthenticators[0]",
        "missing required field 'pkixPublicKeySet'",
    )
    keys = f"{base}.attestationAuthenticators[0].pkixPublicKeySet.pkixPublicKeys[0]"
    key = '{{publicKeyPem: "{pem}", signatureAlgorithm: {alg}{extra}}}'
    auth = "{{simpleSigningAttestationCheck: {{attestationAuthenticators: [{{pkixPublicKeySet: {{pkixPublicKeys: [{k}]}}}}]}}}}"
    _check(
        auth.format(k=key.format(pem="not a key", alg="ECDSA_P256_SHA256", extra="")),
        f"3 {keys}.publicKeyPem",
        "-----BEGIN PUBLIC KEY-----",
    )
    _check(
        auth.format(k=key.format(pem=PEM_FLOW, alg="RSA_PSS_2048_SHA256", extra="")),
        f"3 {keys}.signatureAlgorithm",
        "the algorithm must match the key",
    )
    _check(
        auth.format(k=key.format(pem=PEM_FLOW, alg="ECDSA_P999", extra="")),
        f"3 {keys}.signatureAlgorithm",
        "not a valid SignatureAlgorithm",
    )
    _check(
        auth.format(
            k=key.format(
                pem=PEM_FLOW, alg="ECDSA_P256_SHA256", extra=", keyId: 'my key'"
            )
        ),
        f"3 {keys}.keyId",
        "RFC 3986 URI",
    )
    _check(
        auth.format(k=f'{{publicKeyPem: "{PEM_FLOW}"}}'),
        f"3 {keys}",
        "missing required field 'signatureAlgorithm'",
    )


def test_slsa_rules() -> None:
    base = "3 gkePolicy.checkSets[0].checks[0].slsaCheck"
    _check("{slsaCheck: {rules: []}}", f"{base}.rules", "at least one entry")
    _check(
        "{slsaCheck: {rules: [{trustedBuilder: CLOUD_BUILD}]}}",
        f"{base}.rules[0].trustedBuilder",
        "expected one of BUILDER_UNSPECIFIED (0), GOOGLE_CLOUD_BUILD (1)",
    )
    _check(
        "{slsaCheck: {rules: [{trustedBuilder: BUILDER_UNSPECIFIED}]}}",
        f"{base}.rules[0].trustedBuilder",
        "BUILDER_UNSPECIFIED is not allowed",
    )
    _check(
        "{slsaCheck: {rules: [{trustedBuilder: 1, trustedSourceRepoPatterns: ['https://github.com/a']}]}}",
        f"{base}.rules[0].trustedSourceRepoPatterns[0]",
        "includes a scheme",
    )
    _check(
        "{slsaCheck: {rules: [{trustedBuilder: 1, trustedSourceRepoPatterns: ['github.com/*/x']}]}}",
        f"{base}.rules[0].trustedSourceRepoPatterns[0]",
        "only occur at the very end",
    )
    _check(
        "{slsaCheck: {rules: [{trustedBuilder: 1, configBasedBuildRequired: 'yes'}]}}",
        f"{base}.rules[0].configBasedBuildRequired",
        "true or false",
    )
    _check(
        "{slsaCheck: {rules: [{trustedBuilder: 1, attestationSource: {containerAnalysisProjects: []}}]}}",
        f"{base}.rules[0].attestationSource.containerAnalysisProjects",
        "did you mean 'containerAnalysisAttestationProjects'?",
    )


def test_sigstore_rules() -> None:
    base = "3 gkePolicy.checkSets[0].checks[0].sigstoreSignatureCheck"
    _check(
        "{sigstoreSignatureCheck: {sigstoreAuthorities: [{publicKeySet: {publicKeys: []}}]}}",
        f"{base}.sigstoreAuthorities[0].publicKeySet.publicKeys",
        "at least one entry",
    )
    _check(
        "{sigstoreSignatureCheck: {sigstoreAuthorities: [{publicKeySet: {publicKeys: "
        "[{publicKeyPem: nope}]}}]}}",
        f"{base}.sigstoreAuthorities[0].publicKeySet.publicKeys[0].publicKeyPem",
        "-----BEGIN PUBLIC KEY-----",
    )


# --- Cloud Run -------------------------------------------------------------------


def test_cloud_run_rules() -> None:
    _fails("cloudRunPolicy: {}\n", "1 cloudRunPolicy", "missing required field 'rule'")
    _fails(
        "cloudRunPolicy:\n  rule: {evaluationMode: ALWAYS_ALOW, enforcementMode: 1}\n",
        "2 cloudRunPolicy.rule.evaluationMode",
        "'ALWAYS_ALOW' is not a valid EvaluationMode",
    )
    _fails(
        "cloudRunPolicy:\n  rule: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: 1}\n",
        "2 cloudRunPolicy.rule.requiredAttestors",
        "needs at least one attestor",
    )
    _fails(
        "cloudRunPolicy:\n  rule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: 0}\n",
        "2 cloudRunPolicy.rule.enforcementMode",
        "ENFORCEMENT_MODE_UNSPECIFIED is not allowed",
    )
    _fails(
        "cloudRunPolicy:\n  rule: {evaluationMode: 1, enforcementMode: 1}\n"
        "  allowlistPatterns: [{pattern: x}]\n",
        "3 cloudRunPolicy.allowlistPatterns[0].pattern",
        "did you mean 'namePattern'?",
    )


def test_cloud_run_attestors() -> None:
    head = "cloudRunPolicy:\n  rule:\n    evaluationMode: REQUIRE_ATTESTATION\n    enforcementMode: 1\n    requiredAttestors:\n"
    _fails(
        head + "    - {id: a, attestationNote: notes/x}\n",
        "6 cloudRunPolicy.rule.requiredAttestors[0].attestationNote",
        "'projects/<project>/notes/<id>'",
    )
    _fails(
        head + "    - {id: a, attestationNote: projects/p/notes/n}\n"
        "    - {id: a, attestationNote: projects/p/notes/m}\n",
        "7 cloudRunPolicy.rule.requiredAttestors[1].id",
        "duplicate attestor id 'a'",
    )
    _fails(
        head + "    - id: a\n      attestationNote: projects/p/notes/n\n"
        "      publicKeys: [{id: k, pkixPublicKey: {publicKeyPem: x, signatureAlgorithm: ECDSA_P256_SHA256}}]\n",
        "8 cloudRunPolicy.rule.requiredAttestors[0].publicKeys[0].pkixPublicKey.publicKeyPem",
        "-----BEGIN PUBLIC KEY-----",
    )
