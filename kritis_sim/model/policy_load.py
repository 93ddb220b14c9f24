"""Validate a policy document and build a :class:`~kritis_sim.model.policy.Policy`.

The rules are those of ``gcloud container binauthz policy import`` and the
``binaryauthorization/v1`` API (``docs/policy.md`` lists them): known camelCase
fields only, the right JSON types, enum names or proto numbers, a required
default rule, at most one specific-rule map, well-formed map keys and attestor
names, and ``requireAttestationsBy`` non-empty exactly for REQUIRE_ATTESTATION.
Every failure is a :class:`~kritis_sim.errors.PolicyError` naming the file, the
line and the field path.

This module does not check that the named attestors exist (that needs the
attestor set; the decision core reports missing attestors) and does no I/O.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import PatternError, PolicyError
from kritis_sim.model._fields import FieldReader, check_resource_name
from kritis_sim.model.durations import DurationSyntaxError, parse_duration
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.policy import (
    MAX_AGE_BY_ATTESTOR_FIELD,
    MAX_AGE_FIELD,
    SPECIFIC_RULE_FIELDS,
    AdmissionRule,
    EnforcementMode,
    EvaluationMode,
    GlobalPolicyEvaluationMode,
    Policy,
    RuleKind,
    RuleMap,
)

__all__ = ["MAX_PATTERNS", "MAX_RULES", "policy_from_dict", "rule_key_form"]

#: The most ``admissionWhitelistPatterns`` a policy may have (docs/limits.md).
MAX_PATTERNS = 20_000
#: The most rules one specific-rule map may have (docs/limits.md).
MAX_RULES = 15_000

_POLICY_FIELDS = frozenset(
    {
        "name",
        "description",
        "globalPolicyEvaluationMode",
        "admissionWhitelistPatterns",
        "defaultAdmissionRule",
        *SPECIFIC_RULE_FIELDS,
        "etag",
        "updateTime",
    }
)
_RULE_FIELDS = frozenset(
    {
        "evaluationMode",
        "enforcementMode",
        "requireAttestationsBy",
        MAX_AGE_FIELD,
        MAX_AGE_BY_ATTESTOR_FIELD,
    }
)

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
_DNS_SUBDOMAIN = rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*"
#: location.clusterId: a region (us-central1) or zone (us-central1-a), then a GKE
#: cluster name (a lower-case letter, then up to 39 letters, digits or hyphens).
_CLUSTER_KEY = re.compile(
    r"[a-z]+-[a-z]+[0-9]+(?:-[a-z])?\.[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?"
)
_NAMESPACE_KEY = re.compile(r"[a-z.-]+")
_SERVICE_ACCOUNT_KEY = re.compile(rf"{_DNS_LABEL}:{_DNS_SUBDOMAIN}")
_ISTIO_KEY = re.compile(
    rf"(?:spiffe://)?[a-z0-9._-]+/ns/{_DNS_LABEL}/sa/{_DNS_SUBDOMAIN}"
)
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})"
)

_KEY_RULES: Mapping[RuleKind, tuple[re.Pattern[str], str]] = {
    RuleKind.CLUSTER: (
        _CLUSTER_KEY,
        "'location.clusterId' where location is a zone (us-central1-a) or a region "
        "(us-central1) and clusterId a GKE cluster name (e.g. 'us-east1-b.prod')",
    ),
    RuleKind.NAMESPACE: (_NAMESPACE_KEY, "a Kubernetes namespace matching [a-z.-]+"),
    RuleKind.SERVICE_ACCOUNT: (
        _SERVICE_ACCOUNT_KEY,
        "'namespace:serviceaccount' (e.g. 'test-ns:default')",
    ),
    RuleKind.ISTIO: (
        _ISTIO_KEY,
        "'spiffe://<trust-domain>/ns/<namespace>/sa/<serviceaccount>' "
        "(the 'spiffe://' scheme may be left off)",
    ),
}


def rule_key_form(kind: RuleKind, key: str) -> str | None:
    """``None`` when ``key`` has the form of a ``kind`` rule key, else the
    expected form in words (the same check the loader applies to map keys)."""
    pattern, expected = _KEY_RULES[kind]
    return None if pattern.fullmatch(key) else expected


def policy_from_dict(
    data: Any, *, locator: Locator | None = None, strict: bool = False
) -> Policy:
    """Validate ``data`` as a policy document and build the :class:`Policy`.

    Raises:
        PolicyError: naming the file, line and field path of the first problem.
    """
    return _PolicyReader(
        FieldReader(locator or Locator("<policy>"), PolicyError), strict
    ).policy(data)


class _PolicyReader:
    def __init__(self, fields: FieldReader, strict: bool) -> None:
        self.f = fields
        self.strict = strict

    def policy(self, data: Any) -> Policy:
        doc = self.f.mapping(data, (), known=_POLICY_FIELDS, what="a Policy")
        if "defaultAdmissionRule" not in doc:
            self.f.fail((), "missing required field 'defaultAdmissionRule'")
        default = self.rule(doc["defaultAdmissionRule"], ("defaultAdmissionRule",))
        maps = {
            key: self.rule_map(doc[key], (key,), kind)
            for key, kind in SPECIFIC_RULE_FIELDS.items()
            if key in doc
        }
        non_empty = [key for key, rules in maps.items() if rules]
        if len(non_empty) > 1:
            self.f.fail(
                (non_empty[1],),
                "at most one of clusterAdmissionRules, kubernetesNamespaceAdmissionRules, "
                "kubernetesServiceAccountAdmissionRules and "
                "istioServiceIdentityAdmissionRules may be non-empty; found "
                + " and ".join(non_empty),
            )
        global_mode = (
            GlobalPolicyEvaluationMode.GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED
        )
        if "globalPolicyEvaluationMode" in doc:
            global_mode = self.f.enum_value(
                doc["globalPolicyEvaluationMode"],
                ("globalPolicyEvaluationMode",),
                GlobalPolicyEvaluationMode,
            )
        update_time = self.f.optional_string(doc, "updateTime", ())
        if update_time is not None and not _RFC3339.fullmatch(update_time):
            self.f.fail(
                ("updateTime",),
                f"expected an RFC 3339 timestamp such as '2024-05-01T12:00:00Z', "
                f"got {update_time!r}",
            )
        return Policy(
            default_admission_rule=default,
            name=self.f.optional_string(doc, "name", ()),
            description=self.f.optional_string(doc, "description", ()),
            global_policy_evaluation_mode=global_mode,
            admission_whitelist_patterns=self.patterns(doc),
            cluster_admission_rules=maps.get("clusterAdmissionRules", RuleMap()),
            kubernetes_namespace_admission_rules=maps.get(
                "kubernetesNamespaceAdmissionRules", RuleMap()
            ),
            kubernetes_service_account_admission_rules=maps.get(
                "kubernetesServiceAccountAdmissionRules", RuleMap()
            ),
            istio_service_identity_admission_rules=maps.get(
                "istioServiceIdentityAdmissionRules", RuleMap()
            ),
            etag=self.f.optional_string(doc, "etag", ()),
            update_time=update_time,
        )

    def patterns(self, doc: Mapping[str, Any]) -> tuple[NamePattern, ...]:
        if "admissionWhitelistPatterns" not in doc:
            return ()
        base: Path = ("admissionWhitelistPatterns",)
        out: list[NamePattern] = []
        items = self.f.sequence(doc["admissionWhitelistPatterns"], base)
        if len(items) > MAX_PATTERNS:
            self.f.fail(
                base,
                f"{len(items)} patterns is more than the limit of {MAX_PATTERNS} "
                "(docs/limits.md)",
            )
        for i, item in enumerate(items):
            entry = self.f.mapping(
                item,
                (*base, i),
                known={"namePattern"},
                what="an AdmissionWhitelistPattern",
            )
            path: Path = (*base, i, "namePattern")
            if "namePattern" not in entry:
                self.f.fail((*base, i), "missing required field 'namePattern'")
            text = self.f.string(entry["namePattern"], path)
            try:
                out.append(NamePattern.parse(text))
            except PatternError as exc:
                self.f.fail(path, exc.message)
        return tuple(out)

    def rule_map(self, value: Any, path: Path, kind: RuleKind) -> RuleMap:
        rules = self.f.string_map(value, path, what=f"a map of {kind.value} rules")
        if len(rules) > MAX_RULES:
            self.f.fail(
                path,
                f"{len(rules)} rules is more than the limit of {MAX_RULES} "
                "(docs/limits.md)",
            )
        pattern, expected = _KEY_RULES[kind]
        out: dict[str, AdmissionRule] = {}
        for key, rule in rules.items():
            if not pattern.fullmatch(key):
                self.f.fail(
                    (*path, key),
                    f"bad {kind.value} rule key {key!r}; expected {expected}",
                )
            out[key] = self.rule(rule, (*path, key))
        return RuleMap(out)

    def rule(self, value: Any, path: Path) -> AdmissionRule:
        doc = self.f.mapping(value, path, known=_RULE_FIELDS, what="an AdmissionRule")
        evaluation = self.required_enum(doc, path, "evaluationMode", EvaluationMode)
        enforcement = self.required_enum(doc, path, "enforcementMode", EnforcementMode)
        attestors = self.attestors(doc, path)
        requires = evaluation is EvaluationMode.REQUIRE_ATTESTATION
        if requires and not attestors:
            self.f.fail(
                (*path, "requireAttestationsBy"),
                "evaluationMode REQUIRE_ATTESTATION needs at least one attestor in "
                "requireAttestationsBy",
            )
        if attestors and not requires:
            self.f.fail(
                (*path, "requireAttestationsBy"),
                f"requireAttestationsBy must be empty when evaluationMode is "
                f"{evaluation.value}; it is used only with REQUIRE_ATTESTATION",
            )
        return AdmissionRule(
            evaluation_mode=evaluation,
            enforcement_mode=enforcement,
            require_attestations_by=attestors,
            max_attestation_age=self.max_age(doc, path),
            max_attestation_age_by_attestor=self.max_age_by_attestor(
                doc, path, attestors
            ),
        )

    def required_enum(
        self,
        doc: Mapping[str, Any],
        path: Path,
        key: str,
        cls: type[EvaluationMode] | type[EnforcementMode],
    ) -> Any:
        if key not in doc:
            self.f.fail(path, f"missing required field {key!r}")
        member = self.f.enum_value(doc[key], (*path, key), cls)
        if member.number == 0:
            choices = ", ".join(m.value for m in cls if m.number != 0)
            self.f.fail(
                (*path, key),
                f"{member.value} is not allowed; expected one of {choices}",
            )
        return member

    def attestors(self, doc: Mapping[str, Any], path: Path) -> tuple[str, ...]:
        if "requireAttestationsBy" not in doc:
            return ()
        base: Path = (*path, "requireAttestationsBy")
        seen: dict[str, int] = {}
        for i, item in enumerate(self.f.sequence(doc["requireAttestationsBy"], base)):
            name = self.f.string(item, (*base, i))
            problem = check_resource_name(name, "attestors")
            if problem:
                self.f.fail((*base, i), problem)
            if name in seen:
                self.f.fail(
                    (*base, i),
                    f"duplicate attestor {name!r} (already listed at index {seen[name]})",
                )
            seen[name] = i
        return tuple(seen)

    def extension(self, where: Path, key: str) -> None:
        if self.strict:
            self.f.fail(
                where,
                f"{key} is a kritis-sim extension, not accepted by Google's "
                "Binary Authorization API (strict mode); remove it or load without strict",
            )

    def duration(self, value: Any, where: Path) -> datetime.timedelta:
        text = self.f.string(value, where)
        try:
            return parse_duration(text)
        except DurationSyntaxError as exc:
            self.f.fail(where, str(exc))

    def max_age(self, doc: Mapping[str, Any], path: Path) -> Any:
        if MAX_AGE_FIELD not in doc:
            return None
        where: Path = (*path, MAX_AGE_FIELD)
        self.extension(where, MAX_AGE_FIELD)
        return self.duration(doc[MAX_AGE_FIELD], where)

    def max_age_by_attestor(
        self, doc: Mapping[str, Any], path: Path, attestors: tuple[str, ...]
    ) -> tuple[tuple[str, datetime.timedelta], ...]:
        if MAX_AGE_BY_ATTESTOR_FIELD not in doc:
            return ()
        where: Path = (*path, MAX_AGE_BY_ATTESTOR_FIELD)
        self.extension(where, MAX_AGE_BY_ATTESTOR_FIELD)
        ages = self.f.string_map(
            doc[MAX_AGE_BY_ATTESTOR_FIELD],
            where,
            what="a map from attestor name to maximum age",
        )
        out: list[tuple[str, datetime.timedelta]] = []
        for name, value in ages.items():
            if name not in attestors:
                close = difflib.get_close_matches(name, attestors, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; listed: {', '.join(attestors) or 'none'}"
                )
                self.f.fail(
                    (*where, name),
                    f"attestor {name!r} is not in this rule's requireAttestationsBy"
                    + hint,
                )
            out.append((name, self.duration(value, (*where, name))))
        return tuple(out)
