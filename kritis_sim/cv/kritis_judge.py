"""The Kritis semantics profile as a :class:`~kritis_sim.cv.judge.Judge`.

:class:`KritisJudge` wraps :func:`kritis_sim.core.kritis.decide_kritis`: the
Kritis resources (all namespaces; each workload is judged by its own
namespace's), the attestation and vulnerability sources. Like
:class:`~kritis_sim.cv.judge.ClassicJudge`, it judges without breakglass and
``conforms`` is the policies' verdict. Images are the workload's as the
adapter extracted them. No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kritis_sim.admission.workloads import Workload
from kritis_sim.core.kritis import KritisObject, decide_kritis
from kritis_sim.core.kritis.vulnerabilities import VulnerabilitySource
from kritis_sim.core.source import AttestationSource
from kritis_sim.cv.judge import ImageResult, Judgement
from kritis_sim.model.kritis import KritisResources

__all__ = ["KritisJudge"]


class KritisJudge:
    """Kritis resources (``--semantics kritis``) as a judge."""

    def __init__(
        self,
        resources: KritisResources,
        attestations: AttestationSource,
        vulnerabilities: VulnerabilitySource,
    ) -> None:
        self.resources = resources
        self.attestations, self.vulnerabilities = attestations, vulnerabilities

    def config_errors(self) -> Sequence[str]:
        """Resources were checked when loaded: none."""
        return ()

    def judge(self, workload: Workload, now: datetime) -> Judgement:
        """Kritis' verdict for the workload's namespace, breakglass ignored."""
        obj = KritisObject(
            workload.kind, workload.namespace, workload.name or "", workload.images
        )
        decision = decide_kritis(
            self.resources, obj, self.attestations, self.vulnerabilities, now=now
        )
        images = tuple(
            ImageResult(i.image, i.allowed, "; ".join(i.reasons))
            for i in decision.images
        )
        rules = [f"GenericAttestationPolicy {n}" for n in decision.gap_names]
        rules += [f"ImageSecurityPolicy {n}" for n in decision.isp_names]
        return Judgement(
            conforms=decision.verdict_allowed,
            images=images,
            rule=", ".join(rules)
            or f"no Kritis policy in namespace {workload.namespace}",
            detail=decision,
        )
