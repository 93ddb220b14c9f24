"""Repository-wide pytest configuration: Hypothesis profiles.

Profiles are chosen by the ``HYPOTHESIS_PROFILE`` environment variable:
``dev`` (fast local runs), ``ci`` (the default in ``.ci/run``) and
``thorough`` (many examples, for occasional deep runs).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
