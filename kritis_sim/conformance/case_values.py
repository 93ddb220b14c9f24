"""The values of a conformance case: its world, request, target and expectation.

Plain immutable dataclasses; :mod:`kritis_sim.conformance.case` reads case
directories into them (and re-exports them). Policy and attestors are kept as
text (adapters receive the files) and parsed on demand with the model's
loaders. No I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kritis_sim.conformance.platform_case import PlatformConfig
from kritis_sim.model.attestor import Attestor, load_attestors
from kritis_sim.model.policy import Policy, load_policy

__all__ = [
    "Case",
    "Expectation",
    "Fault",
    "RequestSpec",
    "TargetSpec",
    "World",
]


@dataclass(frozen=True, slots=True)
class Fault:
    """A store fault the suite's Grafeas emulator injects for one case.

    Attributes:
        kind: ``status`` (answer every request with ``status``), ``reset`` (drop
            the connection mid-reply) or ``latency`` (delay every reply).
        status: the HTTP status for ``status`` faults (a Google-style body).
        latency_s: the delay for ``latency`` faults, in seconds.
    """

    kind: str
    status: int = 503
    latency_s: float = 0.0


@dataclass(frozen=True, slots=True)
class World:
    """What the attestation store holds, and when the case happens.

    Attributes:
        time: the case's reference time; occurrence ``createTime`` values are
            absolute and keep their distance from it when the suite shifts the
            world to the wall clock.
        notes: Grafeas note names to create (attestation-authority notes).
        occurrences: Grafeas v1 occurrence JSON objects, ready to store.
        fault: a store fault to inject, or None.
        forms: per occurrence, the wire forms it declares (``form``; see
            :mod:`kritis_sim.conformance.forms`), checked when loaded.
    """

    time: datetime
    notes: tuple[str, ...] = ()
    occurrences: tuple[Mapping[str, Any], ...] = ()
    fault: Fault | None = None
    forms: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """How the enforcer under test is configured for the case.

    Attributes:
        cluster: the ``location.clusterId`` the enforcer guards, or None.
        istio_trust_domain: the trust domain for Istio identities, or None.
        model: ``classic`` (a project policy and attestors) or ``platform``
            (a GKE platform policy and ``platform.yaml``).
        semantics: ``gcp`` (default), ``kritis`` (decided as Kritis does, the
            configuration translated to Kritis resources) or ``both``
            (:mod:`kritis_sim.conformance.kritis_case`).
        kritis_vulnerabilities: ``target.kritisVulnerabilities``: an
            ImageSecurityPolicy's requirements (Kritis cases).
        kritis_namespace: ``target.kritisNamespace``: the namespace the
            translated Kritis resources go to (default ``default``).
    """

    cluster: str | None = None
    istio_trust_domain: str | None = None
    model: str = "classic"
    semantics: str = "gcp"
    kritis_vulnerabilities: Mapping[str, Any] | None = None
    kritis_namespace: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``target`` mapping of ``request.yaml``."""
        out: dict[str, Any] = {
            "cluster": self.cluster,
            "istioTrustDomain": self.istio_trust_domain,
        }
        if self.model != "classic":
            out["model"] = self.model
        if self.semantics != "gcp":
            out["semantics"] = self.semantics
        if self.kritis_vulnerabilities is not None:
            out["kritisVulnerabilities"] = dict(self.kritis_vulnerabilities)
        if self.kritis_namespace is not None:
            out["kritisNamespace"] = self.kritis_namespace
        return out


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """The review the suite sends.

    Attributes:
        review: ``AdmissionReview`` or ``ImageReview``.
        api_version: ``admission.k8s.io/v1`` or ``v1beta1`` (AdmissionReview).
        operation: ``CREATE`` or ``UPDATE`` (AdmissionReview).
        sub_resource: e.g. ``ephemeralcontainers``, or None.
        dry_run: the request's ``dryRun`` flag.
        obj: the Kubernetes object (AdmissionReview) or the ImageReview
            ``spec`` (ImageReview).
        timeout_s: the ``?timeout=`` the suite sends, in whole seconds.
    """

    review: str
    obj: Mapping[str, Any]
    api_version: str = "admission.k8s.io/v1"
    operation: str = "CREATE"
    sub_resource: str | None = None
    dry_run: bool = False
    timeout_s: int = 10


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the enforcer must answer.

    Attributes:
        allowed: the expected verdict.
        reason: a regular expression the denial message must contain (searched,
            case-insensitive), or None.
        warnings: patterns; each must match at least one returned warning.
        audit_annotations: key -> pattern; each key must be present and match.
        features: capability tags the case needs; missing ones skip the case.
        verdict: platform cases: the policy's ``CONFORMANT``,
            ``NON_CONFORMANT`` or ``ERROR`` (compared through the evaluate API),
            or None.
    """

    allowed: bool
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    audit_annotations: Mapping[str, str] = field(default_factory=dict)
    features: tuple[str, ...] = ()
    verdict: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One case directory, read and validated.

    Attributes:
        name: the directory name (the test id); ``_deny`` names must deny.
        path: the directory.
        policy_text: ``policy.yaml`` as written.
        attestors_text: ``attestors.yaml`` as written.
        world: the store contents and time.
        request: the review to send.
        target: the enforcer's configuration for this case.
        expect: the expected answer.
        why: what the case checks, from its README (``Checks:``).
        platform: ``platform.yaml`` (platform cases), else None.
    """

    name: str
    path: Path
    policy_text: str
    attestors_text: str
    world: World
    request: RequestSpec
    target: TargetSpec
    expect: Expectation
    why: str = ""
    platform: PlatformConfig | None = None

    def policy(self) -> Policy:
        """The parsed policy."""
        return load_policy(self.policy_text, source=str(self.path / "policy.yaml"))

    def attestors(self) -> tuple[Attestor, ...]:
        """The parsed attestors."""
        return load_attestors(
            self.attestors_text, source=str(self.path / "attestors.yaml")
        )

    @property
    def config_key(self) -> str:
        """A digest of everything ``setup`` may read: two cases with the same
        key can share one configured enforcer."""
        h = hashlib.sha256()
        for part in (
            self.policy_text,
            self.attestors_text,
            repr(sorted(self.target.to_dict().items(), key=str)),
            self.platform.text if self.platform is not None else "",
        ):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()

    @property
    def must_deny(self) -> bool:
        """The name promises a denial (``_deny`` suffix)."""
        return self.name.endswith("_deny")
