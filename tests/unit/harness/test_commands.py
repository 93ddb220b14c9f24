"""Pure parts of the kind harness: settings, kind config, argv."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kritis_sim.errors import HarnessError
from kritis_sim.harness import _commands as cmd
from kritis_sim.harness._commands import KindSettings


def test_kind_config_is_one_loopback_control_plane() -> None:
    config = yaml.safe_load(cmd.kind_config(KindSettings(cluster_name="e2e")))
    assert config == {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": "e2e",
        "networking": {"apiServerAddress": "127.0.0.1"},
        "nodes": [{"role": "control-plane"}],
    }


def test_kind_config_node_image() -> None:
    settings = KindSettings(node_image="kindest/node:v1.33.1")
    config = yaml.safe_load(cmd.kind_config(settings))
    assert config["nodes"] == [
        {"role": "control-plane", "image": "kindest/node:v1.33.1"}
    ]


def test_command_lines() -> None:
    s = KindSettings(cluster_name="e2e", image="kritis-sim:dev", create_timeout=120)
    assert cmd.kind_create(s, Path("/tmp/k.yaml")) == (
        "kind", "create", "cluster", "--name", "e2e",
        "--config", "/tmp/k.yaml", "--wait", "120s",
    )  # fmt: skip
    assert cmd.kind_delete(s) == ("kind", "delete", "cluster", "--name", "e2e")
    assert cmd.kind_get_clusters() == ("kind", "get", "clusters")
    assert cmd.docker_build(s, Path("/src")) == (
        "docker", "build", "--tag", "kritis-sim:dev",
        "--build-arg", "BASE_IMAGE=python:3.11-slim",
        "--file", "/src/Dockerfile", "/src",
    )  # fmt: skip
    assert cmd.kind_load(s) == (
        "kind", "load", "docker-image", "kritis-sim:dev", "--name", "e2e",
    )  # fmt: skip


def test_kubectl_is_always_bound_to_the_kind_context() -> None:
    argv = cmd.kubectl(KindSettings(cluster_name="e2e"), "get", "pods")
    assert argv == ("kubectl", "--context", "kind-e2e", "get", "pods")


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:40123", "https://localhost:6443", "https://[::1]:6443"]
)
def test_check_local_server_accepts_loopback(url: str) -> None:
    cmd.check_local_server(url)


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1:6443", "https://gke.example.com", "", "https://0.0.0.0:1"]
)
def test_check_local_server_refuses_other_hosts(url: str) -> None:
    with pytest.raises(HarnessError, match="not local"):
        cmd.check_local_server(url)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cluster_name": "Kritis_Sim"}, "cluster_name: expected a DNS label"),
        ({"workload_namespace": "kritis-sim"}, "must differ from namespace"),
        ({"image": "kritis-sim:latest"}, "other than latest"),
        ({"image": "registry:5000/kritis-sim"}, "explicit tag"),
    ],
)
def test_settings_refuse_bad_values(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        KindSettings(**overrides)  # type: ignore[arg-type]
