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
  reason itself, kind ``kritis``. Reasons of what passed are left out;
* last, ``allowlist``: the exemption in Kritis' own terms
  (:func:`exemption`): a GenericAttestationPolicy ``namePattern`` naming
  exactly the image's repository as written (:func:`kritis_pattern`) when
  the GAPs deny it, and the image string itself in the ``imageAllowlist`` of
  each ImageSecurityPolicy that denies it. Offered only when those entries
  together admit the image: never for a tag-only image (deploy by digest,
  as the classic fixes say), nor when an ISP names a missing authority
  (which no allowlist lifts).
"""

from __future__ import annotations

import json
import shlex

from kritis_sim.core.kritis.decision import KritisDecision, KritisImage
from kritis_sim.core.kritis.vulnerabilities import ViolationType
from kritis_sim.errors import ImageRefError
from kritis_sim.model.fix import Fix
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.kritis.resources import KritisResources

__all__ = ["exemption", "image_fixes", "kritis_fixes", "kritis_pattern"]


def kritis_fixes(
    decision: KritisDecision, resources: KritisResources | None = None
) -> tuple[Fix, ...]:
    """Every fix for every image Kritis' policies deny (``resources``: the
    policies judged, for ready ``kubectl patch`` lines)."""
    out: list[Fix] = []
    for image in decision.images:
        if not image.allowed:
            out.extend(image_fixes(image, decision, resources))
    return tuple(out)


def kritis_pattern(image: str) -> str | None:
    """A GAP ``namePattern`` matching ``image`` and nothing outside its
    repository, in Kritis' dialect (the raw image string; a trailing ``*``
    that does not cross ``/``): ``REPO@*`` for an image written with a
    digest, ``REPO:*`` for one written with a tag and a digest, where REPO
    is the repository exactly as written. None for a tag-only image or one
    that does not parse."""
    try:
        ref = ImageRef.parse(image)
    except ImageRefError:
        return None
    if not ref.has_sha256_digest:
        return None
    head = image.rpartition("@")[0]
    if ref.tag is not None:
        head = head.rpartition(":")[0]
        return f"{head}:*"
    return f"{head}@*"


def _patch(kind: str, name: str, namespace: str, spec: dict[str, object]) -> str:
    body = json.dumps({"spec": spec}, separators=(",", ":"))
    return (
        f"kubectl -n {shlex.quote(namespace)} patch {kind}.kritis.grafeas.io "
        f"{shlex.quote(name)} --type=merge -p {shlex.quote(body)}"
    )


def exemption(
    image: KritisImage, decision: KritisDecision, resources: KritisResources | None
) -> Fix | None:
    """The allowlist entries that would admit ``image`` (see the module doc),
    or None when none would."""
    if image.unliftable or not (image.gap_denied or image.isps_denied):
        return None
    pattern = kritis_pattern(image.image)
    if pattern is None:
        return None
    ns = decision.namespace
    parts: list[str] = []
    commands: list[str] = []
    if image.gap_denied and decision.gap_names:
        gap_name = decision.gap_names[0]
        parts.append(
            f"add namePattern {pattern!r} to GenericAttestationPolicy {gap_name}'s "
            "admissionAllowlistPatterns (a pattern of any GAP of namespace "
            f"{ns} counts; Kritis matches the image string as written, so it "
            "exempts this repository only)"
        )
        gaps = {g.name: g for g in resources.gaps(ns)} if resources else {}
        gap = gaps.get(gap_name)
        if gap is not None:
            entries = [{"namePattern": p} for p in (*gap.name_patterns, pattern)]
            commands.append(
                _patch(
                    "genericattestationpolicy", gap_name, ns,
                    {"admissionAllowlistPatterns": entries},
                )
            )  # fmt: skip
    isps = {i.name: i for i in resources.isps(ns)} if resources else {}
    for isp_name in image.isps_denied:
        parts.append(
            f"add {image.image!r} to ImageSecurityPolicy {isp_name}'s imageAllowlist "
            "(exact string equality: this image only)"
        )
        isp = isps.get(isp_name)
        if isp is not None:
            listed = sorted({*isp.image_allowlist, image.image})
            commands.append(
                _patch("imagesecuritypolicy", isp_name, ns, {"imageAllowlist": listed})
            )
    return Fix(
        image.image,
        "allowlist",
        "or exempt it: " + "; and ".join(parts),
        pattern=pattern if image.gap_denied else image.image,
        commands=tuple(commands),
    )


def image_fixes(
    image: KritisImage, decision: KritisDecision, resources: KritisResources | None
) -> list[Fix]:
    """The fixes of one denied image, the exemption last."""
    out: list[Fix] = []
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
    allow = exemption(image, decision, resources)
    if allow is not None:
        out.append(allow)
    return out


#: How the reasons of what passed begin.
_PASSED = ("allowlisted by ", "attested by ", "on Kritis' built-in global allowlist")
