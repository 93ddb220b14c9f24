"""One conformance case, read from its directory, as plain immutable values.

A case directory holds (docs/conformance.md describes every field)
``policy.yaml`` (a policy as ``gcloud container binauthz policy import`` takes
it), ``attestors.yaml``, ``world.yaml`` (case time, Grafeas notes and
occurrences with their declared wire forms, an optional store fault),
``request.yaml`` (the review and the deploy target), ``expect.yaml`` (verdict,
reason, warning and audit-annotation patterns, feature tags) and ``README.md``.
A case of the ``platform`` model (``request.yaml`` ``target.model``) holds a
GKE platform policy in ``policy.yaml`` and its roots of trust and image upload
times in ``platform.yaml`` (:mod:`kritis_sim.conformance.platform_case`).

This module only reads and validates; it neither sends reviews nor decides.
Policy and attestors are kept as text (adapters receive the files) and parsed
on demand with the model's loaders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kritis_sim._yaml import Locator, load_one, read_input
from kritis_sim.conformance._fields import Fields, show
from kritis_sim.conformance.forms import declared_forms
from kritis_sim.conformance.kritis_case import KRITIS_FEATURE, SEMANTICS
from kritis_sim.conformance.platform_case import (
    PlatformConfig,
    check_platform_case,
    load_platform_config,
    read_model,
    read_verdict,
)
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
    "readme_why",
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
    """

    cluster: str | None = None
    istio_trust_domain: str | None = None
    model: str = "classic"
    semantics: str = "gcp"
    kritis_vulnerabilities: Mapping[str, Any] | None = None

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


def _text(path: Path) -> str:
    # read_input: size limit, UTF-8 and NUL checks, one-line errors.
    return read_input(path)


def _read(path: Path) -> tuple[Any, Locator]:
    return load_one(_text(path), str(path))


def _world(doc: Fields) -> World:
    doc.root("world")
    time = doc.string(("time",))
    try:
        when = parse_timestamp(time)
    except ValueError as exc:
        raise doc.error(("time",), str(exc)) from None
    fault = None
    if doc.get(("fault",)) is not None:
        doc.mapping(("fault",))
        kind = doc.get(("fault", "kind"))
        if kind not in _FAULT_KINDS:
            raise doc.error(
                ("fault", "kind"),
                f"expected one of {', '.join(_FAULT_KINDS)}, got {show(kind)}",
            )
        fault = Fault(
            kind,
            doc.integer(("fault", "status"), 503, 100, 599),
            doc.number(("fault", "latency"), 0.0, 0.0, 600.0),
        )
    occurrences = []
    forms = []
    for i, _ in enumerate(doc.items(("occurrences",))):
        doc.mapping(("occurrences", i), required=True)
        occ = doc.mapping(("occurrences", i, "occurrence"), required=True)
        forms.append(declared_forms(doc, i, occ))
        occurrences.append(occ)
    return World(
        time=when,
        notes=doc.strings(("notes",)),
        occurrences=tuple(occurrences),
        fault=fault,
        forms=tuple(forms),
    )


def _request(doc: Fields) -> tuple[RequestSpec, TargetSpec]:
    doc.root("request")
    review = doc.string(("review",), "AdmissionReview")
    if review not in _REVIEW_KINDS:
        raise doc.error(
            ("review",),
            f"expected one of {', '.join(_REVIEW_KINDS)}, got {show(review)}",
        )
    key = "spec" if review == "ImageReview" else "object"
    obj = doc.mapping((key,))
    doc.mapping(("target",))
    model = read_model(doc)
    semantics = doc.string(("target", "semantics"), "gcp")
    if semantics not in SEMANTICS or (semantics != "gcp" and model != "classic"):
        raise doc.error(
            ("target", "semantics"),
            f"expected one of {', '.join(SEMANTICS)} (gcp only for the platform model), got {show(semantics)}",
        )
    return (
        RequestSpec(
            review=review,
            obj=obj,
            api_version=doc.string(("apiVersion",), "admission.k8s.io/v1"),
            operation=doc.string(("operation",), "CREATE"),
            sub_resource=doc.optional_string(("subResource",)),
            dry_run=doc.boolean(("dryRun",), False),
            # The API server's webhook timeout range (timeoutSeconds: 1-30).
            timeout_s=doc.integer(("timeoutSeconds",), 10, 1, 30),
        ),
        TargetSpec(
            doc.optional_string(("target", "cluster")),
            doc.optional_string(("target", "istioTrustDomain")),
            model,
            semantics,
            doc.mapping(("target", "kritisVulnerabilities")) or None,
        ),
    )


