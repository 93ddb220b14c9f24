"""The validated form of a scenario's richer world: builders, scans, upload times, CV.

Values only, beside :mod:`kritis_sim.scenarios.schema`: the SLSA builders of
a scenario (:class:`BuilderSpec`), the provenance a ``build`` records
(:class:`Provenance`), a scanner's findings (:class:`Finding`, :class:`Scan`),
registry upload times (:class:`Upload`), platform-policy changes
(:class:`ChangePlatformPolicy`), the continuous-validation schedule
(:class:`CvSettings`) and the CV expectations checked at a time
(:class:`CvExpect`), plus what a platform-guarded deploy must show
(:class:`CheckExpectation`). No parsing, no I/O, no decisions.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.scenarios.schema import KeySpec, Where, _Event

__all__ = [
    "DEFAULT_CV_EVERY",
    "KRITIS_CRON_EVERY",
    "BuilderSpec",
    "ChangePlatformPolicy",
    "CheckExpectation",
    "CvExpect",
    "CvSettings",
    "CvStyle",
    "Finding",
    "KeyedPolicy",
    "Provenance",
    "Scan",
    "Undeploy",
    "Upload",
    "WorldEvent",
]

#: GKE CV checks "at least once every 24 hours".
DEFAULT_CV_EVERY = datetime.timedelta(hours=24)
#: Kritis' default ``KritisConfig.spec.cronInterval``.
KRITIS_CRON_EVERY = datetime.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class BuilderSpec:
    """A build system that signs SLSA v1 provenance.

    Attributes:
        name: the scenario's name for it.
        builder_id: the ``runDetails.builder.id`` it writes.
        trusted_builder: the ``slsaCheck`` ``trustedBuilder`` it is a root of
            trust for (``GOOGLE_CLOUD_BUILD``), or None: trusted by no policy.
        key: its signing key (``builders/<name>/key``).
    """

    name: str
    builder_id: str
    trusted_builder: str | None
    key: KeySpec
    where: Where


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a ``build`` by a builder records: a DSSE-signed SLSA v1 BUILD occurrence.

    Attributes:
        builder: the builder's scenario name.
        source: the source repository URL (``https://github.com/o/r``).
        ref: the git ref built (``refs/heads/main``).
        config_based: the build ran from a config file in the source
            (``buildConfigSource`` is recorded).
        project: ``projects/P`` the occurrence is filed in.
    """

    builder: str
    source: str
    ref: str
    config_based: bool
    project: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One vulnerability a scan reports."""

    cve: str
    severity: str
    fixable: bool
    package: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan(_Event):
    """A vulnerability scan finished: its complete findings replace the last scan's.

    Attributes:
        status: the DISCOVERY ``analysisStatus``.
        project: ``projects/P`` the occurrences are filed in.
    """

    artifact: str
    image: str
    findings: tuple[Finding, ...]
    status: str
    project: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload(_Event):
    """The artifact's image was (re-)uploaded to its registry ``age`` ago."""

    artifact: str
    image: str
    age: datetime.timedelta = datetime.timedelta(0)


@dataclass(frozen=True, slots=True)
class KeyedPolicy:
    """A platform policy whose ``pkixPublicKeys`` name scenario keys.

    ``data`` is the policy document with ``{scenarioKey: attestor/key}``
    entries; the world puts each key's generated public key in their place
    (:meth:`~.world_platform.PlatformState.resolve_policy`). ``locator``
    locates errors in ``data``.
    """

    data: Any
    locator: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePlatformPolicy(_Event):
    """The platform policy guarding ``environment`` is replaced."""

    environment: str
    policy: PlatformPolicy
    keyed: KeyedPolicy | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Undeploy(_Event):
    """The workload called ``name`` stops running in ``environment``."""

    environment: str
    name: str


class CvStyle(enum.Enum):
    """How a CV pass reports: GKE log entries, or Kritis' cron labels."""

    GKE = "gke"
    KRITIS_CRON = "kritis-cron"


@dataclass(frozen=True, slots=True)
class CvSettings:
    """When CV passes run and how they report.

    Attributes:
        every: the period; passes run at ``start + k * every`` (k >= 1).
        style: GKE CV log entries, or Kritis' cron labels and annotations
            (the log entries are produced either way).
    """

    every: datetime.timedelta = DEFAULT_CV_EVERY
    style: CvStyle = CvStyle.GKE
    where: Where | None = None


@dataclass(frozen=True, slots=True)
class CheckExpectation:
    """What a deploy under a platform policy must show as responsible.

    Attributes:
        check: a check type (``vulnerabilityCheck``) or display name that
            is NON_CONFORMANT or ERROR for some image.
        check_set: the display name (or index) of the check set applied.
    """

    check: str | None
    check_set: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CvExpect(_Event):
    """What the latest CV pass must have said about a running workload.

    Attributes:
        environment: where it runs.
        pod: a Pod's name, or the controller whose Pods are meant.
        verdict: ``VIOLATES_POLICY``, ``POLICY_CONFORMANCE_VERDICT_UNSPECIFIED``
            or None for "no entry" (conformant).
        check: a check type or display name in the entry's ``checkResults``
            (or a pattern in the image descriptions for classic policies).
        labels: labels the Pod must carry (``None`` as a value: absent).
        annotations: annotations the Pod must carry (``None``: absent).
    """

    environment: str | None
    pod: str
    verdict: str | None
    verdict_given: bool
    check: str | None = None
    labels: Mapping[str, str | None] | None = None
    annotations: Mapping[str, str | None] | None = None


WorldEvent = Scan | Upload | ChangePlatformPolicy | Undeploy | CvExpect
