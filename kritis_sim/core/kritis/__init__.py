"""The Kritis semantics profile: decide as Kritis admission does.

:mod:`.objects` (what Kritis inspects), :mod:`.vulnerabilities` (ISP
requirements), :mod:`.decide` (the admission order), :mod:`.decision` (the
answer as a value), :mod:`.judge` (the judge seam). Resources come from :mod:`kritis_sim.model.kritis`.
Pure: no I/O, no clock. See ``docs/kritis.md``.
"""

from kritis_sim.core.kritis.decide import decide_kritis
from kritis_sim.core.kritis.decision import KritisDecision, KritisImage
from kritis_sim.core.kritis.judge import KritisJudge, KritisOccurrences
from kritis_sim.core.kritis.objects import KritisObject, kritis_object
from kritis_sim.core.kritis.vulnerabilities import VulnerabilityIndex

__all__ = [
    "KritisDecision",
    "KritisImage",
    "KritisJudge",
    "KritisObject",
    "KritisOccurrences",
    "VulnerabilityIndex",
    "decide_kritis",
    "kritis_object",
]
