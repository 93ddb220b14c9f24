"""Memoised platform evaluations answer exactly what cold ones answer.

The platform core memoises judgements on the identity of immutable values and an
in-memory store's generation (``_common.judged``). A key that leaves out one
input (the namespace, the service account, the Pod name, the image, the index of
a check, the evaluation time...) would hand one call's answer to another. The
property: a sequence of evaluations of one policy over one store, with changing
workloads and times, gives for each call the response a cold evaluation (every
memo emptied first) gives.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.platform.results import ImageMetadata
from kritis_sim.strategies import TIME
from tests.unit.conftest import clear_decision_caches
from tests.unit.core.test_platform_check_properties import _ROOTS, _worlds

_NAMESPACES = ("team-a", "team-b", "other", None)
_ACCOUNTS = ("deployer", "default", None)
_PODS = ("pod-1", "pod-2", None)
_DAYS = (0, 1, 40)  # days after TIME
_Call = tuple[str | None, str | None, str | None, bool, int]


@st.composite
def _calls(draw: st.DrawFn) -> list[_Call]:
    """A call, the same call again, then the call with one input changed at a
    time (so that a memo key missing that input is caught)."""
    ns = draw(st.sampled_from(_NAMESPACES))
    sa = draw(st.sampled_from(_ACCOUNTS))
    pod = draw(st.sampled_from(_PODS))
    days = draw(st.sampled_from(_DAYS))
    other = st.sampled_from
    base: _Call = (ns, sa, pod, False, days)
    return [
        base,
        base,
        (draw(other([n for n in _NAMESPACES if n != ns])), sa, pod, False, days),
        (ns, draw(other([a for a in _ACCOUNTS if a != sa])), pod, False, days),
        (ns, sa, draw(other([p for p in _PODS if p != pod])), False, days),
        (ns, sa, pod, True, days),
        (ns, sa, pod, False, draw(other([d for d in _DAYS if d != days]))),
    ]


def _call(
    policy: PlatformPolicy,
    images: list[str],
    store: InMemoryPlatformOccurrences,
    call: _Call,
) -> dict[str, Any]:
    namespace, account, pod, reverse, days = call
    metadata = {image: ImageMetadata(TIME - timedelta(days=2)) for image in images}
    response = evaluate_platform_policy(
        policy,
        images[::-1] if reverse else images,
        namespace=namespace,
        service_account=account,
        now=TIME + timedelta(days=days),
        occurrences=store,
        image_metadata=metadata,
        pod_name=pod,
        trusted_builders=_ROOTS,
    )
    return response.to_dict()


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(_worlds(), _calls())
def test_warm_evaluations_answer_what_cold_ones_answer(
    world: tuple[PlatformPolicy, dict[str, Any], list[Any]],
    calls: list[_Call],
) -> None:
    policy, workload, occurrences = world
    images = workload["images"]
    cold = []
    for call in calls:
        clear_decision_caches()
        store = InMemoryPlatformOccurrences(occurrences)
        cold.append(_call(policy, images, store, call))
    clear_decision_caches()
    store = InMemoryPlatformOccurrences(occurrences)
    warm = [_call(policy, images, store, call) for call in calls]
    assert warm == cold
