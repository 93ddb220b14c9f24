"""platform_decision: a platform-policy response as a Decision. Only CONFORMANT is
allowed (ERROR never is); dry-run and breakglass admit a denial and say so; the
governing rule (allowlist, check set, platform policy) and every reason sentence and
message are pinned exactly, since adapters, scenarios and users match on them."""

from __future__ import annotations

import pytest

from kritis_sim.core.platform.verdict import (
    check_set_text,
    platform_decision,
    scope_text,
)
from kritis_sim.model.decision import RuleRef
from kritis_sim.model.platform.policy import Scope
from kritis_sim.model.platform.results import (
    CheckResult,
    CheckSetResult,
    EvaluateGkePolicyResponse,
    ImageResult,
    PodResult,
    Verdict,
)

C, E, N = Verdict.CONFORMANT, Verdict.ERROR, Verdict.NON_CONFORMANT
A = "gcr.io/p/a@sha256:" + "a" * 64
B = "gcr.io/p/b@sha256:" + "b" * 64
PROD = Scope(kubernetes_namespace="prod")


def _response(*images: ImageResult) -> EvaluateGkePolicyResponse:
    pod = PodResult(verdict=N, image_results=images)
    return EvaluateGkePolicyResponse(verdict=N, results=(pod,))


def _set(verdict: Verdict, *checks: CheckResult, **kw: object) -> CheckSetResult:
    kw.setdefault("scope", PROD)
    kw.setdefault("display_name", "prod")
    return CheckSetResult(index=0, verdict=verdict, check_results=checks, **kw)  # type: ignore[arg-type]


DENY = CheckResult(
    0, "AlwaysDeny", N, explanation="alwaysDeny: this check denies every image"
)
PASS = CheckResult(1, "TrustedDirectoryCheck", C, display_name="dirs", explanation="ok")
UNKNOWN = CheckResult(2, "SigstoreSignatureCheck", E, display_name="cosign")


@pytest.mark.parametrize(
    ("scope", "text"),
    [
        (None, "unscoped"),
        (Scope(), "unscoped"),
        (Scope(kubernetes_namespace=""), "unscoped"),
        (PROD, "namespace prod"),
        (Scope(kubernetes_service_account="prod:deployer"), "service account prod:deployer"),
    ],
)  # fmt: skip
def test_scope_text(scope: Scope | None, text: str) -> None:
    assert scope_text(scope) == text


def test_check_set_text() -> None:
    assert check_set_text(_set(C)) == "0 'prod' (namespace prod)"
    assert check_set_text(_set(C, display_name=None, scope=None)) == "0 (unscoped)"
    assert check_set_text(_set(C, display_name="")) == "0 (namespace prod)"
    three = CheckSetResult(index=3, scope=None, verdict=C, display_name="x")
    assert check_set_text(three) == "3 'x' (unscoped)"


def test_conformant_check_set_allows_and_names_the_check_set() -> None:
    d = platform_decision(_response(ImageResult(A, C, check_set_result=_set(C, PASS))))
    assert d.allowed and d.verdict_allowed
    assert not d.dry_run and not d.breakglass and not d.failed_closed
    assert d.reasons == ()
    (v,) = d.images
    assert (v.image, v.allowed, v.dry_run) == (A, True, False)
    assert v.rule == RuleRef("checkSet", "0 'prod' (namespace prod)")
    assert v.reason == (
        f"Image {A!r} conforms to every check of check set 0 'prod' (namespace prod)"
    )
    assert d.message == "Admitted: all 1 image(s) conform to the platform policy."


def test_conformant_by_allowlists_and_explanations() -> None:
    policy_allow = ImageResult(
        A, C, matched_pattern="gcr.io/p/*", explanation="exempt (policy)"
    )
    no_sets = ImageResult(B, C, explanation="the policy has no check sets")
    set_allow = ImageResult(
        A,
        C,
        check_set_result=_set(
            C, matched_pattern="gcr.io/**", explanation="exempt (set)"
        ),
    )
    d = platform_decision(_response(policy_allow, no_sets, set_allow))
    assert d.allowed and d.verdict_allowed
    assert [v.rule for v in d.images] == [
        RuleRef("allowlist", "gcr.io/p/*"),
        RuleRef("platformPolicy", "the policy has no check sets"),
        RuleRef("allowlist", "gcr.io/**"),
    ]
    assert [v.reason for v in d.images] == [
        f"Image {A!r} conforms: exempt (policy)",
        f"Image {B!r} conforms: the policy has no check sets",
        f"Image {A!r} conforms to check set 0 'prod' (namespace prod): exempt (set)",
    ]
    assert d.message == "Admitted: all 3 image(s) conform to the platform policy."


