"""Re-export of :mod:`kritis_sim.admission.k8s_schema` for older imports.

The Kubernetes schema checks live in ``admission/`` so that ``cv`` and
``whatif`` (which sit below ``cli/``) can use them without importing upward.
This module holds no code of its own; new code imports the admission module.
"""

from __future__ import annotations

from kritis_sim.admission.k8s_schema import (
    K8S_VERSION,
    check_namespace,
    check_object,
    name_problem,
)

__all__ = ["K8S_VERSION", "check_namespace", "check_object", "name_problem"]
