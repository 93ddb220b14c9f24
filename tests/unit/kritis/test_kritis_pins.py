"""The Kritis profile's decisions pinned exactly: verdicts, messages, every
image's reasons, violations and the audit fields of ``to_dict`` and
``explain``, so a changed word is a deliberate change (issue 16, mutation
testing of the Kritis core)."""

from __future__ import annotations

from collections.abc import Sequence

from kritis_sim.core.kritis import KritisJudge
from kritis_sim.core.kritis.decide import decide_kritis
from kritis_sim.core.kritis.decision import KritisDecision
from kritis_sim.core.kritis.fixes import kritis_fixes
from kritis_sim.core.kritis.vulnerabilities import UNQUALIFIED, VulnerabilityIndex
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import GrafeasError
from kritis_sim.model.decision import RuleRef
from kritis_sim.model.occurrence import AttestationOccurrence
from tests.unit.kritis.world import (
    DIGEST,
    IMAGE,
    NOTE,
    NOW,
    aa,
    attestation,
    b64,
    decide,
    gap,
    isp,
    load,
    pod,
    vuln,
)

TAG = "gcr.io/shop/api:1"
WEB = "gcr.io/shop/web:2"
GLOBAL = "gcr.io/kritis-project/preinstall:1"
NOT_A_DIGEST = f"{TAG} is not a digest; Kritis cannot verify attestations of a tag"


class _Down:
    """A store that cannot be read (attestations and vulnerabilities)."""

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[object]:
        raise GrafeasError("store down")

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[object]:
        raise GrafeasError("store down")


def _mixed() -> KritisDecision:
    r = load(
        aa(),
        gap("a"),
        gap("b", patterns=("gcr.io/shop/web*",)),
        isp(maximumSeverity="LOW", attestationAuthorityName="qa"),
    )
    return decide(
        r, pod(IMAGE, WEB, GLOBAL, TAG), (attestation(),), (vuln("CVE-1", "HIGH"),)
    )


def test_every_field_of_a_mixed_decision() -> None:
    d = _mixed()
    web_unqualified = UNQUALIFIED.format(image=WEB)
    tag_unqualified = UNQUALIFIED.format(image=TAG)
    assert d.to_dict() == {
        "semantics": "kritis",
        "allowed": False,
        "verdictAllowed": False,
        "breakglass": False,
        "failedClosed": False,
        "message": (
            "1 images are not attested by all authorities in any GAP policy:\n"
            f"- image {TAG} is not attested by\n"
            '  - ["qa"] in gap a\n'
            '  - ["qa"] in gap b\n' + web_unqualified
        ),
        "namespace": "default",
        "genericAttestationPolicies": ["a", "b"],
        "imageSecurityPolicies": ["isp"],
        "images": [
            {
                "image": IMAGE,
                "allowed": True,
                "reasons": [
                    "attested by every authority of GAP a",
                    "ISP isp: attested by qa; vulnerability check skipped",
                ],
            },
            {
                "image": WEB,
                "allowed": False,
                "reasons": [
                    "allowlisted by GAP namePattern 'gcr.io/shop/web*'",
                    f"ISP isp: {web_unqualified}",
                ],
                "violations": [
                    {"type": "UnqualifiedImageViolation", "reason": web_unqualified}
                ],
            },
            {
                "image": GLOBAL,
                "allowed": True,
                "reasons": ["on Kritis' built-in global allowlist"],
                "globallyAllowlisted": True,
            },
            {
                "image": TAG,
                "allowed": False,
                "reasons": [
                    f"gap a: qa: {NOT_A_DIGEST}",
                    f"gap b: qa: {NOT_A_DIGEST}",
                    f"ISP isp: {tag_unqualified}",
                ],
                "violations": [
                    {"type": "UnqualifiedImageViolation", "reason": tag_unqualified}
                ],
            },
        ],
    }
    assert d.reasons == (
        "allowlisted by GAP namePattern 'gcr.io/shop/web*'",
        f"ISP isp: {web_unqualified}",
        f"gap a: qa: {NOT_A_DIGEST}",
        f"gap b: qa: {NOT_A_DIGEST}",
        f"ISP isp: {tag_unqualified}",
    )


