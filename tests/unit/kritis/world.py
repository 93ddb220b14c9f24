"""Builders for Kritis-profile tests: one cached PGP key, resources as YAML,
signed attestations and vulnerability occurrences."""

from __future__ import annotations

import base64
import functools
import json
from datetime import UTC, datetime
from typing import Any

from kritis_sim.core.kritis import KritisObject, VulnerabilityIndex, decide_kritis
from kritis_sim.core.kritis.decision import KritisDecision
from kritis_sim.core.source import InMemorySource
from kritis_sim.crypto import pgp
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.kritis import KritisResources, load_kritis_text
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DIGEST = "sha256:" + "a" * 64
IMAGE = f"gcr.io/shop/api@{DIGEST}"
NOTE = "projects/shop/notes/qa"
API = "kritis.grafeas.io/v1beta1"


def key(n: int = 0) -> tuple[str, str]:
    """(armored secret, armored public) of test key ``n`` (cached)."""
    return _key(n)  # key() and key(0) must be one cache entry


@functools.cache
def _key(n: int) -> tuple[str, str]:
    return pgp.generate_pgp_key(f"attestor{n}@kritis-sim.test")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def aa(
    name: str = "qa", *, ns: str = "default", note: str = NOTE, n: int = 0
) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "AttestationAuthority",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "noteReference": note,
            "publicKeys": [
                {"keyType": "PGP", "asciiArmoredPgpPublicKey": b64(key(n)[1])}
            ],
        },
    }


def gap(
    name: str = "gap",
    aas: tuple[str, ...] = ("qa",),
    *,
    ns: str = "default",
    patterns: tuple[str, ...] = (),
) -> dict[str, Any]:
    spec: dict[str, Any] = {"attestationAuthorityNames": list(aas)}
    if patterns:
        spec["admissionAllowlistPatterns"] = [{"namePattern": p} for p in patterns]
    return {
        "apiVersion": API,
        "kind": "GenericAttestationPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def isp(name: str = "isp", *, ns: str = "default", **req: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    allow = req.pop("imageAllowlist", None)
    aa_name = req.pop("attestationAuthorityName", None)
    if allow is not None:
        spec["imageAllowlist"] = allow
    if aa_name is not None:
        spec["attestationAuthorityName"] = aa_name
    if req:
        spec["packageVulnerabilityRequirements"] = req
    return {
        "apiVersion": API,
        "kind": "ImageSecurityPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def load(*docs: dict[str, Any], strict: bool = False) -> KritisResources:
    # JSON documents (JSON is YAML): PyYAML's emitter is slow on long keys
    text = "\n---\n".join(json.dumps(d, indent=1) for d in docs)
    return load_kritis_text(text, "policy.yaml", strict=strict)


@functools.lru_cache(maxsize=64)  # signing is the slow part; values are immutable
def attestation(
    image: str = IMAGE, *, note: str = NOTE, n: int = 0, payload: bytes | None = None
) -> AttestationOccurrence:
    secret, public = key(n)
    body = make_payload(image) if payload is None else payload
    return AttestationOccurrence(
        resource_uri=f"https://{image}",
        note_name=note,
        serialized_payload=body,
        signatures=(
            Signature(pgp.sign_pgp(secret, body), pgp.pgp_fingerprint(public)),
        ),
    )


def vuln(
    cve: str,
    severity: str,
    *,
    image: str = IMAGE,
    fixable: bool = True,
    effective: bool = True,
) -> VulnerabilityOccurrence:
    kind = "NORMAL" if fixable else "MAXIMUM"
    sev_key = "effectiveSeverity" if effective else "severity"
    return VulnerabilityOccurrence.from_dict(
        {
            "kind": "VULNERABILITY",
            "resourceUri": f"https://{image}",
            "noteName": f"projects/goog-vulnz/notes/{cve}",
            "vulnerability": {
                sev_key: severity,
                "packageIssue": [
                    {
                        "affectedPackage": "openssl",
                        "fixedVersion": {"kind": kind, "name": "1.2"},
                    }
                ],
            },
        }
    )


def pod(*images: str, ns: str = "default", breakglass: bool = False) -> KritisObject:
    return KritisObject("Pod", ns, "p", images, breakglass)


def decide(
    resources: KritisResources,
    obj: KritisObject,
    atts: tuple[AttestationOccurrence, ...] = (),
    vulns: tuple[VulnerabilityOccurrence, ...] = (),
) -> KritisDecision:
    return decide_kritis(
        resources, obj, InMemorySource(atts), VulnerabilityIndex(vulns), now=NOW
    )
