"""Evaluation of GKE platform policies (check-based policies); pure, no I/O, no clock.

* :func:`evaluate_platform_policy` (:mod:`~kritis_sim.core.platform.evaluate`):
  allowlists, check-set selection by scope, checks ANDed, precedence
  NON_CONFORMANT > ERROR > CONFORMANT, a result shaped like
  ``EvaluateGkePolicyResponse``;
* :mod:`~kritis_sim.core.platform.checks`: the checks. ``alwaysDeny``,
  ``trustedDirectoryCheck``, ``imageFreshnessCheck``, ``vulnerabilityCheck``
  (:mod:`~kritis_sim.core.platform.vulnerability`),
  ``simpleSigningAttestationCheck`` (:mod:`~kritis_sim.core.platform.signing`)
  and ``slsaCheck`` (:mod:`~kritis_sim.core.platform.slsa`) are evaluated;
  ``sigstoreSignatureCheck`` reports ERROR "not evaluated yet";
* :mod:`~kritis_sim.core.platform.occurrences`: the
  :class:`PlatformOccurrences` seam the occurrence checks read through, and an
  in-memory implementation;
* :mod:`~kritis_sim.core.platform.facts`: what a check knows about one image,
  and the roots of trust of SLSA builders (:class:`BuilderRoots`).

The values are in :mod:`kritis_sim.model.platform`.
"""

from __future__ import annotations

from kritis_sim.core.platform.evaluate import (
    DEFAULT_SERVICE_ACCOUNT,
    evaluate_platform_policy,
)
from kritis_sim.core.platform.facts import GOOGLE_CLOUD_BUILD_IDS, BuilderRoots
from kritis_sim.core.platform.occurrences import (
    InMemoryPlatformOccurrences,
    PlatformOccurrences,
)

__all__ = [
    "DEFAULT_SERVICE_ACCOUNT",
    "GOOGLE_CLOUD_BUILD_IDS",
    "BuilderRoots",
    "InMemoryPlatformOccurrences",
    "PlatformOccurrences",
    "evaluate_platform_policy",
]
