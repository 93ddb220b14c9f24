"""The platform-policy case table: one row per case, verdicts by the author.

Every row's ``verdict`` is written from the rule it names (the ``checks``
sentence says why), never copied from the reference; the generator then
checks that the reference agrees and refuses to write the catalogue when it
does not. Namespaces select the check set of :data:`_platform_build.POLICY`.
"""

from __future__ import annotations

from datetime import timedelta

from _platform_build import (
    FRESH_DAYS,
    REG,
    SCAN_PROJECT,
    Build,
    PRow,
    Scan,
    Signed,
    Vuln,
)

C, N, E = "CONFORMANT", "NON_CONFORMANT", "ERROR"
D = timedelta(days=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
APP = f"{REG}/app/svc@@a"
LIMIT = timedelta(days=FRESH_DAYS)


def _vuln(name: str, verdict: str, ns: str, why: str, *occ: Vuln | Scan,
          scan: bool = True, catches: tuple[str, ...] = ()) -> PRow:  # fmt: skip
    occurrences = (*occ, Scan(APP)) if scan else occ
    return PRow(name, why, verdict, (APP,), namespace=ns, occurrences=occurrences,
                features=("vulnerability-check",), catches=catches)  # fmt: skip


ROWS: list[PRow] = [
    # ---- scope selection ---------------------------------------------------
    PRow("scope_namespace_set_applies", "a Pod in namespace 'scope' is judged by that namespace's check set (its trusted directory ns-dir)", C, (f"{REG}/ns-dir/app@@a",), namespace="scope", features=("scope", "trusted-directory"), catches=("scope-ignored",)),
    PRow("scope_namespace_set_other_dir_deny", "the namespace check set trusts only ns-dir; the catch-all's directory does not help a Pod its namespace set covers", N, (f"{REG}/default-dir/app@@a",), namespace="scope", features=("scope", "trusted-directory")),
    PRow("scope_service_account_more_specific", "the service-account scope scope:deployer is more specific than the namespace scope, so its check set (sa-dir) applies", C, (f"{REG}/sa-dir/app@@a",), namespace="scope", account="deployer", features=("scope", "trusted-directory"), catches=("namespace-before-service-account",)),
    PRow("scope_service_account_not_namespace_set_deny", "for scope:deployer only the service-account check set applies; the namespace set's ns-dir is not trusted there", N, (f"{REG}/ns-dir/app@@a",), namespace="scope", account="deployer", features=("scope", "trusted-directory"), catches=("namespace-before-service-account",)),
    PRow("scope_service_account_other_namespace_deny", "a service-account scope names namespace:account; the same account in another namespace falls to the catch-all", N, (f"{REG}/sa-dir/app@@a",), namespace="elsewhere", account="deployer", features=("scope", "trusted-directory")),
    PRow("scope_other_account_same_namespace", "another account in namespace 'scope' gets the namespace check set", C, (f"{REG}/ns-dir/app@@a",), namespace="scope", account="runner", features=("scope", "trusted-directory")),
    PRow("scope_unscoped_catch_all", "a namespace no scope names gets the unscoped last check set (default-dir)", C, (f"{REG}/default-dir/app@@a",), namespace="unlisted", features=("scope", "trusted-directory")),
    PRow("scope_unscoped_catch_all_deny", "the catch-all trusts only default-dir", N, (f"{REG}/ns-dir/app@@a",), namespace="unlisted", features=("scope", "trusted-directory")),
    PRow("scope_namespace_prefix_not_matched_deny", "namespace 'scope-x' is not namespace 'scope': scopes match whole names, so the catch-all applies", N, (f"{REG}/ns-dir/app@@a",), namespace="scope-x", features=("scope", "trusted-directory")),
    PRow("scope_namespace_prefix_catch_all", "namespace 'scope-x' gets the catch-all, which trusts default-dir", C, (f"{REG}/default-dir/app@@a",), namespace="scope-x", features=("scope", "trusted-directory")),
    PRow("scope_deployment_template_namespace", "a Deployment's pod template is judged in the Deployment's namespace", C, (f"{REG}/ns-dir/app@@a",), namespace="scope", kind="Deployment", features=("scope", "trusted-directory", "controllers")),
    # ---- allowlists at each level --------------------------------------------
    PRow("allowlist_policy_level", "the policy-wide imageAllowlist (golden/**) makes an image conformant before any check set", C, (f"{REG}/golden/app@@a",), namespace="always-deny", features=("allowlist", "always-deny"), catches=("policy-allowlist-ignored",)),
    PRow("allowlist_policy_level_nested", "golden/** crosses '/'", C, (f"{REG}/golden/team/app@@a",), namespace="always-deny", features=("allowlist", "always-deny"), catches=("policy-allowlist-ignored",)),
    PRow("allowlist_policy_level_lookalike_deny", "golden-x is not under golden/", N, (f"{REG}/golden-x/app@@a",), namespace="always-deny", features=("allowlist", "always-deny")),
    PRow("allowlist_check_set_level", "the check set's imageAllowlist (set-list/*) exempts the image from all its checks", C, (f"{REG}/set-list/app@@a",), namespace="set-allowlist", features=("allowlist", "always-deny"), catches=("check-set-allowlist-ignored",)),
    PRow("allowlist_check_set_star_not_cross_slash_deny", "set-list/* does not cross '/': set-list/a/app is checked (alwaysDeny)", N, (f"{REG}/set-list/a/app@@a",), namespace="set-allowlist", features=("allowlist", "always-deny")),
    PRow("allowlist_check_set_other_image_deny", "an image the check set's allowlist does not name meets alwaysDeny", N, (f"{REG}/app/svc@@a",), namespace="set-allowlist", features=("allowlist", "always-deny")),
    PRow("allowlist_check_level", "a check's own imageAllowlist skips that check (alwaysDeny), the other check (trusted directory check-list) still runs and passes", C, (f"{REG}/check-list/app@@a",), namespace="check-allowlist", features=("allowlist", "always-deny", "trusted-directory"), catches=("check-allowlist-ignored",)),
    PRow("allowlist_check_level_nested", "check-list/** crosses '/', and check-list is an ancestor directory of check-list/a/app", C, (f"{REG}/check-list/a/app@@a",), namespace="check-allowlist", features=("allowlist", "always-deny", "trusted-directory"), catches=("check-allowlist-ignored",)),
    PRow("allowlist_check_level_other_check_still_runs_deny", "other/ passes the trusted directory check but is not on alwaysDeny's allowlist", N, (f"{REG}/other/app@@a",), namespace="check-allowlist", features=("allowlist", "always-deny", "trusted-directory")),
    PRow("allowlist_policy_level_other_namespace", "the policy-wide allowlist applies in every namespace, also under the catch-all", C, (f"{REG}/golden/app@@a",), namespace="unlisted", features=("allowlist", "scope")),
    PRow("allowlist_one_image_of_two_deny", "each image is judged: one allowlisted image does not admit its unlisted sibling", N, (f"{REG}/golden/app@@a", f"{REG}/app/svc@@b"), namespace="always-deny", features=("allowlist", "always-deny")),
    # ---- alwaysDeny, empty policy --------------------------------------------
    PRow("always_deny_deny", "alwaysDeny is NON_CONFORMANT for every image", N, (APP,), namespace="always-deny", features=("always-deny",), reason="alwaysDeny"),
    PRow("always_deny_init_container_deny", "init containers are images of the Pod too", N, (f"{REG}/golden/app@@a", f"init:{REG}/app/init@@b"), namespace="always-deny", features=("always-deny", "init-containers", "allowlist")),
    PRow("empty_policy_allows", "a policy without check sets allows every image", C, (APP,), policy="empty", features=()),
    # ---- trusted directory -----------------------------------------------------
    PRow("tdir_exact_directory", "pattern prod (no wildcard) names the directory prod; prod/app lives in it", C, (f"{REG}/prod/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_exact_nested", "prod is an ancestor directory of prod/sub/app", C, (f"{REG}/prod/sub/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_lookalike_prefix_deny", "prod-evil is not the directory prod", N, (f"{REG}/prod-evil/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_star_one_level", "team/* matches the directory team/x", C, (f"{REG}/team/x/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_star_repository_itself", "the repository path is matched too (platform-policy.md 3.2: the simulator matches the repository and its ancestors): team/app matches team/*", C, (f"{REG}/team/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_double_star_deep", "deep/** matches any depth below deep", C, (f"{REG}/deep/a/b/c/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_other_registry_deny", "the registry is part of the pattern: eu-docker.pkg.dev is not us-docker.pkg.dev", N, ("eu-docker.pkg.dev/conf-proj/prod/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_other_project_deny", "another project's prod directory is not trusted", N, ("us-docker.pkg.dev/other-proj/prod/app@@a",), namespace="tdir", features=("trusted-directory",)),
    PRow("tdir_tag_image", "the directory check needs no digest: a tagged image in prod passes", C, (f"{REG}/prod/app:1.0",), namespace="tdir", features=("trusted-directory",)),
    # ---- vulnerabilityCheck: thresholds ----------------------------------------
    _vuln("vuln_high_fixable_at_threshold", C, "vuln-high", "a fixable HIGH vulnerability is at the HIGH threshold, which passes", Vuln(APP, severity="HIGH"), catches=("fixable-threshold-off-by-one",)),
    _vuln("vuln_high_fixable_critical_deny", N, "vuln-high", "CRITICAL exceeds HIGH", Vuln(APP, severity="CRITICAL"), catches=("severity-as-string",)),
    _vuln("vuln_high_fixable_medium", C, "vuln-high", "MEDIUM is below HIGH (a string comparison would put MEDIUM above HIGH)", Vuln(APP, severity="MEDIUM"), catches=("severity-as-string",)),
    _vuln("vuln_high_fixable_low", C, "vuln-high", "LOW is below HIGH (a string comparison would put LOW above HIGH)", Vuln(APP, severity="LOW"), catches=("severity-as-string",)),
    _vuln("vuln_high_unfixable_critical_deny", N, "vuln-high", "an unfixable CRITICAL exceeds the unfixable threshold HIGH", Vuln(APP, severity="CRITICAL", fixable=False)),
    _vuln("vuln_high_effective_severity_wins", C, "vuln-high", "effectiveSeverity (LOW) rather than severity (CRITICAL) is judged", Vuln(APP, severity="CRITICAL", effective="LOW")),
    _vuln("vuln_high_effective_severity_critical_deny", N, "vuln-high", "effectiveSeverity CRITICAL is judged although severity says LOW", Vuln(APP, severity="LOW", effective="CRITICAL")),
    _vuln("vuln_high_one_of_many_deny", N, "vuln-high", "one violating vulnerability among many fails the check", Vuln(APP, "CVE-2024-0001", "LOW"), Vuln(APP, "CVE-2024-0002", "MEDIUM"), Vuln(APP, "CVE-2024-0003", "CRITICAL")),
    _vuln("vuln_high_clean_scan", C, "vuln-high", "a finished scan with no vulnerabilities is conformant"),
    _vuln("vuln_minimal_at_threshold", C, "vuln-minimal", "MINIMAL at the MINIMAL threshold passes", Vuln(APP, severity="MINIMAL")),
    _vuln("vuln_minimal_low_deny", N, "vuln-minimal", "LOW exceeds MINIMAL", Vuln(APP, severity="LOW")),
    _vuln("vuln_block_all_fixable_minimal_deny", N, "vuln-block", "BLOCK_ALL refuses every fixable vulnerability, even MINIMAL", Vuln(APP, severity="MINIMAL"), catches=("block-all-ignored",)),
    _vuln("vuln_allow_all_unfixable_critical", C, "vuln-block", "ALLOW_ALL accepts every unfixable vulnerability, even CRITICAL", Vuln(APP, severity="CRITICAL", fixable=False), catches=("fixable-threshold-for-all",)),
    _vuln("vuln_allow_all_unspecified_severity", C, "vuln-block", "ALLOW_ALL accepts an unfixable vulnerability without a severity", Vuln(APP, severity=None, fixable=False)),
    _vuln("vuln_block_all_clean_scan", C, "vuln-block", "BLOCK_ALL with no vulnerabilities and a valid scan is conformant"),
    _vuln("vuln_unfixable_fixable_critical_allowed", C, "vuln-unfixable", "fixable vulnerabilities are judged by maximumFixableSeverity (ALLOW_ALL), not the unfixable limit", Vuln(APP, severity="CRITICAL", fixable=True), catches=("unfixable-threshold-for-all",)),
    _vuln("vuln_unfixable_high_deny", N, "vuln-unfixable", "an unfixable HIGH exceeds the unfixable threshold MEDIUM", Vuln(APP, severity="HIGH", fixable=False), catches=("fixable-threshold-for-all",)),
    _vuln("vuln_unfixable_medium_at_threshold", C, "vuln-unfixable", "an unfixable MEDIUM is at the MEDIUM threshold", Vuln(APP, severity="MEDIUM", fixable=False)),
    _vuln("vuln_unfixable_unspecified_severity_deny", N, "vuln-unfixable", "an unspecified severity passes only ALLOW_ALL; the unfixable threshold is MEDIUM", Vuln(APP, severity=None, fixable=False)),
    # ---- vulnerabilityCheck: CVE lists ---------------------------------------
    _vuln("vuln_allowed_cve_critical", C, "vuln-cves", "CVE-2024-1001 is in allowedCves: ignored whatever its severity", Vuln(APP, "CVE-2024-1001", "CRITICAL"), catches=("allowed-cves-ignored",)),
    _vuln("vuln_blocked_cve_within_threshold_deny", N, "vuln-cves", "CVE-2024-1002 is in blockedCves: a violation although LOW is within the LOW threshold", Vuln(APP, "CVE-2024-1002", "LOW"), catches=("blocked-cves-ignored",)),
    _vuln("vuln_blocked_cve_minimal_deny", N, "vuln-cves", "blockedCves applies whatever the severity, even MINIMAL", Vuln(APP, "CVE-2024-1002", "MINIMAL"), catches=("blocked-cves-ignored",)),
    _vuln("vuln_other_cve_over_threshold_deny", N, "vuln-cves", "a CVE in neither list is judged by severity: MEDIUM exceeds LOW", Vuln(APP, "CVE-2024-1004", "MEDIUM")),
    _vuln("vuln_other_cve_at_threshold", C, "vuln-cves", "a CVE in neither list at the LOW threshold passes", Vuln(APP, "CVE-2024-1004", "LOW")),
    _vuln("vuln_allowed_cve_beside_violation_deny", N, "vuln-cves", "allowing one CVE does not excuse another", Vuln(APP, "CVE-2024-1001", "CRITICAL"), Vuln(APP, "CVE-2024-1005", "HIGH")),
    # ---- vulnerabilityCheck: scans -------------------------------------------
    _vuln("vuln_no_scan_error_deny", E, "vuln-high", "no DISCOVERY occurrence: 'no vulnerabilities' is not 'scanned clean', so ERROR", scan=False, catches=("error-treated-conformant",)),
    _vuln("vuln_no_scan_within_threshold_error_deny", E, "vuln-high", "a vulnerability within the threshold but no scan: ERROR", Vuln(APP, severity="LOW"), scan=False, catches=("error-treated-conformant",)),
    _vuln("vuln_no_scan_violation_deny", N, "vuln-high", "a known violation is NON_CONFORMANT even without a scan", Vuln(APP, severity="CRITICAL"), scan=False),
    PRow("vuln_scan_pending_error_deny", "a scan still PENDING is not a finished scan: ERROR", E, (APP,), namespace="vuln-high", occurrences=(Scan(APP, status="PENDING"),), features=("vulnerability-check",), catches=("unfinished-scan-clean",)),
    PRow("vuln_scan_scanning_error_deny", "a scan still SCANNING is not finished: ERROR", E, (APP,), namespace="vuln-high", occurrences=(Scan(APP, status="SCANNING"),), features=("vulnerability-check",), catches=("unfinished-scan-clean",)),
    PRow("vuln_scan_failed_error_deny", "FINISHED_FAILED is no valid scan: ERROR", E, (APP,), namespace="vuln-high", occurrences=(Scan(APP, status="FINISHED_FAILED"),), features=("vulnerability-check",), catches=("unfinished-scan-clean",)),
    PRow("vuln_scan_archived_error_deny", "a scan archived an hour ago is no longer valid: ERROR", E, (APP,), namespace="vuln-high", occurrences=(Scan(APP, archived=-H),), features=("vulnerability-check",), catches=("archived-scan-valid",)),
    PRow("vuln_scan_archive_in_future", "a scan whose archiveTime is tomorrow is still valid", C, (APP,), namespace="vuln-high", occurrences=(Scan(APP, archived=D),), features=("vulnerability-check",)),
    PRow("vuln_tag_only_error_deny", "occurrences are bound to digests: a tag-only image cannot be checked, ERROR", E, (f"{REG}/app/svc:1.0",), namespace="vuln-high", features=("vulnerability-check",)),
    PRow("vuln_other_image_scan_error_deny", "a scan of another digest does not cover this image: ERROR", E, (APP,), namespace="vuln-high", occurrences=(Scan(f"{REG}/app/svc@@other"),), features=("vulnerability-check",)),
    PRow("vuln_project_listed_violation_deny", "containerAnalysisVulnerabilityProjects names scan-proj: its CRITICAL finding is judged", N, (APP,), namespace="vuln-project", occurrences=(Vuln(APP, severity="CRITICAL", project=SCAN_PROJECT), Scan(APP, project=SCAN_PROJECT)), features=("vulnerability-check",)),
    PRow("vuln_project_image_project_not_read", "with scan-proj listed, the image's own project is not read: its CRITICAL finding there is not seen", C, (APP,), namespace="vuln-project", occurrences=(Vuln(APP, severity="CRITICAL"), Scan(APP, project=SCAN_PROJECT)), features=("vulnerability-check",)),
    PRow("vuln_project_scan_elsewhere_error_deny", "with scan-proj listed, a scan in the image's own project does not count: ERROR", E, (APP,), namespace="vuln-project", occurrences=(Scan(APP),), features=("vulnerability-check",)),
    # ---- imageFreshnessCheck -------------------------------------------------
    PRow("fresh_one_day", "uploaded a day ago, within 30 days", C, (APP,), namespace="fresh", uploads=((APP, D),), features=("freshness-check",)),
    PRow("fresh_at_limit", "uploaded 30 days minus one minute ago: at the limit (the enforcer's clock runs on, so 'exactly 30 days' is one minute inside)", C, (APP,), namespace="fresh", uploads=((APP, LIMIT - M),), features=("freshness-check",)),
    PRow("fresh_past_limit_deny", "uploaded 30 days plus one minute ago: too old", N, (APP,), namespace="fresh", uploads=((APP, LIMIT + M),), features=("freshness-check",), catches=("freshness-off-by-one",)),
    PRow("fresh_past_limit_hours_deny", "30 days and 23 hours is more than 30 days (whole-day rounding would hide it)", N, (APP,), namespace="fresh", uploads=((APP, LIMIT + 23 * H),), features=("freshness-check",), catches=("freshness-off-by-one",)),
    PRow("fresh_far_past_deny", "uploaded a year ago", N, (APP,), namespace="fresh", uploads=((APP, 365 * D),), features=("freshness-check",)),
    PRow("fresh_unknown_upload_error_deny", "no upload time is known: freshness cannot be judged, ERROR", E, (APP,), namespace="fresh", features=("freshness-check",), catches=("error-treated-conformant",)),
    PRow("fresh_future_upload_error_deny", "an upload time an hour after now means the clocks disagree: ERROR", E, (APP,), namespace="fresh", uploads=((APP, -H),), features=("freshness-check",)),
    PRow("fresh_one_stale_image_of_two_deny", "every image is judged: one stale image denies the Pod", N, (APP, f"{REG}/app/svc@@b"), namespace="fresh", uploads=((APP, D), (f"{REG}/app/svc@@b", 40 * D)), features=("freshness-check",)),
    # ---- slsaCheck -----------------------------------------------------------
    PRow("slsa_trusted_builder_and_repo", "provenance signed by the trusted builder's key, builder id Cloud Build's, source github.com/conf-org/app", C, (APP,), namespace="slsa", occurrences=(Build(APP),), features=("slsa-check",)),
    PRow("slsa_other_repo_deny", "source github.com/conf-org/other matches no trusted source pattern", N, (APP,), namespace="slsa", occurrences=(Build(APP, repo="https://github.com/conf-org/other"),), features=("slsa-check",)),
    PRow("slsa_repo_prefix_lookalike_deny", "github.com/conf-org/app-evil is not github.com/conf-org/app: patterns match whole paths, not prefixes", N, (APP,), namespace="slsa", occurrences=(Build(APP, repo="https://github.com/conf-org/app-evil"),), features=("slsa-check",), catches=("source-repo-prefix-match",)),
    PRow("slsa_repo_subpath_deny", "github.com/conf-org/app/sub is another repository path", N, (APP,), namespace="slsa", occurrences=(Build(APP, repo="https://github.com/conf-org/app/sub"),), features=("slsa-check",), catches=("source-repo-prefix-match",)),
    PRow("slsa_repo_git_suffix", "URIs are compared without a '.git' suffix and scheme", C, (APP,), namespace="slsa", occurrences=(Build(APP, repo="git+https://github.com/conf-org/app.git"),), features=("slsa-check",)),
    PRow("slsa_other_builder_deny", "builder id https://example.com/rogue-builder is not Cloud Build's", N, (APP,), namespace="slsa", occurrences=(Build(APP, builder="https://example.com/rogue-builder"),), features=("slsa-check",)),
    PRow("slsa_untrusted_key_deny", "the provenance is signed by a key that is no root of trust of the builder", N, (APP,), namespace="slsa", occurrences=(Build(APP, key="rogue"),), features=("slsa-check",)),
    PRow("slsa_other_subject_digest_deny", "the signed provenance's subject is another digest than the image's", N, (APP,), namespace="slsa", occurrences=(Build(APP, subject=f"{REG}/app/svc@@other"),), features=("slsa-check",)),
    PRow("slsa_no_provenance_deny", "no BUILD occurrence: nothing attests the build", N, (APP,), namespace="slsa", features=("slsa-check",)),
    PRow("slsa_one_good_of_two", "any BUILD occurrence that passes satisfies the rule", C, (APP,), namespace="slsa", occurrences=(Build(APP, repo="https://github.com/conf-org/other"), Build(APP)), features=("slsa-check",)),
    PRow("slsa_config_based_required", "configBasedBuildRequired: the provenance names the repository as its build config source", C, (APP,), namespace="slsa-config", occurrences=(Build(APP, config_based=True),), features=("slsa-check",)),
    PRow("slsa_config_based_missing_deny", "configBasedBuildRequired, and the provenance names no build config source", N, (APP,), namespace="slsa-config", occurrences=(Build(APP),), features=("slsa-check",), catches=("config-based-build-ignored",)),
    # ---- simpleSigningAttestationCheck ---------------------------------------
    PRow("signing_trusted_key", "a SimpleSigning attestation for the digest signed by the authenticator's key", C, (APP,), namespace="signing", occurrences=(Signed(APP),), features=("simple-signing",)),
    PRow("signing_rogue_key_deny", "signed by a key the authenticator does not list", N, (APP,), namespace="signing", occurrences=(Signed(APP, rogue=True),), features=("simple-signing",)),
    PRow("signing_other_digest_payload_deny", "the payload names another digest", N, (APP,), namespace="signing", occurrences=(Signed(APP, payload_image=f"{REG}/app/svc@@other"),), features=("simple-signing",)),
    PRow("signing_no_attestation_deny", "no attestation at all", N, (APP,), namespace="signing", features=("simple-signing",)),
    PRow("signing_one_good_of_two", "one valid attestation among bad ones suffices", C, (APP,), namespace="signing", occurrences=(Signed(APP, rogue=True), Signed(APP)), features=("simple-signing",)),
    # ---- precedence: NON_CONFORMANT > ERROR > CONFORMANT ------------------------
    PRow("precedence_all_conformant", "trusted directory prec-ok and a clean scan: every check conformant", C, (f"{REG}/prec-ok/app@@a",), namespace="precedence", occurrences=(Scan(f"{REG}/prec-ok/app@@a"),), features=("precedence", "trusted-directory", "vulnerability-check")),
    PRow("precedence_error_over_conformant_deny", "the directory passes, the scan is missing (ERROR): the check set is ERROR, which is never conformant", E, (f"{REG}/prec-ok/app@@a",), namespace="precedence", features=("precedence", "trusted-directory", "vulnerability-check"), catches=("error-treated-conformant",)),
    PRow("precedence_nonconformant_over_error_deny", "the directory fails (NON_CONFORMANT) and the scan is missing (ERROR): NON_CONFORMANT wins", N, (f"{REG}/elsewhere/app@@a",), namespace="precedence", features=("precedence", "trusted-directory", "vulnerability-check"), catches=("error-over-nonconformant",)),
    PRow("precedence_nonconformant_over_conformant_deny", "the directory fails, the scan is clean: NON_CONFORMANT", N, (f"{REG}/elsewhere/app@@a",), namespace="precedence", occurrences=(Scan(f"{REG}/elsewhere/app@@a"),), features=("precedence", "trusted-directory", "vulnerability-check")),
    PRow("precedence_pod_error_and_nonconformant_deny", "one image ERROR, the other NON_CONFORMANT: the Pod is NON_CONFORMANT", N, (f"{REG}/prec-ok/app@@a", f"{REG}/elsewhere/app@@b"), namespace="precedence", occurrences=(Scan(f"{REG}/elsewhere/app@@b"),), features=("precedence", "trusted-directory", "vulnerability-check"), catches=("error-over-nonconformant",)),
    PRow("precedence_pod_error_and_conformant_deny", "one image CONFORMANT, the other ERROR: the Pod is ERROR", E, (f"{REG}/prec-ok/app@@a", f"{REG}/prec-ok/app@@b"), namespace="precedence", occurrences=(Scan(f"{REG}/prec-ok/app@@a"),), features=("precedence", "trusted-directory", "vulnerability-check"), catches=("error-treated-conformant",)),
]
