"""Deploy the webhook into a local kind cluster and ask it about workloads.

:class:`KindHarness` drives ``kind``, ``docker`` and ``kubectl`` through a
:class:`~._process.Runner` (every call with a timeout, every failure a
:class:`~kritis_sim.errors.CommandError` naming the command and its stderr):

1. :meth:`~KindHarness.up` checks the requirements, creates the cluster from
   a generated kind config (or reuses one of that name), makes sure its API
   server is on loopback, builds the webhook image from this checkout's
   ``Dockerfile`` (the package and its pinned dependencies on
   ``python:3.11-slim``, non-root) and loads it into the nodes;
2. :meth:`~KindHarness.install` writes the serving certificate for the
   in-cluster Service, applies :func:`kritis_sim.admission.manifests.webhook_manifests`
   (ConfigMap with policy, attestors and occurrences, TLS Secret, Deployment,
   Service, ValidatingWebhookConfiguration) and waits until the rollout is done
   and the API server actually reaches the webhook;
3. :meth:`~KindHarness.admit` sends one object with ``kubectl apply
   --dry-run=server`` or ``kubectl create`` and returns the
   :class:`~._results.Admission`, with the webhook's message when denied;
4. :meth:`~KindHarness.down` deletes the cluster. Used as a context manager,
   the harness deletes on exit only a cluster it created (unless ``keep``).

Every kubectl call names the ``kind-<name>`` context, so no other cluster is
touched. The decision itself is not made here: the webhook in the cluster makes
it, and :mod:`kritis_sim.harness._scenario` maps it onto scenario replies.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

import kritis_sim
from kritis_sim.admission.certs import CertBundle, make_certs, service_dns_names
from kritis_sim.admission.manifests import ManifestOptions, webhook_manifests
from kritis_sim.errors import CommandError, HarnessError
from kritis_sim.harness import _commands as cmd
from kritis_sim.harness._commands import KindSettings
from kritis_sim.harness._process import (
    MissingRequirementsError,
    Runner,
    SubprocessRunner,
    missing_requirements,
)
from kritis_sim.harness._results import Admission, admission_from_output, never_pull

__all__ = [
    "CONFIG_ANNOTATION",
    "IMAGE_INPUTS",
    "KindHarness",
    "PolicyFiles",
    "find_checkout",
]

#: Pod-template annotation holding a hash of the webhook's configuration, so
#: a changed ConfigMap or certificate rolls the Deployment.
CONFIG_ANNOTATION = "kritis-sim.dev/config-sha256"

#: What ``docker build`` reads from the checkout (``.dockerignore`` keeps the
#: rest of the tree out of the build context).
IMAGE_INPUTS = (
    "Dockerfile",
    ".dockerignore",
    "docker/requirements.txt",
    "pyproject.toml",
    "README.md",
    "kritis_sim",
)

_PROBE_IMAGE = "registry.invalid/kritis-sim/readiness-probe@sha256:" + "0" * 64


@dataclass(frozen=True, slots=True)
class PolicyFiles:
    """What the in-cluster webhook reads: policy, attestors and occurrences text."""

    policy_yaml: str
    attestors_yaml: str
    occurrences_json: str | None = None


def find_checkout() -> Path:
    """The source checkout this package runs from (holds the :data:`IMAGE_INPUTS`).

    Raises:
        HarnessError: kritis-sim is installed without its source tree.
    """
    root = Path(kritis_sim.__file__).resolve().parents[1]
    for name in IMAGE_INPUTS:
        if not (root / name).exists():
            raise HarnessError(
                f"no {name} next to the kritis_sim package in {root}; the image "
                "is built from a source checkout (pass checkout=...)"
            )
    return root


class KindHarness:
    """The webhook in a kind cluster, driven through subprocesses.

    Args:
        settings: names, images and timeouts.
        runner: how commands run (a fake in unit tests).
        checkout: the source tree to build the image from (default: this one).
        keep: leave the cluster running when the context manager exits.
        sleep: how to wait between readiness probes.
        log: progress messages (e.g. ``print`` to stderr).
    """

    def __init__(
        self,
        settings: KindSettings | None = None,
        *,
        runner: Runner | None = None,
        checkout: Path | None = None,
        keep: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings or KindSettings()
        self.run: Runner = runner or SubprocessRunner()
        self.checkout = checkout
        self.keep = keep
        self.created = False
        self._sleep = sleep
        self._log = log or (lambda _msg: None)
        self._certs: CertBundle | None = None

    # --- cluster and image ----------------------------------------------------

    def preflight(self) -> None:
        """Raise :class:`MissingRequirementsError` unless docker, kind, kubectl work."""
        missing = missing_requirements(self.run)
        if missing:
            raise MissingRequirementsError(missing)

    def cluster_exists(self) -> bool:
        """Whether kind knows a cluster of this name."""
        done = self.run(cmd.kind_get_clusters(), timeout=self.settings.kubectl_timeout)
        return self.settings.cluster_name in done.stdout.split()

    def create_cluster(self) -> None:
        """Create the cluster from the generated config (if it does not exist)."""
        if self.cluster_exists():
            self._log(f"reusing kind cluster {self.settings.cluster_name}")
            return
        self._log(f"creating kind cluster {self.settings.cluster_name}")
        with tempfile.TemporaryDirectory(prefix="kritis-sim-kind-") as tmp:
            config = Path(tmp) / "kind.yaml"
            config.write_text(cmd.kind_config(self.settings), encoding="utf-8")
            self.run(
                cmd.kind_create(self.settings, config),
                timeout=self.settings.create_timeout + 60,
            )
        self.created = True

    def verify_local(self) -> None:
        """Refuse to go on unless the context's API server is on loopback."""
        done = self.run(
            cmd.kubectl(
                self.settings,
                "config",
                "view",
                "--minify",
                "--output",
                "jsonpath={.clusters[0].cluster.server}",
            ),
            timeout=self.settings.kubectl_timeout,
        )
        cmd.check_local_server(done.stdout.strip())

    def build_image(self) -> None:
        """``docker build`` the webhook image from the checkout's ``Dockerfile``."""
        checkout = self.checkout or find_checkout()
        self._log(f"building {self.settings.image} from {checkout / 'Dockerfile'}")
        self.run(
            cmd.docker_build(self.settings, checkout),
            timeout=self.settings.build_timeout,
        )

    def load_image(self) -> None:
        """``kind load docker-image`` so the nodes never pull it."""
        self.run(cmd.kind_load(self.settings), timeout=self.settings.load_timeout)

    def up(self) -> None:
        """Requirements, cluster, loopback check, image build and load."""
        self.preflight()
        self.create_cluster()
        self.verify_local()
        self.build_image()
        self.load_image()

    def down(self) -> None:
        """Delete the cluster (kind does nothing if it is already gone)."""
        self._log(f"deleting kind cluster {self.settings.cluster_name}")
        self.run(cmd.kind_delete(self.settings), timeout=self.settings.create_timeout)
        self.created = False

    def __enter__(self) -> KindHarness:
        self.up()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.created and not self.keep:
            self.down()

    # --- the webhook ----------------------------------------------------------

    def certs(self) -> CertBundle:
        """The serving certificate for the in-cluster Service (made once)."""
        if self._certs is None:
            s = self.settings
            self._certs = make_certs(service_dns_names(s.service, s.namespace))
        return self._certs

    def manifest_options(
        self, files: PolicyFiles, *, cluster: str | None = None
    ) -> ManifestOptions:
        """The install options: one replica of the loaded image, never pulled."""
        s, certs = self.settings, self.certs()
        target = cluster if cluster is not None else s.cluster
        digest = hashlib.sha256()
        for part in (
            files.policy_yaml,
            files.attestors_yaml,
            files.occurrences_json or "",
            target or "",
        ):
            digest.update(part.encode() + b"\0")
        digest.update(certs.cert_pem)
        return ManifestOptions(
            namespace=s.namespace,
            name=s.service,
            image=s.image,
            ca_pem=certs.ca_pem,
            cluster=target,
            policy_yaml=files.policy_yaml,
            attestors_yaml=files.attestors_yaml,
            occurrences_json=files.occurrences_json,
            tls_cert_pem=certs.cert_pem,
            tls_key_pem=certs.key_pem,
            replicas=1,
            pdb=False,
            image_pull_policy="Never",
            pod_annotations={CONFIG_ANNOTATION: digest.hexdigest()},
        )

    def apply(self, manifests: list[dict[str, Any]]) -> None:
        """``kubectl apply --server-side`` a list of objects.

        Server-side apply keeps no ``last-applied-configuration`` annotation,
        so the TLS Secret's private key is not copied into one; the harness
        owns these objects, so it takes over any field another manager set.
        """
        self.run(
            cmd.kubectl(self.settings, *cmd.SERVER_SIDE_APPLY, "--filename", "-"),
            stdin=yaml.safe_dump_all(manifests, sort_keys=False),
            timeout=self.settings.kubectl_timeout,
        )

    def ensure_namespace(self, name: str) -> None:
        """Create namespace ``name`` if needed (enforced by the webhook)."""
        self.apply(
            [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}]
        )

    def install(self, files: PolicyFiles, *, cluster: str | None = None) -> None:
        """Apply the webhook with this configuration and wait until it answers."""
        s = self.settings
        self._log(f"installing the webhook in namespace {s.namespace}")
        self.apply(webhook_manifests(self.manifest_options(files, cluster=cluster)))
        self.run(
            cmd.kubectl(
                s,
                "rollout",
                "status",
                f"deployment/{s.service}",
                "--namespace",
                s.namespace,
                f"--timeout={int(s.rollout_timeout)}s",
            ),
            timeout=s.rollout_timeout + 30,
        )
        self.ensure_namespace(s.workload_namespace)
        self.wait_ready()

    def wait_ready(self) -> None:
        """Probe with a dry-run Pod until the API server gets the webhook's answer.

        Raises:
            HarnessError: no answer within ``ready_timeout`` (with the last error).
        """
        probe = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "kritis-sim-readiness-probe"},
            "spec": {"containers": [{"name": "probe", "image": _PROBE_IMAGE}]},
        }
        deadline = time.monotonic() + self.settings.ready_timeout
        while True:
            try:
                self.admit(probe, dry_run=True)
                return
            except CommandError as exc:
                if time.monotonic() >= deadline:
                    raise HarnessError(
                        "the API server did not reach the webhook within "
                        f"{self.settings.ready_timeout:g} s; last error: {exc}"
                    ) from None
            self._sleep(2.0)

    # --- workloads ------------------------------------------------------------

    def admit(
        self,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        dry_run: bool = True,
    ) -> Admission:
        """Send one object: ``apply --dry-run=server``, or a real ``create``.

        A really created object has ``imagePullPolicy: Never`` on every
        container, so its Pods pull nothing.
        """
        ns = namespace or self.settings.workload_namespace
        body = never_pull(obj)
        body.setdefault("metadata", {})["namespace"] = ns
        verb = ("apply", "--dry-run=server") if dry_run else ("create",)
        argv = cmd.kubectl(self.settings, *verb, "--namespace", ns, "--filename", "-")
        done = self.run(
            argv,
            stdin=json.dumps(body),
            timeout=self.settings.kubectl_timeout,
            check=False,
        )
        return admission_from_output(obj, ns, done, dry_run=dry_run)

    def delete(self, obj: Mapping[str, Any], *, namespace: str | None = None) -> None:
        """Delete an object created by :meth:`admit` (without waiting)."""
        ns = namespace or self.settings.workload_namespace
        body = dict(obj)
        body["metadata"] = {**dict(obj.get("metadata") or {}), "namespace": ns}
        self.run(
            cmd.kubectl(
                self.settings,
                "delete",
                "--namespace",
                ns,
                "--ignore-not-found",
                "--wait=false",
                "--filename",
                "-",
            ),
            stdin=json.dumps(body),
            timeout=self.settings.kubectl_timeout,
        )

    def check(
        self, obj: Mapping[str, Any], *, namespace: str | None = None
    ) -> tuple[Admission, Admission]:
        """The answers to a server-side dry run and to a real creation.

        An object that was really created is deleted again, so the same
        workload can be checked twice.
        """
        dry = self.admit(obj, namespace=namespace, dry_run=True)
        real = self.admit(obj, namespace=namespace, dry_run=False)
        if real.allowed:
            self.delete(obj, namespace=namespace)
        return dry, real
