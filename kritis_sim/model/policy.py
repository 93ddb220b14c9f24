"""The Binary Authorization project policy as immutable values.

A :class:`Policy` is what ``gcloud container binauthz policy import`` accepts and
``policy export`` writes: a default admission rule, at most one map of specific
rules (per cluster, namespace, service account or Istio identity), and an
allowlist of image name patterns. :meth:`Policy.to_dict` writes the camelCase
document; :func:`load_policy` and :meth:`Policy.from_dict` read and validate one
(the checks live in :mod:`kritis_sim.model.policy_load`).

This module does not decide anything: choosing the rule that governs a request
and judging attestations is :mod:`kritis_sim.core`'s job. Values built directly
with the constructors are trusted; only the loaders validate.

kritis-sim extensions: :attr:`AdmissionRule.max_attestation_age`, written as
``kritisSimMaxAttestationAge``, and
:attr:`AdmissionRule.max_attestation_age_by_attestor`, written as
``kritisSimMaxAttestationAgeByAttestor`` (see ``docs/policy.md``).
"""

from __future__ import annotations

import datetime
import enum
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim._yaml import Locator
from kritis_sim.model._fields import ProtoEnum
from kritis_sim.model.durations import format_duration
from kritis_sim.model.patterns import Allowlist, NamePattern

__all__ = [
    "MAX_AGE_BY_ATTESTOR_FIELD",
    "MAX_AGE_FIELD",
    "AdmissionRule",
    "EnforcementMode",
    "EvaluationMode",
    "GlobalPolicyEvaluationMode",
    "Policy",
    "RuleKind",
    "RuleMap",
    "load_policy",
    "load_policy_file",
]

#: The AdmissionRule key of the kritis-sim freshness extension.
MAX_AGE_FIELD = "kritisSimMaxAttestationAge"
#: The AdmissionRule key of the per-attestor freshness extension.
MAX_AGE_BY_ATTESTOR_FIELD = "kritisSimMaxAttestationAgeByAttestor"


class EvaluationMode(ProtoEnum):
    """``AdmissionRule.evaluationMode``: what the rule does with an image."""

    EVALUATION_MODE_UNSPECIFIED = "EVALUATION_MODE_UNSPECIFIED"
    ALWAYS_ALLOW = "ALWAYS_ALLOW"
    REQUIRE_ATTESTATION = "REQUIRE_ATTESTATION"
    ALWAYS_DENY = "ALWAYS_DENY"


class EnforcementMode(ProtoEnum):
    """``AdmissionRule.enforcementMode``: block a denied pod, or only log it."""

    ENFORCEMENT_MODE_UNSPECIFIED = "ENFORCEMENT_MODE_UNSPECIFIED"
    ENFORCED_BLOCK_AND_AUDIT_LOG = "ENFORCED_BLOCK_AND_AUDIT_LOG"
    DRYRUN_AUDIT_LOG_ONLY = "DRYRUN_AUDIT_LOG_ONLY"


class GlobalPolicyEvaluationMode(ProtoEnum):
    """``Policy.globalPolicyEvaluationMode``; UNSPECIFIED is treated as DISABLE."""

    GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED = (
        "GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED"
    )
    ENABLE = "ENABLE"
    DISABLE = "DISABLE"


class RuleKind(enum.Enum):
    """Which part of the policy a rule came from."""

    DEFAULT = "default"
    CLUSTER = "cluster"
    NAMESPACE = "namespace"
    SERVICE_ACCOUNT = "serviceAccount"
    ISTIO = "istioServiceIdentity"


