"""The Kritis profile's decision: admission order, allowlists, GAP, ISP."""

from __future__ import annotations

import pytest

from kritis_sim.core.kritis import kritis_object
from kritis_sim.core.kritis.decide import globally_allowlisted, pattern_matches
from tests.unit.kritis.world import (
    DIGEST,
    IMAGE,
    aa,
    attestation,
    decide,
    gap,
    isp,
    load,
    pod,
    vuln,
)


def test_no_policy_in_the_namespace_admits() -> None:
    d = decide(load(aa()), pod(IMAGE))
    assert d.allowed and "no GenericAttestationPolicy" in d.message


def test_gap_needs_a_verified_pgp_attestation() -> None:
    r = load(aa(), gap())
    assert decide(r, pod(IMAGE), (attestation(),)).allowed
    d = decide(r, pod(IMAGE))
    assert not d.allowed
    assert d.message == (
        "1 images are not attested by all authorities in any GAP policy:\n"
        f"- image {IMAGE} is not attested by\n"
        '  - ["qa"] in gap gap'
    )


def test_attestation_by_another_key_or_of_another_digest_does_not_count() -> None:
    r = load(aa(), gap())
    assert not decide(r, pod(IMAGE), (attestation(n=1),)).allowed
    other = IMAGE.replace("a" * 64, "b" * 64)
    forged = attestation(other)
    moved = type(forged)(
        f"https://{IMAGE}",
        forged.note_name,
        forged.serialized_payload,
        forged.signatures,
    )
    d = decide(r, pod(IMAGE), (moved,))
    assert not d.allowed and "digest" in " ".join(d.reasons)


def test_tag_is_never_attested() -> None:
    d = decide(load(aa(), gap()), pod("gcr.io/shop/api:1"))
    assert not d.allowed and "not a digest" in d.reasons[0]


def test_all_authorities_of_any_one_gap() -> None:
    r = load(
        aa("qa"),
        aa("build", note="projects/shop/notes/build", n=1),
        gap("both", ("qa", "build")),
        gap("qa-only", ("qa",)),
    )
    assert decide(r, pod(IMAGE), (attestation(),)).allowed  # qa-only suffices
    r2 = load(
        aa("qa"),
        aa("build", note="projects/shop/notes/build", n=1),
        gap("both", ("qa", "build")),
    )
    d = decide(r2, pod(IMAGE), (attestation(),))
    assert not d.allowed and '["build"] in gap both' in d.message


def test_patterns_are_flattened_across_gaps_in_kritis_dialect() -> None:
    r = load(aa(), gap("a"), gap("b", patterns=("gcr.io/shop/*",)))
    assert decide(r, pod(IMAGE)).allowed
    assert not decide(r, pod(f"gcr.io/shop/sub/api@{DIGEST}")).allowed  # * stops at /
    assert pattern_matches("gcr.io/p/*", "gcr.io/p/x:1")
    assert not pattern_matches("gcr.io/p/**", "gcr.io/p/a/b")
    assert pattern_matches("gcr.io/p/img", "gcr.io/p/img")
    assert not pattern_matches("gcr.io/p/img", "gcr.io/p/img:1")


def test_global_allowlist_by_repository() -> None:
    assert globally_allowlisted("gcr.io/kritis-project/kritis-server:v0.2.2")
    assert globally_allowlisted(f"us.gcr.io/grafeas/grafeas-server@{DIGEST}")
    assert not globally_allowlisted("gcr.io/kritis-project/other:1")
    r = load(aa(), gap(), isp())
    assert decide(r, pod("gcr.io/kritis-project/preinstall:latest")).allowed


def test_missing_authority_denies_with_a_reason() -> None:
    d = decide(load(gap(aas=("ghost",))), pod(IMAGE))
    assert not d.allowed and "not found in namespace default" in d.reasons[0]


@pytest.mark.parametrize(
    ("severity", "threshold", "allowed"),
    [
        ("HIGH", "HIGH", True),
        ("CRITICAL", "HIGH", False),
        ("LOW", "MEDIUM", True),
        ("MINIMAL", "SEVERITY_UNSPECIFIED", False),
        ("LOW", "BLOCK_ALL", False),
        ("CRITICAL", "ALLOW_ALL", True),
    ],
)
def test_isp_maximum_severity(severity: str, threshold: str, allowed: bool) -> None:
    d = decide(
        load(isp(maximumSeverity=threshold)),
        pod(IMAGE),
        vulns=(vuln("CVE-1", severity),),
    )
    assert d.allowed is allowed
    if not allowed:
        assert d.message == f"found violations in {IMAGE}"
        assert d.images[0].violations[0].type.value == "SeverityViolation"


def test_isp_fix_unavailable_threshold_and_default() -> None:
    bad = (vuln("CVE-9", "CRITICAL", fixable=False),)
    assert decide(load(isp()), pod(IMAGE), vulns=bad).allowed  # default ALLOW_ALL
    d = decide(load(isp(maximumFixUnavailableSeverity="HIGH")), pod(IMAGE), vulns=bad)
    assert not d.allowed
    assert d.images[0].violations[0].reason == (
        f"found unfixable CVE projects/goog-vulnz/notes/CVE-9 in {IMAGE}, which has "
        "severity CRITICAL exceeding max severity HIGH"
    )


