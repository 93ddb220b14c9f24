"""Evaluation of GKE platform policies (check-based policies); pure, no I/O, no clock.

* :func:`evaluate_platform_policy` (:mod:`~kritis_sim.core.platform.evaluate`):
  allowlists, check-set selection by scope, checks ANDed, precedence
  NON_CONFORMANT > ERROR > CONFORMANT, a result shaped like
  ``EvaluateGkePolicyResponse``;
* :mod:`~kritis_sim.core.platform.checks`: the checks. ``alwaysDeny``,
  ``trustedDirectoryCheck`` and ``imageFreshnessCheck`` are evaluated; the
  checks that need richer occurrences report ERROR "not evaluated yet".

The values are in :mod:`kritis_sim.model.platform`.
"""

from __future__ import annotations

from kritis_sim.core.platform.evaluate import (
    DEFAULT_SERVICE_ACCOUNT,
    evaluate_platform_policy,
)

__all__ = ["DEFAULT_SERVICE_ACCOUNT", "evaluate_platform_policy"]