def test_explain_of_a_mixed_decision() -> None:
    assert _mixed().explain() == "\n".join(
        [
            "DENIED (Kritis semantics, namespace default)",
            f"  {IMAGE}: allowed",
            "    - attested by every authority of GAP a",
            "    - ISP isp: attested by qa; vulnerability check skipped",
            f"  {WEB}: denied",
            "    - allowlisted by GAP namePattern 'gcr.io/shop/web*'",
            f"    - ISP isp: {UNQUALIFIED.format(image=WEB)}",
            f"  {GLOBAL}: allowed",
            "    - on Kritis' built-in global allowlist",
            f"  {TAG}: denied",
            f"    - gap a: qa: {NOT_A_DIGEST}",
            f"    - gap b: qa: {NOT_A_DIGEST}",
            f"    - ISP isp: {UNQUALIFIED.format(image=TAG)}",
        ]
    )


def test_explain_of_breakglass_and_of_no_policy() -> None:
    d = decide(load(aa(), gap()), pod(IMAGE, breakglass=True))
    assert d.explain().splitlines()[0] == (
        "ALLOWED by breakglass (kritis.grafeas.io/breakglass); the policies would "
        "have denied it (Kritis semantics, namespace default)"
    )
    d = decide(load(aa(), gap()), pod(IMAGE, breakglass=True), (attestation(),))
    assert d.explain().splitlines()[0] == (
        "ALLOWED by breakglass (kritis.grafeas.io/breakglass) "
        "(Kritis semantics, namespace default)"
    )
    none = decide(load(aa()), pod(IMAGE))
    assert none.explain() == "\n".join(
        [
            "ALLOWED (Kritis semantics, namespace default)",
            "  no GenericAttestationPolicy or ImageSecurityPolicy in namespace "
            "default: admitted",
            f"  {IMAGE}: allowed",
        ]
    )
    assert none.to_dict()["images"] == [
        {"image": IMAGE, "allowed": True, "reasons": []}
    ]
    empty = decide(load(aa(), gap()), pod())
    assert empty.explain() == "\n".join(
        [
            "ALLOWED (Kritis semantics, namespace default)",
            "  Successfully admitted.",
        ]
    )


def test_admitted_message_and_the_other_gaps_misses_dropped() -> None:
    r = load(
        aa("qa"),
        aa("build", note="projects/shop/notes/build", n=1),
        gap("both", ("qa", "build")),
        gap("qa-only", ("qa",)),
    )
    d = decide(r, pod(IMAGE), (attestation(),))
    assert (d.allowed, d.verdict_allowed, d.message) == (
        True,
        True,
        "Successfully admitted.",
    )
    assert d.images[0].reasons == ("attested by every authority of GAP qa-only",)


def test_two_images_missing_authorities_are_counted() -> None:
    other = IMAGE.replace("a" * 64, "b" * 64)
    d = decide(load(aa(), gap()), pod(IMAGE, other))
    assert d.message == (
        "2 images are not attested by all authorities in any GAP policy:\n"
        f"- image {IMAGE} is not attested by\n"
        '  - ["qa"] in gap gap\n'
        f"- image {other} is not attested by\n"
        '  - ["qa"] in gap gap'
    )


def test_unattested_digest_reason_comes_from_the_attestation_check() -> None:
    d = decide(load(aa(), gap()), pod(IMAGE))
    (reason,) = d.images[0].reasons
    assert reason.startswith("gap gap: qa: ") and reason != "gap gap: qa: "
    assert not d.failed_closed


def test_missing_authority_texts() -> None:
    d = decide(load(gap(aas=("ghost",))), pod(IMAGE))
    assert d.images[0].reasons == (
        "gap gap: ghost: Error getting attestors: attestation authority 'ghost' "
        "not found in namespace default",
    )
    d = decide(load(isp(attestationAuthorityName="ghost")), pod(IMAGE, TAG))
    message = (
        "error getting attestors: attestation authority 'ghost' of ISP isp not "
        "found in namespace default"
    )
    assert d.message == message
    assert [i.reasons for i in d.images] == [(message,), (message,)]
    assert [i.violations for i in d.images] == [(), ()]
    assert not d.allowed and not d.failed_closed


