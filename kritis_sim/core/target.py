"""Where a workload is being deployed: the keys that select a specific rule.

This module holds values only; it does not read Kubernetes objects (see
:mod:`kritis_sim.admission.workloads` for that).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DeployTarget", "TargetSettings"]


@dataclass(frozen=True, slots=True)
class DeployTarget:
    """The deploy target of one admission request.

    Attributes:
        cluster: ``location.clusterId`` (e.g. ``us-east1-b.prod``), or None when
            the enforcer was not told which cluster it guards.
        namespace: the Kubernetes namespace.
        service_account: the pod's service account (``default`` when unset).
        istio_identity: ``spiffe://<trust-domain>/ns/<ns>/sa/<sa>`` when an Istio
            trust domain is configured, else None.
    """

    cluster: str | None = None
    namespace: str = "default"
    service_account: str = "default"
    istio_identity: str | None = None

    @property
    def service_account_key(self) -> str:
        """The ``namespace:serviceaccount`` rule key."""
        return f"{self.namespace}:{self.service_account}"

    def describe(self, no_cluster: str = "no cluster") -> str:
        """``deploy target: cluster C, namespace N, service account S[, ...]``,
        the words every human explanation of a decision ends with
        (``no_cluster`` says why there is no cluster, when there is none)."""
        cluster = f"cluster {self.cluster}" if self.cluster else no_cluster
        text = (
            f"deploy target: {cluster}, namespace {self.namespace}, "
            f"service account {self.service_account}"
        )
        if self.istio_identity is not None:
            text += f", istio identity {self.istio_identity}"
        return text

    @classmethod
    def with_trust_domain(
        cls,
        *,
        cluster: str | None,
        namespace: str,
        service_account: str = "default",
        trust_domain: str | None = None,
    ) -> DeployTarget:
        """Build a target, deriving the Istio identity from ``trust_domain``."""
        identity = None
        if trust_domain:
            identity = f"spiffe://{trust_domain}/ns/{namespace}/sa/{service_account}"
        return cls(cluster, namespace, service_account, identity)


@dataclass(frozen=True, slots=True)
class TargetSettings:
    """The checked deploy-target settings of a command.

    Attributes:
        cluster: ``location.clusterId``, or None (``--cluster none`` or a
            policy without cluster rules and no ``--cluster``).
        trust_domain: the Istio trust domain, or None.
        notes: human sentences about rule maps these settings can never match.
        cluster_given: whether the user named a cluster (or ``none``).
    """

    cluster: str | None
    trust_domain: str | None
    notes: tuple[str, ...] = ()
    cluster_given: bool = False
