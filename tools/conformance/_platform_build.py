"""Vocabulary of the platform-policy case table: images, occurrences, the policy.

One platform policy (:data:`POLICY`) serves almost every platform case: each
check under test has a check set scoped to a namespace of its own, so all
those cases share one enforcer configuration (one ``setup``). Every image is
``us-docker.pkg.dev/conf-proj/<dir>/<name>@@label`` (``@@label``: a digest
derived from the case name and label, so cases never see each other's
occurrences); its Artifact Registry project is ``projects/conf-proj``, where
vulnerabilityCheck, slsaCheck and simpleSigningAttestationCheck read by
default. Keys are deterministic (Ed25519 for provenance, ECDSA P-256 with RFC
6979 nonces for attestations), so regeneration is byte-stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from _build import TIME, resolve
from _keys import deterministic_key, sign_deterministic
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kritis_sim.crypto.keys import default_key_id, public_key_pem
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.attestor import SignatureAlgorithm as Alg
from kritis_sim.model.occurrence import encode_bytes, format_timestamp
from kritis_sim.producers.provenance import load_signer, make_provenance

REG = "us-docker.pkg.dev/conf-proj"
PROJECT = "projects/conf-proj"
SCAN_PROJECT = "projects/scan-proj"
POLICY_NAME = "projects/conformance/platforms/gke/policies/checks"
BUILDER_ID = "https://cloudbuild.googleapis.com/GoogleHostedWorker"
REPO = "https://github.com/conf-org/app"
FRESH_DAYS = 30


def _ed25519(label: str) -> ed25519.Ed25519PrivateKey:
    seed = hashlib.sha256(f"kritis-sim conformance/{label}".encode()).digest()
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def _ed25519_pem(label: str, private: bool) -> str:
    key = _ed25519(label)
    if private:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )


SIGNER = deterministic_key(Alg.ECDSA_P256_SHA256, "platform-signer")
ROGUE_SIGNER = deterministic_key(Alg.ECDSA_P256_SHA256, "platform-rogue")


def trusted_builders() -> list[dict[str, Any]]:
    return [
        {
            "trustedBuilder": "GOOGLE_CLOUD_BUILD",
            "publicKeys": [{"publicKeyPem": _ed25519_pem("builder", private=False)}],
        }
    ]


def vuln_check(fixable: str, unfixable: str, **extra: Any) -> dict[str, Any]:
    return {
        "vulnerabilityCheck": {
            "maximumFixableSeverity": fixable,
            "maximumUnfixableSeverity": unfixable,
            **extra,
        }
    }


def _ns(namespace: str, *checks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "displayName": namespace,
        "scope": {"kubernetesNamespace": namespace},
        **extra,
        "checks": list(checks),
    }


def _sa(account: str, *checks: dict[str, Any]) -> dict[str, Any]:
    return {
        "displayName": account,
        "scope": {"kubernetesServiceAccount": account},
        "checks": list(checks),
    }


def _tdir(*patterns: str, **extra: Any) -> dict[str, Any]:
    return {"trustedDirectoryCheck": {"trustedDirPatterns": list(patterns)}, **extra}


SIGNING = {
    "simpleSigningAttestationCheck": {
        "attestationAuthenticators": [
            {
                "displayName": "release signer",
                "pkixPublicKeySet": {
                    "pkixPublicKeys": [
                        {
                            "publicKeyPem": public_key_pem(SIGNER),
                            "signatureAlgorithm": "ECDSA_P256_SHA256",
                        }
                    ]
                },
            }
        ],
        "containerAnalysisAttestationProjects": [PROJECT],
    }
}


def _slsa(config_based: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "trustedBuilder": "GOOGLE_CLOUD_BUILD",
        "trustedSourceRepoPatterns": ["github.com/conf-org/app"],
    }
    if config_based:
        rule["configBasedBuildRequired"] = True
    return {"slsaCheck": {"rules": [rule]}}


#: The shared policy: SA scopes first, then namespaces, then the catch-all.
POLICY: dict[str, Any] = {
    "name": POLICY_NAME,
    "gkePolicy": {
        "imageAllowlist": {"allowPattern": [f"{REG}/golden/**"]},
        "checkSets": [
            _sa("scope:deployer", _tdir(f"{REG}/sa-dir")),
            _ns("scope", _tdir(f"{REG}/ns-dir")),
            _ns("always-deny", {"alwaysDeny": True}),
            _ns(
                "set-allowlist",
                {"alwaysDeny": True},
                imageAllowlist={"allowPattern": [f"{REG}/set-list/*"]},
            ),
            _ns(
                "check-allowlist",
                {
                    "alwaysDeny": True,
                    "imageAllowlist": {"allowPattern": [f"{REG}/check-list/**"]},
                },
                _tdir(f"{REG}/check-list", f"{REG}/other"),
            ),
            _ns("vuln-high", vuln_check("HIGH", "HIGH")),
            _ns("vuln-minimal", vuln_check("MINIMAL", "MINIMAL")),
            _ns("vuln-block", vuln_check("BLOCK_ALL", "ALLOW_ALL")),
            _ns("vuln-unfixable", vuln_check("ALLOW_ALL", "MEDIUM")),
            _ns(
                "vuln-cves",
                vuln_check(
                    "LOW",
                    "LOW",
                    allowedCves=["CVE-2024-1001"],
                    blockedCves=["CVE-2024-1002"],
                ),
            ),
            _ns(
                "vuln-project",
                vuln_check(
                    "HIGH",
                    "HIGH",
                    containerAnalysisVulnerabilityProjects=[SCAN_PROJECT],
                ),
            ),
            _ns("fresh", {"imageFreshnessCheck": {"maxUploadAgeDays": FRESH_DAYS}}),
            _ns("tdir", _tdir(f"{REG}/prod", f"{REG}/team/*", f"{REG}/deep/**")),
            _ns("slsa", _slsa(False)),
            _ns("slsa-config", _slsa(True)),
            _ns("signing", SIGNING),
            _ns("precedence", _tdir(f"{REG}/prec-ok"), vuln_check("HIGH", "HIGH")),
            {"displayName": "catch-all", "checks": [_tdir(f"{REG}/default-dir")]},
        ],
    },
}

#: A policy without check sets: every image is allowed ("always allow").
EMPTY_POLICY: dict[str, Any] = {
    "name": "projects/conformance/platforms/gke/policies/empty",
    "gkePolicy": {},
}


# ---- occurrences -----------------------------------------------------------


@dataclass(frozen=True)
class Vuln:
    """A VULNERABILITY occurrence for ``image``."""

    image: str
    cve: str = "CVE-2024-0001"
    severity: str | None = "HIGH"
    effective: str | None = None
    fixable: bool = True
    project: str = PROJECT

    def occurrence(self, case: str, n: int) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "fixAvailable": self.fixable,
            "shortDescription": self.cve,
            "packageIssue": [
                {
                    "affectedCpeUri": "cpe:/o:debian:debian_linux:12",
                    "affectedPackage": "libexample",
                    "affectedVersion": {"name": "1.0", "kind": "NORMAL"},
                    "fixAvailable": self.fixable,
                }
            ],
        }
        if self.severity is not None:
            detail["severity"] = self.severity
        if self.effective is not None:
            detail["effectiveSeverity"] = self.effective
        stamp = format_timestamp(TIME - timedelta(hours=2))
        return {
            "name": f"{self.project}/occurrences/{case}-v{n}",
            "resourceUri": "https://" + resolve(case, self.image),
            "noteName": f"projects/goog-vulnz/notes/{self.cve}",
            "kind": "VULNERABILITY",
            "createTime": stamp,
            "updateTime": stamp,
            "vulnerability": detail,
        }


@dataclass(frozen=True)
class Scan:
    """A DISCOVERY occurrence (the vulnerability scan) for ``image``."""

    image: str
    status: str = "FINISHED_SUCCESS"
    archived: timedelta | None = None  # archiveTime relative to the case time
    project: str = PROJECT

    def occurrence(self, case: str, n: int) -> dict[str, Any]:
        stamp = format_timestamp(TIME - timedelta(hours=3))
        detail: dict[str, Any] = {
            "continuousAnalysis": "ACTIVE",
            "analysisStatus": self.status,
            "lastScanTime": stamp,
        }
        if self.archived is not None:
            detail["archiveTime"] = format_timestamp(TIME + self.archived)
        return {
            "name": f"{self.project}/occurrences/{case}-d{n}",
            "resourceUri": "https://" + resolve(case, self.image),
            "noteName": "projects/goog-analysis/notes/PACKAGE_VULNERABILITY",
            "kind": "DISCOVERY",
            "createTime": stamp,
            "updateTime": stamp,
            "discovery": detail,
        }


@dataclass(frozen=True)
class Build:
    """A BUILD occurrence with DSSE-signed SLSA v1 provenance for ``image``."""

    image: str
    repo: str = REPO
    builder: str = BUILDER_ID
    key: str = "builder"  # Ed25519 key label
    subject: str | None = None  # the provenance names this image instead
    config_based: bool = False

    def occurrence(self, case: str, n: int) -> dict[str, Any]:
        signer = load_signer(_ed25519_pem(self.key, private=True))
        subject = resolve(case, self.subject or self.image)
        build = make_provenance(
            subject,
            source_repo=self.repo,
            builder_id=self.builder,
            signer=signer,
            note_name=f"{PROJECT}/notes/build",
            config_based=self.config_based,
            built_at=TIME - timedelta(hours=1),
        ).to_dict()
        build["name"] = f"{PROJECT}/occurrences/{case}-b{n}"
        build["resourceUri"] = "https://" + resolve(case, self.image)
        return dict(build)


@dataclass(frozen=True)
class Signed:
    """A SimpleSigning ATTESTATION occurrence for ``image``."""

    image: str
    rogue: bool = False  # signed by a key the check does not trust
    payload_image: str | None = None  # the payload names this image instead

    def occurrence(self, case: str, n: int) -> dict[str, Any]:
        key = ROGUE_SIGNER if self.rogue else SIGNER
        payload = make_payload(resolve(case, self.payload_image or self.image))
        sig = sign_deterministic(key, Alg.ECDSA_P256_SHA256, payload)
        stamp = format_timestamp(TIME - timedelta(hours=1))
        return {
            "name": f"{PROJECT}/occurrences/{case}-a{n}",
            "resourceUri": "https://" + resolve(case, self.image),
            "noteName": f"{PROJECT}/notes/release",
            "kind": "ATTESTATION",
            "createTime": stamp,
            "updateTime": stamp,
            "attestation": {
                "serializedPayload": encode_bytes(payload),
                "signatures": [
                    {"signature": encode_bytes(sig), "publicKeyId": default_key_id(key)}
                ],
            },
        }


@dataclass(frozen=True)
class PRow:
    """One platform case: request, world, and the author's expected verdict."""

    name: str
    checks: str  # the README's "Checks:" sentence: why the verdict is what it is
    verdict: str  # CONFORMANT | NON_CONFORMANT | ERROR (the author's reasoning)
    images: tuple[str, ...]
    namespace: str = "default"
    account: str | None = None
    occurrences: tuple[Vuln | Scan | Build | Signed, ...] = ()
    uploads: tuple[tuple[str, timedelta], ...] = ()  # image -> age at the case time
    features: tuple[str, ...] = ()
    reason: str | None = None
    kind: str = "Pod"
    policy: str = "checks"
    catches: tuple[str, ...] = field(default=())  # defects this case is named for
