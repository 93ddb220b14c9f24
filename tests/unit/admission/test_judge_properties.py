"""Properties of the Enforcer on the judge seam (Hypothesis, few examples each):

* differential: the webhook's AdmissionReview answer for a generated Pod under a
  generated platform policy and store agrees with ``evaluate_platform_policy``
  (admitted iff CONFORMANT, or dry-run, or breakglass; every non-conformant image
  named in the denial and in ``denial-reasons``), through the inline path and
  through the prefetch-under-deadline path;
* ``ClassicJudge`` through the Enforcer (inline and prefetch) equals ``decide()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from kritis_sim.admission.enforcer import Enforcer, StaticPolicy
from kritis_sim.admission.webhook import WebhookConfig, create_app
from kritis_sim.core.decide import decide
from kritis_sim.core.judges import PlatformJudge
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.policy import Policy
from kritis_sim.strategies import TIME, worlds
from tests.unit.core.test_platform_check_properties import _ROOTS, _evaluate, _worlds

from .conftest import call

_SETTINGS = settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class _Live:
    """A store that does not declare itself in-memory (forces the prefetch path)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Holder:
    """What the apps of the test judge with, swapped per example. It declares
    itself in-memory (``nonblocking``), as ``StaticJudge`` does."""

    nonblocking: ClassVar[bool] = True
    judge: Any = None
    store: Any = None

    def __call__(self) -> Any:
        return self.judge


class _HeldSource:
    nonblocking: ClassVar[bool] = True

    def __init__(self, holder: _Holder) -> None:
        self.holder = holder

    def _get(self, method: str, *args: str) -> Sequence[Any]:
        result: Sequence[Any] = getattr(self.holder.store, method)(*args)
        return result

    def vulnerabilities(self, project: str, url: str) -> Sequence[Any]:
        return self._get("vulnerabilities", project, url)

    def discoveries(self, project: str, url: str) -> Sequence[Any]:
        return self._get("discoveries", project, url)

    def builds(self, project: str, url: str) -> Sequence[Any]:
        return self._get("builds", project, url)

    def attestations(self, project: str, url: str) -> Sequence[Any]:
        return self._get("attestations", project, url)


@pytest.fixture(scope="module")
def held() -> Iterator[tuple[_Holder, dict[bool, Starlette]]]:
    """One app judging inline (in-memory judge and store) and one through the
    worker thread's prefetch (neither declares itself in-memory)."""
    holder = _Holder()
    apps = {
        inline: create_app(
            WebhookConfig(
                policy_provider=None,
                judge_provider=holder if inline else (lambda: holder()),
                source=_HeldSource(holder) if inline else _Live(_HeldSource(holder)),
                clock=lambda: TIME,
            )
        )
        for inline in (True, False)
    }
    yield holder, apps
    for app in apps.values():
        app.state.webhook.enforcer.close()


def _review(workload: dict[str, Any], breakglass: bool) -> dict[str, Any]:
    labels = {"image-policy.k8s.io/break-glass": "true"} if breakglass else {}
    spec = {
        "serviceAccountName": workload["service_account"],
        "containers": [
            {"name": f"c{i}", "image": image}
            for i, image in enumerate(workload["images"])
        ],
    }
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": workload["namespace"],
            "operation": "CREATE",
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p", "labels": labels},
                "spec": spec,
            },
        },
    }


@_SETTINGS
@given(_worlds(), st.booleans(), st.booleans(), st.booleans())
def test_webhook_agrees_with_evaluate_platform_policy(
    held: tuple[_Holder, dict[bool, Starlette]],
    world: tuple[Any, dict[str, Any], list[Any]],
    dry_run: bool,
    breakglass: bool,
    inline: bool,
) -> None:
    policy, workload, store = world
    holder, apps = held
    app = apps[inline]
    expected = _evaluate(policy, workload, store)
    holder.judge = PlatformJudge(policy, trusted_builders=_ROOTS, dry_run=dry_run)
    holder.store = InMemoryPlatformOccurrences(store)
    reply = call(app, "/validate", _review(workload, breakglass)).json()["response"]
    conformant = expected.verdict is Verdict.CONFORMANT
    assert reply["allowed"] is (conformant or dry_run or breakglass)
    bad = [
        r.image_uri for r in expected.results[0].image_results
        if r.verdict is not Verdict.CONFORMANT
    ]  # fmt: skip
    reasons = reply.get("auditAnnotations", {}).get("denial-reasons", "")
    assert len(reasons.splitlines()) == len(bad)
    for image in bad:
        assert f"Image {image!r}" in reasons
        if not reply["allowed"]:
            assert f"Image {image!r}" in reply["status"]["message"]


def _classic(world: Any) -> tuple[Policy, list[Attestor], list[AttestationOccurrence]]:
    policy = Policy.from_dict(world.policy)
    attestors = [Attestor.from_dict(a) for a in world.attestors]
    occurrences = [AttestationOccurrence.from_dict(o) for o in world.occurrences]
    return policy, attestors, occurrences


def _target_and_images(world: Any) -> tuple[DeployTarget, list[str]]:
    obj = world.workload
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    if obj["kind"] != "Pod":
        spec = spec["template"]["spec"]
    images = [
        c["image"]
        for key in ("containers", "initContainers", "ephemeralContainers")
        for c in spec.get(key, [])
    ]
    namespace = obj["metadata"].get("namespace", "default")
    account = spec.get("serviceAccountName", "default")
    return DeployTarget(world.cluster, namespace, account), images


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.booleans(), st.booleans())
def test_classic_judge_through_the_enforcer_equals_decide(
    world: Any, prefetch: bool, breakglass: bool
) -> None:
    policy, attestors, occurrences = _classic(world)
    target, images = _target_and_images(world)
    source = InMemorySource(occurrences)
    expected = decide(
        policy, attestors, source, target, images, now=TIME, breakglass=breakglass
    )
    if prefetch:  # neither provider nor store declares itself in-memory
        enforcer = Enforcer(lambda: (policy, tuple(attestors)), _Live(source),
                            clock=lambda: TIME, workers=1)  # fmt: skip
    else:
        enforcer = Enforcer(StaticPolicy(policy, tuple(attestors)), source,
                            clock=lambda: TIME)  # fmt: skip
    try:
        got = asyncio.run(
            enforcer.decide(target, images, breakglass=breakglass, budget=30.0)
        )
    finally:
        enforcer.close()
    assert got == expected
