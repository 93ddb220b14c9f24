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

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kritis_sim._yaml import Locator, load_one, read_input
from kritis_sim.conformance._fields import Fields, show
from kritis_sim.conformance.case_values import (
    Case,
    Expectation,
    Fault,
    RequestSpec,
    TargetSpec,
    World,
)
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
from kritis_sim.model.occurrence import parse_timestamp

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
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


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
    namespace = doc.optional_string(("target", "kritisNamespace"))
    if namespace is not None and (semantics != "kritis" or not _NAMESPACE.fullmatch(namespace)):
        raise doc.error(
            ("target", "kritisNamespace"),
            "expected a namespace name (a DNS label: lower-case letters, digits, '-') "
            f"for the translated Kritis resources, with semantics kritis; got {show(namespace)}",
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
            namespace,
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
