"""Vocabulary of the conformance case table, and how a row becomes a case.

A row (:class:`Row`) names a policy, a request, attestation *recipes*
(:class:`Att`) and the expected answer. :func:`materialise` turns it into
:class:`~kritis_sim.conformance.writer.CaseData`: images get digests derived
from the case name (so cases never see each other's attestations in a shared
store), recipes become signed Grafeas occurrences, and every case carries the
same standard attestor set (so cases with equal policies share one enforcer
configuration).

Image notation: ``@@label`` stands for ``@sha256:<sha256(case/label)>``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from _keys import deterministic_key, sign_deterministic, sign_pss_max_salt

from kritis_sim.crypto.keys import PrivateKey, default_key_id, public_key_pem
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.attestor import SignatureAlgorithm as Alg
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import encode_bytes, format_timestamp

PROJECT = "projects/conformance"
TIME = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
ENFORCED = "ENFORCED_BLOCK_AND_AUDIT_LOG"
DRYRUN = "DRYRUN_AUDIT_LOG_ONLY"
REG = "gcr.io/conformance"


@dataclass(frozen=True)
class KeySpec:
    label: str
    alg: Alg
    declared: str | None = None  # the algorithm name written in attestors.yaml
    key_id: str | None = None  # an explicit id (else the RFC 6920 default)

    @property
    def private(self) -> PrivateKey:
        return deterministic_key(self.alg, self.label)

    @property
    def id(self) -> str:
        return self.key_id or default_key_id(self.private)


@dataclass(frozen=True)
class AttestorSpec:
    short: str
    keys: tuple[KeySpec, ...]

    @property
    def name(self) -> str:
        return f"{PROJECT}/attestors/{self.short}"

    @property
    def note(self) -> str:
        return f"{PROJECT}/notes/{self.short}"

    def to_dict(self) -> dict[str, Any]:
        keys = []
        for k in self.keys:
            keys.append(
                {
                    "id": k.id,
                    "pkixPublicKey": {
                        "publicKeyPem": public_key_pem(k.private),
                        "signatureAlgorithm": k.declared or k.alg.value,
                    },
                }
            )
        return {
            "name": self.name,
            "userOwnedGrafeasNote": {"noteReference": self.note, "publicKeys": keys},
        }


def _alg_attestors() -> dict[str, AttestorSpec]:
    out = {}
    for alg in Alg:
        if alg in (Alg.SIGNATURE_ALGORITHM_UNSPECIFIED, Alg.ML_DSA_65):
            continue
        short = "alg-" + alg.value.lower().replace("_", "-")
        out[short] = AttestorSpec(short, (KeySpec("alg", alg),))
    return out


P256 = Alg.ECDSA_P256_SHA256
ATTESTORS: dict[str, AttestorSpec] = {
    "qa": AttestorSpec("qa", (KeySpec("qa", P256),)),
    "build": AttestorSpec("build", (KeySpec("build", P256),)),
    "sec": AttestorSpec("sec", (KeySpec("sec", Alg.ECDSA_P384_SHA384),)),
    "multi": AttestorSpec(
        "multi", (KeySpec("multi-ec", P256), KeySpec("alg", Alg.RSA_PSS_2048_SHA256))
    ),
    "empty": AttestorSpec("empty", ()),
    "custom": AttestorSpec(
        "custom", (KeySpec("custom", P256, key_id="https://keys.example.com/custom-1"),)
    ),
    "alias-ec": AttestorSpec(
        "alias-ec", (KeySpec("alias-ec", P256, declared="EC_SIGN_P256_SHA256"),)
    ),
    "alias-pss": AttestorSpec(
        "alias-pss",
        (KeySpec("alg", Alg.RSA_PSS_2048_SHA256, declared="RSA_SIGN_PSS_2048_SHA256"),),
    ),
    **_alg_attestors(),
}


@functools.cache
def standard_attestors() -> tuple[dict[str, Any], ...]:
    return tuple(a.to_dict() for a in ATTESTORS.values())


def attestor(short: str) -> str:
    return ATTESTORS[short].name


def digest(case: str, label: str) -> str:
    return "sha256:" + hashlib.sha256(f"{case}/{label}".encode()).hexdigest()


def resolve(case: str, image: str) -> str:
    if "@@" not in image:
        return image
    name, label = image.split("@@", 1)
    return f"{name}@{digest(case, label)}"


# ---- policies -------------------------------------------------------------


def rule(
    mode: str,
    *attestors: str,
    enforcement: str = ENFORCED,
    max_age: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"evaluationMode": mode, "enforcementMode": enforcement}
    if attestors:
        out["requireAttestationsBy"] = [attestor(a) for a in attestors]
    if max_age is not None:
        out["kritisSimMaxAttestationAge"] = max_age
    return out


def require(*attestors: str, **kw: Any) -> dict[str, Any]:
    return rule("REQUIRE_ATTESTATION", *(attestors or ("qa",)), **kw)


ALLOW = rule("ALWAYS_ALLOW")
DENY = rule("ALWAYS_DENY")


def policy(
    default: Mapping[str, Any],
    *,
    allow: Sequence[str] = (),
    gpe: str | None = None,
    **maps: Mapping[str, Any],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if gpe:
        out["globalPolicyEvaluationMode"] = gpe
    if allow:
        out["admissionWhitelistPatterns"] = [{"namePattern": p} for p in allow]
    out["defaultAdmissionRule"] = dict(default)
    names = {
        "cluster": "clusterAdmissionRules",
        "ns": "kubernetesNamespaceAdmissionRules",
        "sa": "kubernetesServiceAccountAdmissionRules",
        "istio": "istioServiceIdentityAdmissionRules",
    }
    for key, value in maps.items():
        out[names[key]] = dict(value)
    out["name"] = f"{PROJECT}/policy"
    return out


# ---- attestation recipes ---------------------------------------------------


@dataclass(frozen=True)
class Att:
    """How to make one attestation occurrence (see module docstring)."""

    image: str
    attestor: str = "qa"
    key: int | tuple[str, Alg] = 0  # index into the attestor's keys, or a free key
    alg: Alg | None = None  # sign with this algorithm instead of the key's
    key_id: str | None = None  # "@0", "@1" (an attestor key's id) or a literal
    note: str | None = None
    payload_image: str | None = None
    payload: bytes | None = None
    resource: str | None = None
    corrupt: str | None = None  # flip | truncate | tamper | nosig
    age: timedelta = timedelta(hours=1)
    extra: tuple[Att, ...] = ()
    pss_max_salt: bool = False
    made: str = ""
    kind: str | int = "ATTESTATION"  # 7: the integer enum the Python client gets
    offset: str | None = None  # write createTime with this offset ("+02:00")
    fraction: str = ""  # fractional-second digits of createTime ("123456789")
    form: tuple[str, ...] = ()  # the wire forms the occurrence declares

    def _signer(self) -> tuple[PrivateKey, Alg, str]:
        spec = ATTESTORS[self.attestor]
        if isinstance(self.key, int):
            k = spec.keys[self.key]
            priv, alg, natural = k.private, k.alg, k.id
        else:
            label, alg = self.key
            priv = deterministic_key(alg, label)
            natural = default_key_id(priv)
        key_id = natural
        if self.key_id is not None:
            key_id = (
                spec.keys[int(self.key_id[1:])].id
                if self.key_id.startswith("@")
                else self.key_id
            )
        return priv, self.alg or alg, key_id

    def signature(self, payload: bytes) -> dict[str, str]:
        priv, alg, key_id = self._signer()
        sig = (
            sign_pss_max_salt(priv, payload)
            if self.pss_max_salt
            else sign_deterministic(priv, alg, payload)
        )
        if self.corrupt == "flip":
            sig = sig[:10] + bytes([sig[10] ^ 0x01]) + sig[11:]
        elif self.corrupt == "truncate":
            sig = sig[:-8]
        return {"signature": encode_bytes(sig), "publicKeyId": key_id}

    def occurrence(self, case: str, now: datetime) -> dict[str, Any]:
        image = resolve(case, self.image)
        payload = self.payload
        if payload == b"KRITIS":
            payload = _kritis_payload(image)
        if payload is None:
            payload = make_payload(resolve(case, self.payload_image or self.image))
        sigs = [] if self.corrupt == "nosig" else [self.signature(payload)]
        sigs += [e.signature(payload) for e in self.extra]
        if self.corrupt == "tamper":
            payload = payload + b" "  # still JSON, same digest: only the signature notices
        stamp = _stamp(now - self.age, self.offset, self.fraction)
        resource = resolve(case, self.resource) if self.resource else "https://" + image
        return {
            "name": "",
            "resourceUri": resource,
            "noteName": self.note or ATTESTORS[self.attestor].note,
            "kind": self.kind,
            "createTime": stamp,
            "updateTime": stamp,
            "attestation": {
                "serializedPayload": encode_bytes(payload),
                "signatures": sigs,
            },
        }


def _stamp(when: datetime, offset: str | None, fraction: str) -> str:
    """RFC 3339 text for ``when`` (whole seconds) in the zone ``offset`` (None:
    ``Z``), with ``fraction`` written as its fractional digits (they add to
    ``when``: the instant is ``when`` plus ``0.<fraction>`` seconds)."""
    if offset is None:
        text = format_timestamp(when)[:-1]
        zone = "Z"
    else:
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        text = when.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")
        zone = offset
    return f"{text}.{fraction}{zone}" if fraction else f"{text}{zone}"


def _kritis_payload(image: str) -> bytes:
    """Kritis' signer output: compact Go JSON, no trailing newline."""
    ref = ImageRef.parse(image)
    doc = {
        "critical": {
            "identity": {"docker-reference": ref.name},
            "image": {"docker-manifest-digest": ref.digest},
            "type": "atomic container signature",
        }
    }
    return json.dumps(doc, separators=(",", ":")).encode()


# ---- rows ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One case of the table."""

    name: str
    checks: str
    rule: str
    policy: Mapping[str, Any]
    request: Mapping[str, Any]
    allowed: bool
    atts: tuple[Att, ...] = ()
    features: tuple[str, ...] = ()
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    audit: Mapping[str, str] = field(default_factory=dict)
    fault: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()
