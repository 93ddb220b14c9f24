"""Warm platform evaluations (results memoised on the identity and generation of
an in-memory store, the roots of trust and the check) give what a cold one
gives: adding an occurrence, changing the roots of trust, the evaluation time or
the image metadata is seen at once; other sources are never memoised."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.facts import BuilderRoots
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.model.discovery import DiscoveryOccurrence
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.results import ImageMetadata, Verdict
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

from . import platform_world as pw

SIGNING = {
    "simpleSigningAttestationCheck": {
        "attestationAuthenticators": [
            {"pkixPublicKeySet": {"pkixPublicKeys": [pw.pkix_dict("signer")]}}
        ],
        "containerAnalysisAttestationProjects": [pw.PROJECT],
    }
}
SLSA = {"slsaCheck": {"rules": [{"trustedBuilder": "GOOGLE_CLOUD_BUILD"}]}}
VULNS = {
    "vulnerabilityCheck": {
        "maximumFixableSeverity": "HIGH",
        "maximumUnfixableSeverity": "HIGH",
    }
}
FRESH = {"imageFreshnessCheck": {"maxUploadAgeDays": 30}}
POLICY = pw.policy(SIGNING, SLSA, VULNS, FRESH, {"trustedDirectoryCheck": {
    "trustedDirPatterns": ["us-docker.pkg.dev/my-proj/*"]}})  # fmt: skip
METADATA = {pw.IMAGE: ImageMetadata(pw.NOW - timedelta(days=1))}


def verdicts(source: Any, **kw: Any) -> list[Verdict]:
    kw.setdefault("image_metadata", METADATA)
    kw.setdefault("trusted_builders", pw.roots())
    kw.setdefault("now", pw.NOW)
    response = evaluate_platform_policy(
        POLICY,
        [pw.IMAGE],
        namespace="prod",
        service_account="deployer",
        occurrences=source,
        **kw,
    )
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    return [c.verdict for c in result.check_results]


def good() -> list[Any]:
    return [pw.attestation(), pw.build(), pw.scan()]


C, N, E = Verdict.CONFORMANT, Verdict.NON_CONFORMANT, Verdict.ERROR


def test_warm_equals_cold() -> None:
    occurrences = good()
    store = InMemoryPlatformOccurrences(occurrences)
    first = pw.evaluate(POLICY, store, image_metadata=METADATA)
    for _ in range(3):
        warm = pw.evaluate(POLICY, store, image_metadata=METADATA)
        assert warm.to_dict() == first.to_dict()
    cold = pw.evaluate(
        POLICY, InMemoryPlatformOccurrences(occurrences), image_metadata=METADATA
    )
    assert cold.to_dict() == first.to_dict()
    assert first.verdict is Verdict.CONFORMANT


def test_adding_occurrences_is_seen_by_a_warm_evaluation() -> None:
    store = InMemoryPlatformOccurrences([pw.scan()])
    assert verdicts(store) == [N, N, C, C, C]
    store.add(pw.attestation())
    assert verdicts(store) == [C, N, C, C, C]
    store.add(pw.build())
    assert verdicts(store) == [C, C, C, C, C]
    store.add(pw.vuln("CVE-2024-0001", "CRITICAL"))
    assert verdicts(store) == [C, C, N, C, C]


def test_roots_of_trust_changed_in_place_are_seen() -> None:
    store = InMemoryPlatformOccurrences(good())
    builders = pw.roots("someone else")
    assert verdicts(store, trusted_builders=builders)[1] is N
    builders[TrustedBuilder.GOOGLE_CLOUD_BUILD] = BuilderRoots((pw.pkix("builder"),))
    assert verdicts(store, trusted_builders=builders)[1] is C
    del builders[TrustedBuilder.GOOGLE_CLOUD_BUILD]
    assert verdicts(store, trusted_builders=builders)[1] is E


def test_time_and_metadata_are_judged_every_time() -> None:
    archived = pw.scan(archived=pw.NOW + timedelta(hours=1))
    store = InMemoryPlatformOccurrences([pw.attestation(), pw.build(), archived])
    assert verdicts(store) == [C, C, C, C, C]
    later = pw.NOW + timedelta(days=40)
    # The scan was archived and the image is 41 days old at ``later``.
    assert verdicts(store, now=later)[2:4] == [E, N]
    assert verdicts(store)[2:4] == [C, C]
    old = {pw.IMAGE: ImageMetadata(pw.NOW - timedelta(days=31))}
    assert verdicts(store, image_metadata=old)[3] is N


class Changing:
    """A source whose reads change without any generation (like a live store)."""

    def __init__(self) -> None:
        self.attestations_held: list[AttestationOccurrence] = []
        self.vulnerabilities_held: list[VulnerabilityOccurrence] = []

    def vulnerabilities(
        self, project: str, url: str
    ) -> Sequence[VulnerabilityOccurrence]:
        return tuple(self.vulnerabilities_held)

    def discoveries(self, project: str, url: str) -> Sequence[DiscoveryOccurrence]:
        return (pw.scan(),)

    def builds(self, project: str, url: str) -> Sequence[BuildOccurrence]:
        return ()

    def attestations(self, project: str, url: str) -> Sequence[AttestationOccurrence]:
        return tuple(self.attestations_held)


def test_other_sources_are_read_every_time() -> None:
    source = Changing()
    assert verdicts(source)[0] is N
    source.attestations_held.append(pw.attestation())
    assert verdicts(source)[0] is C
    source.attestations_held.clear()
    assert verdicts(source)[0] is N


def test_a_warm_evaluation_of_an_unchanged_store_reads_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The memo is observable only as work not done: count the store's reads.
    reads: list[str] = []
    by_kind = InMemoryPlatformOccurrences._by_kind

    def counted(
        self: InMemoryPlatformOccurrences, kind: str, project: str, url: str
    ) -> tuple[Any, ...]:
        reads.append(kind)
        return by_kind(self, kind, project, url)

    monkeypatch.setattr(InMemoryPlatformOccurrences, "_by_kind", counted)
    store = InMemoryPlatformOccurrences(good())
    builders = pw.roots()
    kinds = ["ATTESTATION", "BUILD", "DISCOVERY", "VULNERABILITY"]
    assert verdicts(store, trusted_builders=builders) == [C, C, C, C, C]
    assert sorted(set(reads)) == kinds
    reads.clear()
    later = pw.NOW + timedelta(days=1)
    assert verdicts(store, trusted_builders=builders, now=later) == [C, C, C, C, C]
    assert reads == []
    store.add(pw.vuln("CVE-2024-0001", "CRITICAL"))
    assert verdicts(store, trusted_builders=builders) == [C, C, N, C, C]
    # read again; a violation is found before the scans are needed
    assert sorted(set(reads)) == ["ATTESTATION", "BUILD", "VULNERABILITY"]


def test_a_warm_scan_rule_follows_the_valid_scan_ending() -> None:
    # A failed scan and one archived an hour after NOW: valid at NOW (CONFORMANT),
    # no valid scan two hours later (ERROR), though some scan had a problem at
    # both times.
    store = InMemoryPlatformOccurrences(
        [pw.scan("FINISHED_FAILED"), pw.scan(archived=pw.NOW + timedelta(hours=1))]
    )
    builders = pw.roots()
    assert verdicts(store, trusted_builders=builders)[2] is C
    later = pw.NOW + timedelta(hours=2)
    assert verdicts(store, trusted_builders=builders, now=later)[2] is E
    assert verdicts(store, trusted_builders=builders)[2] is C


def test_other_sources_are_read_every_time_with_the_same_roots_of_trust() -> None:
    # With the same roots of trust every input of the memo key but the source's
    # content is equal: a live source must still be read again.
    source, builders = Changing(), pw.roots()
    assert verdicts(source, trusted_builders=builders)[0] is N
    source.attestations_held.append(pw.attestation())
    assert verdicts(source, trusted_builders=builders)[0] is C
    source.attestations_held.clear()
    assert verdicts(source, trusted_builders=builders)[0] is N
    # the vulnerability check's reads are not memoised on a live source either
    assert verdicts(source, trusted_builders=builders)[2] is C
    source.vulnerabilities_held.append(pw.vuln("CVE-2024-0001", "CRITICAL"))
    assert verdicts(source, trusted_builders=builders)[2] is N
