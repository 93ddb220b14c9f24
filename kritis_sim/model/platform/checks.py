"""The checks of a GKE platform policy (``gkePolicy.checkSets[].checks[]``) as values.

One frozen dataclass per check type of ``binaryauthorization/v1`` (``Check``
sets exactly one of them), plus their parts: authenticators and PKIX keys,
Sigstore authorities, SLSA verification rules, and :class:`ImageAllowlist`.
Each has ``to_dict()`` writing the exact camelCase of the API; loading is
:mod:`kritis_sim.model.platform.load_checks`.

This module does not evaluate checks (that is :mod:`kritis_sim.core.platform`)
and validates nothing: values built with the constructors are trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from kritis_sim.model._fields import ProtoEnum
from kritis_sim.model.attestor import PkixPublicKey
from kritis_sim.model.patterns import Allowlist, NamePattern
from kritis_sim.model.platform.patterns import SourceRepoPattern, TrustedDirPattern

__all__ = [
    "AlwaysDeny",
    "AttestationAuthenticator",
    "Check",
    "CheckBody",
    "ImageAllowlist",
    "ImageFreshnessCheck",
    "Severity",
    "SigstoreAuthority",
    "SigstoreSignatureCheck",
    "SimpleSigningAttestationCheck",
    "SlsaCheck",
    "TrustedBuilder",
    "TrustedDirectoryCheck",
    "VerificationRule",
    "VulnerabilityCheck",
]


class Severity(ProtoEnum):
    """``VulnerabilityCheck.maximum{Fixable,Unfixable}Severity``."""

    MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED = "MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED"
    BLOCK_ALL = "BLOCK_ALL"
    MINIMAL = "MINIMAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"
    ALLOW_ALL = "ALLOW_ALL"


class TrustedBuilder(ProtoEnum):
    """``VerificationRule.trustedBuilder``."""

    BUILDER_UNSPECIFIED = "BUILDER_UNSPECIFIED"
    GOOGLE_CLOUD_BUILD = "GOOGLE_CLOUD_BUILD"


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``out[key]`` unless ``value`` is None or an empty tuple."""
    if value is None or value == ():
        return
    out[key] = list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class ImageAllowlist:
    """``ImageAllowlist``: images exempt by name (any pattern matching exempts)."""

    allow_pattern: tuple[NamePattern, ...]

    def compiled(self) -> Allowlist:
        """The patterns compiled for lookups (the project-policy matcher)."""
        return Allowlist(self.allow_pattern)

    def to_dict(self) -> dict[str, Any]:
        return {"allowPattern": [p.text for p in self.allow_pattern]}


@dataclass(frozen=True, slots=True)
class AlwaysDeny:
    """``alwaysDeny: true``: a check that always denies."""

    FIELD: ClassVar[str] = "alwaysDeny"
    TYPE: ClassVar[str] = "AlwaysDeny"

    def to_json(self) -> Any:
        return True


@dataclass(frozen=True, slots=True)
class AttestationAuthenticator:
    """One authenticator: PKIX keys, any of which may verify an attestation."""

    pkix_public_keys: tuple[PkixPublicKey, ...]
    display_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "displayName", self.display_name)
        out["pkixPublicKeySet"] = {
            "pkixPublicKeys": [k.to_dict() for k in self.pkix_public_keys]
        }
        return out


@dataclass(frozen=True, slots=True)
class SimpleSigningAttestationCheck:
    """``simpleSigningAttestationCheck``: a verified SimpleSigning attestation."""

    FIELD: ClassVar[str] = "simpleSigningAttestationCheck"
    TYPE: ClassVar[str] = "SimpleSigningAttestationCheck"

    attestation_authenticators: tuple[AttestationAuthenticator, ...]
    container_analysis_attestation_projects: tuple[str, ...] = ()

    def to_json(self) -> Any:
        out: dict[str, Any] = {
            "attestationAuthenticators": [
                a.to_dict() for a in self.attestation_authenticators
            ]
        }
        _put(
            out,
            "containerAnalysisAttestationProjects",
            self.container_analysis_attestation_projects,
        )
        return out


@dataclass(frozen=True, slots=True)
class TrustedDirectoryCheck:
    """``trustedDirectoryCheck``: the image lives in a trusted directory."""

    FIELD: ClassVar[str] = "trustedDirectoryCheck"
    TYPE: ClassVar[str] = "TrustedDirectoryCheck"

    trusted_dir_patterns: tuple[TrustedDirPattern, ...]

    def to_json(self) -> Any:
        return {"trustedDirPatterns": [p.text for p in self.trusted_dir_patterns]}


@dataclass(frozen=True, slots=True)
class ImageFreshnessCheck:
    """``imageFreshnessCheck``: uploaded at most ``max_upload_age_days`` ago."""

    FIELD: ClassVar[str] = "imageFreshnessCheck"
    TYPE: ClassVar[str] = "ImageFreshnessCheck"

    max_upload_age_days: int

    def to_json(self) -> Any:
        return {"maxUploadAgeDays": self.max_upload_age_days}


