"""Decide as Kritis admission does (``admission.go``, ``review.go``).

:func:`decide_kritis` judges one :class:`KritisObject` against the Kritis
resources of **its namespace only**:

1. breakglass annotation -> admitted (what the policies say is kept);
2. images on the built-in global allowlist (matched by repository, any tag
   or digest) are not reviewed;
3. the namespace's GenericAttestationPolicies, if any: an image passes when a
   ``namePattern`` of any GAP matches (Kritis' dialect: exact, or a trailing
   ``*`` that does not cross ``/``), or when **all** authorities of **any one**
   GAP attest it (a PGP attestation verified by :mod:`kritis_sim.crypto.pgp`,
   its payload naming the image's digest and repository; a tag never attests);
4. the namespace's ImageSecurityPolicies, if any: an image attested by the
   ISP's ``attestationAuthorityName`` skips the vulnerability check (Kritis'
   decision cache); otherwise its violations deny
   (:mod:`kritis_sim.core.kritis.vulnerabilities`);
5. both must pass; no policy at all admits.

A store that cannot be read denies the images it concerns and marks the
decision failed closed. Not Kritis' bugs (``kritis-behaviour.md`` section 6, ``docs/kritis.md``): both
GAP and ISP denials are reported; an AA that names a missing authority or a
PKIX-only authority denies with a reason rather than an opaque error. The
owner-reference short-cut is not modelled (a full review is what Kritis does
when it cannot fetch the owner). Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from kritis_sim.core.attestations import check_attestor, fetch_occurrences
from kritis_sim.core.kritis.decision import KritisDecision, KritisImage
from kritis_sim.core.kritis.objects import KritisObject
from kritis_sim.core.kritis.vulnerabilities import (
    Violation,
    VulnerabilitySource,
    image_violations,
)
from kritis_sim.core.source import AttestationSource
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import GrafeasError, ImageRefError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.kritis.resources import (
    AttestationAuthority,
    GenericAttestationPolicy,
    KritisResources,
)

__all__ = [
    "GLOBAL_ALLOWLIST",
    "decide_kritis",
    "globally_allowlisted",
    "pattern_matches",
]

#: ``constants.GlobalImageAllowlist``: repositories Kritis never reviews.
GLOBAL_ALLOWLIST = frozenset(
    {
        "gcr.io/kritis-project/kritis-server",
        "gcr.io/kritis-project/preinstall",
        "gcr.io/kritis-project/postinstall",
        "gcr.io/kritis-project/predelete",
        "us.gcr.io/grafeas/grafeas-server",
    }
)


@functools.lru_cache(maxsize=8192)
def _ref(image: str) -> ImageRef | None:
    try:
        return ImageRef.parse(image)
    except ImageRefError:
        return None


#: Resource URLs of a parsed image (memoised: every decision needs them).
_urls = functools.lru_cache(maxsize=8192)(ImageRef.resource_urls)
#: An AA as an attestor over its PGP keys (memoised: resources are
#: configuration, and the attestations core memoises judgements per attestor).
_attestor = functools.lru_cache(maxsize=1024)(AttestationAuthority.as_attestor)


def globally_allowlisted(image: str) -> bool:
    """The image's repository is on :data:`GLOBAL_ALLOWLIST` (any tag/digest)."""
    ref = _ref(image)
    return ref is not None and ref.name in GLOBAL_ALLOWLIST


def pattern_matches(pattern: str, image: str) -> bool:
    """Kritis' ``imageNamePatternMatch`` on the raw image string: a trailing
    ``*`` is a prefix that may not cross a ``/``; anything else is exact."""
    if pattern.endswith("*"):
        prefix = pattern[:-1]
        return image.startswith(prefix) and image.rfind("/") < len(prefix)
    return pattern == image


class _Attestations:
    """Which authorities attest which image (memoised per decision)."""

    def __init__(
        self, source: AttestationSource, now: datetime, cache: VerificationCache | None
    ) -> None:
        self.source, self.now, self.cache = source, now, cache
        self.failed = False  # a store read failed: the decision fails closed
        self.memo: dict[tuple[str, str, str], str | None] = {}

    def failure(self, aa: AttestationAuthority, image: str) -> str | None:
        """None when ``aa`` attests ``image``, else why not."""
        key = (aa.namespace, aa.name, image)
        if key not in self.memo:
            self.memo[key] = self._failure(aa, image)
        return self.memo[key]

    def _failure(self, aa: AttestationAuthority, image: str) -> str | None:
        ref = _ref(image)
        if ref is None or not ref.has_sha256_digest:
            return (
                f"{image} is not a digest; Kritis cannot verify attestations of a tag"
            )
        attestor = _attestor(aa)
        if not attestor.public_keys:
            return f'Unable to find any valid keys for "{aa.name}" (Kritis uses PGP keys only)'
        try:
            occurrences = fetch_occurrences(
                self.source, ref, aa.note_reference, _urls(ref)
            )
        except GrafeasError as exc:
            self.failed = True
            return f"could not read attestations of {aa.note_reference}: {exc}"
        outcome = check_attestor(
            attestor,
            ref,
            occurrences,
            now=self.now,
            max_age=None,
            check_docker_reference=True,
            cache=self.cache,
        )
        return None if outcome.satisfied else outcome.detail


def _quoted(names: Sequence[str]) -> str:
    return "[" + " ".join(f'"{n}"' for n in names) + "]"


