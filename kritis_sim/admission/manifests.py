"""Kubernetes manifests that install the webhook in a cluster.

:func:`webhook_manifests` returns, as plain dicts in apply order: a Namespace,
a ConfigMap with the policy, attestors and occurrences (unless the webhook
reads an emulator), the ``kubernetes.io/tls`` Secret, a Deployment, a Service,
optionally a PodDisruptionBudget, and the ValidatingWebhookConfiguration that
follows the good practice of wire-formats 7.5: ``sideEffects: None``,
``matchPolicy: Equivalent``, ``admissionReviewVersions: [v1, v1beta1]``,
explicit ``pods/ephemeralcontainers``.

An install must never block a cluster, so :class:`ManifestOptions` refuses
one without a policy (file mode), a serving certificate and key, or the CA
for ``caBundle``, and the objects are built so that one failure cannot stop
every workload: a ``--rollout`` (:class:`~.rollout.Rollout`) of ``dry-run``
(``failurePolicy: Ignore``, every rule ``DRYRUN_AUDIT_LOG_ONLY``) or
``enforce`` (``failurePolicy: Fail``); ``timeoutSeconds`` 5 (Kubernetes
allows 1 to 30, default 10); a namespaceSelector excluding ``kube-system``,
``kube-public``, ``kube-node-lease``, the webhook's own namespace and any
extra namespaces; replicas (2 by default) spread over nodes and zones
(``topologySpreadConstraints``, ``ScheduleAnyway`` so a one-node cluster
still runs them all) with a PodDisruptionBudget; pods that mount no
service-account token (the webhook never calls the API server) and pull their
image ``IfNotPresent``.

This module builds values; it neither talks to a cluster nor writes YAML.
"""

from __future__ import annotations

import base64
from typing import Any

from kritis_sim.admission.manifest_options import (
    DEFAULT_EXCLUDED_NAMESPACES,
    DEFAULT_TIMEOUT_SECONDS,
    ManifestOptions,
)
from kritis_sim.admission.rollout import Rollout, dry_run_policy_yaml

__all__ = [
    "DEFAULT_EXCLUDED_NAMESPACES",
    "DEFAULT_TIMEOUT_SECONDS",
    "ROLLOUT_ANNOTATION",
    "ManifestOptions",
    "Rollout",
    "webhook_manifests",
]

Manifest = dict[str, Any]

_PORT = 8443
_CONFIG_DIR = "/etc/kritis-sim"
_TLS_DIR = "/etc/kritis-sim-tls"

#: Annotation on the webhook configuration naming the rollout.
ROLLOUT_ANNOTATION = "kritis-sim.dev/rollout"

#: (apiGroup, resources) the webhook intercepts.
RULE_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "",
        ("pods", "pods/ephemeralcontainers", "replicationcontrollers", "podtemplates"),
    ),
    ("apps", ("deployments", "replicasets", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
)


def _labels(opts: ManifestOptions) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": opts.name,
        "app.kubernetes.io/part-of": "kritis-sim",
    }


def _meta(opts: ManifestOptions, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or opts.name,
        "namespace": opts.namespace,
        "labels": _labels(opts),
    }


def _args(opts: ManifestOptions) -> list[str]:
    args = ["webhook", "--host", "0.0.0.0", "--port", str(_PORT)]
    args += ["--tls-cert", f"{_TLS_DIR}/tls.crt", "--tls-key", f"{_TLS_DIR}/tls.key"]
    if opts.emulator_url is not None and opts.project is not None:
        args += ["--emulator", opts.emulator_url, "--project", opts.project]
    else:
        args += ["--policy", f"{_CONFIG_DIR}/policy.yaml"]
        args += ["--attestors", f"{_CONFIG_DIR}/attestors.yaml"]
        if opts.occurrences_json is not None:
            args += ["--occurrences", f"{_CONFIG_DIR}/occurrences.json"]
    if opts.cluster:
        args += ["--cluster", opts.cluster]
    if opts.istio_trust_domain:
        args += ["--istio-trust-domain", opts.istio_trust_domain]
    args += ["--judge-updates", opts.judge_updates]
    return [*args, "--audit-log", "-"]


def _probe(path: str) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": _PORT, "scheme": "HTTPS"},
        "periodSeconds": 10,
        "timeoutSeconds": 3,
    }


def _spread(opts: ManifestOptions) -> list[dict[str, Any]]:
    """Replicas on different nodes (and zones) where the cluster has them.

    ``ScheduleAnyway`` rather than ``DoNotSchedule``: a one-node cluster (kind)
    still runs every replica instead of leaving some Pending.
    """
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": _labels(opts)},
        }
        for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
    ]


