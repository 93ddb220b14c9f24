"""What the kind harness runs and writes: settings, command lines, files.

Pure functions of :class:`KindSettings`: the kind cluster configuration (YAML)
and every ``kind``, ``docker`` and ``kubectl`` command line (the image is built
from the repository's own ``Dockerfile``). Every ``kubectl`` command names the kind cluster's
context explicitly (``--context kind-<name>``), so the harness never acts on
whatever cluster the user's current context points at; :func:`check_local_server`
refuses an API server that is not on the loopback interface.

Nothing here starts a process or touches the filesystem; :mod:`.kind` does.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from kritis_sim.errors import HarnessError

__all__ = [
    "SERVER_SIDE_APPLY",
    "KindSettings",
    "check_local_server",
    "docker_build",
    "kind_config",
    "kind_create",
    "kind_delete",
    "kind_get_clusters",
    "kind_load",
    "kubectl",
]

#: ``kubectl apply`` without a last-applied annotation (which would hold a
#: copy of every Secret's data), as the harness's own field manager.
SERVER_SIDE_APPLY = (
    "apply",
    "--server-side",
    "--field-manager=kritis-sim-harness",
    "--force-conflicts",
)

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class KindSettings:
    """Names, images and timeouts of one harness run.

    Attributes:
        cluster_name: the kind cluster (its kubectl context is ``kind-<name>``).
        namespace: where the webhook runs (never enforced).
        service: the webhook's Deployment and Service name.
        workload_namespace: where test workloads go by default.
        image: tag of the webhook image built and loaded into the nodes.
        base_image: the Python image the webhook image starts from (the
            Dockerfile's ``BASE_IMAGE`` build argument).
        node_image: the kind node image (None: kind's default).
        cluster: ``location.name`` passed to the webhook's ``--cluster``.
        create_timeout: seconds for ``kind create cluster``.
        build_timeout: seconds for ``docker build``.
        load_timeout: seconds for ``kind load docker-image``.
        rollout_timeout: seconds for the webhook Deployment to become ready.
        ready_timeout: seconds for the API server to reach the webhook.
        kubectl_timeout: seconds for any other ``kubectl`` call.
    """

    cluster_name: str = "kritis-sim"
    namespace: str = "kritis-sim"
    service: str = "kritis-sim-webhook"
    workload_namespace: str = "kritis-sim-e2e"
    image: str = "kritis-sim:kind"
    base_image: str = "python:3.11-slim"
    node_image: str | None = None
    cluster: str | None = "us-central1.kind-kritis-sim"
    create_timeout: float = 300.0
    build_timeout: float = 900.0
    load_timeout: float = 300.0
    rollout_timeout: float = 180.0
    ready_timeout: float = 120.0
    kubectl_timeout: float = 60.0

    def __post_init__(self) -> None:
        for field, value in (
            ("cluster_name", self.cluster_name),
            ("namespace", self.namespace),
            ("service", self.service),
            ("workload_namespace", self.workload_namespace),
        ):
            if not _DNS_LABEL.fullmatch(value):
                raise HarnessError(
                    f"{field}: expected a DNS label (lowercase letters, digits "
                    f"and '-', at most 63), got {value!r}"
                )
        if self.workload_namespace == self.namespace:
            raise HarnessError(
                "workload_namespace must differ from namespace: the webhook "
                f"does not enforce its own namespace ({self.namespace!r})"
            )
        if self.image.endswith(":latest") or ":" not in self.image.rsplit("/", 1)[-1]:
            raise HarnessError(
                f"image: expected an explicit tag other than latest, got "
                f"{self.image!r} (a loaded image must not be pulled)"
            )

    @property
    def context(self) -> str:
        """The kubectl context kind writes for this cluster."""
        return f"kind-{self.cluster_name}"


def kind_config(settings: KindSettings) -> str:
    """The kind cluster configuration: one control-plane node, API on 127.0.0.1."""
    node: dict[str, str] = {"role": "control-plane"}
    if settings.node_image:
        node["image"] = settings.node_image
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": settings.cluster_name,
        "networking": {"apiServerAddress": "127.0.0.1"},
        "nodes": [node],
    }
    return yaml.safe_dump(config, sort_keys=False)


def kind_get_clusters() -> tuple[str, ...]:
    """List kind clusters (one name per line)."""
    return ("kind", "get", "clusters")


def kind_create(settings: KindSettings, config_path: Path) -> tuple[str, ...]:
    """Create the cluster from the written :func:`kind_config`."""
    return (
        "kind",
        "create",
        "cluster",
        "--name",
        settings.cluster_name,
        "--config",
        str(config_path),
        "--wait",
        f"{int(settings.create_timeout)}s",
    )


def kind_delete(settings: KindSettings) -> tuple[str, ...]:
    """Delete the cluster."""
    return ("kind", "delete", "cluster", "--name", settings.cluster_name)


def docker_build(settings: KindSettings, checkout: Path) -> tuple[str, ...]:
    """Build the webhook image from the repository's ``Dockerfile``.

    The context is the checkout; its ``.dockerignore`` lets in only what the
    image needs. ``base_image`` goes in as the ``BASE_IMAGE`` build argument.
    """
    return (
        "docker",
        "build",
        "--tag",
        settings.image,
        "--build-arg",
        f"BASE_IMAGE={settings.base_image}",
        "--file",
        str(checkout / "Dockerfile"),
        str(checkout),
    )


def kind_load(settings: KindSettings) -> tuple[str, ...]:
    """Copy the built image into the cluster's nodes (no registry involved)."""
    return (
        "kind",
        "load",
        "docker-image",
        settings.image,
        "--name",
        settings.cluster_name,
    )


def kubectl(settings: KindSettings, *args: str) -> tuple[str, ...]:
    """A kubectl command bound to the kind cluster's context."""
    return ("kubectl", "--context", settings.context, *args)


def check_local_server(url: str) -> None:
    """Refuse an API server address that is not on loopback.

    Raises:
        HarnessError: the URL's host is not ``localhost`` or a loopback IP.
    """
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise HarnessError(
        f"the kind context's API server is {url!r}, expected a loopback "
        "address; refusing to act on a cluster that is not local"
    )