def test_authority_without_pgp_keys() -> None:
    pkix = aa()
    pkix["spec"]["publicKeys"] = [
        {
            "keyType": "PKIX",
            "keyId": "k",
            "pkixPublicKey": {
                "publicKeyPem": _pem(),
                "signatureAlgorithm": "ECDSA_P256_SHA256",
            },
        }
    ]
    d = decide(load(pkix, gap()), pod(IMAGE), (attestation(),))
    assert d.images[0].reasons == (
        'gap gap: qa: Unable to find any valid keys for "qa" (Kritis uses PGP keys only)',
    )


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def test_unreadable_stores_fail_closed_with_the_error() -> None:
    r = load(aa(), gap(), isp(maximumSeverity="LOW"))
    down = _Down()
    d = decide_kritis(r, pod(IMAGE), down, down, now=NOW)  # type: ignore[arg-type]
    assert (d.allowed, d.verdict_allowed, d.failed_closed) == (False, False, True)
    assert d.images[0].reasons == (
        f"gap gap: qa: could not read attestations of {NOTE}: store down",
        f"ISP isp: could not read the vulnerabilities of {IMAGE}: store down",
    )
    assert d.message.endswith(
        f"\ncould not read the vulnerabilities of {IMAGE}: store down"
    )
    only_isp = load(isp(maximumSeverity="LOW"))
    d = decide_kritis(only_isp, pod(IMAGE), InMemorySource(()), down, now=NOW)  # type: ignore[arg-type]
    assert d.failed_closed and not d.allowed
    assert d.message == f"could not read the vulnerabilities of {IMAGE}: store down"
    only_gap = load(aa(), gap())
    d = decide_kritis(only_gap, pod(IMAGE), down, VulnerabilityIndex(), now=NOW)  # type: ignore[arg-type]
    assert d.failed_closed and not d.allowed


def test_readable_stores_do_not_fail_closed() -> None:
    d = decide(load(aa(), gap(), isp(maximumSeverity="LOW")), pod(IMAGE))
    assert not d.failed_closed and not d.to_dict()["failedClosed"]


def test_violations_message_and_order() -> None:
    r = load(isp(maximumSeverity="LOW"))
    vulns = (vuln("CVE-2", "HIGH"), vuln("CVE-1", "CRITICAL", fixable=False))
    d = decide(r, pod(IMAGE, IMAGE), vulns=vulns)
    assert d.message == f"found violations in {IMAGE}"
    assert [v.to_dict() for v in d.images[0].violations] == [
        {
            "type": "SeverityViolation",
            "reason": f"found CVE projects/goog-vulnz/notes/CVE-2 in {IMAGE}, which "
            "has severity HIGH exceeding max severity LOW",
            "cve": "projects/goog-vulnz/notes/CVE-2",
            "severity": "HIGH",
        },
    ]
    assert d.images[0].reasons == (
        f"ISP isp: found CVE projects/goog-vulnz/notes/CVE-2 in {IMAGE}, which has "
        "severity HIGH exceeding max severity LOW",
    )
    assert d.images[0] == d.images[1]  # duplicates judged once, reported twice


def test_block_all_reason_and_both_violation_kinds() -> None:
    r = load(
        isp(maximumSeverity="BLOCK_ALL", maximumFixUnavailableSeverity="BLOCK_ALL")
    )
    vulns = (vuln("CVE-2", "LOW"), vuln("CVE-1", "LOW", fixable=False))
    (image,) = decide(r, pod(IMAGE), vulns=vulns).images
    assert [v.to_dict() for v in image.violations] == [
        {
            "type": "FixUnavailableViolation",
            "reason": f"found unfixable CVE projects/goog-vulnz/notes/CVE-1 in {IMAGE} "
            "which isn't in allowlist, violating max severity BLOCK_ALL",
            "cve": "projects/goog-vulnz/notes/CVE-1",
            "severity": "LOW",
        },
        {
            "type": "SeverityViolation",
            "reason": f"found CVE projects/goog-vulnz/notes/CVE-2 in {IMAGE} "
            "which isn't in allowlist, violating max severity BLOCK_ALL",
            "cve": "projects/goog-vulnz/notes/CVE-2",
            "severity": "LOW",
        },
    ]


