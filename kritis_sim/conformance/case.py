"""One conformance case, read from its directory, as plain immutable values.

A case directory holds (see docs/conformance.md for every field):

* ``policy.yaml``: a Binary Authorization policy, as ``gcloud container binauthz
  policy import`` accepts it (the neutral format adapters translate);
* ``attestors.yaml``: the Attestor resources the policy names;
* ``world.yaml``: the time of the case, the Grafeas notes and occurrences the
  suite's emulator holds, and an optional store fault;
* ``request.yaml``: the review sent to the webhook (AdmissionReview or
  ImageReview), and the deploy target the enforcer guards (cluster, Istio trust
  domain);
* ``expect.yaml``: allowed or not, a reason pattern, warning and audit-annotation
  patterns, and the feature tags the case needs;
* ``README.md``: what the case checks and which rule it traces to.

This module only reads and validates; it neither sends reviews nor decides.
Policy and attestors are kept as text (adapters receive the files) and parsed
on demand with the model's loaders.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kritis_sim._yaml import load_one, read_input
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import Attestor, load_attestors
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.model.policy import Policy, load_policy

__all__ = [
    "CASE_FILES",
    "CATALOGUE",
    "Case",
    "Expectation",
    "Fault",
    "RequestSpec",
    "TargetSpec",
    "World",
    "case_from_documents",
    "iter_case_dirs",
    "load_case",
    "load_catalogue",
]

#: The files every case directory must hold.
#: The bundled catalogue (shipped inside the package, so an installed
#: kritis-sim can run it without a checkout).
CATALOGUE = Path(__file__).resolve().parent / "cases"

CASE_FILES = (
    "policy.yaml",
    "attestors.yaml",
    "world.yaml",
    "request.yaml",
    "expect.yaml",
    "README.md",
)
_FAULT_KINDS = ("status", "reset", "latency")
_REVIEW_KINDS = ("AdmissionReview", "ImageReview")


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
    """

    time: datetime
    notes: tuple[str, ...] = ()
    occurrences: tuple[Mapping[str, Any], ...] = ()
    fault: Fault | None = None


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """How the enforcer under test is configured for the case.

    Attributes:
        cluster: the ``location.clusterId`` the enforcer guards, or None.
        istio_trust_domain: the trust domain for Istio identities, or None.
    """

    cluster: str | None = None
    istio_trust_domain: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``target`` mapping of ``request.yaml``."""
        return {"cluster": self.cluster, "istioTrustDomain": self.istio_trust_domain}


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
    """

    allowed: bool
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    audit_annotations: Mapping[str, str] = field(default_factory=dict)
    features: tuple[str, ...] = ()


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
    """

    name: str
    path: Path
    policy_text: str
    attestors_text: str
    world: World
    request: RequestSpec
    target: TargetSpec
    expect: Expectation

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
        ):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()

    @property
    def must_deny(self) -> bool:
        """The name promises a denial (``_deny`` suffix)."""
        return self.name.endswith("_deny")


def _read(path: Path) -> tuple[Any, Any]:
    # read_input: size limit, UTF-8 and NUL checks, one-line errors.
    return load_one(read_input(path), str(path))


def _mapping(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"expected a mapping for {what}, got {value!r}", source=where)
    return value


def _world(data: Any, where: str) -> World:
    doc = _mapping(data, where, "world")
    time = doc.get("time")
    if not isinstance(time, str):
        raise InputError("world.time must be an RFC 3339 string", source=where)
    fault = None
    raw_fault = doc.get("fault")
    if raw_fault is not None:
        f = _mapping(raw_fault, where, "fault")
        if f.get("kind") not in _FAULT_KINDS:
            raise InputError(
                f"fault.kind must be one of {_FAULT_KINDS}, got {f.get('kind')!r}",
                source=where,
            )
        fault = Fault(
            str(f["kind"]), int(f.get("status", 503)), float(f.get("latency", 0.0))
        )
    occurrences = []
    for entry in doc.get("occurrences") or ():
        occ = _mapping(entry, where, "occurrence").get("occurrence")
        occurrences.append(_mapping(occ, where, "occurrences[].occurrence"))
    return World(
        time=parse_timestamp(time),
        notes=tuple(str(n) for n in doc.get("notes") or ()),
        occurrences=tuple(occurrences),
        fault=fault,
    )


def _request(data: Any, where: str) -> tuple[RequestSpec, TargetSpec]:
    doc = _mapping(data, where, "request")
    review = doc.get("review", "AdmissionReview")
    if review not in _REVIEW_KINDS:
        raise InputError(f"review must be one of {_REVIEW_KINDS}", source=where)
    key = "spec" if review == "ImageReview" else "object"
    obj = _mapping(doc.get(key), where, key)
    target = _mapping(doc.get("target"), where, "target")
    return (
        RequestSpec(
            review=review,
            obj=obj,
            api_version=str(doc.get("apiVersion", "admission.k8s.io/v1")),
            operation=str(doc.get("operation", "CREATE")),
            sub_resource=doc.get("subResource"),
            dry_run=bool(doc.get("dryRun", False)),
            timeout_s=int(doc.get("timeoutSeconds", 10)),
        ),
        TargetSpec(target.get("cluster"), target.get("istioTrustDomain")),
    )


def _expect(data: Any, where: str) -> Expectation:
    doc = _mapping(data, where, "expect")
    if not isinstance(doc.get("allowed"), bool):
        raise InputError("expect.allowed must be true or false", source=where)
    for pattern in [doc.get("reason"), *(doc.get("warnings") or ())]:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InputError(
                    f"bad pattern {pattern!r}: {exc}", source=where
                ) from None
    return Expectation(
        allowed=doc["allowed"],
        reason=doc.get("reason"),
        warnings=tuple(doc.get("warnings") or ()),
        audit_annotations=dict(_mapping(doc.get("auditAnnotations"), where, "audit")),
        features=tuple(doc.get("features") or ()),
    )


def load_case(path: str | Path) -> Case:
    """Read one case directory.

    Raises:
        InputError: a file is missing or malformed.
    """
    root = Path(path)
    missing = [f for f in CASE_FILES if not (root / f).is_file()]
    if missing:
        raise InputError(f"case is missing {', '.join(missing)}", source=str(root))
    world, _ = _read(root / "world.yaml")
    request, _ = _read(root / "request.yaml")
    expect, _ = _read(root / "expect.yaml")
    return case_from_documents(
        root,
        policy_text=read_input(root / "policy.yaml"),
        attestors_text=read_input(root / "attestors.yaml"),
        world=world,
        request=request,
        expect=expect,
    )


def case_from_documents(
    path: Path,
    *,
    policy_text: str,
    attestors_text: str,
    world: Any,
    request: Any,
    expect: Any,
) -> Case:
    """A case from already parsed ``world``, ``request`` and ``expect``
    documents, validated as :func:`load_case` does (nothing is read from
    ``path``; it names the case and its would-be files in errors).

    Raises:
        InputError: a document is malformed.
    """
    req, target = _request(request, str(path / "request.yaml"))
    return Case(
        name=path.name,
        path=path,
        policy_text=policy_text,
        attestors_text=attestors_text,
        world=_world(world, str(path / "world.yaml")),
        request=req,
        target=target,
        expect=_expect(expect, str(path / "expect.yaml")),
    )


def iter_case_dirs(root: str | Path) -> Iterator[Path]:
    """Case directories under ``root`` (those holding ``expect.yaml``), sorted."""
    for expect in sorted(Path(root).glob("**/expect.yaml")):
        yield expect.parent


def load_catalogue(root: str | Path) -> tuple[Case, ...]:
    """Every case under ``root``, sorted by directory path."""
    return tuple(load_case(d) for d in iter_case_dirs(root))
