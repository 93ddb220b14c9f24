"""Which rule governs an image: allowlist, system policy, specific rule, default.

Pure functions over a :class:`~kritis_sim.model.policy.Policy` and a
:class:`~kritis_sim.core.target.DeployTarget`; no I/O. The order follows Binary
Authorization (wire-formats.md section 1.4):

1. an image matching ``admissionWhitelistPatterns`` is exempt;
2. with ``globalPolicyEvaluationMode: ENABLE`` the system policy's exempt images
   pass;
3. the one non-empty specific-rule map is consulted with the target's key, and a
   matching rule *replaces* the default rule;
4. otherwise ``defaultAdmissionRule`` applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kritis_sim.core.target import DeployTarget
from kritis_sim.model.decision import RuleRef
from kritis_sim.model.patterns import Allowlist, NamePattern
from kritis_sim.model.policy import AdmissionRule, GlobalPolicyEvaluationMode, Policy

__all__ = [
    "DEFAULT_SYSTEM_IMAGE_PATTERNS",
    "GoverningRule",
    "exemption",
    "governing_rule",
    "policy_allowlist",
    "system_allowlist",
]

#: Images Google's system policy exempts (GKE system components). A stand-in
#: for ``locations/global/policy``; configurable through DecisionOptions.
DEFAULT_SYSTEM_IMAGE_PATTERNS: tuple[str, ...] = (
    "gke.gcr.io/**",
    "gcr.io/gke-release/**",
    "gcr.io/google-containers/**",
    "k8s.gcr.io/**",
    "registry.k8s.io/**",
    "gcr.io/stackdriver-agents/**",
    "gcr.io/gke-node-images/**",
)


@dataclass(frozen=True, slots=True)
class GoverningRule:
    """A rule together with where it came from."""

    rule: AdmissionRule
    ref: RuleRef


def system_allowlist(patterns: tuple[str, ...]) -> Allowlist:
    """Compile the system-policy exemptions."""
    return Allowlist(NamePattern.parse(p) for p in patterns)


def policy_allowlist(
    policy: Policy, *, wildcard_free_matches_any_version: bool = False
) -> Allowlist:
    """The policy's compiled allowlist (built anew only for the non-default switch)."""
    if not wildcard_free_matches_any_version:
        return policy.allowlist
    return Allowlist(
        policy.admission_whitelist_patterns, wildcard_free_matches_any_version=True
    )


def exemption(
    image: str, policy: Policy, allowlist: Allowlist, system: Allowlist | None
) -> RuleRef | None:
    """The allowlist or system-policy exemption that covers ``image``, if any."""
    pattern = allowlist.match(image)
    if pattern is not None:
        return RuleRef("allowlist", pattern.text)
    if (
        system is not None
        and policy.global_policy_evaluation_mode is GlobalPolicyEvaluationMode.ENABLE
    ):
        pattern = system.match(image)
        if pattern is not None:
            return RuleRef("systemPolicy", pattern.text)
    return None


#: GoverningRule per (kind, key, rule object). Keyed on the rule's identity
#: because hashing a rule (a dataclass of enums, tuples and a duration) costs
#: more than the rest of the lookup; each entry holds its rule, so an id cannot
#: be recycled while its entry exists. Cleared when it grows past a bound.
_REFS: dict[tuple[str, str | None, int], tuple[AdmissionRule, GoverningRule]] = {}
_REFS_MAX = 4096


def _ref(kind: str, key: str | None, rule: AdmissionRule) -> GoverningRule:
    memo_key = (kind, key, id(rule))
    entry = _REFS.get(memo_key)
    if entry is not None and entry[0] is rule:
        return entry[1]
    governing = GoverningRule(
        rule,
        RuleRef(
            kind,
            key,
            rule.evaluation_mode.value,
            rule.enforcement_mode.value,
        ),
    )
    if len(_REFS) >= _REFS_MAX:
        _REFS.clear()
    _REFS[memo_key] = (rule, governing)
    return governing


def _istio_lookup(
    rules: Mapping[str, AdmissionRule], identity: str | None
) -> tuple[str, AdmissionRule] | None:
    if identity is None:
        return None
    want = identity.removeprefix("spiffe://")
    for key, rule in rules.items():
        if key.removeprefix("spiffe://") == want:
            return key, rule
    return None


def governing_rule(policy: Policy, target: DeployTarget) -> GoverningRule:
    """The rule that applies to images deployed to ``target``.

    Only one specific-rule map may be non-empty (the policy loader enforces it),
    so there is no precedence between map kinds.
    """
    if policy.cluster_admission_rules and target.cluster is not None:
        rule = policy.cluster_admission_rules.get(target.cluster)
        if rule is not None:
            return _ref("cluster", target.cluster, rule)
    if policy.kubernetes_namespace_admission_rules:
        rule = policy.kubernetes_namespace_admission_rules.get(target.namespace)
        if rule is not None:
            return _ref("namespace", target.namespace, rule)
    if policy.kubernetes_service_account_admission_rules:
        key = target.service_account_key
        rule = policy.kubernetes_service_account_admission_rules.get(key)
        if rule is not None:
            return _ref("serviceAccount", key, rule)
    if policy.istio_service_identity_admission_rules:
        found = _istio_lookup(
            policy.istio_service_identity_admission_rules, target.istio_identity
        )
        if found is not None:
            return _ref("istioServiceIdentity", found[0], found[1])
    return _ref("default", None, policy.default_admission_rule)
