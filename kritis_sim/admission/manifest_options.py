"""What an install of the webhook is made of: :class:`ManifestOptions`.

The options are checked when built, so :func:`kritis_sim.admission.manifests.webhook_manifests`
never renders an install that would block a cluster: a policy and attestors
(unless an emulator serves them), the serving certificate, its key and the CA
for ``caBundle`` are required; the timeout is within Kubernetes' 1 to 30 s;
a dry-run rollout needs a policy it can rewrite. The defaults are explained
where they are defined. This module only holds values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kritis_sim import __version__
from kritis_sim.admission.rollout import Rollout
from kritis_sim.admission.updates import JUDGE_UPDATES

__all__ = [
    "DEFAULT_EXCLUDED_NAMESPACES",
    "DEFAULT_TIMEOUT_SECONDS",
    "ManifestOptions",
]

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_PULL_POLICIES = ("IfNotPresent", "Never", "Always")

#: Namespaces never sent to the webhook (its own namespace is added): the
#: control plane's and node heartbeats', so a webhook outage cannot stop the
#: cluster from running itself.
DEFAULT_EXCLUDED_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")

#: The webhook call timeout. Kubernetes allows 1 to 30 s (default 10); a
#: decision from files takes milliseconds, so 5 s leaves the webhook a 4 s
#: budget for a slow store while halving how long an unreachable webhook
#: holds every API request.
DEFAULT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True, slots=True)
class ManifestOptions:
    """What to put in the manifests.

    Attributes:
        namespace: where the webhook runs (excluded from enforcement).
        name: name of the Deployment, Service and related objects.
        image: the container image running ``kritis-sim`` (see ``Dockerfile``).
        webhook_name: the fully qualified webhook name.
        ca_pem: the CA that signed the serving certificate (``caBundle``).
        cluster: ``location.name`` (or ``none``) passed to ``--cluster``.
        istio_trust_domain: passed to ``--istio-trust-domain`` when set.
        emulator_url: read policy and attestations from a Grafeas emulator...
        project: ...for this project; otherwise from the ConfigMap.
        policy_yaml: policy text for the ConfigMap (file mode, required).
        attestors_yaml: attestors text for the ConfigMap (file mode, required).
        occurrences_json: attestation occurrences for the ConfigMap (file
            mode); when given, the webhook reads them with ``--occurrences``.
        tls_cert_pem: serving certificate for the Secret (required).
        tls_key_pem: its key (required).
        rollout: dry-run (failurePolicy Ignore, policy in dry-run) or enforce.
        judge_updates: the webhook's ``--judge-updates`` (``changed``: an
            UPDATE that changes no image is admitted unjudged; ``all``).
        exclude_namespaces: namespaces not enforced besides
            :data:`DEFAULT_EXCLUDED_NAMESPACES` and ``namespace``.
        timeout_seconds: the webhook call timeout (1 to 30).
        replicas: Deployment replicas (spread over nodes and zones).
        pdb: also emit a PodDisruptionBudget (minAvailable 1).
        image_pull_policy: the container's ``imagePullPolicy`` (``Never`` for
            an image loaded into kind).
        pod_annotations: annotations on the pod template (a changed value
            rolls the Deployment, e.g. a hash of the configuration).

    Raises:
        ValueError: a required part is missing or a value is out of range,
            naming the attribute.
    """

    namespace: str = "kritis-sim"
    name: str = "kritis-sim-webhook"
    image: str = f"kritis-sim:{__version__}"
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
    rollout: Rollout = Rollout.ENFORCE
    judge_updates: str = "changed"
    exclude_namespaces: tuple[str, ...] = ()
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    replicas: int = 2
    pdb: bool = True
    image_pull_policy: str = "IfNotPresent"
    pod_annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.timeout_seconds <= 30:
            raise ValueError(
                f"timeoutSeconds must be 1 to 30, got {self.timeout_seconds}"
            )
        if self.replicas < 1:
            raise ValueError(f"replicas must be at least 1, got {self.replicas}")
        if (self.emulator_url is None) != (self.project is None):
            raise ValueError("emulator_url and project go together")
        if self.emulator_url is None and (
            self.policy_yaml is None or self.attestors_yaml is None
        ):
            raise ValueError("policy_yaml and attestors_yaml are required")
        if self.emulator_url is not None and self.rollout is Rollout.DRY_RUN:
            raise ValueError(
                "a dry-run rollout rewrites the policy in the ConfigMap; an "
                "emulator's policy must be put in DRYRUN_AUDIT_LOG_ONLY there"
            )
        for attr in ("tls_cert_pem", "tls_key_pem", "ca_pem"):
            if not getattr(self, attr):
                raise ValueError(f"{attr} is required")
        if self.judge_updates not in JUDGE_UPDATES:
            raise ValueError(
                f"judge_updates must be one of {', '.join(JUDGE_UPDATES)}, "
                f"got {self.judge_updates!r}"
            )
        if self.image_pull_policy not in _PULL_POLICIES:
            raise ValueError(
                f"image_pull_policy must be one of {', '.join(_PULL_POLICIES)}, "
                f"got {self.image_pull_policy!r}"
            )
        for ns in (self.namespace, *self.exclude_namespaces):
            if not _DNS_LABEL.fullmatch(ns):
                raise ValueError(f"expected a namespace name (DNS label), got {ns!r}")

    @property
    def excluded_namespaces(self) -> list[str]:
        """Every namespace the webhook is not called for, in a stable order."""
        return list(
            dict.fromkeys(
                [*DEFAULT_EXCLUDED_NAMESPACES, self.namespace, *self.exclude_namespaces]
            )
        )
