"""The explanations of the platform evaluation, pinned exactly (issue 16): users,
scenarios and the conformance kit match on them, so a change must be deliberate.
Also the boundaries next to them: freshness at age zero, metadata found by the
normalised image, directories down to the registry, explanation lists cut at
ten items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kritis_sim.core.platform._common import listing
from kritis_sim.core.platform.checks import directories
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.errors import GrafeasError
from kritis_sim.model.platform.results import ImageMetadata, Verdict
from tests.unit.core.platform_world import IMAGE, NOW, evaluate, pkix, policy

C, E, N = Verdict.CONFORMANT, Verdict.ERROR, Verdict.NON_CONFORMANT
BAD = "UPPER/Case:bad tag"
BAD_WHY = (
    "invalid tag 'bad tag'; expected a letter, digit or '_' followed by letters, "
    "digits, '_', '.' or '-'"
)
FRESH = {"imageFreshnessCheck": {"maxUploadAgeDays": 30}}
DIRS = {"trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/a", "us-docker.pkg.dev/my-proj"]}}  # fmt: skip
VULNS = {
    "vulnerabilityCheck": {
        "maximumFixableSeverity": "LOW",
        "maximumUnfixableSeverity": "LOW",
        "containerAnalysisVulnerabilityProjects": ["projects/a", "projects/b"],
    }
}


def _image(pol: Any, image: str = IMAGE, **kw: Any) -> dict[str, Any]:
    kw.setdefault("source", InMemoryPlatformOccurrences())
    response = evaluate(pol, kw.pop("source"), [image], **kw)
    out: dict[str, Any] = response.to_dict()["results"][0]["imageResults"][0]
    return out


def _check(pol: Any, image: str = IMAGE, **kw: Any) -> tuple[str, str]:
    result = _image(pol, image, **kw)["checkSetResult"]["checkResults"]["results"][0]
    return result["evaluationResult"]["verdict"], result["explanation"]


def _fresh(upload: Any) -> tuple[str, str]:
    metadata = {} if upload is None else {IMAGE: ImageMetadata(upload)}
    return _check(policy(FRESH), image_metadata=metadata)


def test_freshness_explanations() -> None:
    assert _fresh(None) == (
        "ERROR",
        f"no upload time is known for {IMAGE!r} (supply image metadata); its "
        "freshness cannot be judged",
    )
    assert _fresh(NOW + timedelta(days=1)) == (
        "ERROR",
        "the upload time 2026-11-27T12:00:00+00:00 is after the evaluation time "
        "2026-11-26T12:00:00+00:00; the clocks disagree",
    )
    assert _fresh(NOW - timedelta(days=31)) == (
        "NON_CONFORMANT",
        "Image is too old: uploaded 2026-10-26T12:00:00+00:00, 31 days, 0:00:00 "
        "before 2026-11-26T12:00:00+00:00, more than 30 days",
    )
    assert _fresh(NOW - timedelta(days=2)) == (
        "CONFORMANT",
        "uploaded 2026-11-24T12:00:00+00:00, within 30 days",
    )


def test_an_image_uploaded_at_the_evaluation_time_is_fresh() -> None:
    assert _fresh(NOW) == (
        "CONFORMANT",
        "uploaded 2026-11-26T12:00:00+00:00, within 30 days",
    )


@pytest.mark.parametrize(
    "key",
    [
        "nginx@sha256:" + "a" * 64,  # as written
        "docker.io/library/nginx@sha256:" + "a" * 64,  # normalised
        "sha256:" + "a" * 64,  # by digest
    ],
)
def test_metadata_is_found_as_written_normalised_or_by_digest(key: str) -> None:
    metadata = {key: ImageMetadata(NOW - timedelta(days=40))}
    verdict, _ = _check(
        policy(FRESH), "nginx@sha256:" + "a" * 64, image_metadata=metadata
    )
    assert verdict == "NON_CONFORMANT"


def test_metadata_lookup_prefers_the_image_as_written() -> None:
    metadata = {
        "nginx:1@sha256:" + "a" * 64: ImageMetadata(NOW - timedelta(days=1)),
        "docker.io/library/nginx:1@sha256:" + "a" * 64: ImageMetadata(NOW - timedelta(days=40)),
        "sha256:" + "a" * 64: ImageMetadata(NOW - timedelta(days=40)),
    }  # fmt: skip
    verdict, _ = _check(
        policy(FRESH), "nginx:1@sha256:" + "a" * 64, image_metadata=metadata
    )
    assert verdict == "CONFORMANT"
    del metadata["nginx:1@sha256:" + "a" * 64]
    metadata["docker.io/library/nginx:1@sha256:" + "a" * 64] = ImageMetadata(NOW)
    verdict, _ = _check(
        policy(FRESH), "nginx:1@sha256:" + "a" * 64, image_metadata=metadata
    )
    assert verdict == "CONFORMANT"


def test_trusted_directory_explanations() -> None:
    assert _check(policy(DIRS)) == (
        "CONFORMANT",
        "'us-docker.pkg.dev/my-proj/repo/app' is in trusted directory "
        "'us-docker.pkg.dev/my-proj' (pattern 'us-docker.pkg.dev/my-proj')",
    )
    assert _check(policy(DIRS), "gcr.io/b/c") == (
        "NON_CONFORMANT",
        "Image isn't in a trusted directory: 'gcr.io/b/c' matches none of "
        "'gcr.io/a', 'us-docker.pkg.dev/my-proj'",
    )
    assert _check(policy(DIRS), BAD) == (
        "ERROR",
        f"image {BAD!r} does not parse ({BAD_WHY}); its directory cannot be told",
    )


def test_directories_reach_the_registry() -> None:
    assert directories("gcr.io/a/b") == ("gcr.io/a/b", "gcr.io/a", "gcr.io")
    assert directories("gcr.io") == ("gcr.io",)


def test_not_evaluated_check_explanation() -> None:
    pem = pkix("x").public_key_pem
    sigstore = {"sigstoreSignatureCheck": {"sigstoreAuthorities": [
        {"publicKeySet": {"publicKeys": [{"publicKeyPem": pem}]}}]}}  # fmt: skip
    assert _check(policy(sigstore)) == (
        "ERROR",
        "SigstoreSignatureCheck is not evaluated by kritis-sim yet (it needs an OCI "
        "registry source for Cosign signatures); reported as ERROR, never as conformant",
    )


class _Failing(InMemoryPlatformOccurrences):
    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        raise GrafeasError("boom")


def test_occurrence_check_explanations_when_nothing_can_be_read() -> None:
    pol = policy(VULNS)
    assert _check(pol, BAD) == (
        "ERROR",
        f"image {BAD!r} does not parse ({BAD_WHY}); its occurrences cannot be "
        "looked up",
    )
    assert _check(pol, "gcr.io/a/b:1") == (
        "ERROR",
        "image 'gcr.io/a/b:1' is not pinned by a sha256 digest, and occurrences "
        "are bound to digests",
    )
    assert _check(pol, source=None) == (
        "ERROR",
        "no occurrence source was given, so the occurrences this check needs "
        "cannot be read",
    )
    assert _check(pol, source=_Failing()) == (
        "ERROR",
        "could not read VULNERABILITY occurrences from projects/a, projects/b: "
        "boom; failing closed",
    )


def test_allowlist_explanations() -> None:
    allow = {"allowPattern": ["us-docker.pkg.dev/my-proj/**"]}
    exempt = _image(policy({"alwaysDeny": True}, imageAllowlist=allow))
    assert (exempt["imageUri"], exempt["verdict"]) == (IMAGE, "CONFORMANT")
    assert exempt["explanation"] == (
        "exempt by the policy's image allowlist ('us-docker.pkg.dev/my-proj/**')"
    )
    skipped = _image(
        policy({"displayName": "deny", "alwaysDeny": True, "imageAllowlist": allow})
    )
    assert skipped["checkSetResult"]["checkResults"]["results"][0] == {
        "allowlistResult": {"matchedPattern": "us-docker.pkg.dev/my-proj/**"},
        "displayName": "deny",
        "explanation": "not evaluated: exempt by the check's allowlist "
        "('us-docker.pkg.dev/my-proj/**')",
        "index": "0",
        "type": "AlwaysDeny",
    }
    assert _check(policy({"alwaysDeny": True})) == (
        "NON_CONFORMANT",
        "alwaysDeny: this check denies every image",
    )


def test_listing_shows_ten_items_then_counts_the_rest() -> None:
    items = [str(i) for i in range(12)]
    assert listing(items[:10]) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9"
    assert listing(items[:11]) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 1 more"
    assert listing(items, 2) == "0, 1 and 10 more"
    assert listing([]) == ""


def test_check_set_selection_explanations() -> None:
    from kritis_sim.model.platform import CheckSet, GkePolicy, PlatformPolicy, Scope

    none = _image(PlatformPolicy.from_dict({"gkePolicy": {}}))
    assert none == {
        "explanation": "the policy has no check sets: every image is allowed",
        "imageUri": IMAGE,
        "verdict": "CONFORMANT",
    }
    empty = _image(PlatformPolicy.from_dict({"gkePolicy": {"checkSets": [{}]}}))
    assert empty["verdict"] == "CONFORMANT"
    assert empty["checkSetResult"] == {
        "explanation": "the check set has no checks: every image is allowed",
        "index": "0",
        "scope": {},
    }
    allow = {"allowPattern": ["us-docker.pkg.dev/my-proj/**"]}
    exempt = PlatformPolicy.from_dict(
        {"gkePolicy": {"checkSets": [{"displayName": "x", "imageAllowlist": allow,
                                      "checks": [{"alwaysDeny": True}]}]}}
    )  # fmt: skip
    assert _image(exempt)["checkSetResult"] == {
        "allowlistResult": {"matchedPattern": "us-docker.pkg.dev/my-proj/**"},
        "displayName": "x",
        "explanation": "exempt by the check set's image allowlist "
        "('us-docker.pkg.dev/my-proj/**')",
        "index": "0",
        "scope": {},
    }
    scoped = PlatformPolicy(
        gke_policy=GkePolicy(
            check_sets=(CheckSet(scope=Scope(kubernetes_namespace="a")),)
        )
    )
    assert _image(scoped) == {
        "explanation": "no check set's scope covers namespace 'prod', service "
        "account 'deployer' (the policy has no unscoped catch-all)",
        "imageUri": IMAGE,
        "verdict": "ERROR",
    }


def test_a_scoped_check_set_result_carries_its_scope() -> None:
    from kritis_sim.model.platform import PlatformPolicy

    allow = {"allowPattern": ["us-docker.pkg.dev/my-proj/**"]}
    scoped = {
        "scope": {"kubernetesNamespace": "prod"},
        "checks": [{"alwaysDeny": True}],
    }
    for check_set in (scoped, {**scoped, "imageAllowlist": allow}):
        pol = PlatformPolicy.from_dict(
            {
                "gkePolicy": {
                    "checkSets": [check_set, {"checks": [{"alwaysDeny": True}]}]
                }
            }
        )
        result = _image(pol)["checkSetResult"]
        assert (result["index"], result["scope"]) == (
            "0",
            {"kubernetesNamespace": "prod"},
        )


def test_a_policy_without_gke_policy_is_refused_in_one_sentence() -> None:
    from kritis_sim.errors import PolicyError
    from kritis_sim.model.platform import PlatformPolicy

    cloud_run = PlatformPolicy.from_dict(
        {"cloudRunPolicy": {"rule": {"evaluationMode": "ALWAYS_ALLOW",
                                     "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}
    )  # fmt: skip
    with pytest.raises(PolicyError) as refused:
        evaluate(cloud_run, None)
    assert refused.value.message == (
        "the platform policy has no gkePolicy; only GKE policies can be evaluated "
        "(as gcloud's evaluate command requires)"
    )


def test_a_workload_without_images_is_refused_in_one_sentence() -> None:
    from kritis_sim.core.platform import evaluate_platform_policy
    from kritis_sim.errors import InputError

    with pytest.raises(InputError) as refused:
        evaluate_platform_policy(
            policy({"alwaysDeny": True}),
            [],
            namespace=None,
            service_account=None,
            now=NOW,
        )
    assert refused.value.message == (
        "the workload has no images; there is nothing to evaluate"
    )