class _Review:
    def __init__(
        self,
        resources: KritisResources,
        obj: KritisObject,
        atts: _Attestations,
        vulns: VulnerabilitySource,
    ) -> None:
        self.r, self.obj, self.atts, self.vulns = resources, obj, atts, vulns
        self.reasons: dict[str, list[str]] = {i: [] for i in obj.images}
        self.denied: set[str] = set()
        self.violations: dict[str, list[Violation]] = {i: [] for i in obj.images}
        self.failed = False
        self.gap_denied: set[str] = set()
        self.isps_denied: dict[str, list[str]] = {i: [] for i in obj.images}
        self.unliftable: set[str] = set()

    def deny(self, image: str, reason: str) -> None:
        self.denied.add(image)
        self.reasons[image].append(reason)

    def missing(self, gap: GenericAttestationPolicy, image: str) -> list[str]:
        """AAs of ``gap`` that do not attest ``image`` (recording why)."""
        out = []
        for name in gap.attestation_authority_names:
            aa = self.r.authority(self.obj.namespace, name)
            why = (
                f"Error getting attestors: attestation authority {name!r} not found "
                f"in namespace {self.obj.namespace}"
                if aa is None
                else self.atts.failure(aa, image)
            )
            if why is not None:
                out.append(name)
                self.reasons[image].append(f"gap {gap.name}: {name}: {why}")
        return out

    def gaps(self, images: list[str]) -> str:
        gaps = self.r.gaps(self.obj.namespace)
        patterns = [p for g in gaps for p in g.name_patterns]
        lines = []
        for image in images:
            pattern = next((p for p in patterns if pattern_matches(p, image)), None)
            if pattern is not None:
                self.reasons[image].append(
                    f"allowlisted by GAP namePattern {pattern!r}"
                )
                continue
            before = len(self.reasons[image])
            missing = {g.name: self.missing(g, image) for g in gaps}
            ok = [g for g, m in missing.items() if not m]
            if ok:
                del self.reasons[image][before:]  # the other GAPs' misses
                self.reasons[image].append(
                    f"attested by every authority of GAP {ok[0]}"
                )
                continue
            self.denied.add(image)
            self.gap_denied.add(image)
            lines.append(f"- image {image} is not attested by")
            lines.extend(f"  - {_quoted(m)} in gap {g}" for g, m in missing.items())
        if not lines:
            return ""
        count = sum(1 for line in lines if line.startswith("- image"))
        head = f"{count} images are not attested by all authorities in any GAP policy:"
        return "\n".join([head, *lines])

    def isps(self, images: list[str]) -> str:
        first = ""
        for isp in self.r.isps(self.obj.namespace):
            for image in images:
                if isp.attestation_authority_name:
                    aa = self.r.authority(
                        self.obj.namespace, isp.attestation_authority_name
                    )
                    if aa is None:
                        msg = (
                            f"error getting attestors: attestation authority "
                            f"{isp.attestation_authority_name!r} of ISP {isp.name} not "
                            f"found in namespace {self.obj.namespace}"
                        )
                        self.deny(image, msg)
                        self.unliftable.add(image)
                        first = first or msg
                        continue
                    if self.atts.failure(aa, image) is None:
                        self.reasons[image].append(
                            f"ISP {isp.name}: attested by {aa.name}; vulnerability check skipped"
                        )
                        continue
                try:
                    found = image_violations(isp, image, self.vulns)
                except GrafeasError as exc:
                    msg = f"could not read the vulnerabilities of {image}: {exc}"
                    self.failed = True
                    self.deny(image, f"ISP {isp.name}: {msg}")
                    self.isps_denied[image].append(isp.name)
                    first = first or msg
                    continue
                if found:
                    self.isps_denied[image].append(isp.name)
                self.violations[image].extend(found)
                for v in found:
                    self.deny(image, f"ISP {isp.name}: {v.reason}")
                if found and not first:
                    first = (
                        found[0].reason
                        if found[0].type.name == "UNQUALIFIED_IMAGE"
                        else f"found violations in {image}"
                    )
        return first


def decide_kritis(
    resources: KritisResources,
    obj: KritisObject,
    attestations: AttestationSource,
    vulnerabilities: VulnerabilitySource,
    *,
    now: datetime,
    cache: VerificationCache | None = None,
) -> KritisDecision:
    """Kritis' verdict on ``obj`` (see the module doc)."""
    ns = obj.namespace
    gaps, isps = resources.gaps(ns), resources.isps(ns)
    review = _Review(
        resources, obj, _Attestations(attestations, now, cache), vulnerabilities
    )
    reviewed = []
    for image in dict.fromkeys(obj.images):
        if globally_allowlisted(image):
            review.reasons[image].append("on Kritis' built-in global allowlist")
        else:
            reviewed.append(image)
    messages = []
    if gaps:
        messages.append(review.gaps(reviewed))
    if isps:
        messages.append(review.isps(reviewed))
    verdict = not review.denied
    if not gaps and not isps:
        message = f"no GenericAttestationPolicy or ImageSecurityPolicy in namespace {ns}: admitted"
    else:
        message = "\n".join(m for m in messages if m) or "Successfully admitted."
    images = tuple(
        KritisImage(
            image,
            image not in review.denied,
            tuple(review.reasons[image]),
            globally_allowlisted(image),
            tuple(review.violations[image]),
            gap_denied=image in review.gap_denied,
            isps_denied=tuple(dict.fromkeys(review.isps_denied[image])),
            unliftable=image in review.unliftable,
        )
        for image in obj.images
    )
    return KritisDecision(
        failed_closed=review.failed or review.atts.failed,
        allowed=verdict or obj.breakglass,
        verdict_allowed=verdict,
        message=message,
        namespace=ns,
        breakglass=obj.breakglass,
        images=images,
        gap_names=tuple(g.name for g in gaps),
        isp_names=tuple(i.name for i in isps),
    )
