"""Re-export of :mod:`kritis_sim.admission.review_inputs` for older imports.

The manifest and AdmissionReview readers live in ``admission/`` so that ``cv``
and ``whatif`` (which sit below ``cli/``) can use them without importing
upward. This module holds no code of its own; new code imports the admission
module.
"""

from __future__ import annotations

from kritis_sim.admission.review_inputs import (
    Item,
    as_admission_review,
    is_review,
    iter_values,
    load_items,
    where_of,
)

__all__ = [
    "Item",
    "as_admission_review",
    "is_review",
    "iter_values",
    "load_items",
    "where_of",
]
