"""The conformance kit's Kritis profile: ``target.semantics`` and the
translation of a case's neutral configuration to Kritis resources.

A case declares which semantics it tests in ``request.yaml``:
``target: {semantics: gcp|kritis|both}`` (default ``gcp``). ``kritis`` cases
need the ``kritis-semantics`` tag, so an adapter that does not list it gets
them skipped with that reason (counted, never passed); ``both`` cases hold
under either profile (the reference checks both) and run in the adapter's
default (GCP) profile.

:func:`translate` turns the neutral ``policy.yaml`` and ``attestors.yaml`` into
the Kritis custom resources an adapter installs (what the reference adapter
does in ``setup``): every attestor becomes an AttestationAuthority (its PGP
keys, base64 of the armor, keyId the fingerprint; PKIX keys have no Kritis
form and are left out: Kritis admission verifies PGP only), a
REQUIRE_ATTESTATION default rule becomes one GenericAttestationPolicy
requiring all its attestors, with the policy's allowlist as
``admissionAllowlistPatterns``, and ALWAYS_ALLOW becomes no policy. Whatever
has no Kritis form (ALWAYS_DENY, dry-run, cluster/namespace/account/Istio
rules, the GKE system policy, freshness) is refused with that reason, never
dropped. The resources go to namespace ``default``, or to
``target.kritisNamespace`` (so a case can show that they judge only objects of
that namespace).
``target.kritisVulnerabilities`` (``maximumSeverity``,
``maximumFixUnavailableSeverity``, ``allowlistCVEs``) adds an
ImageSecurityPolicy with those requirements.

The reference answer of a Kritis case (``reference._kritis_result``) is
:class:`~kritis_sim.core.kritis.judge.KritisJudge` over the translated
resources, the object read as Kritis reads it
(:func:`~kritis_sim.admission.kritis_workloads.kritis_interpret`). No I/O.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from kritis_sim.errors import InputError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.kritis.load import load_kritis_text
from kritis_sim.model.kritis.resources import KritisResources
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import (
    EnforcementMode,
    EvaluationMode,
    GlobalPolicyEvaluationMode,
    Policy,
)

__all__ = [
    "KRITIS_FEATURE", "SEMANTICS", "KritisCaseSource", "TranslationError", "kritis_resources", "translate",
    "translation_text",
]

#: The values of ``target.semantics``.
SEMANTICS = ("gcp", "kritis", "both")
#: The tag every ``semantics: kritis`` case needs.
KRITIS_FEATURE = "kritis-semantics"
DEFAULT_NAMESPACE = "default"
_API = "kritis.grafeas.io/v1beta1"


class TranslationError(InputError):
    """A neutral configuration with no Kritis form."""


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1].lower()


def translate(
    policy: Policy,
    attestors: Sequence[Attestor],
    vulnerabilities: Mapping[str, Any] | None = None,
    namespace: str | None = None,
) -> list[dict[str, Any]]:
    """The Kritis resources for ``policy`` and ``attestors`` (see the module doc),
    in ``namespace`` (default ``default``); ``vulnerabilities`` (``target.kritisVulnerabilities``: ``maximumSeverity``,
    ``maximumFixUnavailableSeverity``, ``allowlistCVEs``) adds an
    ImageSecurityPolicy with those requirements.

    Raises:
        TranslationError: something in the configuration has no Kritis form.
    """
    rule = policy.default_admission_rule
    refused = [
        (bool(policy.cluster_admission_rules), "clusterAdmissionRules"),
        (bool(policy.kubernetes_namespace_admission_rules), "kubernetesNamespaceAdmissionRules"),
        (bool(policy.kubernetes_service_account_admission_rules), "kubernetesServiceAccountAdmissionRules"),
        (bool(policy.istio_service_identity_admission_rules), "istioServiceIdentityAdmissionRules"),
        (policy.global_policy_evaluation_mode is GlobalPolicyEvaluationMode.ENABLE,
         "globalPolicyEvaluationMode ENABLE"),
        (rule.evaluation_mode is EvaluationMode.ALWAYS_DENY, "evaluationMode ALWAYS_DENY"),
        (rule.enforcement_mode is EnforcementMode.DRYRUN_AUDIT_LOG_ONLY, "DRYRUN_AUDIT_LOG_ONLY"),
        (rule.max_attestation_age is not None or bool(rule.max_attestation_age_by_attestor),
         "kritisSimMaxAttestationAge"),
    ]  # fmt: skip
    for bad, what in refused:
        if bad:
            raise TranslationError(f"{what} has no Kritis form", path="policy.yaml")
    ns = namespace or DEFAULT_NAMESPACE
    out: list[dict[str, Any]] = []
    for att in attestors:
        keys = [
            {
                "keyType": "PGP",
                "keyId": key.id,
                "asciiArmoredPgpPublicKey": base64.b64encode(
                    key.ascii_armored_pgp_public_key.encode()
                ).decode(),
            }
            for key in att.public_keys
            if key.ascii_armored_pgp_public_key is not None
        ]
        out.append({
            "apiVersion": _API, "kind": "AttestationAuthority",
            "metadata": {"name": _short(att.name), "namespace": ns},
            "spec": {"noteReference": att.note_reference, "publicKeys": keys},
        })  # fmt: skip
    if rule.evaluation_mode is EvaluationMode.REQUIRE_ATTESTATION:
        spec: dict[str, Any] = {
            "attestationAuthorityNames": [_short(n) for n in rule.require_attestations_by]
        }
        if policy.admission_whitelist_patterns:
            spec["admissionAllowlistPatterns"] = [
                {"namePattern": p.text} for p in policy.admission_whitelist_patterns
            ]
        out.append({
            "apiVersion": _API, "kind": "GenericAttestationPolicy",
            "metadata": {"name": "binauthz-default", "namespace": ns}, "spec": spec,
        })  # fmt: skip
    if vulnerabilities is not None:
        out.append({
            "apiVersion": _API, "kind": "ImageSecurityPolicy",
            "metadata": {"name": "binauthz-vulnerabilities", "namespace": ns},
            "spec": {"packageVulnerabilityRequirements": dict(vulnerabilities)},
        })  # fmt: skip
    return out


def translation_text(
    policy: Policy,
    attestors: Sequence[Attestor],
    vulnerabilities: Mapping[str, Any] | None = None,
    namespace: str | None = None,
) -> str:
    """:func:`translate` as the multi-document YAML an adapter applies (written
    by libyaml when PyYAML has it: the same text, several times faster, which
    a configuration switch of the reference adapter feels)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    docs = translate(policy, attestors, vulnerabilities, namespace)
    return yaml.dump_all(docs, Dumper=dumper, sort_keys=False)