def _expect(doc: Fields) -> Expectation:
    doc.root("expect")
    allowed = doc.boolean(("allowed",))
    reason = doc.get(("reason",))
    if reason is not None:
        doc.pattern(("reason",), reason)
    warnings = doc.strings(("warnings",))
    for i, pattern in enumerate(warnings):
        doc.pattern(("warnings", i), pattern)
    verdict = read_verdict(doc, allowed)
    audit = dict(doc.mapping(("auditAnnotations",)))
    for key, pattern in audit.items():
        doc.pattern(("auditAnnotations", key), pattern)
    return Expectation(
        allowed=allowed,
        reason=reason,
        warnings=warnings,
        audit_annotations=audit,
        features=doc.strings(("features",)),
        verdict=verdict,
    )


def readme_why(text: str) -> str:
    """What a case README says the case checks: its ``Checks:`` line, else its
    first paragraph that is not a heading (empty when there is none)."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    for para in paragraphs:
        if para.startswith("Checks:"):
            return " ".join(para.removeprefix("Checks:").split())
    for para in paragraphs:
        if not para.startswith("#"):
            return " ".join(para.split())
    return ""


def load_case(path: str | Path) -> Case:
    """Read one case directory.

    Raises:
        InputError: a file is missing or malformed (the message names the file,
            and the line and field when known).
    """
    root = Path(path)
    missing = [f for f in CASE_FILES if not (root / f).is_file()]
    if missing:
        raise InputError(f"case is missing {', '.join(missing)}", source=str(root))
    world, world_lines = _read(root / "world.yaml")
    request, request_lines = _read(root / "request.yaml")
    expect, expect_lines = _read(root / "expect.yaml")
    pfile = root / "platform.yaml"
    platform = load_platform_config(_text(pfile), str(pfile)) if pfile.is_file() else None
    return case_from_documents(
        root,
        policy_text=_text(root / "policy.yaml"),
        attestors_text=_text(root / "attestors.yaml"),
        world=world,
        request=request,
        expect=expect,
        readme=_text(root / "README.md"),
        locators=(world_lines, request_lines, expect_lines),
        platform=platform,
    )


def case_from_documents(
    path: Path,
    *,
    policy_text: str,
    attestors_text: str,
    world: Any,
    request: Any,
    expect: Any,
    readme: str = "",
    locators: tuple[Locator, Locator, Locator] | None = None,
    platform: PlatformConfig | None = None,
) -> Case:
    """A case from already parsed ``world``, ``request`` and ``expect``
    documents, validated as :func:`load_case` does (nothing is read from
    ``path``; it names the case and its would-be files in errors).

    Raises:
        InputError: a document is malformed.
    """
    lines = locators or (None, None, None)
    req, target = _request(Fields(request, lines[1], str(path / "request.yaml")))
    case = Case(
        name=path.name,
        path=path,
        policy_text=policy_text,
        attestors_text=attestors_text,
        world=_world(Fields(world, lines[0], str(path / "world.yaml"))),
        request=req,
        target=target,
        expect=_expect(Fields(expect, lines[2], str(path / "expect.yaml"))),
        why=readme_why(readme),
        platform=platform,
    )
    check_platform_case(case)
    if target.semantics == "kritis" and KRITIS_FEATURE not in case.expect.features:
        raise InputError(
            f"a semantics: kritis case needs the {KRITIS_FEATURE} feature",
            source=str(path / "expect.yaml"), path="features",
        )
    return case


def iter_case_dirs(root: str | Path) -> Iterator[Path]:
    """Case directories under ``root`` (those holding ``expect.yaml``), sorted."""
    for expect in sorted(Path(root).glob("**/expect.yaml")):
        yield expect.parent


def load_catalogue(root: str | Path) -> tuple[Case, ...]:
    """Every case under ``root``, sorted by directory path."""
    return tuple(load_case(d) for d in iter_case_dirs(root))