def test_vulnerabilities_found_under_the_digest_url_too() -> None:
    tagged = f"gcr.io/shop/api:1@{DIGEST}"
    r = load(isp(maximumSeverity="LOW"))
    d = decide(r, pod(tagged), vulns=(vuln("CVE-1", "HIGH"),))  # filed under IMAGE
    assert not d.allowed and d.images[0].violations[0].cve.endswith("CVE-1")
    both = (vuln("CVE-1", "HIGH"), vuln("CVE-1", "HIGH", image=tagged))
    d = decide(r, pod(tagged), vulns=both)
    assert len(d.images[0].violations) == 2  # two occurrences, two violations


def test_judge_decision_rule_and_reasons() -> None:
    judge = KritisJudge(load(aa(), gap()))
    target = DeployTarget(None, "team")
    d = judge.judge([IMAGE], target, _Source(), NOW)
    (verdict,) = d.images
    assert verdict.rule == RuleRef("kritis", "team")
    assert (verdict.allowed, verdict.reason) == (True, "allowed")
    assert d.message.startswith("no GenericAttestationPolicy")
    judge = KritisJudge(load(aa(ns="team"), gap(ns="team")))
    d = judge.judge([IMAGE, TAG], target, _Source(), NOW)
    assert [v.reason for v in d.images] == [
        "attested by every authority of GAP gap",
        f"gap gap: qa: {NOT_A_DIGEST}",
    ]
    assert [v.allowed for v in d.images] == [True, False]
    assert d.reasons == (f"gap gap: qa: {NOT_A_DIGEST}",)
    assert (d.allowed, d.verdict_allowed, d.breakglass, d.failed_closed) == (
        False,
        False,
        False,
        False,
    )


class _Source:
    """The team namespace's attestation of IMAGE, no vulnerabilities."""

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        return InMemorySource((attestation(),)).occurrences(resource_url, note_name)

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[object]:
        return ()


def test_fix_texts() -> None:
    fixes = kritis_fixes(_mixed())
    assert [(f.image, f.kind, f.summary, f.attestor) for f in fixes] == [
        (
            WEB,
            "deploy-by-digest",
            f"deploy {WEB} by digest (repository@sha256:<64 hex>)",
            None,
        ),
        (
            TAG,
            "deploy-by-digest",
            f"deploy {TAG} by digest (repository@sha256:<64 hex>)",
            None,
        ),
        (
            TAG,
            "attest",
            f"attest {TAG} with a key of AttestationAuthority qa "
            f"(GenericAttestationPolicy a): {NOT_A_DIGEST}",
            "qa",
        ),
        (
            TAG,
            "attest",
            f"attest {TAG} with a key of AttestationAuthority qa "
            f"(GenericAttestationPolicy b): {NOT_A_DIGEST}",
            "qa",
        ),
    ]


#: The exemption of IMAGE from ImageSecurityPolicy ``isp`` (issue 12).
EXEMPT_ISP = (
    f"or exempt it: add {IMAGE!r} to ImageSecurityPolicy isp's imageAllowlist "
    "(exact string equality: this image only)"
)


def test_rescan_fixes_name_the_cve_and_the_limit_to_raise() -> None:
    r = load(isp(maximumSeverity="LOW", maximumFixUnavailableSeverity="LOW"))
    vulns = (vuln("CVE-2", "HIGH"), vuln("CVE-1", "HIGH", fixable=False))
    fixes = kritis_fixes(decide(r, pod(IMAGE), vulns=vulns))
    tail = (
        ": rebuild on a fixed package and rescan, or list its note name under the "
        "ImageSecurityPolicy's packageVulnerabilityRequirements.allowlistCVEs, or raise "
    )
    assert [(f.image, f.kind, f.check, f.attestor, f.summary) for f in fixes] == [
        (
            IMAGE,
            "rescan",
            "FixUnavailableViolation",
            None,
            "projects/goog-vulnz/notes/CVE-1 (HIGH)"
            + tail
            + "maximumFixUnavailableSeverity",
        ),
        (
            IMAGE,
            "rescan",
            "SeverityViolation",
            None,
            "projects/goog-vulnz/notes/CVE-2 (HIGH)" + tail + "maximumSeverity",
        ),
        (IMAGE, "allowlist", None, None, EXEMPT_ISP),
    ]