@dataclass(frozen=True, slots=True)
class VulnerabilityCheck:
    """``vulnerabilityCheck``: severity thresholds and CVE exceptions."""

    FIELD: ClassVar[str] = "vulnerabilityCheck"
    TYPE: ClassVar[str] = "VulnerabilityCheck"

    maximum_fixable_severity: Severity
    maximum_unfixable_severity: Severity
    allowed_cves: tuple[str, ...] = ()
    blocked_cves: tuple[str, ...] = ()
    container_analysis_vulnerability_projects: tuple[str, ...] = ()

    def to_json(self) -> Any:
        out: dict[str, Any] = {}
        _put(out, "allowedCves", self.allowed_cves)
        _put(out, "blockedCves", self.blocked_cves)
        _put(
            out,
            "containerAnalysisVulnerabilityProjects",
            self.container_analysis_vulnerability_projects,
        )
        out["maximumFixableSeverity"] = self.maximum_fixable_severity.value
        out["maximumUnfixableSeverity"] = self.maximum_unfixable_severity.value
        return out


@dataclass(frozen=True, slots=True)
class VerificationRule:
    """``slsaCheck.rules[]``: provenance from one trusted builder."""

    trusted_builder: TrustedBuilder
    attestation_projects: tuple[str, ...] | None = None
    config_based_build_required: bool = False
    trusted_source_repo_patterns: tuple[SourceRepoPattern, ...] = ()
    custom_constraints: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.attestation_projects is not None:
            source: dict[str, Any] = {}
            _put(
                source,
                "containerAnalysisAttestationProjects",
                self.attestation_projects,
            )
            out["attestationSource"] = source
        if self.config_based_build_required:
            out["configBasedBuildRequired"] = True
        _put(out, "customConstraints", self.custom_constraints)
        out["trustedBuilder"] = self.trusted_builder.value
        _put(
            out,
            "trustedSourceRepoPatterns",
            tuple(p.text for p in self.trusted_source_repo_patterns),
        )
        return out


@dataclass(frozen=True, slots=True)
class SlsaCheck:
    """``slsaCheck``: a verified SLSA provenance under one of the rules."""

    FIELD: ClassVar[str] = "slsaCheck"
    TYPE: ClassVar[str] = "SlsaCheck"

    rules: tuple[VerificationRule, ...]

    def to_json(self) -> Any:
        return {"rules": [r.to_dict() for r in self.rules]}


@dataclass(frozen=True, slots=True)
class SigstoreAuthority:
    """One Sigstore authority: PEM public keys (any may verify)."""

    public_keys_pem: tuple[str, ...]
    display_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "displayName", self.display_name)
        out["publicKeySet"] = {
            "publicKeys": [{"publicKeyPem": pem} for pem in self.public_keys_pem]
        }
        return out


@dataclass(frozen=True, slots=True)
class SigstoreSignatureCheck:
    """``sigstoreSignatureCheck``: a Cosign signature by a trusted key."""

    FIELD: ClassVar[str] = "sigstoreSignatureCheck"
    TYPE: ClassVar[str] = "SigstoreSignatureCheck"

    sigstore_authorities: tuple[SigstoreAuthority, ...]

    def to_json(self) -> Any:
        return {"sigstoreAuthorities": [a.to_dict() for a in self.sigstore_authorities]}


CheckBody = (
    AlwaysDeny
    | SimpleSigningAttestationCheck
    | TrustedDirectoryCheck
    | ImageFreshnessCheck
    | VulnerabilityCheck
    | SlsaCheck
    | SigstoreSignatureCheck
)

#: JSON key of each check type, in the API's field order.
CHECK_TYPES: tuple[type[CheckBody], ...] = (
    AlwaysDeny,
    ImageFreshnessCheck,
    SigstoreSignatureCheck,
    SimpleSigningAttestationCheck,
    SlsaCheck,
    TrustedDirectoryCheck,
    VulnerabilityCheck,
)


@dataclass(frozen=True, slots=True)
class Check:
    """One ``Check``: exactly one check type, an optional name and allowlist.

    Attributes:
        body: the check type and its settings.
        display_name: shown in results only.
        image_allowlist: images for which this check is not evaluated.
    """

    body: CheckBody
    display_name: str | None = None
    image_allowlist: ImageAllowlist | None = None

    @property
    def type(self) -> str:
        """The result ``type`` string (``TrustedDirectoryCheck``, ...)."""
        return self.body.TYPE

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.body.FIELD: self.body.to_json()}
        _put(out, "displayName", self.display_name)
        if self.image_allowlist is not None:
            out["imageAllowlist"] = self.image_allowlist.to_dict()
        return dict(sorted(out.items()))
