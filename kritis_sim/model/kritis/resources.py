"""Kritis' custom resources (``kritis.grafeas.io/v1beta1``) as pure values.

Kritis (grafeas/kritis) is configured with four kinds of custom resource,
which users ``kubectl apply``: AttestationAuthority (AA), ImageSecurityPolicy
(ISP), GenericAttestationPolicy (GAP), all namespaced, and the cluster-scoped
KritisConfig. This module holds them after loading
(:mod:`kritis_sim.model.kritis.load` reads the YAML) and the severity
threshold arithmetic of an ISP. It decides nothing (see
:mod:`kritis_sim.core.kritis`) and does no I/O.

An AA's keys are kept as loaded; only its PGP keys, with their id recomputed
as the upper-case V4 fingerprint, take part in decisions
(:meth:`AttestationAuthority.as_attestor`), as in Kritis admission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar

from kritis_sim.model.attestor import Attestor, AttestorPublicKey
from kritis_sim.model.vulnerability import Severity

__all__ = [
    "ALLOW_ALL",
    "BLOCK_ALL",
    "GROUP_VERSION",
    "KINDS",
    "AttestationAuthority",
    "GenericAttestationPolicy",
    "ImageSecurityPolicy",
    "KritisConfig",
    "KritisKey",
    "KritisResources",
    "VulnerabilityRequirements",
    "exceeds",
    "threshold_names",
]

#: The only apiVersion Kritis serves its resources under.
GROUP_VERSION = "kritis.grafeas.io/v1beta1"
#: The kinds ``--policy`` may hold.
KINDS = (
    "AttestationAuthority",
    "GenericAttestationPolicy",
    "ImageSecurityPolicy",
    "KritisConfig",
)
BLOCK_ALL = "BLOCK_ALL"
ALLOW_ALL = "ALLOW_ALL"


def threshold_names() -> tuple[str, ...]:
    """Every value an ISP threshold accepts, in rank order."""
    return (*(s.value for s in Severity), BLOCK_ALL, ALLOW_ALL)


def exceeds(severity: Severity, threshold: str) -> bool:
    """Kritis' ``severityWithinThreshold``, negated: is ``severity`` over
    ``threshold``? ``BLOCK_ALL`` blocks everything, ``ALLOW_ALL`` nothing;
    otherwise severities compare by **rank** (``SEVERITY_UNSPECIFIED`` 0 ..
    ``CRITICAL`` 5), never as strings.
    """
    if threshold == BLOCK_ALL:
        return True
    if threshold == ALLOW_ALL:
        return False
    return severity.number > Severity(threshold).number


@dataclass(frozen=True, slots=True)
class KritisKey:
    """One ``spec.publicKeys[]`` entry of an AttestationAuthority.

    Attributes:
        key_type: ``PGP`` or ``PKIX``.
        key_id: the id as written (informational for PGP).
        fingerprint: PGP only: the computed V4 fingerprint, the id Kritis uses.
        armored: PGP only: the armored key (base64-decoded from the resource).
        pkix_public_key_pem / signature_algorithm: PKIX only, as written.
    """

    key_type: Literal["PGP", "PKIX"]
    key_id: str = ""
    fingerprint: str = ""
    armored: str = ""
    pkix_public_key_pem: str = ""
    signature_algorithm: str = ""


@dataclass(frozen=True, slots=True)
class AttestationAuthority:
    """An AttestationAuthority: a note and the keys whose attestations count."""

    name: str
    namespace: str
    note_reference: str
    keys: tuple[KritisKey, ...] = ()

    @property
    def pgp_keys(self) -> tuple[KritisKey, ...]:
        """The keys Kritis admission uses (PGP only)."""
        return tuple(k for k in self.keys if k.key_type == "PGP")

    def as_attestor(self) -> Attestor:
        """This AA as an attestor over its PGP keys (ids = fingerprints), for
        :func:`kritis_sim.core.attestations.check_attestor`."""
        return Attestor(
            name=f"{self.namespace}/{self.name}",
            note_reference=self.note_reference,
            public_keys=tuple(
                AttestorPublicKey(
                    id=k.fingerprint, ascii_armored_pgp_public_key=k.armored
                )
                for k in self.pgp_keys
            ),
        )


@dataclass(frozen=True, slots=True)
class VulnerabilityRequirements:
    """``spec.packageVulnerabilityRequirements`` with Kritis' defaults.

    Attributes:
        maximum_severity: threshold for CVEs with a fix (default CRITICAL).
        maximum_fix_unavailable_severity: for CVEs without one (ALLOW_ALL).
        allowlist_cves: full note names skipped (exact match).
    """

    maximum_severity: str = "CRITICAL"
    maximum_fix_unavailable_severity: str = ALLOW_ALL
    allowlist_cves: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ImageSecurityPolicy:
    """An ImageSecurityPolicy: vulnerability gating, an exact image allowlist,
    and an optional AA whose attestation stands in for the check."""

    name: str
    namespace: str
    image_allowlist: frozenset[str] = frozenset()
    requirements: VulnerabilityRequirements = VulnerabilityRequirements()
    attestation_authority_name: str = ""
    private_key_secret_name: str = ""


@dataclass(frozen=True, slots=True)
class GenericAttestationPolicy:
    """A GenericAttestationPolicy: all its AAs must attest, or a pattern
    (Kritis dialect) must allowlist the image."""

    name: str
    namespace: str
    attestation_authority_names: tuple[str, ...]
    name_patterns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KritisConfig:
    """The cluster-scoped KritisConfig (defaults as Kritis applies them).
    It configures the server, not decisions."""

    name: str
    metadata_backend: str = "containerAnalysis"
    cron_interval: str = "1h"
    server_addr: str = ":443"
    grafeas_addr: str = ""


_T = TypeVar("_T", AttestationAuthority, ImageSecurityPolicy, GenericAttestationPolicy)


def _by_namespace(items: tuple[_T, ...]) -> Mapping[str, tuple[_T, ...]]:
    out: dict[str, list[_T]] = {}
    for item in sorted(items, key=lambda i: (i.namespace, i.name)):
        out.setdefault(item.namespace, []).append(item)
    return MappingProxyType({ns: tuple(v) for ns, v in out.items()})


@dataclass(frozen=True)
class KritisResources:
    """Everything ``--policy`` held, indexed by namespace (name order).

    Attributes:
        warnings: located messages about fields Kritis would silently drop or
            not use (``file:line: path: ...``), in input order.
    """

    authorities: tuple[AttestationAuthority, ...] = ()
    security_policies: tuple[ImageSecurityPolicy, ...] = ()
    attestation_policies: tuple[GenericAttestationPolicy, ...] = ()
    config: KritisConfig | None = None
    warnings: tuple[str, ...] = ()
    _aas: Mapping[str, tuple[AttestationAuthority, ...]] = field(
        init=False, repr=False, compare=False
    )
    _isps: Mapping[str, tuple[ImageSecurityPolicy, ...]] = field(
        init=False, repr=False, compare=False
    )
    _gaps: Mapping[str, tuple[GenericAttestationPolicy, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_aas", _by_namespace(self.authorities))
        object.__setattr__(self, "_isps", _by_namespace(self.security_policies))
        object.__setattr__(self, "_gaps", _by_namespace(self.attestation_policies))

    def authority(self, namespace: str, name: str) -> AttestationAuthority | None:
        """The AA ``name`` of ``namespace`` (never another namespace's)."""
        for aa in self._aas.get(namespace, ()):
            if aa.name == name:
                return aa
        return None

    def isps(self, namespace: str) -> tuple[ImageSecurityPolicy, ...]:
        """The ISPs of ``namespace``, by name."""
        return self._isps.get(namespace, ())

    def gaps(self, namespace: str) -> tuple[GenericAttestationPolicy, ...]:
        """The GAPs of ``namespace``, by name."""
        return self._gaps.get(namespace, ())