def kritis_resources(
    policy: Policy,
    attestors: Sequence[Attestor],
    vulnerabilities: Mapping[str, Any] | None = None,
    namespace: str | None = None,
) -> KritisResources:
    """The loaded Kritis resources of a case's configuration."""
    text = translation_text(policy, attestors, vulnerabilities, namespace)
    return load_kritis_text(text, "kritis.yaml", strict=True)


def image_project(resource_url: str) -> str | None:
    """``projects/P`` of an image URL (``gcr.io/P/...``, ``REGION-docker.pkg.dev/P/...``):
    where Kritis' Container Analysis client lists the image's vulnerabilities."""
    parts = resource_url.removeprefix("https://").split("/")
    return f"projects/{parts[1]}" if len(parts) > 2 else None


class KritisCaseSource:
    """Attestations of a case (any attestation source) and its
    vulnerabilities: ``vulns`` answers ``vulnerabilities(project, url)``
    (asked in the image's project, :func:`image_project`, as Kritis does), or
    is a fixed list (the reference)."""

    def __init__(self, attestations: Any, vulns: Any = ()) -> None:
        self._atts = attestations
        self._vulns = vulns
        self.nonblocking = bool(getattr(attestations, "nonblocking", False))

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[AttestationOccurrence]:
        """Attestations of ``note_name`` for ``resource_url``."""
        return self._atts.occurrences(resource_url, note_name)  # type: ignore[no-any-return]

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[Any]:
        """VULNERABILITY occurrences of ``resource_url`` (scheme optional)."""
        if isinstance(self._vulns, (list, tuple)):
            url = resource_url.removeprefix("https://")
            return [v for v in self._vulns if v.header.resource_uri.removeprefix("https://") == url]
        where = image_project(resource_url)
        return () if where is None else self._vulns.vulnerabilities(where, resource_url)

    def close(self) -> None:
        """Close the wrapped source when it can be closed."""
        close = getattr(self._atts, "close", None)
        if close is not None:
            close()

