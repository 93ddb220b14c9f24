"""Defective platform-policy enforcers: proof that the platform cases have teeth.

Each :class:`PlatformDefect` is kritis-sim's platform enforcer (the webhook's
``--platform-policy`` judge) with one realistic bug, built from hooks around
the reference components, never edits of them:

* ``policy``: rewrites the loaded :class:`~kritis_sim.model.platform.PlatformPolicy`
  (an allowlist dropped, a threshold misread, scopes reordered);
* ``source``: wraps the occurrence source (scans read as finished, severities
  renamed);
* ``judge``: wraps the judge's verdict (ERROR admitted).

``caught_by`` names the ``platform_*`` cases that must catch the defect;
``tests/conformance/test_platform_conformance.py`` runs every defect against
its cases in one adapter session and requires each named case to fail while
the reference passes them all. The adapter selects these by ``--defect NAME``
like the classic defects; a platform defect leaves classic cases alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kritis_sim.core.target import DeployTarget
from kritis_sim.model.decision import Decision
from kritis_sim.model.discovery import AnalysisStatus, DiscoveryOccurrence
from kritis_sim.model.platform.checks import (
    Check,
    ImageFreshnessCheck,
    Severity,
    SlsaCheck,
    VulnerabilityCheck,
)
from kritis_sim.model.platform.patterns import SourceRepoPattern
from kritis_sim.model.platform.policy import CheckSet, PlatformPolicy
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.vulnerability import Severity as VulnSeverity
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

__all__ = ["PLATFORM_DEFECTS", "PlatformDefect", "get_platform_defect"]


@dataclass(frozen=True)
class PlatformDefect:
    """One bug: hooks around the reference platform enforcer."""

    name: str
    description: str
    caught_by: tuple[str, ...]
    policy: Callable[[PlatformPolicy], PlatformPolicy] | None = None
    source: Callable[[Any], Any] | None = None
    judge: Callable[[Any], Any] | None = None


# ---- policy rewrites -------------------------------------------------------


def _sets(policy: PlatformPolicy, fn: Callable[[tuple[CheckSet, ...]], tuple[CheckSet, ...]]) -> PlatformPolicy:  # fmt: skip
    gke = policy.gke_policy
    assert gke is not None
    return dataclasses.replace(
        policy, gke_policy=dataclasses.replace(gke, check_sets=fn(gke.check_sets))
    )


def _each_check(fn: Callable[[Check], Check]) -> Callable[[PlatformPolicy], PlatformPolicy]:  # fmt: skip
    def rewrite(policy: PlatformPolicy) -> PlatformPolicy:
        return _sets(policy, lambda sets: tuple(
            dataclasses.replace(s, checks=tuple(fn(c) for c in s.checks)) for s in sets
        ))  # fmt: skip

    return rewrite


def _body(kind: type, fn: Callable[[Any], Any]) -> Callable[[PlatformPolicy], PlatformPolicy]:  # fmt: skip
    def one(check: Check) -> Check:
        if isinstance(check.body, kind):
            return dataclasses.replace(check, body=fn(check.body))
        return check

    return _each_check(one)


def _vuln(**changes: Callable[[VulnerabilityCheck], Any]) -> Callable[[PlatformPolicy], PlatformPolicy]:  # fmt: skip
    return _body(VulnerabilityCheck, lambda v: dataclasses.replace(
        v, **{k: f(v) for k, f in changes.items()}
    ))  # fmt: skip


def _scope_ignored(policy: PlatformPolicy) -> PlatformPolicy:
    return _sets(policy, lambda sets: sets[-1:])


def _namespace_first(policy: PlatformPolicy) -> PlatformPolicy:
    def order(sets: tuple[CheckSet, ...]) -> tuple[CheckSet, ...]:
        def sa(s: CheckSet) -> bool:
            return bool(s.scope and s.scope.kubernetes_service_account)

        return tuple(s for s in sets if not sa(s)) [:-1] + tuple(
            s for s in sets if sa(s)
        ) + sets[-1:]  # fmt: skip

    return _sets(policy, order)


def _no_policy_allowlist(policy: PlatformPolicy) -> PlatformPolicy:
    gke = policy.gke_policy
    assert gke is not None
    return dataclasses.replace(
        policy, gke_policy=dataclasses.replace(gke, image_allowlist=None)
    )


def _no_set_allowlist(policy: PlatformPolicy) -> PlatformPolicy:
    return _sets(policy, lambda sets: tuple(
        dataclasses.replace(s, image_allowlist=None) for s in sets
    ))  # fmt: skip


#: The permutation under which comparing real ranks equals comparing the
#: names as strings (CRITICAL < HIGH < LOW < MEDIUM < MINIMAL).
_AS_STRING = {
    "CRITICAL": "MINIMAL", "HIGH": "LOW", "LOW": "MEDIUM",
    "MEDIUM": "HIGH", "MINIMAL": "CRITICAL",
}  # fmt: skip


def _string_threshold(value: Severity) -> Severity:
    return Severity[_AS_STRING[value.name]] if value.name in _AS_STRING else value


def _string_severity(value: VulnSeverity) -> VulnSeverity:
    name = _AS_STRING.get(value.name)
    return VulnSeverity[name] if name is not None else value


class _PrefixPattern(SourceRepoPattern):
    """A source repository pattern that also matches any URL it prefixes."""

    def matches(self, url: str) -> bool:
        bare = url.split("://", 1)[-1]
        return super().matches(url) or bare.startswith(self.text)


def _prefix_patterns(check: SlsaCheck) -> SlsaCheck:
    def widen(p: SourceRepoPattern) -> SourceRepoPattern:
        return _PrefixPattern(p.text)

    return dataclasses.replace(check, rules=tuple(
        dataclasses.replace(r, trusted_source_repo_patterns=tuple(
            widen(p) for p in r.trusted_source_repo_patterns))
        for r in check.rules
    ))  # fmt: skip


# ---- source and judge wrappers ------------------------------------------------


class _Mapped:
    """An occurrence source whose answers of one kind pass through ``fn``."""

    def __init__(self, inner: Any, method: str, fn: Callable[[Any], Any]) -> None:
        self._inner, self._method, self._fn = inner, method, fn

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name != self._method:
            return found

        def call(project: str, resource_url: str) -> Sequence[Any]:
            return tuple(self._fn(o) for o in found(project, resource_url))

        return call


def _finished(occ: DiscoveryOccurrence) -> DiscoveryOccurrence:
    return dataclasses.replace(occ, analysis_status=AnalysisStatus.FINISHED_SUCCESS)


def _string_ranked(occ: VulnerabilityOccurrence) -> VulnerabilityOccurrence:
    return dataclasses.replace(
        occ,
        severity=_string_severity(occ.severity),
        effective_severity=_string_severity(occ.effective_severity),
    )


class _ErrorAdmitted:
    """A judge that admits what its inner judge denies with ERROR only."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.model, self.policy_name = inner.model, inner.policy_name

    def reads(self, images: Sequence[str], target: DeployTarget, now: datetime) -> Any:
        return self._inner.reads(images, target, now)

    def judge(self, images: Sequence[str], target: DeployTarget, source: Any,
              now: datetime, *, breakglass: bool = False) -> Decision:  # fmt: skip
        decision: Decision = self._inner.judge(
            images, target, source, now, breakglass=breakglass
        )
        if getattr(decision.detail, "verdict", None) is Verdict.ERROR:
            return dataclasses.replace(
                decision, allowed=True, verdict_allowed=True,
                message="Admitted: no check was non-conformant.",
            )  # fmt: skip
        return decision


