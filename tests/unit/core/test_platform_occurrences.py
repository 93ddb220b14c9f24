"""The PlatformOccurrences seam: per-project, per-kind lookups with or without https://,
unnamed occurrences refused when looked up (never silently skipped), a project that
disagrees with the name refused, repeats under two URL forms dropped, a classic
InMemorySource accepted by evaluate_platform_policy, and warm (memoised) results that
follow store changes and the evaluation time."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

import pytest

from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.occurrences import (
    InMemoryPlatformOccurrences,
    PlatformOccurrences,
    fetch,
    occurrence_project,
)
from kritis_sim.core.source import InMemorySource
from kritis_sim.errors import InputError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.vulnerability import VulnerabilityOccurrence
from tests.unit.core.platform_world import (
    IMAGE,
    NOW,
    PROJECT,
    URL,
    attestation,
    evaluate,
    pkix_dict,
    policy,
    scan,
    vuln,
)


def test_lookups_are_per_project_and_kind_with_or_without_scheme() -> None:
    v, s = vuln("CVE-1"), scan()
    store = InMemoryPlatformOccurrences([v, s])
    assert isinstance(store, PlatformOccurrences)
    assert store.vulnerabilities(PROJECT, URL) == (v,)
    assert store.vulnerabilities(PROJECT, IMAGE) == (v,)
    assert store.discoveries(PROJECT, URL) == (s,)
    assert store.builds(PROJECT, URL) == ()
    assert store.vulnerabilities("projects/other", URL) == ()


def test_unnamed_occurrence_is_refused_when_looked_up() -> None:
    unnamed = dataclasses.replace(
        vuln("CVE-1"), header=dataclasses.replace(vuln("CVE-1").header, name=None)
    )
    store = InMemoryPlatformOccurrences([unnamed])
    assert store.discoveries(PROJECT, URL) == ()  # other kinds are unaffected
    with pytest.raises(InputError) as refused:
        store.vulnerabilities(PROJECT, URL)
    assert str(refused.value) == (
        f"1 VULNERABILITY occurrence(s) for {IMAGE} have no name "
        f"projects/P/occurrences/ID, so whether they belong to {PROJECT} cannot be "
        "told; name them (or give their project)"
    )
    placed = InMemoryPlatformOccurrences([unnamed], project=PROJECT)
    assert placed.vulnerabilities(PROJECT, URL) == (unnamed,)


def test_project_must_agree_with_the_name() -> None:
    with pytest.raises(InputError, match="belongs to projects/my-proj"):
        InMemoryPlatformOccurrences([vuln("CVE-1")], project="projects/other")


def test_fetch_drops_only_exact_repeats_across_url_forms() -> None:
    tagged = ImageRef.parse(f"us-docker.pkg.dev/my-proj/repo/app:v1@sha256:{'a' * 64}")
    one = vuln("CVE-1")
    changed = dataclasses.replace(one, fix_available=True)

    def lister(project: str, url: str) -> Sequence[VulnerabilityOccurrence]:
        return (one,) if url.endswith(":v1@sha256:" + "a" * 64) else (one, changed)

    assert fetch(lister, [PROJECT], tagged) == (one, changed)


def test_classic_in_memory_source_is_accepted() -> None:
    kid = "urn:key:1"
    check = {
        "simpleSigningAttestationCheck": {
            "attestationAuthenticators": [
                {"pkixPublicKeySet": {"pkixPublicKeys": [pkix_dict("signer", kid)]}}
            ],
            "containerAnalysisAttestationProjects": [PROJECT],
        }
    }
    source = InMemorySource([attestation(key_id=kid)])
    assert evaluate(policy(check), source).verdict is Verdict.CONFORMANT
    assert evaluate(policy(check), InMemorySource()).verdict is Verdict.NON_CONFORMANT


def test_warm_results_follow_store_changes_and_time() -> None:
    check = {
        "vulnerabilityCheck": {
            "maximumFixableSeverity": "LOW",
            "maximumUnfixableSeverity": "LOW",
        }
    }
    store = InMemoryPlatformOccurrences([scan(archived=NOW + timedelta(hours=1))])
    pol = policy(check)
    assert evaluate(pol, store).verdict is Verdict.CONFORMANT
    assert evaluate(pol, store).verdict is Verdict.CONFORMANT  # warm
    later = evaluate_platform_policy(
        pol,
        [IMAGE],
        namespace="prod",
        service_account=None,
        now=NOW + timedelta(hours=2),
        occurrences=store,
    )
    assert later.verdict is Verdict.ERROR  # the scan was archived meanwhile
    store.add(vuln("CVE-1", "HIGH"))
    assert evaluate(pol, store).verdict is Verdict.NON_CONFORMANT


def test_warm_signing_result_follows_an_added_attestation() -> None:
    kid = "urn:key:2"
    check = {
        "simpleSigningAttestationCheck": {
            "attestationAuthenticators": [
                {"pkixPublicKeySet": {"pkixPublicKeys": [pkix_dict("signer", kid)]}}
            ],
            "containerAnalysisAttestationProjects": [PROJECT],
        }
    }
    store = InMemoryPlatformOccurrences([attestation("mallory", key_id=kid)])
    assert evaluate(policy(check), store).verdict is Verdict.NON_CONFORMANT
    store.add(attestation(key_id=kid))
    assert evaluate(policy(check), store).verdict is Verdict.CONFORMANT


def test_fetch_never_drops_an_unnamed_item() -> None:
    # Only a repeat with the same name is dropped: occurrences without a name
    # (and anything without a header) are all kept, in order.
    tagged = ImageRef.parse(f"us-docker.pkg.dev/my-proj/repo/app:v1@sha256:{'a' * 64}")
    unnamed = dataclasses.replace(
        vuln("CVE-1"), header=dataclasses.replace(vuln("CVE-1").header, name=None)
    )
    bare = object()

    def lister(project: str, url: str) -> Sequence[object]:
        return (unnamed, bare)

    assert fetch(lister, [PROJECT, "projects/b"], tagged) == (unnamed, bare) * 4


def test_generation_counts_every_add_and_unplaced_ones_are_counted() -> None:
    unnamed = dataclasses.replace(
        vuln("CVE-1"), header=dataclasses.replace(vuln("CVE-1").header, name=None)
    )
    store = InMemoryPlatformOccurrences()
    assert store.generation == 0
    for expected in (1, 2, 3):
        store.add(unnamed if expected > 1 else scan())
        assert store.generation == expected
    with pytest.raises(InputError, match=r"^2 VULNERABILITY occurrence\(s\) for "):
        store.vulnerabilities(PROJECT, URL)


def test_an_occurrence_name_of_another_form_has_no_project() -> None:
    assert occurrence_project("projects/p/occurrences/o") == "projects/p"
    assert occurrence_project("projects/p/notes/n") is None
    assert occurrence_project(None) is None
    odd = dataclasses.replace(
        vuln("CVE-1"), header=dataclasses.replace(vuln("CVE-1").header, name="o-1")
    )
    store = InMemoryPlatformOccurrences([odd], project=PROJECT)
    assert store.vulnerabilities(PROJECT, URL) == (odd,)
