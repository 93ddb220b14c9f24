"""How Kritis reads an AdmissionReview: the webhook's ``interpret`` for
``--semantics kritis`` (``kritis-sim webhook`` and scenarios' ``--via
webhook`` for Kritis-guarded environments).

:func:`kritis_interpret` turns a parsed AdmissionReview into the
:class:`~kritis_sim.admission.workloads.Workload` Kritis judges (its kinds,
operations, images, and the breakglass annotation on the object's own
metadata) or :class:`~kritis_sim.admission.workloads.NotApplicable`. It does
not decide (see :mod:`kritis_sim.core.kritis`). No I/O.
"""

from __future__ import annotations

from kritis_sim.admission.review import ParsedAdmission
from kritis_sim.admission.workloads import NotApplicable, Workload
from kritis_sim.core.kritis import kritis_object
from kritis_sim.core.kritis.objects import BREAKGLASS

__all__ = ["kritis_interpret"]


def kritis_interpret(
    parsed: ParsedAdmission, *, judge_updates: str = "changed"
) -> Workload | NotApplicable:
    """What Kritis judges of an AdmissionReview (the webhook's ``interpret``):
    Kritis' kinds, operations, images and breakglass annotation. Kritis judges
    every Pod UPDATE in full, so ``judge_updates`` is not used."""
    namespace = parsed.namespace or "default"
    obj = kritis_object(
        parsed.kind, parsed.operation, namespace, parsed.name or "",
        parsed.obj, sub_resource=parsed.sub_resource,
    )  # fmt: skip
    if isinstance(obj, str):
        return NotApplicable(obj)
    marker = (f"metadata.annotations[{BREAKGLASS!r}]",) if obj.breakglass else ()
    return Workload(
        obj.kind, obj.name or None, obj.namespace, obj.images, breakglass=marker
    )