_P = "platform_"
PLATFORM_DEFECTS: dict[str, PlatformDefect] = {
    d.name: d
    for d in (
        PlatformDefect("scope-ignored", "every Pod gets the unscoped last check set",
                       (_P + "scope_namespace_set_applies",), policy=_scope_ignored),
        PlatformDefect("namespace-before-service-account",
                       "the namespace check set wins over a service-account one (first "
                       "namespace match instead of the most specific scope)",
                       (_P + "scope_service_account_more_specific",), policy=_namespace_first),
        PlatformDefect("policy-allowlist-ignored", "gkePolicy.imageAllowlist not applied",
                       (_P + "allowlist_policy_level",), policy=_no_policy_allowlist),
        PlatformDefect("check-set-allowlist-ignored", "a check set's imageAllowlist not applied",
                       (_P + "allowlist_check_set_level",), policy=_no_set_allowlist),
        PlatformDefect("check-allowlist-ignored",
                       "an image on a check's own imageAllowlist is still checked",
                       (_P + "allowlist_check_level",),
                       policy=_each_check(lambda c: dataclasses.replace(c, image_allowlist=None))),
        PlatformDefect("severity-as-string", "severities compared as strings",
                       (_P + "vuln_high_fixable_medium",),
                       policy=_vuln(maximum_fixable_severity=lambda v: _string_threshold(v.maximum_fixable_severity),
                                    maximum_unfixable_severity=lambda v: _string_threshold(v.maximum_unfixable_severity)),
                       source=lambda s: _Mapped(s, "vulnerabilities", _string_ranked)),
        PlatformDefect("blocked-cves-ignored",
                       "blockedCves ignored when the severity limit allows the CVE",
                       (_P + "vuln_blocked_cve_within_threshold_deny",),
                       policy=_vuln(blocked_cves=lambda v: ())),
        PlatformDefect("allowed-cves-ignored", "allowedCves not exempted",
                       (_P + "vuln_allowed_cve_critical",), policy=_vuln(allowed_cves=lambda v: ())),
        PlatformDefect("unfixable-threshold-for-all",
                       "maximumUnfixableSeverity applied to fixable vulnerabilities too",
                       (_P + "vuln_unfixable_fixable_critical_allowed",),
                       policy=_vuln(maximum_fixable_severity=lambda v: v.maximum_unfixable_severity)),
        PlatformDefect("fixable-threshold-for-all",
                       "maximumFixableSeverity applied to unfixable vulnerabilities too",
                       (_P + "vuln_allow_all_unfixable_critical",),
                       policy=_vuln(maximum_unfixable_severity=lambda v: v.maximum_fixable_severity)),
        PlatformDefect("block-all-ignored", "BLOCK_ALL read as the CRITICAL limit",
                       (_P + "vuln_block_all_fixable_minimal_deny",),
                       policy=_vuln(maximum_fixable_severity=lambda v: Severity.CRITICAL
                                    if v.maximum_fixable_severity is Severity.BLOCK_ALL
                                    else v.maximum_fixable_severity)),
        PlatformDefect("unfinished-scan-clean", "a scan that has not finished counts as clean",
                       (_P + "vuln_scan_pending_error_deny",),
                       source=lambda s: _Mapped(s, "discoveries", _finished)),
        PlatformDefect("archived-scan-valid", "an archived scan still counts",
                       (_P + "vuln_scan_archived_error_deny",),
                       source=lambda s: _Mapped(s, "discoveries",
                                                lambda o: dataclasses.replace(o, archive_time=None))),
        PlatformDefect("freshness-off-by-one", "maxUploadAgeDays read as one day more",
                       (_P + "fresh_past_limit_deny",),
                       policy=_body(ImageFreshnessCheck, lambda c: dataclasses.replace(
                           c, max_upload_age_days=c.max_upload_age_days + 1))),
        PlatformDefect("error-treated-conformant", "an ERROR verdict admits the Pod",
                       (_P + "vuln_no_scan_error_deny",), judge=_ErrorAdmitted),
        PlatformDefect("config-based-build-ignored", "configBasedBuildRequired not enforced",
                       (_P + "slsa_config_based_missing_deny",),
                       policy=_body(SlsaCheck, lambda c: dataclasses.replace(c, rules=tuple(
                           dataclasses.replace(r, config_based_build_required=False)
                           for r in c.rules)))),
        PlatformDefect("source-repo-prefix-match",
                       "trustedSourceRepoPatterns matched as prefixes",
                       (_P + "slsa_repo_prefix_lookalike_deny",),
                       policy=_body(SlsaCheck, _prefix_patterns)),
    )
}  # fmt: skip


def get_platform_defect(name: str | None) -> PlatformDefect | None:
    """The platform defect ``name`` (None for None or a classic defect's name)."""
    return PLATFORM_DEFECTS.get(name) if name is not None else None
