"""Whole generated worlds (:class:`GeneratedWorld`) and batches of worlds that
share one configuration. Internal to :mod:`kritis_sim.strategies`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from kritis_sim.strategies._parts import (
    attestors,
    draw_attestation,
    images,
    policies,
    workloads,
)
from kritis_sim.strategies._pool import (
    _NEAR_MISS_SETS,
    _PLANS,
    _STATES,
    CLUSTER,
    NEAR_MISSES,
)


@dataclass(frozen=True)
class GeneratedWorld:
    """A consistent random case.

    Attributes:
        policy: the policy document.
        attestors: the Attestor resources.
        occurrences: Grafeas occurrence JSON, times relative to :data:`TIME`.
        workload: the Kubernetes object the AdmissionReview carries.
        sub_resource: ``ephemeralcontainers`` or None.
        cluster: the cluster the enforcer guards (:data:`CLUSTER`) or None.
    """

    policy: dict[str, Any]
    attestors: list[dict[str, Any]]
    occurrences: list[dict[str, Any]]
    workload: dict[str, Any]
    sub_resource: str | None = None
    cluster: str | None = field(default=None)

    @property
    def config(self) -> tuple[Any, ...]:
        """What an enforcer is configured with (equal for one batch)."""
        return (self.policy, self.attestors, self.cluster)


# Built once: building and validating a strategy costs more than a draw.
_CLUSTERS = st.sampled_from((CLUSTER, None))
_BOOLEANS = st.booleans()
_PLAN = st.sampled_from(_PLANS)
_STATE = st.sampled_from(_STATES)
_GAP_STATE = st.sampled_from(("near-miss", "near-miss", "none"))
_GAPS = tuple(st.integers(0, n) for n in range(16))


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec if workload["kind"] == "Pod" else spec["template"]["spec"]


def _configuration(
    draw: st.DrawFn,
) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    atts = draw(attestors())
    policy = draw(policies([a["name"] for a in atts]))
    return policy, atts, draw(_CLUSTERS)


def _world(
    draw: st.DrawFn,
    config: tuple[dict[str, Any], list[dict[str, Any]], str | None],
    salt: int = 0,
) -> GeneratedWorld:
    policy, atts, cluster = config
    workload = draw(workloads(images(salt=salt)) if salt else workloads())
    spec = _pod_spec(workload)
    sub = None
    if spec.get("ephemeralContainers") and draw(_BOOLEANS):
        sub = "ephemeralcontainers"
    found = [
        c["image"]
        for key in ("containers", "initContainers", "ephemeralContainers")
        for c in spec.get(key, [])
    ]
    pairs = [(i, a) for i in dict.fromkeys(i for i in found if "@" in i) for a in atts]
    plan = draw(_PLAN)
    last = max(len(pairs) - 1, 0)
    gap = draw(_GAPS[last] if last < len(_GAPS) else st.integers(0, last))
    occurrences: list[dict[str, Any]] = []
    for n, (image, attestor) in enumerate(pairs):
        if plan == "independent":
            state = draw(_STATE)
        elif plan == "one-gap" and n == gap:
            state = draw(_GAP_STATE)
        elif plan == "bare":
            state = "none"
        else:
            state = "valid"
        if state == "valid":
            occurrences.append(draw_attestation(draw, image, attestor, ("valid",)))
            if draw(_BOOLEANS):  # a near miss beside it changes nothing
                occurrences.append(draw_attestation(draw, image, attestor, NEAR_MISSES))
        elif state == "near-miss":  # up to three ways of almost counting
            kinds = draw(_NEAR_MISS_SETS)
            occurrences += [
                draw_attestation(draw, image, attestor, (k,)) for k in kinds
            ]
    return GeneratedWorld(policy, atts, occurrences, workload, sub, cluster)


@st.composite
def worlds(draw: st.DrawFn) -> GeneratedWorld:
    """A whole generated world: one configuration, one request."""
    return _world(draw, _configuration(draw))


@functools.cache
def _counts(max_size: int) -> st.SearchStrategy[int]:
    return st.integers(1, max_size)


@st.composite
def world_batches(draw: st.DrawFn, max_size: int = 8) -> list[GeneratedWorld]:
    """1..max_size worlds sharing one configuration (policy, attestors,
    cluster). World ``i`` draws its image digests from a set of its own
    (:func:`images` with ``salt=i``), so no two worlds of a batch share a
    digest and an enforcer under test can review them concurrently; within a
    world, repositories still share digests."""
    config = _configuration(draw)
    count = draw(_counts(max_size))
    return [_world(draw, config, salt) for salt in range(count)]
