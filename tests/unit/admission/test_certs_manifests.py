"""Certificates and the install manifests (checked with the official schemas)."""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from cryptography import x509

from kritis_sim.admission.certs import make_certs, service_dns_names, write_certs
from kritis_sim.admission.manifests import ManifestOptions, webhook_manifests

K8S_VERSION = "1.33.0"


def test_certs_leaf_names_and_chain(tmp_path: Path) -> None:
    bundle = make_certs(service_dns_names("hook", "kritis-sim"))
    paths = write_certs(bundle, tmp_path)
    assert sorted(p.name for p in paths.values()) == ["ca.crt", "tls.crt", "tls.key"]
    assert paths["tls.key"].stat().st_mode & 0o777 == 0o600
    ca = x509.load_pem_x509_certificate(bundle.ca_pem)
    leaf = x509.load_pem_x509_certificate(bundle.cert_pem)
    leaf.verify_directly_issued_by(ca)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {
        "hook",
        "hook.kritis-sim",
        "hook.kritis-sim.svc",
        "hook.kritis-sim.svc.cluster.local",
        "localhost",
    }
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1")
    ]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def _options(**overrides: Any) -> ManifestOptions:
    bundle = make_certs(["hook"])
    base: dict[str, Any] = {
        "ca_pem": bundle.ca_pem,
        "tls_cert_pem": bundle.cert_pem,
        "tls_key_pem": bundle.key_pem,
        "policy_yaml": "defaultAdmissionRule: {}\n",
        "cluster": "us-east1-b.prod",
    }
    base.update(overrides)
    return ManifestOptions(**base)


@pytest.mark.parametrize(
    "options",
    [
        _options(),
        _options(emulator_url="http://grafeas:8080", project="p", pdb=False),
        ManifestOptions(),
    ],
    ids=["files", "emulator", "bare"],
)
def test_manifests_validate_against_kubernetes_schemas(
    options: ManifestOptions,
) -> None:
    for manifest in webhook_manifests(options):
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def test_manifests_webhook_configuration_follows_good_practice() -> None:
    manifests = webhook_manifests(_options(namespace="guard"))
    kinds = [m["kind"] for m in manifests]
    assert kinds == [
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "ValidatingWebhookConfiguration",
    ]
    deployment = manifests[3]
    assert deployment["spec"]["replicas"] == 2
    (hook,) = manifests[-1]["webhooks"]
    assert hook["failurePolicy"] == "Fail"
    assert hook["sideEffects"] == "None"
    assert hook["matchPolicy"] == "Equivalent"
    assert hook["timeoutSeconds"] == 10
    assert hook["admissionReviewVersions"] == ["v1", "v1beta1"]
    assert hook["clientConfig"]["service"]["path"] == "/validate"
    assert base64.b64decode(hook["clientConfig"]["caBundle"]).startswith(b"-----BEGIN")
    (expr,) = hook["namespaceSelector"]["matchExpressions"]
    assert expr == {
        "key": "kubernetes.io/metadata.name",
        "operator": "NotIn",
        "values": ["kube-system", "guard"],
    }
    resources = {
        (group, r)
        for rule in hook["rules"]
        for group in rule["apiGroups"]
        for r in rule["resources"]
    }
    assert {
        ("", "pods"),
        ("", "pods/ephemeralcontainers"),
        ("", "replicationcontrollers"),
        ("", "podtemplates"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
    } == resources
    assert all(rule["operations"] == ["CREATE", "UPDATE"] for rule in hook["rules"])


def test_manifests_refuse_bad_timeout() -> None:
    with pytest.raises(ValueError, match="timeoutSeconds"):
        ManifestOptions(timeout_seconds=31)
