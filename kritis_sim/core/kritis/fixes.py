"""What would make Kritis admit a denied image: :class:`~kritis_sim.model.fix.Fix`
values from a :class:`~kritis_sim.core.kritis.decision.KritisDecision`. Pure.

Per denied image:

* each ISP violation: ``SeverityViolation`` / ``FixUnavailableViolation`` with
  a CVE: rebuild on a fixed package, or list the CVE's note name under the
  ImageSecurityPolicy's ``packageVulnerabilityRequirements.allowlistCVEs``
  (exact note names), or raise ``maximumSeverity`` /
  ``maximumFixUnavailableSeverity``; ``UnqualifiedImageViolation``: deploy by
  digest;
* a GenericAttestationPolicy authority that does not attest the image:
  kind ``attest``, naming the AttestationAuthority and why;
* every other denial reason (an authority not found, a store failure): the
  reason itself, kind ``kritis``. Reasons of what passed are left out.

No allowlist pattern is suggested here: Kritis' own pattern grammar is not
the Binary Authorization one (see docs/kritis.md).
"""

from __future__ import annotations

from kritis_sim.core.kritis.decision import KritisDecision
from kritis_sim.core.kritis.vulnerabilities import ViolationType
from kritis_sim.model.fix import Fix

__all__ = ["kritis_fixes"]


def kritis_fixes(decision: KritisDecision) -> tuple[Fix, ...]:
    """Every fix for every image Kritis' policies deny."""
    out: list[Fix] = []
    for image in decision.images:
        if image.allowed:
            continue
        told = {v.reason for v in image.violations}
        for v in image.violations:
            if v.type is ViolationType.UNQUALIFIED_IMAGE:
                out.append(
                    Fix(
                        image.image,
                        "deploy-by-digest",
                        f"deploy {image.image} by digest (repository@sha256:<64 hex>)",
                    )
                )
                continue
            limit = (
                "maximumFixUnavailableSeverity"
                if v.type is ViolationType.FIX_UNAVAILABLE
                else "maximumSeverity"
            )
            out.append(
                Fix(
                    image.image,
                    "rescan",
                    f"{v.cve or v.reason} ({v.severity or v.type.value}): rebuild "
                    "on a fixed package and rescan, or list its note name under "
                    "the ImageSecurityPolicy's packageVulnerabilityRequirements."
                    f"allowlistCVEs, or raise {limit}",
                    check=v.type.value,
                )
            )
        for reason in image.reasons:
            if reason.startswith(_PASSED) or ": attested by " in reason:
                continue  # what passed (Kritis keeps those reasons too)
            if any(reason.endswith(t) for t in told):
                continue  # said above, with what to change
            if reason.startswith("gap "):
                gap, _, rest = reason.removeprefix("gap ").partition(": ")
                authority, _, why = rest.partition(": ")
                out.append(
                    Fix(
                        image.image,
                        "attest",
                        f"attest {image.image} with a key of AttestationAuthority "
                        f"{authority} (GenericAttestationPolicy {gap}): {why}",
                        attestor=authority,
                    )
                )
                continue
            out.append(Fix(image.image, "kritis", reason))
    return tuple(out)


#: How the reasons of what passed begin.
_PASSED = ("allowlisted by ", "attested by ", "on Kritis' built-in global allowlist")