def test_other_denials_are_their_own_fix_and_passes_are_none() -> None:
    r = load(aa(), isp(attestationAuthorityName="ghost"))
    fixes = kritis_fixes(decide(r, pod(IMAGE)))
    message = (
        "error getting attestors: attestation authority 'ghost' of ISP isp not "
        "found in namespace default"
    )
    assert [(f.kind, f.summary, f.attestor) for f in fixes] == [
        ("kritis", message, None)
    ]
    down = _Down()
    r = load(isp())
    d = decide_kritis(r, pod(IMAGE), InMemorySource(()), down, now=NOW)  # type: ignore[arg-type]
    assert [(f.kind, f.summary) for f in kritis_fixes(d)] == [
        (
            "kritis",
            f"ISP isp: could not read the vulnerabilities of {IMAGE}: store down",
        ),
        ("allowlist", EXEMPT_ISP),  # an allowlisted image is not looked up
    ]
    r = load(aa(), gap(), isp(maximumSeverity="LOW", attestationAuthorityName="qa"))
    allowed = decide(r, pod(IMAGE), (attestation(),), (vuln("CVE-1", "HIGH"),))
    assert allowed.allowed and kritis_fixes(allowed) == ()
    # a denied image's passed reasons give no fix: allowlisted by a pattern,
    # attested for the ISP, denied by a GAP authority only
    r = load(
        aa(),
        aa("build", note="projects/shop/notes/build", n=1),
        gap("g", ("build",), patterns=("gcr.io/shop/web*",)),
        isp(attestationAuthorityName="qa"),
    )
    d = decide(r, pod(IMAGE), (attestation(),))
    assert [(f.kind, f.attestor, f.pattern) for f in kritis_fixes(d)] == [
        ("attest", "build", None),
        ("allowlist", None, "gcr.io/shop/api@*"),  # the GAP's exemption (issue 12)
    ]


def test_kritis_object_refusal_texts() -> None:
    from kritis_sim.core.kritis import kritis_object

    assert kritis_object("StatefulSet", "CREATE", "ns", "s", {}) == (
        "Kritis does not inspect StatefulSet objects (only Pod, Deployment and "
        "ReplicaSet; it checks the Pods other controllers create)"
    )
    assert kritis_object("Pod", "UPDATE", "ns", "p", {}, sub_resource="status") == (
        "Kritis' webhooks are not registered for the status subresource"
    )
    assert kritis_object("Deployment", "UPDATE", "ns", "d", {}) == (
        "Kritis' webhook for Deployment is registered for CREATE only, not UPDATE"
    )
    assert kritis_object("Pod", "DELETE", "ns", "p", {}) == (
        "Kritis' webhook for Pod is registered for CREATE and UPDATE only, not DELETE"
    )
    assert kritis_object("ReplicaSet", "CREATE", "ns", "r", None) == (
        "no object in the CREATE request"
    )


def test_kritis_object_fields_and_odd_specs() -> None:
    from kritis_sim.core.kritis import KritisObject, kritis_object

    spec = {
        "initContainers": [{"image": "i"}, "not a mapping", {"image": 7}, {}],
        "containers": [{"image": "c"}, {"image": "c"}],
    }
    meta = {"annotations": {"kritis.grafeas.io/breakglass": "x"}}
    rs = {"metadata": meta, "spec": {"template": {"spec": spec}}}
    assert kritis_object("ReplicaSet", "CREATE", "ns", "r", rs) == KritisObject(
        "ReplicaSet", "ns", "r", ("i", "c", "c"), True
    )
    assert kritis_object(
        "Pod", "CREATE", "ns", "p", {"metadata": "x", "spec": {"containers": "x"}}
    ) == KritisObject("Pod", "ns", "p", (), False)
    assert kritis_object(
        "Pod", "CREATE", "ns", "p", {"metadata": {"annotations": {"other": ""}}}
    ) == KritisObject("Pod", "ns", "p", (), False)


