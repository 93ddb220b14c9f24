"""The Kritis profile's answer for one object: a value with reasons.

:class:`KritisDecision` says whether Kritis admits the object, Kritis' own
denial message (what its webhook would return), every reason behind it (GAP
and ISP alike: kritis-sim keeps both when both deny, where Kritis keeps only
the ISP's), and per image what decided it. Breakglass admits and still
records what would have been denied. Pure values; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kritis_sim.core.kritis.vulnerabilities import Violation

__all__ = ["KritisDecision", "KritisImage"]


@dataclass(frozen=True, slots=True)
class KritisImage:
    """One image's result.

    Attributes:
        image: as written in the object.
        allowed: neither the GAPs nor the ISPs of the namespace deny it.
        reasons: why (allowlisting, attestation, violations), in words.
        globally_allowlisted: on Kritis' built-in allowlist.
        violations: ISP violations (all ISPs of the namespace).
        gap_denied: the GAPs deny it (no ``namePattern`` matches it and no
            GAP has all its authorities attest it).
        isps_denied: the ISPs that deny it for a violation or an unreadable
            store, which their ``imageAllowlist`` would lift.
        unliftable: denied for a reason no allowlist entry lifts (an ISP's
            ``attestationAuthorityName`` that does not exist).
    """

    image: str
    allowed: bool
    reasons: tuple[str, ...] = ()
    globally_allowlisted: bool = False
    violations: tuple[Violation, ...] = ()
    gap_denied: bool = False
    isps_denied: tuple[str, ...] = ()
    unliftable: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "image": self.image,
            "allowed": self.allowed,
            "reasons": list(self.reasons),
        }
        if self.globally_allowlisted:
            out["globallyAllowlisted"] = True
        if self.violations:
            out["violations"] = [v.to_dict() for v in self.violations]
        return out


@dataclass(frozen=True, slots=True)
class KritisDecision:
    """Kritis' verdict on one object.

    Attributes:
        allowed: admitted (breakglass included).
        verdict_allowed: what the policies say, breakglass aside.
        message: Kritis' webhook message (denials: GAP then ISP text).
        namespace: whose policies were used.
        breakglass: admitted by the breakglass annotation.
        images: per image, in the object's order.
        gap_names / isp_names: the GAPs and ISPs consulted.
        failed_closed: a store read failed; the images it concerns are denied.
    """

    allowed: bool
    verdict_allowed: bool
    message: str
    namespace: str
    breakglass: bool = False
    images: tuple[KritisImage, ...] = ()
    gap_names: tuple[str, ...] = ()
    isp_names: tuple[str, ...] = ()
    failed_closed: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every denial reason of every image."""
        return tuple(r for i in self.images if not i.allowed for r in i.reasons)

    def to_dict(self) -> dict[str, Any]:
        """camelCase JSON for ``review``."""
        return {
            "semantics": "kritis",
            "allowed": self.allowed,
            "verdictAllowed": self.verdict_allowed,
            "breakglass": self.breakglass,
            "failedClosed": self.failed_closed,
            "message": self.message,
            "namespace": self.namespace,
            "genericAttestationPolicies": list(self.gap_names),
            "imageSecurityPolicies": list(self.isp_names),
            "images": [i.to_dict() for i in self.images],
        }

    def explain(self) -> str:
        """Words for people: the verdict, then each image's reasons."""
        head = "ALLOWED" if self.allowed else "DENIED"
        if self.breakglass:
            head += " by breakglass (kritis.grafeas.io/breakglass)"
            if not self.verdict_allowed:
                head += "; the policies would have denied it"
        lines = [f"{head} (Kritis semantics, namespace {self.namespace})"]
        if not self.images or not (self.gap_names or self.isp_names):
            lines.append(f"  {self.message}")
        for image in self.images:
            mark = "allowed" if image.allowed else "denied"
            lines.append(f"  {image.image}: {mark}")
            lines.extend(f"    - {r}" for r in image.reasons)
        return "\n".join(lines)
