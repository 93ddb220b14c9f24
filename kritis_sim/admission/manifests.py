"""Kubernetes manifests that install the webhook in a cluster.

:func:`webhook_manifests` returns, as plain dicts in apply order: a Namespace,
optionally a ConfigMap with the policy, attestors and occurrences and a
``kubernetes.io/tls`` Secret, a Deployment (2 replicas, probes on ``/readyz`` and ``/healthz``,
locked-down security context), a Service, optionally a PodDisruptionBudget,
and the ValidatingWebhookConfiguration that follows the good practice of
wire-formats 7.5: ``failurePolicy: Fail``, ``sideEffects: None``,
``matchPolicy: Equivalent``, ``admissionReviewVersions: [v1, v1beta1]``,
explicit ``pods/ephemeralcontainers``, and a namespaceSelector that excludes
``kube-system`` and the webhook's own namespace.

This module builds values; it neither talks to a cluster nor writes YAML.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ManifestOptions", "webhook_manifests"]

Manifest = dict[str, Any]

_PORT = 8443
_CONFIG_DIR = "/etc/kritis-sim"
_TLS_DIR = "/etc/kritis-sim-tls"

#: (apiGroup, resources) the webhook intercepts.
RULE_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "",
        ("pods", "pods/ephemeralcontainers", "replicationcontrollers", "podtemplates"),
    ),
    ("apps", ("deployments", "replicasets", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
)


@dataclass(frozen=True, slots=True)
class ManifestOptions:
    """What to put in the manifests.

    Attributes:
        namespace: where the webhook runs (excluded from enforcement).
        name: name of the Deployment, Service and related objects.
        image: the container image running ``kritis-sim``.
        webhook_name: the fully qualified webhook name.
        ca_pem: the CA that signed the serving certificate (``caBundle``).
        cluster: ``location.name`` (or ``none``) passed to ``--cluster``.
        istio_trust_domain: passed to ``--istio-trust-domain`` when set.
        emulator_url: read policy and attestations from a Grafeas emulator...
        project: ...for this project; otherwise from the ConfigMap.
        policy_yaml: policy text for the ConfigMap (file mode).
        attestors_yaml: attestors text for the ConfigMap (file mode).
        occurrences_json: attestation occurrences for the ConfigMap (file
            mode); when given, the webhook reads them with ``--occurrences``.
        tls_cert_pem: serving certificate for the Secret (omitted when None).
        tls_key_pem: its key.
        timeout_seconds: the webhook call timeout (1 to 30).
        replicas: Deployment replicas.
        pdb: also emit a PodDisruptionBudget (minAvailable 1).
        image_pull_policy: the container's ``imagePullPolicy`` (None leaves
            the Kubernetes default; ``Never`` for an image loaded into kind).
        pod_annotations: annotations on the pod template (a changed value
            rolls the Deployment, e.g. a hash of the configuration).
    """

    namespace: str = "kritis-sim"
    name: str = "kritis-sim-webhook"
    image: str = "kritis-sim:latest"
    webhook_name: str = "admission.kritis-sim.dev"
    ca_pem: bytes | None = None
    cluster: str | None = None
    istio_trust_domain: str | None = None
    emulator_url: str | None = None
    project: str | None = None
    policy_yaml: str | None = None
    attestors_yaml: str | None = None
    occurrences_json: str | None = None
    tls_cert_pem: bytes | None = None
    tls_key_pem: bytes | None = None
    timeout_seconds: int = 10
    replicas: int = 2
    pdb: bool = True
    image_pull_policy: str | None = None
    pod_annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.timeout_seconds <= 30:
            raise ValueError(
                f"timeoutSeconds must be 1 to 30, got {self.timeout_seconds}"
            )
        if (self.emulator_url is None) != (self.project is None):
            raise ValueError("emulator_url and project go together")


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
    return [*args, "--audit-log", "-"]


def _probe(path: str) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": _PORT, "scheme": "HTTPS"},
        "periodSeconds": 10,
        "timeoutSeconds": 3,
    }


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
    if opts.image_pull_policy is not None:
        container["imagePullPolicy"] = opts.image_pull_policy
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
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
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
    if opts.ca_pem is not None:
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
        "metadata": {"name": opts.name, "labels": _labels(opts)},
        "webhooks": [
            {
                "name": opts.webhook_name,
                "clientConfig": client_config,
                "rules": rules,
                "failurePolicy": "Fail",
                "matchPolicy": "Equivalent",
                "sideEffects": "None",
                "timeoutSeconds": opts.timeout_seconds,
                "admissionReviewVersions": ["v1", "v1beta1"],
                "namespaceSelector": {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": ["kube-system", opts.namespace],
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
        data = {
            "policy.yaml": opts.policy_yaml or "",
            "attestors.yaml": opts.attestors_yaml or "[]\n",
        }
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
    if opts.tls_cert_pem is not None and opts.tls_key_pem is not None:
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
