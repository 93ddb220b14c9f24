"""Fixes for images a platform policy denied: which check, and what to change.

Reads the ``EvaluateGkePolicyResponse`` a platform decision carries in
``Decision.detail`` and returns one ``platform-check`` :class:`Fix` per check
that did not conform, saying what would make it conform:

* ``SimpleSigningAttestationCheck`` / ``SigstoreSignatureCheck``: the
  attestation or signature is missing or does not verify: create it with a key
  the check's attestors accept (``kritis-sim sign``);
* ``SlsaCheck``: build provenance from a trusted builder and source repository;
* ``VulnerabilityCheck``: rebuild on a patched base, or list the CVE ids under
  ``allowedCves`` / raise ``maximumFixableSeverity`` /
  ``maximumUnfixableSeverity`` (named, never done for you);
* ``ImageFreshnessCheck``: rebuild and push (or raise
  ``maxUploadAgeDays``);
* ``TrustedDirectoryCheck``: push the image under one of
  ``trustedDirPatterns``;
* an ERROR verdict: the input the check needed (scan, upload time, roots
  of trust) was missing; the fix says which.

Pure; the allowlist alternative is added by :mod:`kritis_sim.core.fixes`.
"""

from __future__ import annotations

from typing import Any

from kritis_sim.core.fix_commands import project_attest_commands
from kritis_sim.core.platform.signing import key_id
from kritis_sim.errors import ImageRefError
from kritis_sim.model.attestor import AttestorPublicKey
from kritis_sim.model.decision import ImageVerdict
from kritis_sim.model.fix import Fix
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.platform.checks import SimpleSigningAttestationCheck
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import (
    CheckResult,
    CheckSetResult,
    EvaluateGkePolicyResponse,
    ImageResult,
    Verdict,
)

__all__ = ["platform_fixes"]

#: What to change, per check type.
_ADVICE = {
    "SimpleSigningAttestationCheck": (
        "create the attestation by one of the check's attestors, signed with a "
        "key it accepts (kritis-sim sign --image IMAGE@sha256:... --key "
        "PRIVATE_KEY.pem --note NOTE --key-id KEY_ID)"
    ),
    "SigstoreSignatureCheck": (
        "sign the image with a key the check's sigstore authorities accept "
        "(cosign sign --key KEY IMAGE@sha256:...)"
    ),
    "SlsaCheck": (
        "build the image with a trusted builder from a trusted source "
        "repository so SLSA provenance is attached (kritis-sim provenance)"
    ),
    "VulnerabilityCheck": (
        "rebuild on a patched base image, or list the CVE ids under "
        "allowedCves / raise maximumFixableSeverity or maximumUnfixableSeverity"
    ),
    "ImageFreshnessCheck": ("rebuild and push the image (or raise maxUploadAgeDays)"),
    "TrustedDirectoryCheck": (
        "push the image under one of the check's trustedDirPatterns "
        "(or add its directory there)"
    ),
}

#: What the check needed when it could not be evaluated (ERROR), per type.
_ERROR_ADVICE = {
    "VulnerabilityCheck": (
        "record a vulnerability scan of the image: DISCOVERY and VULNERABILITY "
        "occurrences (kritis-sim vulns --image IMAGE@sha256:... REPORT.json)"
    ),
    "ImageFreshnessCheck": ("supply the image's upload time (--image-metadata FILE)"),
    "SlsaCheck": (
        "configure the builder's roots of trust (--trusted-builders FILE) and "
        "attach its provenance"
    ),
}
_ERROR = "the check could not be evaluated; supply what it needs and retry"


def _result(verdict: ImageVerdict, detail: Any) -> ImageResult | None:
    if not isinstance(detail, EvaluateGkePolicyResponse):
        return None
    for pod in detail.results:
        for result in pod.image_results:
            if (
                result.image_uri == verdict.image
                and result.verdict is not Verdict.CONFORMANT
            ):
                return result
    return None


def _signing(
    policy: PlatformPolicy | None, cs: CheckSetResult, check: CheckResult
) -> SimpleSigningAttestationCheck | None:
    gke = None if policy is None else policy.gke_policy
    if gke is None or not 0 <= cs.index < len(gke.check_sets):
        return None
    checks = gke.check_sets[cs.index].checks
    if not 0 <= check.index < len(checks):
        return None
    body = checks[check.index].body
    return body if isinstance(body, SimpleSigningAttestationCheck) else None


def _attest(
    image: str, where: str, why: str, body: SimpleSigningAttestationCheck
) -> Fix | None:
    """The ``attest`` fix of a simpleSigningAttestationCheck: its key ids and,
    for its first project, the commands per key."""
    try:
        ref = ImageRef.parse(image)
    except ImageRefError:
        return None
    keys = [k for a in body.attestation_authenticators for k in a.pkix_public_keys]
    ids = tuple(dict.fromkeys(key_id(k) for k in keys))
    projects = body.container_analysis_attestation_projects
    commands: list[str] = []
    if projects and ref.has_sha256_digest:
        for key in keys:
            public = AttestorPublicKey(key_id(key), pkix_public_key=key)
            commands.extend(project_attest_commands(projects[0], public, ref))
    return Fix(
        image,
        "attest",
        f"{where} ({why}): create an ATTESTATION occurrence in "
        f"{', '.join(projects) or 'a containerAnalysisAttestationProjects project'} "
        "signed with one of the check's keys",
        check=where,
        note=None,
        accepted_key_ids=ids,
        commands=tuple(commands),
    )


def platform_fixes(
    verdict: ImageVerdict, detail: Any, policy: PlatformPolicy | None = None
) -> tuple[Fix, ...]:
    """One fix per non-conformant check of ``verdict``'s image (``policy``:
    the platform policy judged, for the keys of attestation checks)."""
    result = _result(verdict, detail)
    cs = None if result is None else result.check_set_result
    if cs is None:
        return (Fix(verdict.image, "platform-check", verdict.reason),)
    out: list[Fix] = []
    for check in cs.check_results:
        if check.verdict is Verdict.CONFORMANT:
            continue
        named = f" {check.display_name!r}" if check.display_name else ""
        where = f"check {check.index} {check.type}{named}"
        body = _signing(policy, cs, check)
        if body is not None and check.verdict is Verdict.NON_CONFORMANT:
            fix = _attest(verdict.image, where, check.verdict.value, body)
            if fix is not None:
                out.append(fix)
                continue
        advice = (
            _ERROR_ADVICE.get(check.type, _ERROR)
            if check.verdict is Verdict.ERROR
            else _ADVICE.get(check.type, "change the image or the check")
        )
        out.append(
            Fix(
                verdict.image,
                "platform-check",
                f"{where} ({check.verdict.value}): {advice}",
                check=where,
            )
        )
    return tuple(out) or (Fix(verdict.image, "platform-check", verdict.reason),)
