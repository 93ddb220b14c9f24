"""evaluate_platform_policy: allowlists, check-set selection, checks ANDed, precedence,
the evaluated checks (alwaysDeny, trustedDirectoryCheck, imageFreshnessCheck) and the
explicit ERROR of the checks not evaluated yet; the response's wire shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.errors import InputError, PolicyError
from kritis_sim.model.platform import PlatformPolicy, load_platform_policy_file
from kritis_sim.model.platform.results import ImageMetadata, Verdict, worst

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
APP = "us-docker.pkg.dev/my-proj/repo/app@sha256:" + "a" * 64
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platform"


def _policy(check_sets: list[dict[str, object]], **gke: object) -> PlatformPolicy:
    return PlatformPolicy.from_dict({"gkePolicy": {"checkSets": check_sets, **gke}})


def _run(
    policy: PlatformPolicy,
    images: list[str] | None = None,
    ns: str | None = "prod",
    sa: str | None = "deployer",
    **kw: object,
) -> tuple[Verdict, dict[str, object]]:
    response = evaluate_platform_policy(
        policy,
        images or [APP],
        namespace=ns,
        service_account=sa,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )
    return response.verdict, response.to_dict()


def _check_verdicts(wire: dict[str, object]) -> list[str]:
    image = wire["results"][0]["imageResults"][0]  # type: ignore[index]
    results = image["checkSetResult"]["checkResults"]["results"]
    return [
        r.get("evaluationResult", {}).get("verdict", "ALLOWLISTED") for r in results
    ]


def test_worst_precedence() -> None:
    c, e, n = Verdict.CONFORMANT, Verdict.ERROR, Verdict.NON_CONFORMANT
    assert worst([]) is c
    assert worst([c, e]) is e
    assert worst([e, n, c]) is n


def test_always_deny_and_wire_shape() -> None:
    policy = _policy([{"displayName": "deny", "checks": [{"alwaysDeny": True}]}])
    verdict, wire = _run(policy, pod_name="p")
    assert verdict is Verdict.NON_CONFORMANT
    assert wire == {
        "verdict": "NON_CONFORMANT",
        "results": [
            {
                "podName": "p",
                "kubernetesNamespace": "prod",
                "kubernetesServiceAccount": "deployer",
                "verdict": "NON_CONFORMANT",
                "imageResults": [
                    {
                        "imageUri": APP,
                        "verdict": "NON_CONFORMANT",
                        "checkSetResult": {
                            "index": "0",
                            "displayName": "deny",
                            "scope": {},
                            "checkResults": {
                                "results": [
                                    {
                                        "index": "0",
                                        "type": "AlwaysDeny",
                                        "evaluationResult": {
                                            "verdict": "NON_CONFORMANT"
                                        },
                                        "explanation": "alwaysDeny: this check denies every image",
                                    }
                                ]
                            },
                        },
                    }
                ],
            }
        ],
    }


def test_policy_allowlist_exempts_before_everything() -> None:
    policy = _policy(
        [{"checks": [{"alwaysDeny": True}]}],
        imageAllowlist={"allowPattern": ["us-docker.pkg.dev/my-proj/**"]},
    )
    verdict, wire = _run(policy)
    assert verdict is Verdict.CONFORMANT
    image = wire["results"][0]["imageResults"][0]  # type: ignore[index]
    assert image["allowlistResult"] == {
        "matchedPattern": "us-docker.pkg.dev/my-proj/**"
    }
    assert "checkSetResult" not in image


def test_no_check_sets_allows_with_explanation() -> None:
    verdict, wire = _run(_policy([]))
    assert verdict is Verdict.CONFORMANT
    assert "no check sets" in wire["results"][0]["imageResults"][0]["explanation"]  # type: ignore[index]


def test_check_set_allowlist_and_check_allowlist() -> None:
    policy = _policy(
        [
            {
                "imageAllowlist": {"allowPattern": ["gcr.io/exempt/*"]},
                "checks": [
                    {
                        "alwaysDeny": True,
                        "imageAllowlist": {"allowPattern": ["gcr.io/skip/*"]},
                    },
                    {"trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/skip"]}},
                ],
            }
        ]
    )
    verdict, wire = _run(policy, ["gcr.io/exempt/x"])
    assert verdict is Verdict.CONFORMANT
    set_result = wire["results"][0]["imageResults"][0]["checkSetResult"]  # type: ignore[index]
    assert set_result["allowlistResult"] == {"matchedPattern": "gcr.io/exempt/*"}
    verdict, wire = _run(policy, ["gcr.io/skip/x"])
    assert verdict is Verdict.CONFORMANT
    assert _check_verdicts(wire) == ["ALLOWLISTED", "CONFORMANT"]
    verdict, wire = _run(policy, ["gcr.io/other/x"])
    assert verdict is Verdict.NON_CONFORMANT
    assert _check_verdicts(wire) == ["NON_CONFORMANT", "NON_CONFORMANT"]


def test_empty_check_set_allows() -> None:
    verdict, _ = _run(_policy([{"displayName": "none"}]))
    assert verdict is Verdict.CONFORMANT


def test_scope_selection_reference_example() -> None:
    policy = load_platform_policy_file(FIXTURES / "reference-example.yaml")

    def chosen(ns: str | None, sa: str | None) -> str:
        _, wire = _run(policy, ["gcr.io/x/y"], ns=ns, sa=sa)
        return wire["results"][0]["imageResults"][0]["checkSetResult"]["displayName"]  # type: ignore[index,no-any-return]

    assert chosen("prod", "deployer") == "prod SA"
    assert chosen("prod", "other") == "prod namespace"
    assert chosen("prod", None) == "prod namespace"  # SA "default"
    assert chosen("dev", "deployer") == "default deny"
    assert chosen(None, None) == "default deny"


def test_missing_service_account_is_default() -> None:
    policy = _policy(
        [
            {"scope": {"kubernetesServiceAccount": "prod:default"}},
            {"checks": [{"alwaysDeny": True}]},
        ]
    )
    verdict, wire = _run(policy, sa=None)
    assert verdict is Verdict.CONFORMANT
    assert wire["results"][0]["kubernetesServiceAccount"] == "default"  # type: ignore[index]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("us-docker.pkg.dev/my-proj/repo/app:1", Verdict.CONFORMANT),
        ("us-docker.pkg.dev/my-proj/app", Verdict.CONFORMANT),
        ("us-docker.pkg.dev/my-proj-x/app", Verdict.NON_CONFORMANT),
        ("eu.gcr.io/team/deep/er/app", Verdict.CONFORMANT),
        ("gcr.io/team/app", Verdict.NON_CONFORMANT),
        ("nginx:1.25", Verdict.CONFORMANT),  # docker.io/library/nginx
        ("UPPER/Case:bad tag", Verdict.ERROR),
    ],
)
def test_trusted_directory(image: str, expected: Verdict) -> None:
    policy = _policy(
        [
            {
                "checks": [
                    {
                        "trustedDirectoryCheck": {
                            "trustedDirPatterns": [
                                "us-docker.pkg.dev/my-proj/**",
                                "*.gcr.io/team",
                                "docker.io/library",
                            ]
                        }
                    }
                ]
            }
        ]
    )
    verdict, _ = _run(policy, [image])
    assert verdict is expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(days=29), Verdict.CONFORMANT),
        (timedelta(days=30), Verdict.CONFORMANT),  # boundary: at most 30 days
        (timedelta(days=30, seconds=1), Verdict.NON_CONFORMANT),
        (timedelta(days=-1), Verdict.ERROR),  # uploaded after now
        (None, Verdict.ERROR),  # no upload time
    ],
)
def test_freshness(age: timedelta | None, expected: Verdict) -> None:
    policy = _policy([{"checks": [{"imageFreshnessCheck": {"maxUploadAgeDays": 30}}]}])
    metadata = {} if age is None else {APP: ImageMetadata(upload_time=NOW - age)}
    verdict, _ = _run(policy, image_metadata=metadata)
    assert verdict is expected


def test_freshness_metadata_by_digest() -> None:
    policy = _policy([{"checks": [{"imageFreshnessCheck": {"maxUploadAgeDays": 1}}]}])
    metadata = {"sha256:" + "a" * 64: ImageMetadata(NOW - timedelta(days=3))}
    verdict, _ = _run(policy, image_metadata=metadata)
    assert verdict is Verdict.NON_CONFORMANT


@pytest.mark.parametrize(
    "check",
    [
        {"vulnerabilityCheck": {"maximumFixableSeverity": "ALLOW_ALL", "maximumUnfixableSeverity": "ALLOW_ALL"}},
        {"slsaCheck": {"rules": [{"trustedBuilder": "GOOGLE_CLOUD_BUILD"}]}},
    ],
)  # fmt: skip
def test_occurrence_checks_without_a_source_are_errors_never_conformant(
    check: dict[str, object],
) -> None:
    verdict, wire = _run(_policy([{"checks": [check]}]))
    assert verdict is Verdict.ERROR
    image = wire["results"][0]["imageResults"][0]  # type: ignore[index]
    result = image["checkSetResult"]["checkResults"]["results"][0]
    assert "no occurrence source was given" in result["explanation"]


def test_sigstore_is_not_evaluated_and_tag_only_slsa_is_non_conformant() -> None:
    policy = load_platform_policy_file(FIXTURES / "all-checks.yaml")
    verdict, wire = _run(policy, ["gcr.io/x/y"], ns="team-a", sa="builder")
    assert verdict is Verdict.NON_CONFORMANT
    assert _check_verdicts(wire) == ["ERROR", "NON_CONFORMANT"]  # sigstore, slsa
    results = wire["results"][0]["imageResults"][0]["checkSetResult"]["checkResults"]  # type: ignore[index]
    assert "needs an OCI registry source" in results["results"][0]["explanation"]
    assert "not pinned by a sha256 digest" in results["results"][1]["explanation"]


def test_non_conformant_outranks_error_at_every_level() -> None:
    policy = _policy(
        [
            {
                "checks": [
                    {
                        "imageFreshnessCheck": {"maxUploadAgeDays": 1}
                    },  # ERROR: no metadata
                    {"trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/ok"]}},
                ]
            }
        ]
    )
    verdict, wire = _run(policy, ["gcr.io/ok/a", "gcr.io/bad/b"])
    assert verdict is Verdict.NON_CONFORMANT
    images = wire["results"][0]["imageResults"]  # type: ignore[index]
    assert [i["verdict"] for i in images] == ["ERROR", "NON_CONFORMANT"]
    assert wire["results"][0]["verdict"] == "NON_CONFORMANT"  # type: ignore[index]


def test_hand_built_policy_without_catch_all_is_an_error() -> None:
    from kritis_sim.model.platform import CheckSet, GkePolicy, Scope

    policy = PlatformPolicy(
        gke_policy=GkePolicy(
            check_sets=(CheckSet(scope=Scope(kubernetes_namespace="a")),)
        )
    )
    verdict, _ = _run(policy, ns="b")
    assert verdict is Verdict.ERROR


def test_bad_calls() -> None:
    cloud_run = load_platform_policy_file(FIXTURES / "cloud-run.json")
    with pytest.raises(PolicyError, match="no gkePolicy"):
        _run(cloud_run)
    with pytest.raises(InputError, match="no images"):
        evaluate_platform_policy(
            _policy([]), [], namespace=None, service_account=None, now=NOW
        )
