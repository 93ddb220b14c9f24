"""Platform policies: the reference examples load, round-trip exactly (YAML and JSON),
and the pattern grammars and scope helpers behave as documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kritis_sim.errors import InputError, PatternError
from kritis_sim.model.platform import (
    AlwaysDeny,
    Check,
    CheckSet,
    GkePolicy,
    ImageFreshnessCheck,
    PlatformPolicy,
    Scope,
    Severity,
    SimpleSigningAttestationCheck,
    SlsaCheck,
    SourceRepoPattern,
    TrustedDirectoryCheck,
    TrustedDirPattern,
    VulnerabilityCheck,
    load_platform_policy,
    load_platform_policy_file,
)
from kritis_sim.model.policy import EvaluationMode

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platform"
ALL = sorted(FIXTURES.iterdir())


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_fixture_round_trips(path: Path) -> None:
    policy = load_platform_policy_file(path)
    data = policy.to_dict()
    assert load_platform_policy(json.dumps(data)) == policy
    assert load_platform_policy(yaml.safe_dump(data)) == policy
    assert hash(policy) == hash(load_platform_policy(json.dumps(data)))
    source = yaml.safe_load(path.read_text())
    assert data == source  # the fixtures are in canonical form


def test_reference_example_structure() -> None:
    policy = load_platform_policy_file(FIXTURES / "reference-example.yaml")
    gke = policy.gke_policy
    assert gke is not None and policy.cloud_run_policy is None
    assert gke.image_allowlist is not None
    assert [p.text for p in gke.image_allowlist.allow_pattern] == [
        "gcr.io/gke-release/*"
    ]
    sa, ns, default = gke.check_sets
    assert sa.scope == Scope(kubernetes_service_account="prod:deployer")
    assert ns.scope == Scope(kubernetes_namespace="prod")
    assert default.scope is None and default.is_unscoped
    assert isinstance(sa.checks[0].body, SimpleSigningAttestationCheck)
    assert sa.checks[0].display_name == "signed"
    assert [type(c.body) for c in ns.checks] == [
        TrustedDirectoryCheck,
        VulnerabilityCheck,
        ImageFreshnessCheck,
        SlsaCheck,
    ]
    vuln = ns.checks[1].body
    assert isinstance(vuln, VulnerabilityCheck)
    assert vuln.maximum_fixable_severity is Severity.MEDIUM
    assert vuln.allowed_cves == ("CVE-2021-20305",)
    assert default.checks[0].body == AlwaysDeny()
    assert [c.type for c in ns.checks] == [
        "TrustedDirectoryCheck",
        "VulnerabilityCheck",
        "ImageFreshnessCheck",
        "SlsaCheck",
    ]


def test_cloud_run_fixture_is_json() -> None:
    policy = load_platform_policy_file(FIXTURES / "cloud-run.json")
    run = policy.cloud_run_policy
    assert run is not None and policy.gke_policy is None
    assert run.rule.evaluation_mode is EvaluationMode.REQUIRE_ATTESTATION
    assert run.rule.required_attestors[0].public_keys[0].id == "kms://qa/1"


def test_enum_numbers_and_aliases_load_to_canonical_names() -> None:
    text = (FIXTURES / "reference-example.yaml").read_text()
    aliased = text.replace("ECDSA_P256_SHA256", "EC_SIGN_P256_SHA256").replace(
        "maximumFixableSeverity: MEDIUM", "maximumFixableSeverity: 4"
    )
    assert load_platform_policy(aliased) == load_platform_policy(text)


def test_defaults_load_like_absent_fields() -> None:
    explicit = load_platform_policy(
        "gkePolicy:\n  checkSets:\n  - checks:\n    - slsaCheck: {rules: [{trustedBuilder: 1, "
        "configBasedBuildRequired: false}]}\n      alwaysDeny: false\n"
    )
    plain = load_platform_policy(
        "gkePolicy: {checkSets: [{checks: [{slsaCheck: {rules: [{trustedBuilder: 1}]}}]}]}"
    )
    assert explicit == plain


def test_file_extension_must_be_json_or_yaml(tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    path.write_text("gkePolicy: {}\n")
    with pytest.raises(InputError, match=r"must end in \.json, \.yaml or \.yml"):
        load_platform_policy_file(path)


def test_check_set_selection_first_match_is_most_specific() -> None:
    policy = load_platform_policy_file(FIXTURES / "reference-example.yaml")
    gke = policy.gke_policy
    assert gke is not None
    assert gke.check_set_for("prod", "deployer") == (0, gke.check_sets[0])
    assert gke.check_set_for("prod", "default") == (1, gke.check_sets[1])
    assert gke.check_set_for("dev", "deployer") == (2, gke.check_sets[2])
    assert gke.check_set_for(None, None) == (2, gke.check_sets[2])
    assert GkePolicy().check_set_for("prod", "x") is None


def test_scope_matching() -> None:
    assert Scope(kubernetes_namespace="a").matches("a", "x")
    assert not Scope(kubernetes_namespace="a").matches("ab", "x")
    assert not Scope(kubernetes_namespace="a").matches(None, None)
    assert Scope(kubernetes_service_account="a:x").matches("a", "x")
    assert not Scope(kubernetes_service_account="a:x").matches("a", "y")
    assert not Scope(kubernetes_service_account="a:x").matches("b", "x")
    assert Scope().matches(None, None) and Scope(kubernetes_namespace="").is_empty
    assert CheckSet(scope=Scope()).is_unscoped


@pytest.mark.parametrize(
    ("pattern", "directory", "expected"),
    [
        ("gcr.io/my-project/my-repo", "gcr.io/my-project/my-repo", True),
        ("gcr.io/my-project/my-repo", "gcr.io/my-project/my-repo2", False),
        ("gcr.io/my-project/my-repo", "gcr.io/my-project", False),
        (
            "*-docker.pkg.dev/my-project/my-repo",
            "us-docker.pkg.dev/my-project/my-repo",
            True,
        ),
        (
            "*-docker.pkg.dev/my-project/my-repo",
            "docker.pkg.dev/my-project/my-repo",
            False,
        ),
        (
            "*-docker.pkg.dev/my-project/my-repo",
            "-docker.pkg.dev/my-project/my-repo",
            False,
        ),
        ("*.gcr.io/my-project", "eu.gcr.io/my-project", True),
        ("*.gcr.io/my-project", "gcr.io/my-project", False),
        ("gcr.io/my-project/*", "gcr.io/my-project/a", True),
        ("gcr.io/my-project/*", "gcr.io/my-project/a/b", False),
        ("gcr.io/my-project/*", "gcr.io/my-project", False),
        ("gcr.io/my-project/**", "gcr.io/my-project/a/b", True),
        ("gcr.io/my-project/**", "gcr.io/my-project-x/a", False),
        ("gcr.io/*", "gcr.io/p", True),
    ],
)
def test_trusted_dir_matching(pattern: str, directory: str, expected: bool) -> None:
    assert TrustedDirPattern(pattern).matches_directory(directory) is expected


@pytest.mark.parametrize(
    "text",
    [
        "gcr.i*",
        "sub*domain.gcr.io/nginx",
        "*pkg.dev/my-project/my-repo",
        "**-docker.pkg.dev",
    ],
)
def test_trusted_dir_documented_invalid_examples(text: str) -> None:
    with pytest.raises(PatternError):
        TrustedDirPattern(text)


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        ("source.cloud.google.com/my-project/my-repo-name", "https://source.cloud.google.com/my-project/my-repo-name", True),
        ("source.cloud.google.com/my-project/my-repo-name", "git+ssh://source.cloud.google.com/my-project/my-repo-name", True),
        ("source.cloud.google.com/my-project/my-repo-name", "source.cloud.google.com/my-project/my-repo-name", True),
        ("github.com/my-project/*", "github.com/my-project/r", True),
        ("github.com/my-project/*", "github.com/my-project/r/x", False),
        ("github.com/**", "https://github.com/a/b/c", True),
        ("github.com/my-project/my-repo", "github.com/my-project/my-repo2", False),
    ],
)  # fmt: skip
def test_source_repo_matching(pattern: str, url: str, expected: bool) -> None:
    assert SourceRepoPattern(pattern).matches(url) is expected


def test_to_dict_writes_exact_camel_case() -> None:
    policy = PlatformPolicy(
        gke_policy=GkePolicy(
            check_sets=(
                CheckSet(
                    checks=(Check(body=ImageFreshnessCheck(30), display_name="fresh"),),
                    scope=Scope(),
                ),
            )
        ),
        description="d",
    )
    assert policy.to_dict() == {
        "description": "d",
        "gkePolicy": {
            "checkSets": [
                {
                    "checks": [
                        {
                            "displayName": "fresh",
                            "imageFreshnessCheck": {"maxUploadAgeDays": 30},
                        }
                    ],
                    "scope": {},
                }
            ]
        },
    }
