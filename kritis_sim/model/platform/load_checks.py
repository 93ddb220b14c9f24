"""Validate one ``Check`` of a GKE platform policy and build its value.

The rules come from the ``binaryauthorization/v1`` field documentation (see
``docs/platform-policy.md``): exactly one check type per check, required
fields present and non-empty, enums not UNSPECIFIED, ``projects/[PROJECT_ID]``
lists of at most 10, PEM keys that load and match their algorithm, trusted
directory and source repository patterns in their documented grammar, CVE
lists as note IDs, ``maxUploadAgeDays`` a positive int32. Every failure is a
:class:`~kritis_sim.errors.PolicyError` naming file, line and field path.

This module does not evaluate checks; it does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Path
from kritis_sim.model._fields import type_name
from kritis_sim.model.platform._reader import Reader
from kritis_sim.model.platform.checks import (
    CHECK_TYPES,
    AlwaysDeny,
    AttestationAuthenticator,
    Check,
    CheckBody,
    ImageFreshnessCheck,
    Severity,
    SigstoreAuthority,
    SigstoreSignatureCheck,
    SimpleSigningAttestationCheck,
    SlsaCheck,
    TrustedBuilder,
    TrustedDirectoryCheck,
    VerificationRule,
    VulnerabilityCheck,
)
from kritis_sim.model.platform.patterns import SourceRepoPattern, TrustedDirPattern

__all__ = ["CheckReader"]

_CHECK_FIELDS = frozenset(
    {"displayName", "imageAllowlist", *(cls.FIELD for cls in CHECK_TYPES)}
)
_INT32_MAX = 2**31 - 1
#: A Container Analysis note ID such as ``CVE-2021-20305``.
_NOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class CheckReader(Reader):
    """Reads ``Check`` documents."""

    def check(self, value: Any, path: Path) -> Check:
        doc = self.f.mapping(value, path, known=_CHECK_FIELDS, what="a Check")
        kinds = [cls for cls in CHECK_TYPES if cls.FIELD in doc]
        always_deny = self.boolean(doc, AlwaysDeny.FIELD, path)
        if AlwaysDeny in kinds and not always_deny:
            kinds.remove(AlwaysDeny)  # false is the proto default: not set
        if len(kinds) != 1:
            names = ", ".join(cls.FIELD for cls in CHECK_TYPES)
            found = (
                "none"
                if not kinds
                else "both " + " and ".join(repr(cls.FIELD) for cls in kinds)
                if len(kinds) == 2
                else ", ".join(repr(cls.FIELD) for cls in kinds)
            )
            hint = (
                " ('alwaysDeny: false' sets nothing)"
                if not kinds and AlwaysDeny.FIELD in doc
                else ""
            )
            self.f.fail(
                path,
                f"a Check sets exactly one check type, found {found}{hint}; "
                f"expected one of {names}",
            )
        return Check(
            body=self.body(kinds[0], doc, path),
            display_name=self.f.optional_string(doc, "displayName", path),
            image_allowlist=self.allowlist(doc, path),
        )

    def body(
        self, cls: type[CheckBody], doc: Mapping[str, Any], path: Path
    ) -> CheckBody:
        if cls is AlwaysDeny:
            return AlwaysDeny()
        where: Path = (*path, cls.FIELD)
        value = doc[cls.FIELD]
        if cls is SimpleSigningAttestationCheck:
            return self.simple_signing(value, where)
        if cls is TrustedDirectoryCheck:
            return self.trusted_directory(value, where)
        if cls is ImageFreshnessCheck:
            return self.freshness(value, where)
        if cls is VulnerabilityCheck:
            return self.vulnerability(value, where)
        if cls is SlsaCheck:
            return self.slsa(value, where)
        return self.sigstore(value, where)

    def simple_signing(self, value: Any, path: Path) -> SimpleSigningAttestationCheck:
        doc = self.f.mapping(
            value,
            path,
            known={"attestationAuthenticators", "containerAnalysisAttestationProjects"},
            what="a SimpleSigningAttestationCheck",
        )
        return SimpleSigningAttestationCheck(
            attestation_authenticators=self.items(
                doc,
                path,
                "attestationAuthenticators",
                self.authenticator,
                required=True,
            ),
            container_analysis_attestation_projects=self.projects(
                doc, path, "containerAnalysisAttestationProjects"
            ),
        )

    def authenticator(self, value: Any, path: Path) -> AttestationAuthenticator:
        doc = self.f.mapping(
            value,
            path,
            known={"displayName", "pkixPublicKeySet"},
            what="an AttestationAuthenticator",
        )
        where: Path = (*path, "pkixPublicKeySet")
        key_set = self.f.mapping(
            self.field(doc, path, "pkixPublicKeySet"),
            where,
            known={"pkixPublicKeys"},
            what="a PkixPublicKeySet",
        )
        return AttestationAuthenticator(
            pkix_public_keys=self.items(
                key_set, where, "pkixPublicKeys", self.pkix_key, required=True
            ),
            display_name=self.f.optional_string(doc, "displayName", path),
        )

    def trusted_directory(self, value: Any, path: Path) -> TrustedDirectoryCheck:
        doc = self.f.mapping(
            value, path, known={"trustedDirPatterns"}, what="a TrustedDirectoryCheck"
        )
        return TrustedDirectoryCheck(
            self.items(
                doc,
                path,
                "trustedDirPatterns",
                lambda v, p: self.pattern(TrustedDirPattern, v, p),
                required=True,
            )
        )

    def freshness(self, value: Any, path: Path) -> ImageFreshnessCheck:
        doc = self.f.mapping(
            value, path, known={"maxUploadAgeDays"}, what="an ImageFreshnessCheck"
        )
        days = self.field(doc, path, "maxUploadAgeDays")
        where: Path = (*path, "maxUploadAgeDays")
        if isinstance(days, bool) or not isinstance(days, int):
            self.f.fail(
                where,
                f"expected a whole number of days, got {type_name(days)} {days!r}",
            )
        if not 0 < days <= _INT32_MAX:
            self.f.fail(
                where,
                f"expected a number of days greater than zero (int32), got {days}",
            )
        return ImageFreshnessCheck(days)

    def vulnerability(self, value: Any, path: Path) -> VulnerabilityCheck:
        doc = self.f.mapping(
            value,
            path,
            known={
                "allowedCves",
                "blockedCves",
                "containerAnalysisVulnerabilityProjects",
                "maximumFixableSeverity",
                "maximumUnfixableSeverity",
            },
            what="a VulnerabilityCheck",
        )
        fixable = self.enum(doc, path, "maximumFixableSeverity", Severity)
        unfixable = self.enum(doc, path, "maximumUnfixableSeverity", Severity)
        allowed = self.cves(doc, path, "allowedCves")
        blocked = self.cves(doc, path, "blockedCves")
        for i, cve in enumerate(blocked):
            if cve in allowed:
                self.f.fail(
                    (*path, "blockedCves", i),
                    f"{cve!r} is both allowed (allowedCves[{allowed.index(cve)}]) and "
                    "blocked; list it in one of them",
                )
        return VulnerabilityCheck(
            maximum_fixable_severity=fixable,
            maximum_unfixable_severity=unfixable,
            allowed_cves=allowed,
            blocked_cves=blocked,
            container_analysis_vulnerability_projects=self.projects(
                doc, path, "containerAnalysisVulnerabilityProjects"
            ),
        )

    def cves(self, doc: Mapping[str, Any], path: Path, key: str) -> tuple[str, ...]:
        seen: dict[str, int] = {}
        for i, cve in enumerate(self.items(doc, path, key, self.string)):
            where: Path = (*path, key, i)
            if "/notes/" in cve:
                self.f.fail(
                    where,
                    f"expected a note ID such as 'CVE-2021-20305', got the note name "
                    f"{cve!r}; list the ID only (it matches in every note project)",
                )
            if not _NOTE_ID.fullmatch(cve):
                self.f.fail(
                    where, f"expected a note ID such as 'CVE-2021-20305', got {cve!r}"
                )
            if cve in seen:
                self.f.fail(where, f"duplicate {cve!r} (already at index {seen[cve]})")
            seen[cve] = i
        return tuple(seen)

    def slsa(self, value: Any, path: Path) -> SlsaCheck:
        doc = self.f.mapping(value, path, known={"rules"}, what="a SlsaCheck")
        return SlsaCheck(self.items(doc, path, "rules", self.rule, required=True))

    def rule(self, value: Any, path: Path) -> VerificationRule:
        doc = self.f.mapping(
            value,
            path,
            known={
                "attestationSource",
                "configBasedBuildRequired",
                "customConstraints",
                "trustedBuilder",
                "trustedSourceRepoPatterns",
            },
            what="a VerificationRule",
        )
        projects: tuple[str, ...] | None = None
        if "attestationSource" in doc:
            where: Path = (*path, "attestationSource")
            source = self.f.mapping(
                doc["attestationSource"],
                where,
                known={"containerAnalysisAttestationProjects"},
                what="an AttestationSource",
            )
            projects = self.projects(
                source, where, "containerAnalysisAttestationProjects"
            )
        return VerificationRule(
            trusted_builder=self.enum(doc, path, "trustedBuilder", TrustedBuilder),
            attestation_projects=projects,
            config_based_build_required=self.boolean(
                doc, "configBasedBuildRequired", path
            ),
            trusted_source_repo_patterns=self.items(
                doc,
                path,
                "trustedSourceRepoPatterns",
                lambda v, p: self.pattern(SourceRepoPattern, v, p),
            ),
            custom_constraints=self.f.optional_string(doc, "customConstraints", path),
        )

    def sigstore(self, value: Any, path: Path) -> SigstoreSignatureCheck:
        doc = self.f.mapping(
            value, path, known={"sigstoreAuthorities"}, what="a SigstoreSignatureCheck"
        )
        return SigstoreSignatureCheck(
            self.items(doc, path, "sigstoreAuthorities", self.authority, required=True)
        )

    def authority(self, value: Any, path: Path) -> SigstoreAuthority:
        doc = self.f.mapping(
            value,
            path,
            known={"displayName", "publicKeySet"},
            what="a SigstoreAuthority",
        )
        where: Path = (*path, "publicKeySet")
        key_set = self.f.mapping(
            self.field(doc, path, "publicKeySet"),
            where,
            known={"publicKeys"},
            what="a SigstorePublicKeySet",
        )
        return SigstoreAuthority(
            public_keys_pem=self.items(
                key_set, where, "publicKeys", self.sigstore_key, required=True
            ),
            display_name=self.f.optional_string(doc, "displayName", path),
        )

    def sigstore_key(self, value: Any, path: Path) -> str:
        doc = self.f.mapping(
            value, path, known={"publicKeyPem"}, what="a SigstorePublicKey"
        )
        pem, _ = self.pem(
            self.field(doc, path, "publicKeyPem"), (*path, "publicKeyPem")
        )
        return pem
