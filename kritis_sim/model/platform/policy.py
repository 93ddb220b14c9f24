"""The Binary Authorization platform policy (``projects/*/platforms/*/policies/*``).

A :class:`PlatformPolicy` is what ``gcloud beta container binauthz policy create
--policy-file`` sends: a ``gkePolicy`` (a top-level image allowlist and a list
of :class:`CheckSet`, each scoped to a namespace or service account and holding
checks that are ANDed) and/or a ``cloudRunPolicy`` (the project-policy rule
model with attestors inlined). :meth:`PlatformPolicy.to_dict` writes the exact
camelCase document; :func:`load_platform_policy` reads and validates one (the
rules live in :mod:`kritis_sim.model.platform.load`).

This module does not evaluate anything (:mod:`kritis_sim.core.platform` does)
and values built with the constructors are trusted; only the loaders validate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kritis_sim._yaml import Locator
from kritis_sim.model.attestor import AttestorPublicKey
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.platform.checks import Check, ImageAllowlist
from kritis_sim.model.policy import EnforcementMode, EvaluationMode

__all__ = [
    "CheckSet",
    "CloudRunPolicy",
    "EvaluationRule",
    "GkePolicy",
    "InlineAttestor",
    "PlatformPolicy",
    "Scope",
    "load_platform_policy",
    "load_platform_policy_file",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """``CheckSet.scope``: at most one of namespace and ``namespace:sa``.

    Empty strings are kept as written (for an exact round trip) and mean
    "not set", as the API documents.
    """

    kubernetes_namespace: str | None = None
    kubernetes_service_account: str | None = None

    @property
    def namespace(self) -> str | None:
        """The namespace this scope is about (of the SA for an SA scope)."""
        if self.kubernetes_service_account:
            return self.kubernetes_service_account.partition(":")[0]
        return self.kubernetes_namespace or None

    @property
    def is_empty(self) -> bool:
        """True when the scope matches every namespace and service account."""
        return not self.kubernetes_namespace and not self.kubernetes_service_account

    def matches(self, namespace: str | None, service_account: str | None) -> bool:
        """Whether a Pod in ``namespace`` running as ``service_account`` is in scope.

        ``service_account`` is the bare name (``default`` when the Pod names
        none). A Pod without a namespace only matches the empty scope.
        """
        if self.kubernetes_service_account:
            return (
                namespace is not None
                and service_account is not None
                and self.kubernetes_service_account == f"{namespace}:{service_account}"
            )
        if self.kubernetes_namespace:
            return namespace is not None and self.kubernetes_namespace == namespace
        return True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.kubernetes_namespace is not None:
            out["kubernetesNamespace"] = self.kubernetes_namespace
        if self.kubernetes_service_account is not None:
            out["kubernetesServiceAccount"] = self.kubernetes_service_account
        return out


@dataclass(frozen=True, slots=True)
class CheckSet:
    """One ``CheckSet``: checks ANDed, for Pods in :attr:`scope`."""

    checks: tuple[Check, ...] = ()
    display_name: str | None = None
    image_allowlist: ImageAllowlist | None = None
    scope: Scope | None = None

    @property
    def is_unscoped(self) -> bool:
        """True when this check set applies to every Pod."""
        return self.scope is None or self.scope.is_empty

    def applies_to(self, namespace: str | None, service_account: str | None) -> bool:
        """Whether this check set's scope covers the Pod."""
        return self.scope is None or self.scope.matches(namespace, service_account)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.checks:
            out["checks"] = [c.to_dict() for c in self.checks]
        if self.display_name is not None:
            out["displayName"] = self.display_name
        if self.image_allowlist is not None:
            out["imageAllowlist"] = self.image_allowlist.to_dict()
        if self.scope is not None:
            out["scope"] = self.scope.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class GkePolicy:
    """``gkePolicy``: a policy-wide allowlist, then exactly one check set per Pod."""

    check_sets: tuple[CheckSet, ...] = ()
    image_allowlist: ImageAllowlist | None = None

    def check_set_for(
        self, namespace: str | None, service_account: str | None
    ) -> tuple[int, CheckSet] | None:
        """The first check set (and its index) whose scope covers the Pod.

        A loaded policy is ordered by decreasing specificity and ends with an
        unscoped check set, so the first match is the most specific one and a
        non-empty policy always has one. ``None`` only for no check sets.
        """
        for index, check_set in enumerate(self.check_sets):
            if check_set.applies_to(namespace, service_account):
                return index, check_set
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.check_sets:
            out["checkSets"] = [c.to_dict() for c in self.check_sets]
        if self.image_allowlist is not None:
            out["imageAllowlist"] = self.image_allowlist.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class InlineAttestor:
    """``cloudRunPolicy.rule.requiredAttestors[]``: an attestor inlined in the policy."""

    id: str
    attestation_note: str
    public_keys: tuple[AttestorPublicKey, ...] = ()
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"attestationNote": self.attestation_note}
        if self.description is not None:
            out["description"] = self.description
        out["id"] = self.id
        if self.public_keys:
            out["publicKeys"] = [k.to_dict() for k in self.public_keys]
        return out


