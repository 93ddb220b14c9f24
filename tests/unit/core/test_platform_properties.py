"""Properties of evaluate_platform_policy over generated platform policies and workloads:
adding a check never makes a verdict better, check order never matters, a scope never
matches another namespace, precedence holds at every level, sigstoreSignatureCheck
(not evaluated) is ERROR and the occurrence checks without an occurrence source are never
CONFORMANT unless allowlisted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.model.platform import Check, PlatformPolicy
from kritis_sim.model.platform.load_checks import CheckReader
from kritis_sim.model.platform.results import (
    EvaluateGkePolicyResponse,
    ImageMetadata,
    Verdict,
    worst,
)
from kritis_sim.strategies import TIME, images, platform_checks, platform_policies
from kritis_sim.strategies.platform import NAMESPACES

_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])
_NAMESPACE = st.sampled_from((*NAMESPACES, "other", None))
_ACCOUNT = st.sampled_from(("deployer", "default", "x", None))


@st.composite
def _workloads(draw: st.DrawFn) -> dict[str, Any]:
    pod_images = draw(st.lists(images(), min_size=1, max_size=3, unique=True))
    ages = st.sampled_from((None, 0, 1, 30, 400))
    metadata = {}
    for image in pod_images:
        days = draw(ages)
        if days is not None:
            metadata[image] = ImageMetadata(TIME - timedelta(days=days))
    return {
        "images": pod_images,
        "namespace": draw(_NAMESPACE),
        "service_account": draw(_ACCOUNT),
        "image_metadata": metadata,
    }


def _evaluate(
    policy: PlatformPolicy, workload: dict[str, Any]
) -> EvaluateGkePolicyResponse:
    return evaluate_platform_policy(policy, now=TIME, **workload)


def _image_verdicts(response: EvaluateGkePolicyResponse) -> list[Verdict]:
    return [r.verdict for r in response.results[0].image_results]


def _with_checks(policy: PlatformPolicy, change: Any) -> PlatformPolicy:
    gke = policy.gke_policy
    assert gke is not None
    sets = tuple(replace(s, checks=change(s.checks)) for s in gke.check_sets)
    return replace(policy, gke_policy=replace(gke, check_sets=sets))


def _check(doc: dict[str, Any]) -> Check:
    from kritis_sim._yaml import Locator
    from kritis_sim.errors import PolicyError
    from kritis_sim.model._fields import FieldReader

    return CheckReader(FieldReader(Locator("<gen>"), PolicyError)).check(doc, ())


_POLICIES = platform_policies(cloud_run=False).map(PlatformPolicy.from_dict)


@_SETTINGS
@given(_POLICIES, _workloads(), platform_checks())
def test_adding_a_check_never_improves_a_verdict(
    policy: PlatformPolicy, workload: dict[str, Any], extra: dict[str, Any]
) -> None:
    added = _check(extra)
    before = _evaluate(policy, workload)
    after = _evaluate(_with_checks(policy, lambda checks: (*checks, added)), workload)
    for old, new in zip(_image_verdicts(before), _image_verdicts(after), strict=True):
        assert new.rank >= old.rank
    if before.verdict is Verdict.NON_CONFORMANT:
        assert after.verdict is Verdict.NON_CONFORMANT


@_SETTINGS
@given(_POLICIES, _workloads(), st.randoms(use_true_random=False))
def test_check_order_never_matters(
    policy: PlatformPolicy, workload: dict[str, Any], rnd: Any
) -> None:
    def shuffled(checks: tuple[Check, ...]) -> tuple[Check, ...]:
        out = list(checks)
        rnd.shuffle(out)
        return tuple(out)

    before = _evaluate(policy, workload)
    after = _evaluate(_with_checks(policy, shuffled), workload)
    assert _image_verdicts(before) == _image_verdicts(after)
    assert before.verdict is after.verdict


@_SETTINGS
@given(_POLICIES, _workloads())
def test_scope_never_matches_another_namespace_and_precedence_holds(
    policy: PlatformPolicy, workload: dict[str, Any]
) -> None:
    response = _evaluate(policy, workload)
    account = workload["service_account"] or "default"
    pod = response.results[0]
    assert response.verdict is pod.verdict is worst(_image_verdicts(response))
    for image in pod.image_results:
        result = image.check_set_result
        if result is None:
            continue
        assert image.verdict is result.verdict
        if result.check_results:
            assert result.verdict is worst(c.verdict for c in result.check_results)
        for check in result.check_results:
            if check.matched_pattern is not None:
                continue
            if check.type in _NOT_EVALUATED:
                assert check.verdict is Verdict.ERROR
            if check.type in _NEED_OCCURRENCES:
                assert check.verdict is not Verdict.CONFORMANT
        if result.scope is None or result.scope.is_empty:
            continue
        assert workload["namespace"] is not None
        assert result.scope.namespace == workload["namespace"]
        if result.scope.kubernetes_service_account:
            expected = f"{workload['namespace']}:{account}"
            assert result.scope.kubernetes_service_account == expected


_NOT_EVALUATED = {"SigstoreSignatureCheck"}
_NEED_OCCURRENCES = {"VulnerabilityCheck", "SlsaCheck", "SimpleSigningAttestationCheck"}
