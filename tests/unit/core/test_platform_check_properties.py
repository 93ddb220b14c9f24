"""Properties of the occurrence checks over generated policies, workloads and stores
(vulnerabilities, scans, attestations signed by pool keys, signed Cloud Build provenance):
adding a check never improves a verdict, allowlisting an image at any level never makes
it less conformant, adding a vulnerability occurrence never makes a vulnerability check
more conformant, and a failing store never makes an occurrence check CONFORMANT."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kritis_sim.core.platform import BuilderRoots, evaluate_platform_policy
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.crypto.dsse import sign_envelope
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.errors import GrafeasError, PatternError
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm
from kritis_sim.model.discovery import AnalysisStatus, DiscoveryOccurrence
from kritis_sim.model.envelope import OccurrenceHeader
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.platform import Check, PlatformPolicy
from kritis_sim.model.platform.checks import ImageAllowlist, TrustedBuilder
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse, Verdict
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import Severity, VulnerabilityOccurrence
from kritis_sim.strategies import TIME, images, platform_checks, platform_policies
from kritis_sim.strategies._pool import _key, _pem
from kritis_sim.strategies.platform import _vulnerability
from tests.unit.core.platform_world import statement
from tests.unit.core.test_platform_properties import _check

_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])
_ALG = SignatureAlgorithm.ECDSA_P256_SHA256
_PROJECTS = ("projects/gen", "projects/gen", "projects/gen-2", "projects/attest")
_CVES = ("CVE-2021-20305", "CVE-2020-10543", "CVE-2024-0001", "GHSA-xxxx-yyyy", "CVE-9")
_SEVERITIES = tuple(s.value for s in Severity)
_STATUSES = ("FINISHED_SUCCESS", "FINISHED_SUCCESS", "FINISHED_FAILED", "SCANNING")
_KEY_IDS = ("gen://k/1", "//cloudkms.googleapis.com/v1/k", None)
_ROOTS = {
    TrustedBuilder.GOOGLE_CLOUD_BUILD: BuilderRoots((PkixPublicKey(_pem(0), _ALG),))
}
_POLICIES = platform_policies(cloud_run=False).map(PlatformPolicy.from_dict)
_names = iter(range(10**9))


def _header(project: str, image: str, note: str) -> OccurrenceHeader:
    return OccurrenceHeader(
        "https://" + image, note, f"{project}/occurrences/g{next(_names)}"
    )


@st.composite
def _vuln(draw: st.DrawFn, image: str) -> VulnerabilityOccurrence:
    cve = draw(st.sampled_from(_CVES))
    return VulnerabilityOccurrence(
        header=_header(
            draw(st.sampled_from(_PROJECTS)), image, f"projects/goog-vulnz/notes/{cve}"
        ),
        effective_severity=Severity(draw(st.sampled_from(_SEVERITIES))),
        fix_available=draw(st.booleans()),
    )


@st.composite
def _scan(draw: st.DrawFn, image: str) -> DiscoveryOccurrence:
    return DiscoveryOccurrence(
        header=_header(
            draw(st.sampled_from(_PROJECTS)),
            image,
            "projects/goog-analysis/notes/PACKAGE_VULNERABILITY",
        ),
        analysis_status=AnalysisStatus(draw(st.sampled_from(_STATUSES))),
    )


@functools.cache
def _attestation(image: str, key: int, key_id: str | None, project: str) -> Any:
    occ = make_attestation(image, f"{project}/notes/n", _key(key), _ALG, key_id)
    return dataclasses.replace(
        occ, name=f"{project}/occurrences/a{key}-{_KEY_IDS.index(key_id)}"
    )


@functools.cache
def _build(image: str, signer: int, project: str, repo: str | None) -> BuildOccurrence:
    digest = ImageRef.parse(image).digest or ""
    body = statement(digest=digest, config_repo=repo)
    occ = BuildOccurrence.from_dict(
        {
            "name": f"{project}/occurrences/b{signer}-{repo is None}",
            "resourceUri": "https://" + image,
            "noteName": "projects/verified-builder/notes/intoto",
            "build": {"inTotoSlsaProvenanceV1": body},
        }
    )
    envelope = sign_envelope(json.dumps(body).encode(), [(_key(signer), _ALG)])
    return dataclasses.replace(
        occ, header=dataclasses.replace(occ.header, envelope=envelope)
    )


@st.composite
def _store(draw: st.DrawFn, pod: list[str]) -> list[Any]:
    out: list[Any] = []
    for image in pod:
        if ImageRef.parse(image).digest is None:
            continue
        out += draw(st.lists(_vuln(image), max_size=3))
        out += draw(st.lists(_scan(image), min_size=1, max_size=2))
        for _ in range(draw(st.integers(0, 2))):
            out.append(
                _attestation(
                    image,
                    draw(st.integers(0, 4)),
                    draw(st.sampled_from(_KEY_IDS)),
                    draw(st.sampled_from(_PROJECTS)),
                )
            )
        for _ in range(draw(st.integers(0, 1))):
            out.append(
                _build(
                    image,
                    draw(st.integers(0, 1)),
                    draw(st.sampled_from(_PROJECTS)),
                    draw(st.sampled_from((None, "git+https://github.com/gen/app"))),
                )
            )
    return out


@st.composite
def _worlds(draw: st.DrawFn) -> tuple[PlatformPolicy, dict[str, Any], list[Any]]:
    policy = draw(_POLICIES)
    pod = draw(st.lists(images(), min_size=1, max_size=2, unique=True))
    workload = {
        "images": pod,
        "namespace": draw(st.sampled_from(("team-a", "team-b", "other"))),
        "service_account": draw(st.sampled_from(("deployer", "default"))),
    }
    return policy, workload, draw(_store(pod))


def _evaluate(
    policy: PlatformPolicy, workload: dict[str, Any], store: Any
) -> EvaluateGkePolicyResponse:
    source = (
        store
        if isinstance(store, InMemoryPlatformOccurrences)
        else InMemoryPlatformOccurrences(store)
    )
    return evaluate_platform_policy(
        policy, now=TIME, occurrences=source, trusted_builders=_ROOTS, **workload
    )


def _ranks(response: EvaluateGkePolicyResponse) -> list[int]:
    return [r.verdict.rank for r in response.results[0].image_results]


def _map_checks(policy: PlatformPolicy, change: Any) -> PlatformPolicy:
    gke = policy.gke_policy
    assert gke is not None
    sets = tuple(
        dataclasses.replace(s, checks=change(s.checks)) for s in gke.check_sets
    )
    return dataclasses.replace(
        policy, gke_policy=dataclasses.replace(gke, check_sets=sets)
    )


@_SETTINGS
@given(_worlds(), platform_checks())
def test_adding_a_check_never_improves_a_verdict_with_occurrences(
    world: tuple[PlatformPolicy, dict[str, Any], list[Any]], extra: dict[str, Any]
) -> None:
    policy, workload, store = world
    added = _check(extra)
    before = _evaluate(policy, workload, store)
    after = _evaluate(_map_checks(policy, lambda c: (*c, added)), workload, store)
    assert all(n >= o for o, n in zip(_ranks(before), _ranks(after), strict=True))
    if before.verdict is Verdict.NON_CONFORMANT:
        assert after.verdict is Verdict.NON_CONFORMANT


@_SETTINGS
@given(_worlds(), st.sampled_from(("policy", "set", "check")), st.integers(0, 5))
def test_allowlisting_an_image_never_makes_it_less_conformant(
    world: tuple[PlatformPolicy, dict[str, Any], list[Any]], level: str, which: int
) -> None:
    policy, workload, store = world
    image = workload["images"][0]
    try:
        allow = ImageAllowlist((NamePattern(image),))
    except PatternError:
        assume(False)
        raise
    assume(allow.compiled().match(image) is not None)
    gke = policy.gke_policy
    assert gke is not None
    if level == "policy":
        changed = dataclasses.replace(
            policy, gke_policy=dataclasses.replace(gke, image_allowlist=allow)
        )
    elif level == "set":
        sets = tuple(
            dataclasses.replace(s, image_allowlist=allow) for s in gke.check_sets
        )
        changed = dataclasses.replace(
            policy, gke_policy=dataclasses.replace(gke, check_sets=sets)
        )
    else:

        def allow_one(checks: tuple[Check, ...]) -> tuple[Check, ...]:
            if not checks:
                return checks
            i = which % len(checks)
            one = dataclasses.replace(checks[i], image_allowlist=allow)
            return (*checks[:i], one, *checks[i + 1 :])

        changed = _map_checks(policy, allow_one)
    before = _ranks(_evaluate(policy, workload, store))
    after = _ranks(_evaluate(changed, workload, store))
    assert after[0] <= before[0]
    if level != "check":
        assert after[0] == Verdict.CONFORMANT.rank


_VULN_CHECKS = _vulnerability().map(
    lambda v: {
        "vulnerabilityCheck": {
            k: val
            for k, val in v.items()
            if k != "containerAnalysisVulnerabilityProjects"
        }
    }
)
_GEN_IMAGES = st.sampled_from(
    tuple(f"gcr.io/gen/{r}@sha256:{c * 64}" for r in ("app", "tools/cli") for c in "ab")
)


@st.composite
def _gen_vuln(draw: st.DrawFn, image: str) -> VulnerabilityOccurrence:
    occ = draw(_vuln(image))
    header = dataclasses.replace(
        occ.header, name=f"projects/gen/occurrences/g{next(_names)}"
    )
    return dataclasses.replace(occ, header=header)


@_SETTINGS
@given(_VULN_CHECKS, _GEN_IMAGES, st.booleans(), st.data())
def test_adding_a_vulnerability_never_makes_the_check_more_conformant(
    check: dict[str, Any], image: str, scanned: bool, data: st.DataObject
) -> None:
    policy = PlatformPolicy.from_dict(
        {"gkePolicy": {"checkSets": [{"checks": [check]}]}}
    )
    workload = {"images": [image], "namespace": "ns", "service_account": None}
    status = "FINISHED_SUCCESS" if scanned else "FINISHED_FAILED"
    scan = DiscoveryOccurrence(
        _header("projects/gen", image, "projects/goog-analysis/notes/P"),
        AnalysisStatus(status),
    )
    store = [scan, *data.draw(st.lists(_gen_vuln(image), max_size=4))]
    more = [*store, data.draw(_gen_vuln(image))]
    before = _ranks(_evaluate(policy, workload, store))
    after = _ranks(_evaluate(policy, workload, more))
    assert after[0] >= before[0]


class _Failing(InMemoryPlatformOccurrences):
    def __init__(self, store: list[Any], fail: str) -> None:
        super().__init__(store)
        self.fail = fail

    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        if kind == self.fail:
            raise GrafeasError(f"{kind} store down")
        return super()._by_kind(kind, project, resource_url)


def test_the_failing_store_fails_only_its_kind() -> None:
    # Guards the property below: a store that never fails would make it vacuous
    # (as it was while _Failing overrode a method the store no longer calls).
    url = "https://gcr.io/gen/app@sha256:" + "a" * 64
    methods = {
        "VULNERABILITY": "vulnerabilities",
        "DISCOVERY": "discoveries",
        "BUILD": "builds",
        "ATTESTATION": "attestations",
    }
    for kind, method in methods.items():
        store = _Failing([], kind)
        with pytest.raises(GrafeasError, match=f"{kind} store down"):
            getattr(store, method)("projects/gen", url)
        for other in set(methods.values()) - {method}:
            assert getattr(store, other)("projects/gen", url) == ()


_READS = {
    "VULNERABILITY": "VulnerabilityCheck",
    "DISCOVERY": "VulnerabilityCheck",
    "BUILD": "SlsaCheck",
    "ATTESTATION": "SimpleSigningAttestationCheck",
}


@_SETTINGS
@given(
    _worlds(), st.sampled_from(("VULNERABILITY", "DISCOVERY", "BUILD", "ATTESTATION"))
)
def test_a_failing_store_never_makes_an_occurrence_check_conformant(
    world: tuple[PlatformPolicy, dict[str, Any], list[Any]], kind: str
) -> None:
    policy, workload, store = world
    response = _evaluate(policy, workload, _Failing(store, kind))
    for image in response.results[0].image_results:
        result = image.check_set_result
        for check in result.check_results if result else ():
            if check.type == _READS[kind] and check.matched_pattern is None:
                assert check.verdict is not Verdict.CONFORMANT, check.explanation