def test_vulnerability_index_ignores_scheme_and_project() -> None:
    occ = vuln("CVE-1", "HIGH")  # filed under https://IMAGE
    index = VulnerabilityIndex([occ])
    assert index.vulnerabilities("any", IMAGE) == [occ]
    assert index.vulnerabilities("", f"https://{IMAGE}") == [occ]
    assert index.vulnerabilities("", f"https://{TAG}") == ()


def test_judge_keeps_the_given_cache_and_makes_one_otherwise() -> None:
    from kritis_sim.crypto.verify import VerificationCache

    cache = VerificationCache()
    judge = KritisJudge(load(aa(), gap()), cache)
    assert judge.cache is cache
    assert isinstance(KritisJudge(load(aa())).cache, VerificationCache)
    # the judge's decisions keep their attestation judgements in that cache
    assert judge.judge([IMAGE], DeployTarget(None, "default"), _Source(), NOW).allowed
    assert cache.judgements


def test_a_tag_gets_a_deploy_by_digest_fix_per_isp() -> None:
    r = load(isp("one"), isp("two"))
    d = decide(r, pod(TAG))
    assert [v.type.value for v in d.images[0].violations] == [
        "UnqualifiedImageViolation",
        "UnqualifiedImageViolation",
    ]
    assert [f.kind for f in kritis_fixes(d)] == ["deploy-by-digest", "deploy-by-digest"]


def test_judge_judges_a_pgp_signature_expiry_at_its_now() -> None:
    import json
    from datetime import UTC, datetime
    from pathlib import Path

    from kritis_sim.core.kritis import KritisOccurrences
    from kritis_sim.model.occurrence import Signature

    vectors = Path(__file__).resolve().parents[2] / "vectors" / "pgp-expiry" / "expires-2099"
    vec = json.loads((vectors / "vector.json").read_text("utf-8"))
    authority = aa(note=NOTE)
    authority["spec"]["publicKeys"][0]["asciiArmoredPgpPublicKey"] = b64(
        (vectors / "key.asc").read_text("utf-8")
    )
    occ = AttestationOccurrence(
        resource_uri="https://" + vec["image"],
        note_name=NOTE,
        serialized_payload=(vectors / "payload.json").read_bytes(),
        signatures=(Signature((vectors / vec["signature"]).read_bytes(), vec["publicKeyId"]),),
    )
    judge = KritisJudge(load(authority, gap()))
    target = DeployTarget(None, "default")
    source = KritisOccurrences([occ])
    before = datetime(2098, 1, 1, tzinfo=UTC)
    after = datetime(2099, 6, 1, tzinfo=UTC)
    assert judge.judge([vec["image"]], target, source, before).allowed
    expired = judge.judge([vec["image"]], target, source, after)
    assert not expired.allowed
    assert "expired at 2099-01-01T12:00:00Z" in expired.reasons[0]


def test_fixes_read_every_reason_after_a_passed_or_told_one() -> None:
    ghost = (
        "error getting attestors: attestation authority 'ghost' of ISP {} not "
        "found in namespace default"
    )
    # passed first (a GAP pattern), then the ISP naming a missing authority
    r = load(gap(patterns=("gcr.io/shop/*",)), isp(attestationAuthorityName="ghost"))
    d = decide(r, pod(IMAGE))
    assert d.images[0].reasons[0].startswith("allowlisted by GAP namePattern")
    kritis = [(f.image, f.summary) for f in kritis_fixes(d) if f.kind == "kritis"]
    assert kritis == [(IMAGE, ghost.format("isp"))]
    # told first (a violation of one ISP), then another ISP's missing authority
    r = load(isp("one", maximumSeverity="LOW"), isp("two", attestationAuthorityName="ghost"))
    d = decide(r, pod(IMAGE), vulns=(vuln("CVE-1", "HIGH"),))
    kinds = [(f.kind, f.summary) for f in kritis_fixes(d) if f.kind != "allowlist"]
    assert [k for k, _ in kinds] == ["rescan", "kritis"]
    assert kinds[1][1] == ghost.format("two")