def _deployment(opts: ManifestOptions) -> Manifest:
    mounts = [{"name": "tls", "mountPath": _TLS_DIR, "readOnly": True}]
    volumes: list[dict[str, Any]] = [
        {"name": "tls", "secret": {"secretName": f"{opts.name}-tls"}}
    ]
    if opts.emulator_url is None:
        mounts.append({"name": "config", "mountPath": _CONFIG_DIR, "readOnly": True})
        volumes.append({"name": "config", "configMap": {"name": f"{opts.name}-config"}})
    container: dict[str, Any] = {
        "name": "webhook",
        "image": opts.image,
        "imagePullPolicy": opts.image_pull_policy,
        "args": _args(opts),
        "ports": [{"name": "https", "containerPort": _PORT, "protocol": "TCP"}],
        "readinessProbe": _probe("/readyz"),
        "livenessProbe": _probe("/healthz"),
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": mounts,
    }
    template_meta: dict[str, Any] = {"labels": _labels(opts)}
    if opts.pod_annotations:
        template_meta["annotations"] = dict(opts.pod_annotations)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(opts),
        "spec": {
            "replicas": opts.replicas,
            "selector": {"matchLabels": _labels(opts)},
            "template": {
                "metadata": template_meta,
                "spec": {
                    # The webhook never calls the API server: no token to steal.
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "topologySpreadConstraints": _spread(opts),
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def _webhook_configuration(opts: ManifestOptions) -> Manifest:
    client_config: dict[str, Any] = {
        "service": {
            "namespace": opts.namespace,
            "name": opts.name,
            "path": "/validate",
            "port": 443,
        }
    }
    if opts.ca_pem:
        client_config["caBundle"] = base64.b64encode(opts.ca_pem).decode("ascii")
    rules = [
        {
            "operations": ["CREATE", "UPDATE"],
            "apiGroups": [group],
            "apiVersions": ["*"],
            "resources": list(resources),
            "scope": "Namespaced",
        }
        for group, resources in RULE_RESOURCES
    ]
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {
            "name": opts.name,
            "labels": _labels(opts),
            "annotations": {ROLLOUT_ANNOTATION: opts.rollout.value},
        },
        "webhooks": [
            {
                "name": opts.webhook_name,
                "clientConfig": client_config,
                "rules": rules,
                "failurePolicy": opts.rollout.failure_policy,
                "matchPolicy": "Equivalent",
                "sideEffects": "None",
                "timeoutSeconds": opts.timeout_seconds,
                "admissionReviewVersions": ["v1", "v1beta1"],
                "namespaceSelector": {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": opts.excluded_namespaces,
                        }
                    ]
                },
            }
        ],
    }


def webhook_manifests(opts: ManifestOptions) -> list[Manifest]:
    """Every object needed to run the webhook, in the order to apply them."""
    out: list[Manifest] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": opts.namespace, "labels": _labels(opts)},
        }
    ]
    if opts.emulator_url is None:
        policy = opts.policy_yaml or ""
        if opts.rollout is Rollout.DRY_RUN:
            policy = dry_run_policy_yaml(policy)
        data = {"policy.yaml": policy, "attestors.yaml": opts.attestors_yaml or ""}
        if opts.occurrences_json is not None:
            data["occurrences.json"] = opts.occurrences_json
        out.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": _meta(opts, f"{opts.name}-config"),
                "data": data,
            }
        )
    if opts.tls_cert_pem and opts.tls_key_pem:  # always: the options require them
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": _meta(opts, f"{opts.name}-tls"),
                "type": "kubernetes.io/tls",
                "data": {
                    "tls.crt": base64.b64encode(opts.tls_cert_pem).decode("ascii"),
                    "tls.key": base64.b64encode(opts.tls_key_pem).decode("ascii"),
                },
            }
        )
    out.append(_deployment(opts))
    out.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(opts),
            "spec": {
                "selector": _labels(opts),
                "ports": [
                    {
                        "name": "https",
                        "port": 443,
                        "targetPort": _PORT,
                        "protocol": "TCP",
                    }
                ],
            },
        }
    )
    if opts.pdb:
        out.append(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": _meta(opts),
                "spec": {"minAvailable": 1, "selector": {"matchLabels": _labels(opts)}},
            }
        )
    out.append(_webhook_configuration(opts))
    return out
