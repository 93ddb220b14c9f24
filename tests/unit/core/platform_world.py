"""Builders for platform-policy check tests: VULNERABILITY, DISCOVERY, BUILD and
ATTESTATION occurrences, keys and policies (ECDSA P-256 keys, fast to generate)."""

from __future__ import annotations

import dataclasses
import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.facts import BuilderRoots
from kritis_sim.core.platform.occurrences import (
    InMemoryPlatformOccurrences,
    PlatformOccurrences,
)
from kritis_sim.core.source import InMemorySource
from kritis_sim.crypto.dsse import sign_envelope
from kritis_sim.crypto.keys import public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm
from kritis_sim.model.discovery import AnalysisStatus, DiscoveryOccurrence
from kritis_sim.model.envelope import OccurrenceHeader
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse, Verdict
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import Severity, VulnerabilityOccurrence

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64
PROJECT = "projects/my-proj"
IMAGE = f"us-docker.pkg.dev/my-proj/repo/app@{DIGEST}"
URL = "https://" + IMAGE
ALG = SignatureAlgorithm.ECDSA_P256_SHA256
GCB = "https://cloudbuild.googleapis.com/GoogleHostedWorker"
_counter = iter(range(1_000_000_000))


def _name(project: str = PROJECT) -> str:
    return f"{project}/occurrences/o-{next(_counter)}"


@functools.cache
def key(label: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key per label, made once per test session."""
    return ec.generate_private_key(ec.SECP256R1())


def pkix(label: str, key_id: str | None = None) -> PkixPublicKey:
    return PkixPublicKey(public_key_pem(key(label)), ALG, key_id)


def pkix_dict(label: str, key_id: str | None = None) -> dict[str, Any]:
    return pkix(label, key_id).to_dict()


def vuln(
    cve: str,
    severity: str = "HIGH",
    *,
    fixable: bool = False,
    project: str = PROJECT,
    url: str = URL,
    effective: str | None = None,
    note_project: str = "projects/goog-vulnz",
) -> VulnerabilityOccurrence:
    return VulnerabilityOccurrence(
        header=OccurrenceHeader(url, f"{note_project}/notes/{cve}", _name(project)),
        severity=Severity(severity),
        effective_severity=Severity(effective or "SEVERITY_UNSPECIFIED"),
        fix_available=fixable,
    )


def scan(
    status: str = "FINISHED_SUCCESS",
    *,
    project: str = PROJECT,
    url: str = URL,
    archived: datetime | None = None,
) -> DiscoveryOccurrence:
    return DiscoveryOccurrence(
        header=OccurrenceHeader(
            url, "projects/goog-analysis/notes/PACKAGE_VULNERABILITY", _name(project)
        ),
        analysis_status=AnalysisStatus(status),
        archive_time=archived,
    )


def attestation(
    label: str = "signer",
    *,
    image: str = IMAGE,
    key_id: str | None = None,
    project: str = PROJECT,
) -> AttestationOccurrence:
    occ = make_attestation(image, f"{project}/notes/n", key(label), ALG, key_id)
    return dataclasses.replace(occ, name=_name(project))


def statement(
    *,
    digest: str = DIGEST,
    builder: str = GCB,
    config_repo: str | None = "git+https://github.com/my-org/app",
    deps: tuple[str, ...] = ("git+https://github.com/my-org/app@refs/heads/main",),
) -> dict[str, Any]:
    external: dict[str, Any] = {}
    if config_repo is not None:
        external["buildConfigSource"] = {
            "path": "cloudbuild.yaml",
            "repository": config_repo,
        }
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {"name": "app", "digest": {"sha256": digest.removeprefix("sha256:")}}
        ],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
                "externalParameters": external,
                "resolvedDependencies": [
                    {"uri": d, "digest": {"gitCommit": "0" * 40}} for d in deps
                ],
            },
            "runDetails": {"builder": {"id": builder}},
        },
    }


def build(
    signer: str = "builder",
    *,
    project: str = PROJECT,
    url: str = URL,
    **stmt: Any,
) -> BuildOccurrence:
    body = statement(**stmt)
    occ = BuildOccurrence.from_dict(
        {
            "name": _name(project),
            "resourceUri": url,
            "noteName": "projects/verified-builder/notes/intoto",
            "build": {"inTotoSlsaProvenanceV1": body},
        }
    )
    envelope = sign_envelope(json.dumps(body).encode(), [(key(signer), ALG)])
    return dataclasses.replace(
        occ, header=dataclasses.replace(occ.header, envelope=envelope)
    )


def roots(*labels: str) -> dict[TrustedBuilder, BuilderRoots]:
    return {
        TrustedBuilder.GOOGLE_CLOUD_BUILD: BuilderRoots(
            tuple(pkix(label) for label in labels or ("builder",))
        )
    }


def policy(*checks: dict[str, Any], **gke: Any) -> PlatformPolicy:
    return PlatformPolicy.from_dict(
        {"gkePolicy": {"checkSets": [{"checks": list(checks)}], **gke}}
    )


def evaluate(
    pol: PlatformPolicy,
    source: PlatformOccurrences | InMemorySource | None,
    images: list[str] | None = None,
    **kw: Any,
) -> EvaluateGkePolicyResponse:
    kw.setdefault("trusted_builders", roots())
    return evaluate_platform_policy(
        pol,
        images or [IMAGE],
        namespace="prod",
        service_account="deployer",
        now=NOW,
        occurrences=source,
        **kw,
    )


def check_outcome(
    check: dict[str, Any], *occurrences: Any, image: str = IMAGE, **kw: Any
) -> tuple[Verdict, str]:
    """The verdict and explanation of ``check`` alone for ``image``."""
    response = evaluate(
        policy(check), InMemoryPlatformOccurrences(occurrences), [image], **kw
    )
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    only = result.check_results[0]
    return only.verdict, only.explanation or ""


LATER = NOW + timedelta(days=1)
EARLIER = NOW - timedelta(days=1)
