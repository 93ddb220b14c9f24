"""The Kritis profile on the judge seam (:mod:`kritis_sim.core.judges`).

:class:`KritisJudge` answers :class:`~kritis_sim.core.judges.Judge`'s two
questions for Kritis resources: what to read (:meth:`KritisJudge.reads`,
recorded), and the verdict, as the model-neutral
:class:`~kritis_sim.model.decision.Decision` with the profile's own
:class:`~kritis_sim.core.kritis.decision.KritisDecision` in ``detail``. Each
image's rule is ``RuleRef("kritis", "<namespace>")``; its reason joins the
image's reasons. ``source`` answers ``occurrences(resource_url, note_name)``
(attestations) and ``vulnerabilities(project, resource_url)``
(:class:`KritisOccurrences` over files, or a prefetch replay).

The seam gives a list of images and a deploy target, not the object: the
object kind is taken as a Pod (adapters filter kinds with
:func:`~kritis_sim.core.kritis.objects.kritis_object` first) and breakglass
is the adapter's. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kritis_sim.core.judges import Lookup, record_reads
from kritis_sim.core.kritis.decide import decide_kritis
from kritis_sim.core.kritis.decision import KritisDecision
from kritis_sim.core.kritis.objects import KritisObject
from kritis_sim.core.kritis.vulnerabilities import VulnerabilityIndex
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.model.decision import Decision, ImageVerdict, RuleRef
from kritis_sim.model.kritis.resources import KritisResources
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

__all__ = ["KritisJudge", "KritisOccurrences", "as_decision"]


class KritisOccurrences:
    """Attestation and vulnerability occurrences held in memory: a source
    for :class:`KritisJudge` (and for ``decide_kritis`` as both sources)."""

    nonblocking = True

    def __init__(
        self,
        attestations: Sequence[AttestationOccurrence] = (),
        vulnerabilities: Sequence[VulnerabilityOccurrence] = (),
    ) -> None:
        self._atts = InMemorySource(attestations)
        self._vulns = VulnerabilityIndex(vulnerabilities)

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """Attestations of ``note_name`` for ``resource_url``."""
        return self._atts.occurrences(resource_url, note_name)

    def vulnerabilities(
        self, project: str, resource_url: str
    ) -> Sequence[VulnerabilityOccurrence]:
        """Vulnerabilities of ``resource_url`` (any project)."""
        return self._vulns.vulnerabilities(project, resource_url)


def as_decision(decision: KritisDecision) -> Decision:
    """The model-neutral verdict of a Kritis decision (itself in ``detail``)."""
    rule = RuleRef("kritis", decision.namespace)
    images = tuple(
        ImageVerdict(i.image, i.allowed, rule, "; ".join(i.reasons) or "allowed")
        for i in decision.images
    )
    return Decision(
        allowed=decision.allowed,
        verdict_allowed=decision.verdict_allowed,
        images=images,
        breakglass=decision.breakglass,
        message=decision.message,
        failed_closed=decision.failed_closed,
        reasons=decision.reasons,
        detail=decision,
    )


class KritisJudge:
    """Kritis resources as a :class:`~kritis_sim.core.judges.Judge`."""

    model = "kritis"
    policy_name: str | None = None

    def __init__(
        self, resources: KritisResources, cache: VerificationCache | None = None
    ) -> None:
        self.resources = resources
        self.cache = cache if cache is not None else VerificationCache()

    def reads(
        self, images: Sequence[str], target: DeployTarget, now: datetime
    ) -> tuple[Lookup, ...]:
        """See :meth:`Judge.reads`."""
        return record_reads(self, images, target, now)

    def judge(
        self,
        images: Sequence[str],
        target: DeployTarget,
        source: Any,
        now: datetime,
        *,
        breakglass: bool = False,
    ) -> Decision:
        """Kritis' verdict for the images in the target's namespace."""
        obj = KritisObject("Pod", target.namespace, "", tuple(images), breakglass)
        return as_decision(
            decide_kritis(
                self.resources, obj, source, source, now=now, cache=self.cache
            )
        )