@dataclass(frozen=True, slots=True)
class EvaluationRule:
    """``cloudRunPolicy.rule``: allow, deny or require the inlined attestors."""

    evaluation_mode: EvaluationMode
    enforcement_mode: EnforcementMode
    required_attestors: tuple[InlineAttestor, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "enforcementMode": self.enforcement_mode.value,
            "evaluationMode": self.evaluation_mode.value,
        }
        if self.required_attestors:
            out["requiredAttestors"] = [a.to_dict() for a in self.required_attestors]
        return out


@dataclass(frozen=True, slots=True)
class CloudRunPolicy:
    """``cloudRunPolicy`` (``InlineCloudRunPolicy``); loaded, not evaluated yet."""

    rule: EvaluationRule
    allowlist_patterns: tuple[NamePattern, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.allowlist_patterns:
            out["allowlistPatterns"] = [
                {"namePattern": p.text} for p in self.allowlist_patterns
            ]
        out["rule"] = self.rule.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class PlatformPolicy:
    """A platform policy (``binaryauthorization/v1`` ``PlatformPolicy``)."""

    gke_policy: GkePolicy | None = None
    cloud_run_policy: CloudRunPolicy | None = None
    name: str | None = None
    description: str | None = None
    etag: str | None = None
    update_time: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The camelCase document, keys sorted as gcloud writes them."""
        out: dict[str, Any] = {}
        if self.cloud_run_policy is not None:
            out["cloudRunPolicy"] = self.cloud_run_policy.to_dict()
        if self.gke_policy is not None:
            out["gkePolicy"] = self.gke_policy.to_dict()
        for key, value in (
            ("description", self.description),
            ("etag", self.etag),
            ("name", self.name),
            ("updateTime", self.update_time),
        ):
            if value is not None:
                out[key] = value
        return dict(sorted(out.items()))

    @classmethod
    def from_dict(cls, data: Any, *, locator: Locator | None = None) -> PlatformPolicy:
        """Validate and convert a parsed platform-policy document.

        Raises:
            PolicyError: naming the file, line and field path of the problem.
        """
        from kritis_sim.model.platform.load import platform_policy_from_dict

        return platform_policy_from_dict(data, locator=locator)


def load_platform_policy(
    text: str, *, source: str = "<platform policy>"
) -> PlatformPolicy:
    """Load one platform policy from YAML or JSON text.

    Raises:
        InputError: when ``text`` is not one YAML/JSON document.
        PolicyError: when the document is not a valid platform policy.
    """
    from kritis_sim._yaml import load_one

    data, locator = load_one(text, source)
    return PlatformPolicy.from_dict(data, locator=locator)


def load_platform_policy_file(path: str | os.PathLike[str]) -> PlatformPolicy:
    """Load one platform policy from a ``.json``, ``.yaml`` or ``.yml`` file.

    Raises:
        InputError: unreadable, over the input limits, not one document, or
            another extension (gcloud refuses those too).
        PolicyError: when the document is not a valid platform policy.
    """
    from kritis_sim._yaml import read_input
    from kritis_sim.errors import InputError

    name = os.fspath(path)
    if not name.lower().endswith((".json", ".yaml", ".yml")):
        raise InputError(
            "not of type YAML or JSON; a platform policy file must end in "
            ".json, .yaml or .yml (as gcloud --policy-file requires)",
            source=name,
        )
    return load_platform_policy(read_input(path), source=name)