def test_error_is_never_allowed_and_names_each_failing_check() -> None:
    cs = _set(N, DENY, PASS, UNKNOWN)
    d = platform_decision(
        _response(ImageResult(A, N, check_set_result=cs)),
        policy_name="projects/p/platforms/gke/policies/pol",
    )
    assert not d.allowed and not d.verdict_allowed and not d.dry_run
    reason = (
        f"Image {A!r} denied by check set 0 'prod' (namespace prod): "
        "check 0 AlwaysDeny: NON_CONFORMANT: alwaysDeny: this check denies every image; "
        "check 2 SigstoreSignatureCheck 'cosign': ERROR"
    )
    assert d.images[0].reason == reason
    assert d.images[0].allowed is False
    assert d.reasons == (reason,)
    assert d.message == (
        "Denied by Binary Authorization platform policy "
        f"projects/p/platforms/gke/policies/pol: {reason}"
    )
    assert (
        d.detail is not None
        and d.detail.results[0].image_results[0].check_set_result is cs
    )


def test_error_without_check_set_and_unnamed_policy() -> None:
    no_scope = ImageResult(A, E, explanation="no check set's scope covers it")
    d = platform_decision(_response(no_scope), failed_closed=True)
    assert not d.allowed and not d.verdict_allowed and d.failed_closed
    assert d.images[0].rule == RuleRef(
        "platformPolicy", "no check set's scope covers it"
    )
    reason = f"Image {A!r} denied (ERROR): no check set's scope covers it"
    assert d.images[0].reason == reason
    assert d.message == f"Denied by Binary Authorization platform policy: {reason}"
    bare = platform_decision(_response(ImageResult(A, E)))
    assert bare.images[0].rule == RuleRef("platformPolicy", "no check set")


def test_denied_check_set_without_failing_checks_uses_its_explanation() -> None:
    explained = _set(E, explanation="store down", display_name=None)
    d = platform_decision(_response(ImageResult(A, E, check_set_result=explained)))
    assert d.images[0].reason == (
        f"Image {A!r} denied by check set 0 (namespace prod): store down"
    )
    silent = _set(E, display_name=None)
    d = platform_decision(_response(ImageResult(A, E, check_set_result=silent)))
    assert (
        d.images[0].reason
        == f"Image {A!r} denied by check set 0 (namespace prod): ERROR"
    )


def test_one_denied_image_denies_the_workload_and_reasons_follow_order() -> None:
    ok = ImageResult(A, C, check_set_result=_set(C, PASS))
    bad = ImageResult(B, N, check_set_result=_set(N, DENY))
    d = platform_decision(_response(ok, bad, bad))
    assert not d.allowed and not d.verdict_allowed
    assert [v.allowed for v in d.images] == [True, False, False]
    assert len(d.reasons) == 2 and d.reasons[0] == d.images[1].reason
    assert d.message == (
        "Denied by Binary Authorization platform policy: " + " ".join(d.reasons)
    )


def test_dry_run_admits_a_denial_and_records_it() -> None:
    bad = ImageResult(A, N, check_set_result=_set(N, DENY))
    d = platform_decision(_response(bad), dry_run=True, policy_name="pol")
    assert d.allowed and not d.verdict_allowed and d.dry_run and not d.breakglass
    assert d.images[0].dry_run and not d.images[0].allowed
    assert d.message == (
        "Admitted in dry-run (AUDIT_AND_DRYRUN); would have been denied: "
        + d.reasons[0]
    )
    # dry-run with nothing denied: a plain admission, not a dry-run one
    ok = platform_decision(_response(ImageResult(A, C)), dry_run=True)
    assert ok.allowed and ok.verdict_allowed and not ok.dry_run
    assert ok.images[0].dry_run
    assert ok.message == "Admitted: all 1 image(s) conform to the platform policy."


def test_breakglass_admits_a_denial_and_is_recorded() -> None:
    bad = ImageResult(A, N, check_set_result=_set(N, DENY))
    d = platform_decision(_response(bad), breakglass=True)
    assert d.allowed and not d.verdict_allowed and d.breakglass and not d.dry_run
    assert (
        d.message == "Admitted by breakglass; would have been denied: " + d.reasons[0]
    )
    ok = platform_decision(_response(ImageResult(A, C)), breakglass=True)
    assert ok.allowed and ok.verdict_allowed and ok.breakglass
    assert ok.message == (
        "Admitted: all 1 image(s) conform to the platform policy. "
        "Breakglass was requested (recorded)."
    )
    both = platform_decision(_response(bad), breakglass=True, dry_run=True)
    assert both.allowed and both.dry_run and both.breakglass
    assert both.message.startswith("Admitted in dry-run (AUDIT_AND_DRYRUN)")