def test_isp_allowlisted_cve_is_exact_full_note_name() -> None:
    v = (vuln("CVE-2021-1", "CRITICAL"),)
    full = load(
        isp(
            maximumSeverity="LOW",
            allowlistCVEs=["projects/goog-vulnz/notes/CVE-2021-1"],
        )
    )
    assert decide(full, pod(IMAGE), vulns=v).allowed
    prefix = load(
        isp(maximumSeverity="LOW", allowlistCVEs=["projects/goog-vulnz/notes/CVE-2021"])
    )
    assert not decide(prefix, pod(IMAGE), vulns=v).allowed
    bare = load(isp(maximumSeverity="LOW", allowlistCVEs=["CVE-2021-1"]))
    assert not decide(bare, pod(IMAGE), vulns=v).allowed


def test_isp_tag_is_unqualified_unless_exactly_allowlisted() -> None:
    tag = "gcr.io/shop/api:1"
    d = decide(load(isp()), pod(tag))
    assert not d.allowed and "is not a fully qualified image" in d.message
    assert decide(load(isp(imageAllowlist=[tag])), pod(tag)).allowed
    assert not decide(load(isp(imageAllowlist=["gcr.io/shop/api"])), pod(tag)).allowed


def test_isp_attestation_skips_vulnerability_check() -> None:
    r = load(aa(), isp(maximumSeverity="LOW", attestationAuthorityName="qa"))
    v = (vuln("CVE-1", "CRITICAL"),)
    assert not decide(r, pod(IMAGE), vulns=v).allowed
    assert decide(r, pod(IMAGE), (attestation(),), v).allowed


def test_effective_severity_falls_back_to_severity() -> None:
    d = decide(
        load(isp(maximumSeverity="LOW")),
        pod(IMAGE),
        vulns=(vuln("CVE-1", "HIGH", effective=False),),
    )
    assert not d.allowed


def test_both_gap_and_isp_denials_are_reported() -> None:
    r = load(aa(), gap(), isp(maximumSeverity="LOW"))
    d = decide(r, pod(IMAGE), vulns=(vuln("CVE-1", "HIGH"),))
    assert "GAP policy" in d.message and "found violations" in d.message
    assert len(d.reasons) == 2


def test_breakglass_admits_and_keeps_the_verdict() -> None:
    d = decide(load(aa(), gap()), pod(IMAGE, breakglass=True))
    assert d.allowed and d.breakglass and not d.verdict_allowed


def test_other_namespace_policies_do_not_apply() -> None:
    r = load(aa(ns="prod"), gap(ns="prod"))
    assert decide(r, pod(IMAGE, ns="dev")).allowed
    assert not decide(r, pod(IMAGE, ns="prod")).allowed


def test_which_kinds_and_operations_kritis_inspects() -> None:
    spec = {
        "initContainers": [{"image": "i"}],
        "containers": [{"image": "c"}],
        "ephemeralContainers": [{"image": "e"}],
    }
    meta = {"annotations": {"kritis.grafeas.io/breakglass": ""}}
    obj = kritis_object(
        "Pod", "CREATE", "default", "p", {"metadata": meta, "spec": spec}
    )
    assert not isinstance(obj, str) and obj.images == ("i", "c") and obj.breakglass
    dep = {"spec": {"template": {"metadata": meta, "spec": spec}}}
    obj = kritis_object("Deployment", "CREATE", "default", "d", dep)
    assert (
        not isinstance(obj, str) and not obj.breakglass
    )  # template annotation ignored
    assert isinstance(kritis_object("Deployment", "UPDATE", "default", "d", dep), str)
    assert isinstance(kritis_object("StatefulSet", "CREATE", "default", "s", dep), str)
    assert not isinstance(kritis_object("Pod", "UPDATE", "default", "p", {}), str)


def test_kritis_judge_on_the_core_seam_and_cv() -> None:
    from kritis_sim.admission.workloads import Workload
    from kritis_sim.core.judges import Judge, Replay
    from kritis_sim.core.kritis import KritisJudge, KritisOccurrences
    from kritis_sim.core.target import DeployTarget
    from kritis_sim.cv.judge import WorkloadJudge
    from kritis_sim.errors import GrafeasError
    from tests.unit.kritis.world import NOW

    resources = load(aa(), gap(), isp(maximumSeverity="HIGH"))
    judge: Judge = KritisJudge(resources)
    target = DeployTarget(None, "default")
    src = KritisOccurrences([attestation()], [vuln("CVE-1", "HIGH")])
    direct = judge.judge([IMAGE], target, src, NOW)
    assert direct.allowed and direct.detail.gap_names == ("gap",)
    lookups = judge.reads([IMAGE], target, NOW)
    assert {lk.method for lk in lookups} == {"occurrences", "vulnerabilities"}
    replay = Replay({lk: lk.read(src) for lk in lookups}, GrafeasError("late"))
    assert judge.judge([IMAGE], target, replay, NOW) == direct
    failed = judge.judge([IMAGE], target, Replay({}, GrafeasError("store down")), NOW)
    assert (
        not failed.allowed and failed.failed_closed and "store down" in failed.message
    )
    denied = judge.judge([IMAGE], target, KritisOccurrences(), NOW, breakglass=True)
    assert denied.allowed and denied.breakglass and not denied.verdict_allowed

    class Settings:
        cluster = None
        trust_domain = None

    cv = WorkloadJudge(judge, KritisOccurrences(), Settings())
    w = Workload("Pod", "p", "default", (IMAGE,), breakglass=("annotation",))
    assert not cv.judge(w, NOW).conforms  # breakglass ignored
    assert WorkloadJudge(judge, src, Settings()).judge(w, NOW).conforms