def test_gap_authority_fix_splits_at_the_first_separator() -> None:
    d = decide(load(gap(aas=("ghost",))), pod(IMAGE))
    (fix,) = [f for f in kritis_fixes(d) if f.kind == "attest"]
    assert fix.attestor == "ghost"
    assert fix.summary == (
        f"attest {IMAGE} with a key of AttestationAuthority ghost "
        "(GenericAttestationPolicy gap): Error getting attestors: attestation "
        "authority 'ghost' not found in namespace default"
    )


def test_explain_of_a_gap_only_decision_has_no_message_line() -> None:
    d = decide(load(aa(), gap()), pod(IMAGE), (attestation(),))
    assert d.explain() == "\n".join(
        [
            "ALLOWED (Kritis semantics, namespace default)",
            f"  {IMAGE}: allowed",
            "    - attested by every authority of GAP gap",
        ]
    )
    d = decide(load(isp()), pod(IMAGE))
    assert d.explain() == "\n".join(
        ["ALLOWED (Kritis semantics, namespace default)", f"  {IMAGE}: allowed"]
    )


def test_judge_verdicts_name_the_image_and_join_its_reasons() -> None:
    judge = KritisJudge(load(aa(), gap(), isp(maximumSeverity="LOW")))
    d = judge.judge([TAG], DeployTarget(None, "default"), _Source(), NOW)
    (verdict,) = d.images
    assert verdict.image == TAG
    assert verdict.reason == (
        f"gap gap: qa: {NOT_A_DIGEST}; ISP isp: {UNQUALIFIED.format(image=TAG)}"
    )


def test_a_trailing_star_stops_at_the_slash_right_after_the_prefix() -> None:
    from kritis_sim.core.kritis.decide import pattern_matches

    assert pattern_matches("gcr.io/p*", "gcr.io/pq")
    assert not pattern_matches("gcr.io/p*", "gcr.io/p/x")


def test_every_missing_authority_of_a_gap_is_listed() -> None:
    r = load(
        aa("qa"),
        aa("build", note="projects/shop/notes/build", n=1),
        gap("both", ("qa", "build")),
    )
    assert decide(r, pod(IMAGE)).message == (
        "1 images are not attested by all authorities in any GAP policy:\n"
        f"- image {IMAGE} is not attested by\n"
        '  - ["qa" "build"] in gap both'
    )


def test_an_unreadable_vulnerability_store_denies_every_image() -> None:
    other = IMAGE.replace("a" * 64, "b" * 64)
    d = decide_kritis(load(isp()), pod(IMAGE, other), InMemorySource(()), _Down(), now=NOW)  # type: ignore[arg-type]
    assert [i.allowed for i in d.images] == [False, False]
    assert d.images[1].reasons == (
        f"ISP isp: could not read the vulnerabilities of {other}: store down",
    )


def test_an_allowlisted_cve_does_not_hide_the_next_one() -> None:
    r = load(isp(maximumSeverity="LOW", allowlistCVEs=["projects/goog-vulnz/notes/CVE-1"]))
    d = decide(r, pod(IMAGE), vulns=(vuln("CVE-1", "HIGH"), vuln("CVE-2", "HIGH")))
    assert not d.allowed
    assert [v.cve for v in d.images[0].violations] == ["projects/goog-vulnz/notes/CVE-2"]


def test_an_unparsable_image_is_unqualified_for_an_isp() -> None:
    bad = "Not A Reference!"
    d = decide(load(isp()), pod(bad))
    assert [v.to_dict() for v in d.images[0].violations] == [
        {"type": "UnqualifiedImageViolation", "reason": UNQUALIFIED.format(image=bad)}
    ]


def test_vulnerabilities_are_asked_for_any_project() -> None:
    asked: list[tuple[str, str]] = []

    class Recording:
        def vulnerabilities(self, project: str, resource_url: str) -> Sequence[object]:
            asked.append((project, resource_url))
            return ()

    tagged = f"gcr.io/shop/api:1@{DIGEST}"
    decide_kritis(load(isp()), pod(tagged), InMemorySource(()), Recording(), now=NOW)  # type: ignore[arg-type]
    assert asked == [("", f"https://{tagged}"), ("", f"https://{IMAGE}")]
