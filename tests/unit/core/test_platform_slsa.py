"""slsaCheck: signed Cloud Build provenance passes; builder mismatch, source repo
mismatch, a non-config build under configBasedBuildRequired, an envelope signed by an
unlisted key, a subject digest mismatch are NON_CONFORMANT; rules are ORed; missing roots
of trust, CEL constraints and store failures are ERROR; repository URI normalisation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kritis_sim.core.platform.facts import BuilderRoots
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.core.platform.signing import key_id
from kritis_sim.core.platform.slsa import config_source, repository
from kritis_sim.crypto.dsse import Ed25519Key
from kritis_sim.errors import GrafeasError
from kritis_sim.model.intoto import Statement
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.patterns import SourceRepoPattern
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.provenance import BuildOccurrence
from tests.unit.core.platform_world import (
    IMAGE,
    OTHER_DIGEST,
    build,
    check_outcome,
    evaluate,
    pkix,
    policy,
    roots,
)

C, E, N = Verdict.CONFORMANT, Verdict.ERROR, Verdict.NON_CONFORMANT
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "occurrences"


def _rule(**extra: Any) -> dict[str, Any]:
    return {
        "trustedBuilder": "GOOGLE_CLOUD_BUILD",
        "attestationSource": {
            "containerAnalysisAttestationProjects": ["projects/my-proj"]
        },
        **extra,
    }


def _check(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"slsaCheck": {"rules": list(rules) or [_rule()]}}


def test_signed_cloud_build_provenance_passes() -> None:
    verdict, why = check_outcome(_check(), build())
    assert verdict is C, why
    assert "GoogleHostedWorker" in why


def test_builder_mismatch_names_the_builder_seen() -> None:
    verdict, why = check_outcome(
        _check(), build(builder="https://github.com/actions/runner")
    )
    assert verdict is N
    assert (
        "builder id 'https://github.com/actions/runner' is not GOOGLE_CLOUD_BUILD"
        in why
    )


def test_envelope_signed_by_an_unlisted_key_is_non_conformant() -> None:
    verdict, why = check_outcome(_check(), build("mallory"))
    assert verdict is N
    assert "does not verify with any trusted key" in why
    assert "key ids tried: ni:///sha-256;" in why


def test_subject_digest_mismatch_is_non_conformant() -> None:
    verdict, why = check_outcome(_check(), build(digest=OTHER_DIGEST))
    assert verdict is N
    assert "no subject has digest" in why


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("github.com/my-org/app", C),
        ("github.com/my-org/*", C),
        ("github.com/**", C),
        ("github.com/my-org/other", N),
        ("gitlab.com/my-org/*", N),
    ],
)
def test_source_repo_patterns(pattern: str, expected: Verdict) -> None:
    check = _check(_rule(trustedSourceRepoPatterns=[pattern]))
    verdict, why = check_outcome(check, build())
    assert verdict is expected, why
    if expected is N:
        assert "'git+https://github.com/my-org/app'" in why


def test_without_config_source_any_dependency_may_match() -> None:
    check = _check(_rule(trustedSourceRepoPatterns=["github.com/my-org/lib"]))
    occ = build(
        config_repo=None,
        deps=(
            "https://github.com/my-org/app",
            "git+ssh://git@github.com/my-org/lib.git@main",
        ),
    )
    assert check_outcome(check, occ)[0] is C


def test_config_based_build_required() -> None:
    check = _check(_rule(configBasedBuildRequired=True))
    verdict, why = check_outcome(check, build(config_repo=None))
    assert verdict is N
    assert "configBasedBuildRequired" in why
    assert check_outcome(check, build())[0] is C
    # the config repo, not a dependency, must match when there is one
    strict = _check(
        _rule(
            configBasedBuildRequired=True,
            trustedSourceRepoPatterns=["github.com/my-org/lib"],
        )
    )
    occ = build(
        config_repo="https://github.com/evil/app",
        deps=("https://github.com/my-org/lib",),
    )
    assert check_outcome(strict, occ)[0] is N


def test_rules_are_ored() -> None:
    bad = _rule(trustedSourceRepoPatterns=["gitlab.com/x/y"])
    good = _rule(trustedSourceRepoPatterns=["github.com/my-org/*"])
    assert check_outcome(_check(bad, good), build())[0] is C
    assert check_outcome(_check(bad, bad), build())[0] is N


def test_missing_roots_and_cel_are_errors_but_a_passing_rule_wins() -> None:
    verdict, why = check_outcome(_check(), build(), trusted_builders={})
    assert verdict is E
    assert "no roots of trust" in why
    cel = _rule(customConstraints="true")
    verdict, why = check_outcome(_check(cel), build())
    assert verdict is E
    assert "customConstraints" in why
    assert check_outcome(_check(cel, _rule()), build())[0] is C
    # a definite failure and an unknown: the unknown decides (ERROR)
    assert (
        check_outcome(
            _check(_rule(trustedSourceRepoPatterns=["gitlab.com/x/y"]), cel), build()
        )[0]
        is E
    )


def test_no_build_and_other_projects() -> None:
    verdict, why = check_outcome(_check(), build(project="projects/elsewhere"))
    assert verdict is N
    assert "no BUILD occurrence" in why
    # no attestationSource: the image's own project
    own = {"trustedBuilder": "GOOGLE_CLOUD_BUILD"}
    assert check_outcome(_check(own), build())[0] is C


def test_tag_only_image_is_non_conformant_and_store_error_is_error() -> None:
    verdict, _ = check_outcome(
        _check(), build(), image="us-docker.pkg.dev/my-proj/repo/app:v1"
    )
    assert verdict is N

    class Failing(InMemoryPlatformOccurrences):
        def builds(self, project: str, resource_url: str) -> Any:
            raise GrafeasError("unavailable")

    assert evaluate(policy(_check()), Failing([build()])).verdict is E
    assert evaluate(policy(_check()), None).verdict is E


def test_unsigned_build_is_non_conformant() -> None:
    data = json.loads((FIXTURES / "build-slsa-v1.json").read_text())
    occ = BuildOccurrence.from_dict(data)
    verdict, why = check_outcome(_check(), occ)
    assert verdict is N
    assert "unsigned" in why


@pytest.mark.parametrize(
    ("uri", "repo"),
    [
        ("git+https://github.com/my-org/app@refs/heads/main", "github.com/my-org/app"),
        ("git+ssh://git@github.com/my-org/app.git", "github.com/my-org/app"),
        ("https://source.cloud.google.com/p/r", "source.cloud.google.com/p/r"),
        ("github.com/o/r#frag", "github.com/o/r"),
    ],
)
def test_repository_normalisation(uri: str, repo: str) -> None:
    assert repository(uri) == repo
    assert SourceRepoPattern(repo).matches(repository(uri))


def test_config_source_of_v02_and_v1() -> None:
    for name in ("build-slsa-v02.json", "build-slsa-v1.json"):
        occ = BuildOccurrence.from_dict(json.loads((FIXTURES / name).read_text()))
        assert occ.statement is not None
        assert repository(config_source(occ.statement) or "") == "github.com/my-org/app"


def test_roots_helper_makes_gcb_roots() -> None:
    assert roots("a", "b")


# Exact explanations (issue 16): the rule, where provenance was read, why each
# BUILD occurrence failed and which keys were tried.
NAME = "projects/my-proj/occurrences/b1"
RULE0 = "rules[0] (GOOGLE_CLOUD_BUILD)"


def _named(occ: BuildOccurrence, name: str | None = NAME) -> BuildOccurrence:
    return dataclasses.replace(occ, header=dataclasses.replace(occ.header, name=name))


def _tried() -> str:
    return f"key ids tried: {key_id(pkix('builder'))}"


def _failure(check: dict[str, Any], occ: BuildOccurrence) -> str:
    verdict, why = check_outcome(check, occ)
    assert verdict is N, why
    head = f"{RULE0}: no provenance in projects/my-proj passes: {NAME}: "
    assert why.startswith(head) and why.endswith(f"; {_tried()}"), why
    return why.removeprefix(head).removesuffix(f"; {_tried()}")


def test_failure_explanations_are_exact() -> None:
    assert _failure(_check(), _named(build(builder="https://x/b"))) == (
        "builder id 'https://x/b' is not GOOGLE_CLOUD_BUILD "
        "('https://cloudbuild.googleapis.com/GoogleHostedWorker')"
    )
    two = _check(_rule(trustedSourceRepoPatterns=["gitlab.com/x/y", "gitlab.com/z/*"]))
    assert _failure(two, _named(build())) == (
        "config source 'git+https://github.com/my-org/app' match none of "
        "trustedSourceRepoPatterns 'gitlab.com/x/y', 'gitlab.com/z/*'"
    )
    one = _check(_rule(trustedSourceRepoPatterns=["gitlab.com/x/y"]))
    assert _failure(
        one, _named(build(config_repo=None, deps=("https://a/b", "c/d")))
    ) == (
        "sources 'https://a/b', 'c/d' match none of trustedSourceRepoPatterns "
        "'gitlab.com/x/y'"
    )
    assert _failure(one, _named(build(config_repo=None, deps=()))) == (
        "the provenance names no source repository to match "
        "trustedSourceRepoPatterns 'gitlab.com/x/y'"
    )
    required = _check(_rule(configBasedBuildRequired=True))
    assert _failure(required, _named(build(config_repo=None))) == (
        "configBasedBuildRequired, but the provenance names no build config source"
    )
    verdict, why = check_outcome(_check(), _named(build()))
    assert verdict is C
    assert why.startswith(f"{RULE0}: {NAME} verified (envelope signed by ")
    assert why.endswith(
        "), builder 'https://cloudbuild.googleapis.com/GoogleHostedWorker'"
    )


def test_an_unnamed_build_is_labelled_by_its_resource() -> None:
    occ = _named(build("mallory"), None)
    store = InMemoryPlatformOccurrences([occ], project="projects/my-proj")
    response = evaluate(policy(_check()), store)
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    why = result.check_results[0].explanation or ""
    assert f"passes: {occ.header.resource_uri}: " in why


def test_ed25519_roots_are_named_by_key_id_or_as_ed25519() -> None:
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    for key, label in (
        (Ed25519Key(pem), "<Ed25519 key>"),
        (Ed25519Key(pem, "k-1"), "k-1"),
    ):
        builders = {TrustedBuilder.GOOGLE_CLOUD_BUILD: BuilderRoots((key,))}
        verdict, why = check_outcome(_check(), build(), trusted_builders=builders)
        assert verdict is N
        assert why.endswith(f"; key ids tried: {label}"), why


def test_config_source_must_be_a_non_empty_string() -> None:
    def with_config(uri: object) -> Statement:
        return Statement(
            "https://in-toto.io/Statement/v0.1",
            (),
            "https://slsa.dev/provenance/v0.2",
            {"invocation": {"configSource": {"uri": uri}}},
        )

    assert config_source(with_config("git+https://github.com/o/r")) == (
        "git+https://github.com/o/r"
    )
    assert config_source(with_config("")) is None
    assert config_source(with_config(7)) is None
    assert config_source(with_config(["x"])) is None


@pytest.mark.parametrize(
    ("uri", "repo"),
    [
        ("https://github.com/o/r?ref=main", "github.com/o/r"),
        ("https://github.com/o/r/x://y", "github.com/o/r/x://y"),  # one scheme only
    ],
)
def test_repository_strips_query_and_one_scheme(uri: str, repo: str) -> None:
    assert repository(uri) == repo


def test_listed_attestation_projects_replace_the_images_own() -> None:
    listed = _rule(attestationSource={"containerAnalysisAttestationProjects": ["projects/attest"]})  # fmt: skip
    assert check_outcome(_check(listed), build(project="projects/attest"))[0] is C
    # the image's own project (projects/my-proj) is not read when others are listed
    verdict, why = check_outcome(_check(listed), build())
    assert (verdict, why) == (
        N,
        f"{RULE0}: no BUILD occurrence for {IMAGE} in projects/attest",
    )


def test_rule_explanations_are_exact() -> None:
    verdict, why = check_outcome(_check(), build(), trusted_builders={})
    assert (verdict, why) == (
        E,
        f"{RULE0}: no roots of trust are configured for GOOGLE_CLOUD_BUILD, so its "
        "provenance cannot be verified",
    )
    own = {"trustedBuilder": "GOOGLE_CLOUD_BUILD"}
    quay = "quay.io/org/app@sha256:" + "a" * 64
    assert check_outcome(_check(own), image=quay) == (
        E,
        f"{RULE0}: no attestationSource projects are listed and 'quay.io/org/app' "
        "is not a Container Registry or Artifact Registry image, so there is no "
        "project to read provenance from",
    )
    two = _rule(attestationSource={"containerAnalysisAttestationProjects": ["projects/a", "projects/b"]})  # fmt: skip
    assert check_outcome(_check(two), build()) == (
        N,
        f"{RULE0}: no BUILD occurrence for {IMAGE} in projects/a, projects/b",
    )

    class Failing(InMemoryPlatformOccurrences):
        def builds(self, project: str, resource_url: str) -> Any:
            raise GrafeasError("unavailable")

    response = evaluate(policy(_check()), Failing([build()]))
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    assert result.check_results[0].explanation == (
        "could not read BUILD occurrences from projects/my-proj: unavailable; "
        "failing closed"
    )


def test_a_failing_build_does_not_stop_the_search() -> None:
    verdict, why = check_outcome(_check(), build("mallory"), build())
    assert verdict is C, why


def test_cel_and_multi_rule_explanations_are_exact() -> None:
    cel = _rule(customConstraints="true")
    verdict, why = check_outcome(_check(cel), _named(build()))
    assert verdict is E
    assert why.startswith(f"{RULE0}: {NAME} verified (")
    assert why.endswith(", but customConstraints (CEL) are not evaluated by kritis-sim")
    tag_only = "us-docker.pkg.dev/my-proj/repo/app:v1"
    stop = (
        f"image {tag_only!r} is not pinned by a sha256 digest, and occurrences "
        "are bound to digests"
    )
    assert check_outcome(_check(_rule(), _rule()), build(), image=tag_only) == (
        N,
        f"{stop}; {stop}",
    )
    # an ERROR that ends the check is reported once, not per rule
    response = evaluate(policy(_check(_rule(), _rule())), None)
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    assert result.check_results[0].explanation == (
        "no occurrence source was given, so the occurrences this check needs "
        "cannot be read"
    )


class _SameBuilds(InMemoryPlatformOccurrences):
    """Hands out the same BUILD tuple for every project and URL."""

    def __init__(self, builds: tuple[BuildOccurrence, ...]) -> None:
        super().__init__()
        self.same = builds

    def builds(self, project: str, resource_url: str) -> Any:
        return self.same


def test_one_build_read_for_two_digests_passes_only_its_subject() -> None:
    other = IMAGE.replace("a" * 64, "b" * 64)
    response = evaluate(policy(_check()), _SameBuilds((build(),)), [IMAGE, other])
    assert [r.verdict for r in response.results[0].image_results] == [C, N]
