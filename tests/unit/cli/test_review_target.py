"""The deploy target is never guessed: review, webhook, manifests, pytest plugin."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.cli.main import main
from kritis_sim.cli.target import resolve_target
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.model.policy import load_policy

from .conftest import OTHER, SIGNED, CliWorld, pod

ROOT = Path(__file__).resolve().parents[3]
DENY = {
    "evaluationMode": "ALWAYS_DENY",
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
}
ALLOW = {
    "evaluationMode": "ALWAYS_ALLOW",
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
}
CLUSTER_RULES = {"us-central1.prod": DENY, "us-east1-b.qa": ALLOW}


def _run(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, Any, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


def test_review_without_cluster_refuses_naming_the_keys(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    manifest = cli_world.write("pod.yaml", pod(SIGNED))
    code, out, err = _run(cli_world.review_args(manifest), capsys)
    assert code == 2 and out is None
    assert "--cluster" in err
    assert "us-central1.prod" in err and "us-east1-b.qa" in err
    assert "--cluster none" in err


def test_review_cluster_none_is_explicit_and_uses_the_default_rule(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    manifest = cli_world.write("pod.yaml", pod(SIGNED))
    args = cli_world.review_args(
        manifest, "--occurrences", cli_world.path("occurrences.json")
    )
    code, out, err = _run([*args, "--cluster", "none"], capsys)
    assert code == 0
    assert out["images"][0]["rule"]["kind"] == "default"
    assert "note: --cluster none: clusterAdmissionRules" in err
    assert "deploy target: cluster none" in err
    code, out, err = _run([*args, "--cluster", "us-central1.prod"], capsys)
    assert code == 1 and out["images"][0]["rule"]["key"] == "us-central1.prod"


def test_review_explanation_names_the_deploy_target(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    manifest = cli_world.write(
        "pod.yaml",
        {**pod(OTHER), "spec": {"serviceAccountName": "builder", **pod(OTHER)["spec"]}},
    )
    code, _, err = _run(
        [*cli_world.review_args(manifest), "--cluster", "us-east1-b.qa"], capsys
    )
    assert code == 0
    assert (
        "deploy target: cluster us-east1-b.qa, namespace shop, "
        "service account builder" in err
    )


@pytest.mark.parametrize("value", ["kind.kritis-sim", "prod", "US-EAST1.prod", "us-east1."])
def test_review_malformed_cluster_names_the_expected_form(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    manifest = cli_world.write("pod.yaml", pod(SIGNED))
    code, out, err = _run([*cli_world.review_args(manifest), "--cluster", value], capsys)
    assert code == 2 and out is None
    assert "--cluster" in err and "location.clusterId" in err and repr(value) in err


def test_review_cluster_matching_no_key_is_reported(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    manifest = cli_world.write("pod.yaml", pod(SIGNED))
    code, _, err = _run(
        [*cli_world.review_args(manifest), "--cluster", "europe-west1.prod"], capsys
    )
    assert code == 1  # default rule: no attestations given
    assert "europe-west1.prod matches none of the clusterAdmissionRules keys" in err
    assert "us-central1.prod, us-east1-b.qa" in err


def test_istio_rules_need_a_trust_domain(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(
        istioServiceIdentityAdmissionRules={"spiffe://mesh.local/ns/shop/sa/default": ALLOW}
    )
    manifest = cli_world.write("pod.yaml", pod(OTHER))
    code, _, err = _run(cli_world.review_args(manifest), capsys)
    assert code == 2 and "--istio-trust-domain" in err and "mesh.local" in err
    code, _, err = _run(
        [*cli_world.review_args(manifest), "--istio-trust-domain", "mesh.local"], capsys
    )
    assert code == 0
    assert "istio identity spiffe://mesh.local/ns/shop/sa/default" in err
    code, _, err = _run(
        [*cli_world.review_args(manifest), "--istio-trust-domain", "other.local"], capsys
    )
    assert code == 1 and "matches the trust domain of no" in err
    code, _, err = _run(
        [*cli_world.review_args(manifest), "--istio-trust-domain", "spiffe://x"], capsys
    )
    assert code == 2 and "trust domain" in err


@given(st.from_regex(r"[a-z]+-[a-z]+[0-9]\.[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True))
def test_every_well_formed_cluster_key_is_accepted(cluster: str) -> None:
    policy = load_policy(
        yaml.safe_dump({"defaultAdmissionRule": ALLOW, "clusterAdmissionRules": {cluster: DENY}})
    )
    settings = resolve_target(policy, cluster, None)
    assert settings.cluster == cluster and settings.notes == ()


def test_webhook_refuses_to_start_without_cluster(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    code = main(
        [
            "webhook",
            "--policy",
            cli_world.path("policy.yaml"),
            "--attestors",
            cli_world.path("attestors.yaml"),
            "--port",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "us-central1.prod" in err and "--cluster none" in err


def test_manifests_check_the_target_and_pass_none_through(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    base = [
        "manifests",
        "--policy",
        cli_world.path("policy.yaml"),
        "--attestors",
        cli_world.path("attestors.yaml"),
        "--rollout",
        "enforce",
        "--certs-out",
        cli_world.path("certs"),
    ]
    assert main(base) == 2
    assert "us-central1.prod" in capsys.readouterr().err
    assert main([*base, "--cluster", "none"]) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    args = deploy["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--cluster") + 1] == "none"
    assert main([*base, "--cluster", "bad"]) == 2


def test_plugin_enforcer_fixture_refuses_a_missing_cluster(kritis_enforcer: Any) -> None:
    policy = load_policy(
        yaml.safe_dump({"defaultAdmissionRule": ALLOW, "clusterAdmissionRules": CLUSTER_RULES})
    )
    with pytest.raises(InputError, match=r"us-central1\.prod"):
        kritis_enforcer(policy, [], [SIGNED])
    assert not kritis_enforcer(policy, [], [SIGNED], cluster="us-central1.prod").allowed
    assert kritis_enforcer(policy, [], [SIGNED], cluster="none").allowed


def test_plugin_refuses_a_scenario_environment_without_cluster() -> None:
    from kritis_sim.pytest_plugin import _check_targets
    from kritis_sim.scenarios.loader import load_scenario_file

    scenario = load_scenario_file(ROOT / "scenarios" / "online-merchant.yaml")
    _check_targets(scenario)  # every environment names its cluster
    name, env = next(iter(scenario.environments.items()))
    broken = dataclasses.replace(
        scenario,
        environments={**scenario.environments, name: dataclasses.replace(env, cluster=None)},
    )
    with pytest.raises(ScenarioError) as info:
        _check_targets(broken)
    assert "online-merchant.yaml" in str(info.value)
    assert f"environments.{name}.cluster" in str(info.value)
    assert "names no cluster" in str(info.value)


def test_webhook_prints_the_deploy_target_at_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from kritis_sim.admission.enforcer import StaticPolicy
    from kritis_sim.cli.webhook import _target

    policy = load_policy(
        yaml.safe_dump({"defaultAdmissionRule": ALLOW, "clusterAdmissionRules": CLUSTER_RULES})
    )
    args = argparse.Namespace(cluster="us-east1-b.qa", istio_trust_domain=None)
    assert _target(args, StaticPolicy(policy)).cluster == "us-east1-b.qa"
    err = capsys.readouterr().err
    assert "deploy target: cluster us-east1-b.qa, istio trust domain not given" in err


def test_image_review_explanation_names_the_deploy_target(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    review = {
        "apiVersion": "imagepolicy.k8s.io/v1alpha1",
        "kind": "ImageReview",
        "spec": {"containers": [{"image": SIGNED}], "namespace": "shop"},
    }
    cli_world.policy(clusterAdmissionRules=CLUSTER_RULES)
    path = cli_world.write("ir.yaml", review)
    code, out, err = _run(
        [*cli_world.review_args(path), "--cluster", "us-central1.prod"], capsys
    )
    assert code == 1 and out["status"]["allowed"] is False
    assert "deploy target: cluster us-central1.prod, namespace shop" in err


def test_run_refuses_a_scenario_environment_without_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "scenarios" / "online-merchant.yaml").read_text()
    assert "    cluster: us-central1-a.experimental\n" in text
    path = tmp_path / "merchant.yaml"
    path.write_text(text.replace("    cluster: us-central1-a.experimental\n", ""))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "merchant.yaml:" in err and "environments.experimental.cluster" in err
    assert "us-central1-a.prod" in err and "say cluster: none" in err


def test_namespace_and_service_account_rules_that_miss_are_noted(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.policy(kubernetesNamespaceAdmissionRules={"prod": ALLOW, "qa": ALLOW})
    manifest = cli_world.write("pod.yaml", pod(OTHER))
    code, _, err = _run(cli_world.review_args(manifest), capsys)
    assert code == 1
    assert (
        "note: namespace shop matches none of the kubernetesNamespaceAdmissionRules "
        "keys (prod, qa)" in err
    )
    cli_world.policy(kubernetesServiceAccountAdmissionRules={"shop:default": ALLOW})
    code, _, err = _run(cli_world.review_args(manifest), capsys)
    assert code == 0 and "note:" not in err
    cli_world.policy(kubernetesServiceAccountAdmissionRules={"shop:builder": ALLOW})
    code, _, err = _run(cli_world.review_args(manifest), capsys)
    assert code == 1 and "service account shop:default matches none" in err
