"""The richer part of a scenario's world: provenance, scans, upload times, platform policies.

:class:`PlatformState` is mixed into :class:`~.world.World`. It records what
builders, scanners and registries say about images as real Grafeas v1
occurrences in the world's store (``BUILD`` with a DSSE-signed in-toto SLSA v1
statement, ``VULNERABILITY`` and ``DISCOVERY``), keeps registry upload times
(:class:`~kritis_sim.model.platform.results.ImageMetadata`), holds the platform
policy guarding each environment, and reads occurrences back for the checks
through :class:`~kritis_sim.grafeas.platform_source.StorePlatformOccurrences`
(re-exported here), the emulator's own reader of its store, cached: the world
is its store's only writer and calls ``forget()`` after each write. It reads
each resource URL with and without ``https://``, as a real client of the
emulator does.

A scan's findings replace the previous scan's (the scanner reports the
complete current state), and its DISCOVERY occurrence is replaced too. No
network I/O and no decisions (see :mod:`.platform`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Sequence
from typing import Any

from kritis_sim.core.platform.facts import BuilderRoots
from kritis_sim.crypto.dsse import DsseKey
from kritis_sim.grafeas.platform_source import StorePlatformOccurrences
from kritis_sim.grafeas.store import Record, Scan, Store
from kritis_sim.model.discovery import AnalysisStatus, DiscoveryOccurrence
from kritis_sim.model.envelope import OccurrenceHeader
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.platform.results import ImageMetadata
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import (
    PackageIssue,
    Severity,
    Version,
    VersionKind,
    VulnerabilityOccurrence,
)
from kritis_sim.producers.provenance import LoadedSigner, make_provenance
from kritis_sim.scenarios.clock import VirtualClock
from kritis_sim.scenarios.keys import KeyFactory, KeyMaterial
from kritis_sim.scenarios.schema import Scenario
from kritis_sim.scenarios.schema_world import Finding, KeyedPolicy, Provenance

__all__ = ["PlatformState", "StorePlatformOccurrences"]

_SCAN_NOTE = "projects/goog-analysis/notes/PACKAGE_VULNERABILITY"


class PlatformState:
    """Occurrences, metadata and platform policies of a :class:`~.world.World`."""

    scenario: Scenario
    clock: VirtualClock
    store: Store
    generation: int

    def _init_platform(self, keys: KeyFactory) -> None:
        self.platform_source = StorePlatformOccurrences(
            self.store, cached=True, origin=f"scenario {self.scenario.name}'s store"
        )
        self.metadata: dict[str, ImageMetadata] = {}
        self._keys_factory = keys
        self.platform_policies: dict[str, PlatformPolicy] = {
            e.name: self.resolve_policy(e.platform_policy, e.platform_keys)
            for e in self.scenario.environments.values()
            if e.platform_policy is not None
        }
        builders = self.scenario.builders or {}
        self.builder_keys: dict[str, KeyMaterial] = {
            name: keys.material(b.key, self.scenario.name) for name, b in builders.items()
        }
        roots: dict[TrustedBuilder, tuple[list[DsseKey], list[str]]] = {}
        for name, builder in builders.items():
            if builder.trusted_builder is None:
                continue
            keys_, ids = roots.setdefault(TrustedBuilder(builder.trusted_builder), ([], []))
            pkix = self.builder_keys[name].public_key().pkix_public_key
            assert pkix is not None
            keys_.append(pkix)
            if builder.builder_id not in ids:
                ids.append(builder.builder_id)
        self.builder_roots: dict[TrustedBuilder, BuilderRoots] = {
            tb: BuilderRoots(tuple(k), tuple(i)) for tb, (k, i) in roots.items()
        }
        self._platform_seq = 0

    def _occurrence_name(self, project: str) -> str:
        self._platform_seq += 1
        return f"{project}/occurrences/sim-p{self._platform_seq:06d}"

    def _put(self, project: str, data: dict[str, Any]) -> None:
        self.store.insert("occurrences", [Record.for_occurrence(project, data)])
        self.platform_source.forget()
        self.generation += 1

    def _drop(self, project: str, image: str, kind: str) -> None:
        where = Scan(parent=project, resource_uri="https://" + image, kind=kind)
        for data in list(self.store.list_all("occurrences", where)):
            self.store.delete("occurrences", data["name"])

    def record_build(self, image: str, provenance: Provenance) -> BuildOccurrence:
        """Store a BUILD occurrence whose DSSE envelope the builder signed
        (:func:`kritis_sim.producers.provenance.make_provenance`, what
        ``kritis-sim provenance`` prints)."""
        spec = (self.scenario.builders or {})[provenance.builder]
        material = self.builder_keys[provenance.builder]
        assert material.private_key is not None
        source = provenance.source.removesuffix("/")
        commit = hashlib.sha256(f"{source}@{provenance.ref}".encode()).hexdigest()[:40]
        occ = make_provenance(
            image,
            source_repo=f"git+{source}@{provenance.ref}",
            builder_id=spec.builder_id,
            signer=LoadedSigner(
                (material.private_key, material.algorithm),
                material.key_id,
                material.public_pem,
                material.algorithm,
            ),
            note_name=f"{provenance.project}/notes/slsa-provenance",
            config_based=provenance.config_based,
            built_at=self.clock.now(),
            source_commit=commit,
        )
        name = self._occurrence_name(provenance.project)
        occ = dataclasses.replace(occ, header=dataclasses.replace(occ.header, name=name))
        self._put(provenance.project, occ.to_dict())
        return occ

    def record_scan(self, image: str, project: str, status: str, findings: Sequence[Finding]) -> None:
        """Replace the image's DISCOVERY and VULNERABILITY occurrences in ``project``."""
        now = self.clock.now()
        self._drop(project, image, "DISCOVERY")
        self._drop(project, image, "VULNERABILITY")
        url = "https://" + image
        discovery = DiscoveryOccurrence(
            header=OccurrenceHeader(url, _SCAN_NOTE, self._occurrence_name(project), create_time=now),
            analysis_status=AnalysisStatus(status),
            last_scan_time=now,
        )
        self._put(project, discovery.to_dict())
        for finding in findings:
            vuln = VulnerabilityOccurrence(
                header=OccurrenceHeader(
                    url, f"projects/goog-vulnz/notes/{finding.cve}", self._occurrence_name(project), create_time=now
                ),
                severity=Severity(finding.severity),
                effective_severity=Severity(finding.severity),
                fix_available=finding.fixable,
                short_description=finding.cve,
                # Kritis reads fixability from the package issue's fixed version
                # (kind MAXIMUM: no fix), so the finding carries one.
                package_issues=(
                    PackageIssue(
                        affected_package=finding.package,
                        fixed_package=finding.package,
                        fixed_version=Version(kind=VersionKind.NORMAL if finding.fixable else VersionKind.MAXIMUM),
                        fix_available=finding.fixable,
                        effective_severity=Severity(finding.severity),
                    ),
                ),
            )
            self._put(project, vuln.to_dict())
        self.platform_source.forget()

    def upload(self, image: str, age: datetime.timedelta) -> None:
        """The registry says ``image`` was uploaded ``age`` ago."""
        self.metadata[image] = ImageMetadata(upload_time=self.clock.now() - age)
        self.generation += 1

    def set_platform_policy(
        self, environment: str, policy: PlatformPolicy, keyed: KeyedPolicy | None = None
    ) -> None:
        """Replace the platform policy guarding ``environment``."""
        self.platform_policies[environment] = self.resolve_policy(policy, keyed)
        self.generation += 1

    def resolve_policy(self, policy: PlatformPolicy, keyed: KeyedPolicy | None) -> PlatformPolicy:
        """``policy`` with the run's generated keys where it names scenario keys."""
        if keyed is None:
            return policy
        from kritis_sim.scenarios.keys import pkix_entry
        from kritis_sim.scenarios.sections import substitute_keys

        def key(entry: dict[str, Any], _path: Any) -> dict[str, str]:
            owner, _, name = str(entry["scenarioKey"]).rpartition("/")
            spec = self.scenario.attestors[owner].key(name)
            assert spec is not None  # the loader checked every reference
            return pkix_entry(self._keys_factory.material(spec, self.scenario.name))

        return PlatformPolicy.from_dict(substitute_keys(keyed.data, key), locator=keyed.locator)
