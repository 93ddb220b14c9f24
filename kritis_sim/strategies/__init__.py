"""Public Hypothesis strategies for Binary Authorization worlds.

For property tests and for the conformance kit's differential mode. They are
tuned to land on the boundaries where enforcers go wrong, not to be uniform:

* :func:`images`: references by digest, by tag and digest, or by tag only, over
  repositories that look alike (``app`` / ``app-tools``, ``gen`` / ``gen-x``)
  and one nested a level deeper (``*`` vs ``**``);
* :func:`patterns`: allowlist patterns that match those images, or nearly do;
* :func:`attestors`: 1-3 attestors, each trusting 1-2 keys of a small ECDSA
  P-256 pool under the default or a custom key id (keys are generated once per
  process; generation is slow, drawing is not);
* :func:`attestations`: occurrences for one image and attestor: valid, or
  signed by a foreign key, under the wrong key id, by an impostor claiming a
  trusted id, over another digest, on another note, corrupted, with a bad
  signature before a good one; of an age that matters under freshness;
* :func:`policies`: a default rule plus optional namespace and cluster rules,
  often requiring *every* attestor, sometimes dry-run or with a maximum age,
  and an optional allowlist;
* :func:`workloads`: Pods (init and ephemeral containers, the
  ``ephemeralcontainers`` subresource) and controllers, sometimes with a
  breakglass marker, valid or almost;
* :func:`platform_policies` and :func:`platform_checks`: valid GKE/Cloud Run
  platform-policy documents (:mod:`kritis_sim.strategies.platform`);
* :func:`worlds` and :func:`world_batches`: all of the above, consistent, as
  :class:`GeneratedWorld` values; a batch shares one configuration (policy,
  attestors, cluster) so an enforcer under test is configured once for many
  requests, and each world of a batch has image digests of its own, so their
  reviews can go out concurrently.

For every image and attestor, :func:`worlds` draws the attestations
independently, so several required attestors with exactly one missing is a
common world, not a rare one. Everything generated is plain JSON-ready data in
the wire formats. The strategies do not decide; the reference decision comes
from :mod:`kritis_sim.core`.
"""

from __future__ import annotations

from kritis_sim.strategies._parts import (
    attestations,
    attestors,
    images,
    patterns,
    policies,
    workloads,
)
from kritis_sim.strategies._pool import (
    CLUSTER,
    NEAR_MISSES,
    PROJECT,
    TIME,
)
from kritis_sim.strategies._worlds import (
    GeneratedWorld,
    world_batches,
    worlds,
)
from kritis_sim.strategies.platform import platform_checks, platform_policies

__all__ = [
    "CLUSTER",
    "NEAR_MISSES",
    "PROJECT",
    "TIME",
    "GeneratedWorld",
    "attestations",
    "attestors",
    "images",
    "patterns",
    "platform_checks",
    "platform_policies",
    "policies",
    "workloads",
    "world_batches",
    "worlds",
]
