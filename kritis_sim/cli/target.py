"""The deploy target a command was told about: never guessed, always said.

``review``, ``webhook``, ``manifests`` and the pytest plugin all take the
cluster (``--cluster LOCATION.NAME``) and the Istio trust domain
(``--istio-trust-domain DOMAIN``) from their user. :func:`resolve_target`
checks those values against the policy in one place:

* ``--cluster`` must have the ``location.clusterId`` form of
  ``clusterAdmissionRules`` keys (the policy loader's own check), or be the
  word ``none``: "this cluster is not one the policy names".
* A policy with ``clusterAdmissionRules`` and no ``--cluster`` is refused
  (naming the keys); so is a policy with ``istioServiceIdentityAdmissionRules``
  and no ``--istio-trust-domain`` (``none`` again opts out explicitly).
* A value that can never select a rule of a non-empty map is reported as a
  note (for stderr): the default rule will govern every workload.

Namespace and service-account rules need nothing here: those keys come from
each object. This module only checks settings; it reads no files and decides
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kritis_sim.core.target import DeployTarget, TargetSettings
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.model.policy import Policy, RuleKind
from kritis_sim.model.policy_load import rule_key_form

if TYPE_CHECKING:
    from kritis_sim.scenarios.schema import Scenario

__all__ = [
    "NONE",
    "TargetSettings",
    "check_scenario_targets",
    "describe_target",
    "object_notes",
    "resolve_target",
]

#: The explicit "not a cluster (or trust domain) in the policy" value.
NONE = "none"

CLUSTER_FLAG = "--cluster"
TRUST_DOMAIN_FLAG = "--istio-trust-domain"


def _keys(keys: Iterable[str]) -> str:
    return ", ".join(sorted(keys))


def _check_cluster(cluster: str, flag: str) -> None:
    expected = rule_key_form(RuleKind.CLUSTER, cluster)
    if expected is not None:
        raise InputError(
            f"expected {expected}, or '{NONE}' for a cluster the policy does not "
            f"name; got {cluster!r}",
            path=flag,
        )


def _check_trust_domain(domain: str, flag: str) -> None:
    identity = f"{domain}/ns/default/sa/default"
    if "://" in domain or rule_key_form(RuleKind.ISTIO, identity) is not None:
        raise InputError(
            "expected an Istio trust domain (lower-case letters, digits, '.', '_' "
            f"and '-', e.g. cluster.local), or '{NONE}'; got {domain!r}",
            path=flag,
        )


def resolve_target(
    policy: Policy | None,
    cluster: str | None,
    trust_domain: str | None,
    *,
    cluster_flag: str = CLUSTER_FLAG,
    trust_domain_flag: str = TRUST_DOMAIN_FLAG,
) -> TargetSettings:
    """Check ``cluster`` and ``trust_domain`` (as given, None when not given)
    against ``policy`` (None when the command has no policy to look at).

    Raises:
        InputError: a malformed value, or a policy whose specific rules need a
            value that was not given (the message names the rule keys).
    """
    notes: list[str] = []
    if cluster is not None and cluster != NONE:
        _check_cluster(cluster, cluster_flag)
    if trust_domain is not None and trust_domain != NONE:
        _check_trust_domain(trust_domain, trust_domain_flag)
    cluster_rules = policy.cluster_admission_rules if policy is not None else {}
    istio_rules = (
        policy.istio_service_identity_admission_rules if policy is not None else {}
    )
    if cluster_rules:
        if cluster is None:
            raise InputError(
                f"the policy has clusterAdmissionRules ({_keys(cluster_rules)}) and "
                f"no {cluster_flag} was given; name the cluster deployed to "
                f"({cluster_flag} LOCATION.NAME), or say {cluster_flag} {NONE} "
                "for a cluster the policy does not name (the default rule applies)",
                path=cluster_flag,
            )
        if cluster == NONE:
            notes.append(
                f"{cluster_flag} {NONE}: clusterAdmissionRules "
                f"({_keys(cluster_rules)}) do not apply; the default rule governs"
            )
        elif cluster not in cluster_rules:
            notes.append(
                f"{cluster_flag} {cluster} matches none of the clusterAdmissionRules "
                f"keys ({_keys(cluster_rules)}); the default rule governs"
            )
    if istio_rules:
        if trust_domain is None:
            raise InputError(
                "the policy has istioServiceIdentityAdmissionRules "
                f"({_keys(istio_rules)}) and no {trust_domain_flag} was given; "
                f"give the mesh's trust domain ({trust_domain_flag} DOMAIN), or "
                f"say {trust_domain_flag} {NONE} for workloads outside the mesh",
                path=trust_domain_flag,
            )
        domains = {
            key.removeprefix("spiffe://").split("/", 1)[0] for key in istio_rules
        }
        if trust_domain == NONE or trust_domain not in domains:
            notes.append(
                f"{trust_domain_flag} {trust_domain} matches the trust domain of "
                f"no istioServiceIdentityAdmissionRules key ({_keys(istio_rules)}); "
                "the default rule governs"
            )
    return TargetSettings(
        cluster=None if cluster in (None, NONE) else cluster,
        trust_domain=None if trust_domain in (None, NONE) else trust_domain,
        notes=tuple(notes),
        cluster_given=cluster is not None,
    )


def describe_target(target: DeployTarget, settings: TargetSettings) -> str:
    """``deploy target: cluster C, namespace N, service account S[, istio ...]``."""
    return target.describe(
        f"cluster {NONE} (not one the policy names)"
        if settings.cluster_given
        else "no cluster given"
    )


def object_notes(policy: Policy, target: DeployTarget) -> tuple[str, ...]:
    """Notes about namespace and service-account rules that the target of one
    object does not match (those keys come from the object, not from flags)."""
    notes: list[str] = []
    namespace_rules = policy.kubernetes_namespace_admission_rules
    if namespace_rules and target.namespace not in namespace_rules:
        notes.append(
            f"namespace {target.namespace} matches none of the "
            f"kubernetesNamespaceAdmissionRules keys ({_keys(namespace_rules)}); "
            "the default rule governs"
        )
    account_rules = policy.kubernetes_service_account_admission_rules
    if account_rules and target.service_account_key not in account_rules:
        notes.append(
            f"service account {target.service_account_key} matches none of the "
            f"kubernetesServiceAccountAdmissionRules keys ({_keys(account_rules)}); "
            "the default rule governs"
        )
    return tuple(notes)


def check_scenario_targets(scenario: Scenario) -> None:
    """The same rule for scenario environments (pytest plugin, ``kritis-sim run``).

    Raises:
        ScenarioError: an environment without ``cluster`` (or with a malformed
            one) while the policy has clusterAdmissionRules (``cluster: none``
            says "not a cluster in the policy"), or Istio identity rules, which
            scenario environments cannot select (they have no trust domain).
    """
    policy = scenario.policy
    if policy is None:  # every environment is guarded by a platform policy
        return
    if policy.istio_service_identity_admission_rules:
        raise ScenarioError(
            "istioServiceIdentityAdmissionRules cannot be simulated: scenario "
            "environments have no Istio trust domain",
            path="policy.istioServiceIdentityAdmissionRules",
            source=scenario.where.source,
        )
    for env in scenario.environments.values():
        if env.platform_policy is not None:
            continue  # platform policies select check sets by namespace only
        flag = f"environments.{env.name}.cluster"
        try:
            resolve_target(policy, env.cluster, None, cluster_flag=flag)
        except InputError as exc:
            message = (
                exc.message.replace(f"no {flag} was given", "the environment names no cluster")
                .replace(f"({flag} LOCATION.NAME)", "(cluster: LOCATION.NAME)")
                .replace(f"say {flag} {NONE}", f"say cluster: {NONE}")
            )
            raise ScenarioError(
                message,
                path=flag,
                source=env.where.source,
                line=env.where.line,
            ) from None