@dataclass(frozen=True, slots=True)
class AdmissionRule:
    """One admission rule.

    Attributes:
        evaluation_mode: allow, deny, or require attestations.
        enforcement_mode: block and log, or log only (dry run).
        require_attestations_by: attestor names ``projects/P/attestors/A``;
            non-empty exactly when ``evaluation_mode`` is REQUIRE_ATTESTATION.
        max_attestation_age: kritis-sim extension: attestations older than
            this do not count. ``None`` means no limit (Google's behaviour).
        max_attestation_age_by_attestor: kritis-sim extension: ``(attestor,
            maximum age)`` pairs; for a listed attestor its own limit replaces
            ``max_attestation_age`` (longer or shorter).
        max_ages: the limit of each of ``require_attestations_by``, in order
            (``None``: no limit); worked out once when the rule is built, so a
            decision does no lookup.
    """

    evaluation_mode: EvaluationMode
    enforcement_mode: EnforcementMode
    require_attestations_by: tuple[str, ...] = ()
    max_attestation_age: datetime.timedelta | None = None
    max_attestation_age_by_attestor: tuple[tuple[str, datetime.timedelta], ...] = ()
    max_ages: tuple[datetime.timedelta | None, ...] = field(
        default=(), init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        # A map: one canonical (sorted) order, so equal maps compare equal
        # however they were written (YAML export sorts keys, for one).
        by_attestor = tuple(sorted(dict(self.max_attestation_age_by_attestor).items()))
        object.__setattr__(self, "max_attestation_age_by_attestor", by_attestor)
        own = dict(by_attestor)
        object.__setattr__(
            self,
            "max_ages",
            tuple(
                own.get(name, self.max_attestation_age)
                for name in self.require_attestations_by
            ),
        )

    def max_age_for(self, attestor: str) -> datetime.timedelta | None:
        """The freshness limit for ``attestor`` under this rule (None: none)."""
        return dict(self.max_attestation_age_by_attestor).get(
            attestor, self.max_attestation_age
        )

    def to_dict(self) -> dict[str, Any]:
        """The camelCase rule, keys sorted as ``gcloud ... policy export`` writes it."""
        out: dict[str, Any] = {
            "enforcementMode": self.enforcement_mode.value,
            "evaluationMode": self.evaluation_mode.value,
        }
        if self.max_attestation_age is not None:
            out[MAX_AGE_FIELD] = format_duration(self.max_attestation_age)
        if self.max_attestation_age_by_attestor:
            out[MAX_AGE_BY_ATTESTOR_FIELD] = {
                name: format_duration(age)
                for name, age in self.max_attestation_age_by_attestor
            }
        if self.require_attestations_by:
            out["requireAttestationsBy"] = list(self.require_attestations_by)
        return out


class RuleMap(Mapping[str, AdmissionRule]):
    """An immutable, hashable, insertion-ordered map of specific rules."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, AdmissionRule] | None = None) -> None:
        self._items: dict[str, AdmissionRule] = dict(items or {})

    def __getitem__(self, key: str) -> AdmissionRule:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"RuleMap({self._items!r})"


#: Policy field name -> RuleKind, for the four specific-rule maps.
SPECIFIC_RULE_FIELDS: Mapping[str, RuleKind] = {
    "clusterAdmissionRules": RuleKind.CLUSTER,
    "kubernetesNamespaceAdmissionRules": RuleKind.NAMESPACE,
    "kubernetesServiceAccountAdmissionRules": RuleKind.SERVICE_ACCOUNT,
    "istioServiceIdentityAdmissionRules": RuleKind.ISTIO,
}


@dataclass(frozen=True, slots=True)
class Policy:
    """A Binary Authorization project policy (``binaryauthorization/v1``).

    Mappings given to the constructor are copied into read-only
    :class:`RuleMap` values, so a policy never changes after it is built.
    """

    default_admission_rule: AdmissionRule
    name: str | None = None
    description: str | None = None
    global_policy_evaluation_mode: GlobalPolicyEvaluationMode = (
        GlobalPolicyEvaluationMode.GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED
    )
    admission_whitelist_patterns: tuple[NamePattern, ...] = ()
    cluster_admission_rules: Mapping[str, AdmissionRule] = field(
        default_factory=RuleMap
    )
    kubernetes_namespace_admission_rules: Mapping[str, AdmissionRule] = field(
        default_factory=RuleMap
    )
    kubernetes_service_account_admission_rules: Mapping[str, AdmissionRule] = field(
        default_factory=RuleMap
    )
    istio_service_identity_admission_rules: Mapping[str, AdmissionRule] = field(
        default_factory=RuleMap
    )
    etag: str | None = None
    update_time: str | None = None
    _allowlist: Allowlist | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        for attr in (
            "cluster_admission_rules",
            "kubernetes_namespace_admission_rules",
            "kubernetes_service_account_admission_rules",
            "istio_service_identity_admission_rules",
        ):
            value = getattr(self, attr)
            if not isinstance(value, RuleMap):
                object.__setattr__(self, attr, RuleMap(value))
        object.__setattr__(
            self,
            "admission_whitelist_patterns",
            tuple(self.admission_whitelist_patterns),
        )

    @property
    def allowlist(self) -> Allowlist:
        """The compiled ``admissionWhitelistPatterns`` (built once, on first use)."""
        cached = self._allowlist
        if cached is None:
            cached = Allowlist(self.admission_whitelist_patterns)
            object.__setattr__(self, "_allowlist", cached)
        return cached

    def rules_of(self, kind: RuleKind) -> Mapping[str, AdmissionRule]:
        """The specific-rule map of ``kind`` (DEFAULT maps ``""`` to the default)."""
        if kind is RuleKind.CLUSTER:
            return self.cluster_admission_rules
        if kind is RuleKind.NAMESPACE:
            return self.kubernetes_namespace_admission_rules
        if kind is RuleKind.SERVICE_ACCOUNT:
            return self.kubernetes_service_account_admission_rules
        if kind is RuleKind.ISTIO:
            return self.istio_service_identity_admission_rules
        return RuleMap({"": self.default_admission_rule})

    def specific_rules(self) -> tuple[RuleKind, Mapping[str, AdmissionRule]] | None:
        """The one non-empty specific-rule map and its kind, or ``None``.

        A loaded policy has at most one; if a hand-built policy has several,
        the first in the order cluster, namespace, service account, Istio wins.
        """
        for kind in SPECIFIC_RULE_FIELDS.values():
            rules = self.rules_of(kind)
            if rules:
                return kind, rules
        return None

    def to_dict(self) -> dict[str, Any]:
        """The camelCase document, as ``gcloud ... policy export`` writes it.

        Keys are sorted as gcloud sorts them. Empty maps and lists, ``None``
        fields and an UNSPECIFIED global mode are left out, as proto JSON leaves
        out default values.
        """
        out: dict[str, Any] = {
            "defaultAdmissionRule": self.default_admission_rule.to_dict(),
        }
        if self.admission_whitelist_patterns:
            out["admissionWhitelistPatterns"] = [
                {"namePattern": p.text} for p in self.admission_whitelist_patterns
            ]
        for key, kind in SPECIFIC_RULE_FIELDS.items():
            rules = self.rules_of(kind)
            if rules:
                out[key] = {k: r.to_dict() for k, r in rules.items()}
        if self.global_policy_evaluation_mode.number != 0:
            out["globalPolicyEvaluationMode"] = self.global_policy_evaluation_mode.value
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
    def from_dict(
        cls, data: Any, *, locator: Locator | None = None, strict: bool = False
    ) -> Policy:
        """Validate and convert a policy document (already parsed YAML/JSON).

        Args:
            data: the document, camelCase as ``gcloud`` reads it.
            locator: lines of ``data`` for error messages, from
                :func:`kritis_sim._yaml.load_one`.
            strict: refuse kritis-sim extensions, accepting only what Google's
                API accepts.

        Raises:
            PolicyError: naming the file, line and field path of the problem.
        """
        from kritis_sim.model.policy_load import policy_from_dict

        return policy_from_dict(data, locator=locator, strict=strict)


def load_policy(text: str, *, source: str = "<policy>", strict: bool = False) -> Policy:
    """Load one policy from YAML or JSON text.

    Raises:
        InputError: when ``text`` is not one YAML/JSON document.
        PolicyError: when the document is not a valid policy.
    """
    from kritis_sim._yaml import load_one

    data, locator = load_one(text, source)
    return Policy.from_dict(data, locator=locator, strict=strict)


def load_policy_file(path: str | os.PathLike[str], *, strict: bool = False) -> Policy:
    """Load one policy from a YAML or JSON file (UTF-8).

    Raises:
        InputError: when the file cannot be read, is beyond the input limits
            (``docs/limits.md``) or is not one YAML/JSON document.
        PolicyError: when the document is not a valid policy.
    """
    from kritis_sim._yaml import read_input

    return load_policy(read_input(path), source=os.fspath(path), strict=strict)
