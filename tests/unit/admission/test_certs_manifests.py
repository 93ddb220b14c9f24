"""Certificates and the install manifests (checked with the official schemas)."""

from __future__ import annotations

import base64
import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from cryptography import x509

from kritis_sim import __version__
from kritis_sim.admission.certs import (
    check_serving_certs,
    make_certs,
    service_dns_names,
    write_certs,
)
from kritis_sim.admission.manifests import (
    DEFAULT_TIMEOUT_SECONDS,
    ROLLOUT_ANNOTATION,
    ManifestOptions,
    Rollout,
    webhook_manifests,
)
from kritis_sim.model.policy import EnforcementMode, load_policy

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
        "policy_yaml": POLICY,
        "attestors_yaml": "[]\n",
        "cluster": "us-east1-b.prod",
    }
    base.update(overrides)
    return ManifestOptions(**base)


POLICY = """\
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy: [projects/p/attestors/qa]
clusterAdmissionRules:
  us-east1-b.prod: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
"""


@pytest.mark.parametrize(
    "options",
    [
        _options(),
        _options(rollout=Rollout.DRY_RUN, exclude_namespaces=("monitoring",)),
        _options(
            emulator_url="http://grafeas:8080",
            project="p",
            pdb=False,
            policy_yaml=None,
            attestors_yaml=None,
        ),
        _options(replicas=1, pdb=False, image_pull_policy="Never"),
    ],
    ids=["files", "dry-run", "emulator", "kind"],
)
def test_manifests_validate_against_kubernetes_schemas(
    options: ManifestOptions,
) -> None:
    for manifest in webhook_manifests(options):
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def _by_kind(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["kind"]: m for m in manifests}


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
    (hook,) = manifests[-1]["webhooks"]
    assert hook["failurePolicy"] == "Fail"
    assert manifests[-1]["metadata"]["annotations"] == {ROLLOUT_ANNOTATION: "enforce"}
    assert hook["sideEffects"] == "None"
    assert hook["matchPolicy"] == "Equivalent"
    assert hook["timeoutSeconds"] == DEFAULT_TIMEOUT_SECONDS == 5
    assert hook["admissionReviewVersions"] == ["v1", "v1beta1"]
    assert hook["clientConfig"]["service"]["path"] == "/validate"
    assert base64.b64decode(hook["clientConfig"]["caBundle"]).startswith(b"-----BEGIN")
    (expr,) = hook["namespaceSelector"]["matchExpressions"]
    assert expr == {
        "key": "kubernetes.io/metadata.name",
        "operator": "NotIn",
        "values": ["kube-system", "kube-public", "kube-node-lease", "guard"],
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
    # An enforcing install ships the policy exactly as written.
    assert _by_kind(manifests)["ConfigMap"]["data"]["policy.yaml"] == POLICY


def test_manifests_pods_are_spread_tokenless_and_never_pulled_needlessly() -> None:
    objects = _by_kind(webhook_manifests(_options()))
    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["image"] == f"kritis-sim:{__version__}"
    spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
    assert set(spread) == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    for constraint in spread.values():
        assert constraint["maxSkew"] == 1
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert (
            constraint["labelSelector"]["matchLabels"]
            == (deployment["spec"]["selector"]["matchLabels"])
        )
    assert objects["PodDisruptionBudget"]["spec"]["minAvailable"] == 1


def test_manifests_dry_run_rollout_ignores_failures_and_only_audits() -> None:
    objects = _by_kind(
        webhook_manifests(
            _options(rollout=Rollout.DRY_RUN, exclude_namespaces=("monitoring",))
        )
    )
    vwc = objects["ValidatingWebhookConfiguration"]
    (hook,) = vwc["webhooks"]
    assert hook["failurePolicy"] == "Ignore"
    assert vwc["metadata"]["annotations"] == {ROLLOUT_ANNOTATION: "dry-run"}
    assert hook["namespaceSelector"]["matchExpressions"][0]["values"][-1] == (
        "monitoring"
    )
    text = objects["ConfigMap"]["data"]["policy.yaml"]
    assert text.startswith("# kritis-sim manifests --rollout dry-run")
    policy = load_policy(text)
    rules = [policy.default_admission_rule, *policy.cluster_admission_rules.values()]
    assert {r.enforcement_mode for r in rules} == {
        EnforcementMode.DRYRUN_AUDIT_LOG_ONLY
    }
    # Only enforcement changes: what would be judged stays the same.
    original = load_policy(POLICY)
    assert [r.evaluation_mode for r in rules] == [
        original.default_admission_rule.evaluation_mode,
        *(r.evaluation_mode for r in original.cluster_admission_rules.values()),
    ]
    assert policy.default_admission_rule.require_attestations_by == (
        "projects/p/attestors/qa",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timeout_seconds": 31}, "timeoutSeconds"),
        ({"timeout_seconds": 0}, "timeoutSeconds"),
        ({"policy_yaml": None}, "policy_yaml"),
        ({"attestors_yaml": None}, "attestors_yaml"),
        ({"tls_cert_pem": None}, "tls_cert_pem"),
        ({"tls_key_pem": None}, "tls_key_pem"),
        ({"ca_pem": None}, "ca_pem"),
        ({"image_pull_policy": "Sometimes"}, "image_pull_policy"),
        ({"exclude_namespaces": ("Bad_NS",)}, "Bad_NS"),
        (
            {"emulator_url": "http://g", "project": "p", "rollout": Rollout.DRY_RUN},
            "dry-run",
        ),
    ],
)
def test_manifest_options_refuse_an_install_that_could_block_a_cluster(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _options(**overrides)


def test_check_serving_certs_accepts_a_matching_bundle() -> None:
    bundle = make_certs(service_dns_names("hook", "guard"))
    check_serving_certs(
        bundle.ca_pem, bundle.cert_pem, bundle.key_pem, "hook.guard.svc"
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other-ca", "not signed by the CA"),
        ("other-key", "does not belong"),
        ("other-name", "do not include 'hook.guard.svc'"),
        ("expired", "not now"),
        ("garbage", "not a PEM certificate"),
    ],
)
def test_check_serving_certs_refuses_what_the_api_server_would(
    case: str, message: str
) -> None:
    good = make_certs(service_dns_names("hook", "guard"))
    other = make_certs(service_dns_names("other", "guard"))
    ca, cert, key = good.ca_pem, good.cert_pem, good.key_pem
    now = None
    if case == "other-ca":
        ca = other.ca_pem
    elif case == "other-key":
        key = other.key_pem
    elif case == "other-name":
        ca, cert, key = other.ca_pem, other.cert_pem, other.key_pem
    elif case == "expired":
        now = datetime.now(UTC) + timedelta(days=400)
    else:
        cert = b"not a certificate"
    with pytest.raises(ValueError, match=message):
        check_serving_certs(ca, cert, key, "hook.guard.svc", now=now)
