"""The validated form of a release-pipeline scenario, as immutable values.

The loader (:mod:`kritis_sim.scenarios.loader`) turns a YAML file into a
:class:`Scenario`; the pipeline shorthand is already expanded
(:mod:`kritis_sim.scenarios.expand`), every name is resolved and every image
string is built, so the simulator never meets an undefined reference. Each
value remembers the line it came from (:class:`Where`) for error messages and
reports.

This module holds values only: no parsing, no I/O, no decisions.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kritis_sim.model.policy import Policy

if TYPE_CHECKING:
    from kritis_sim.model.platform.policy import PlatformPolicy
    from kritis_sim.scenarios.kritis import KritisGuard
    from kritis_sim.scenarios.schema_world import (
        BuilderSpec,
        CheckExpectation,
        CvSettings,
        KeyedPolicy,
        Provenance,
        WorldEvent,
    )

__all__ = [
    "Advance",
    "Artifact",
    "Attest",
    "AttestorSpec",
    "Build",
    "ChangePolicy",
    "DeleteAttestation",
    "Deploy",
    "Environment",
    "Event",
    "Expectation",
    "KeyChange",
    "KeyRef",
    "KeySpec",
    "Outcome",
    "ReachedExpectation",
    "Request",
    "RunStage",
    "Scenario",
    "Stage",
    "Where",
]


@dataclass(frozen=True, slots=True)
class Where:
    """Where a value was written: ``file:line``."""

    source: str
    line: int | None = None

    def __str__(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"


class Outcome(enum.Enum):
    """What happened to one deploy, as an expectation names it.

    ``ALLOWED``: admitted, and the policy's verdict is allow. ``DENIED``: refused.
    ``DRY_RUN``: the verdict is deny but a dry-run rule admitted it.
    ``BREAKGLASS``: the verdict is deny but breakglass admitted it.
    """

    ALLOWED = "allowed"
    DENIED = "denied"
    DRY_RUN = "dry-run"
    BREAKGLASS = "breakglass"

    @property
    def admitted(self) -> bool:
        """The workload runs."""
        return self is not Outcome.DENIED


@dataclass(frozen=True, slots=True)
class Environment:
    """A deploy target: cluster ``location.name``, namespace, service account.

    ``platform_policy``: the platform policy guarding it (None: the
    scenario's classic project policy does); ``platform_keys``: set when that
    policy names scenario keys (its keys are then placeholders until the
    world resolves them); ``kritis``: the Kritis resources guarding it
    instead (:mod:`.kritis`).
    """

    name: str
    cluster: str | None
    namespace: str
    service_account: str
    where: Where
    platform_policy: PlatformPolicy | None = None
    platform_keys: KeyedPolicy | None = None
    kritis: KritisGuard | None = None


@dataclass(frozen=True, slots=True)
class KeyRef:
    """One key of one attestor (``attestor/key``)."""

    attestor: str
    key: str

    def __str__(self) -> str:
        return f"{self.attestor}/{self.key}"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """A signing key: generated per run for ``algorithm``, or read from PEM files.

    Attributes:
        trusted: listed in the attestor's public keys at the start.
        private_key_pem: the PEM text of a private key file, when given.
        public_key_pem: the PEM text of a public key file (verify only).
        key_id: an explicit key id URI; None uses the RFC 6920 default.
    """

    ref: KeyRef
    algorithm: str
    trusted: bool
    where: Where
    private_key_pem: bytes | None = None
    public_key_pem: str | None = None
    key_id: str | None = None

    @property
    def can_sign(self) -> bool:
        """Whether attestations can be made with this key."""
        return self.public_key_pem is None or self.private_key_pem is not None


@dataclass(frozen=True, slots=True)
class AttestorSpec:
    """An attestor: its resource name, its note and its keys."""

    name: str
    resource: str
    note: str
    keys: tuple[KeySpec, ...]
    where: Where

    def key(self, name: str) -> KeySpec | None:
        """The key called ``name``, if any."""
        return next((k for k in self.keys if k.ref.key == name), None)


@dataclass(frozen=True, slots=True)
class Stage:
    """One pipeline stage: where it deploys and which attestation it creates."""

    name: str
    environment: str | None
    attestor: str | None
    where: Where


@dataclass(frozen=True, slots=True)
class Artifact:
    """A container image the pipeline builds."""

    name: str
    repository: str
    digest: str
    tags: tuple[str, ...]
    where: Where

    @property
    def by_digest(self) -> str:
        """``repository@sha256:...``."""
        return f"{self.repository}@{self.digest}"

    def by_tag(self, tag: str) -> str:
        """``repository:tag``."""
        return f"{self.repository}:{tag}"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a deploy must produce: an outcome and/or a reason pattern, and
    (under a platform policy) the check or check set responsible."""

    outcome: Outcome | None
    reason: re.Pattern[str] | None
    where: Where
    pods: Outcome | None = None
    check: CheckExpectation | None = None


@dataclass(frozen=True, slots=True)
class ReachedExpectation:
    """Exactly which environments each listed artifact must have reached."""

    reached: Mapping[str, frozenset[str]]
    where: Where


@dataclass(frozen=True, slots=True, kw_only=True)
class _Event:
    where: Where
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Build(_Event):
    """An artifact is built (it exists from now on).

    ``provenance``: the signed SLSA provenance its builder records, if any.
    """

    artifact: str
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStage(_Event):
    """A stage runs for an artifact; on a pass its attestor attests."""

    stage: str
    artifact: str
    passed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Attest(_Event):
    """An attestation by ``attestor`` signed with ``key``.

    Attributes:
        claim_key: the key whose id the signature claims (a forgery when it
            differs from ``key``); None claims ``key`` itself.
        payload_image: the image the signed payload names; differs from the
            artifact's own image for a digest-mismatch forgery.
        age: back-date the attestation's create time by this much.
    """

    artifact: str
    attestor: str
    key: KeyRef
    image: str
    payload_image: str
    claim_key: KeyRef | None = None
    age: datetime.timedelta = datetime.timedelta(0)


@dataclass(frozen=True, slots=True)
class Request:
    """One admission request of a deploy, with what the webhook would read from it.

    Attributes:
        kind: the object's kind (``Pod``, ``Deployment``, ...).
        name: the object's name.
        namespace: the namespace it is created in.
        service_account: the pod spec's service account.
        images: every image of the pod spec, in order.
        breakglass: the object carries a breakglass marker.
        review: the ``admission.k8s.io/v1`` AdmissionReview sent to a webhook.
    """

    kind: str
    name: str | None
    namespace: str
    service_account: str
    images: tuple[str, ...]
    breakglass: bool
    review: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Deploy(_Event):
    """A workload deployed to an environment.

    Attributes:
        environment: the environment's name.
        artifacts: artifact names among the images (for the pipeline picture).
        kind: the kind of the deployed object.
        request: the object's admission request.
        pods: requests for the Pods a controller creates from its template.
        expect: the expectation, if any.
    """

    environment: str
    artifacts: tuple[str, ...]
    kind: str
    request: Request
    pods: tuple[Request, ...] = ()
    expect: Expectation | None = None

    @property
    def images(self) -> tuple[str, ...]:
        """The deployed object's images."""
        return self.request.images


@dataclass(frozen=True, slots=True, kw_only=True)
class Advance(_Event):
    """The virtual clock moves forward."""

    by: datetime.timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyChange(_Event):
    """Keys are added to and/or removed from an attestor (rotate, revoke)."""

    attestor: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteAttestation(_Event):
    """Every attestation of ``attestor`` on ``artifact`` is deleted."""

    artifact: str
    attestor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePolicy(_Event):
    """The project policy is replaced."""

    policy: Policy


Event = Build | RunStage | Attest | Deploy | Advance | KeyChange | DeleteAttestation | ChangePolicy


@dataclass(frozen=True, slots=True)
class Scenario:
    """One validated scenario, ready to simulate."""

    name: str
    description: str
    where: Where
    project: str
    start: datetime.datetime
    environments: Mapping[str, Environment]
    attestors: Mapping[str, AttestorSpec]
    stages: tuple[Stage, ...]
    artifacts: Mapping[str, Artifact]
    policy: Policy | None
    events: tuple[Event | WorldEvent, ...]
    reached: ReachedExpectation | None = None
    check_docker_reference: bool = False
    builders: Mapping[str, BuilderSpec] | None = None
    cv: CvSettings | None = None
    #: Grafeas v1 JSON of the occurrences the world's store starts with
    #: (``occurrences: {file: ...}``, :mod:`.seed`), named in the project.
    occurrences: tuple[Mapping[str, Any], ...] = ()

    @property
    def deploys(self) -> tuple[Deploy, ...]:
        """The deploy events, in order."""
        return tuple(e for e in self.events if isinstance(e, Deploy))
