"""The ``evaluate-api`` capability: the suite drives the emulator's
``projects.platforms.gke.policies.evaluate`` through an adapter
(:mod:`kritis_sim.conformance.emulator_adapter`) over platform cases."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kritis_sim.conformance.case import CATALOGUE, load_case
from kritis_sim.conformance.runner import run_cases

ADAPTER = f"{sys.executable} -m kritis_sim.conformance.emulator_adapter"
#: Every verdict, scopes, allowlists at each level, scans, CVE lists, signing.
SUBSET = (
    "platform_precedence_all_conformant",
    "platform_precedence_error_over_conformant_deny",
    "platform_precedence_nonconformant_over_error_deny",
    "platform_precedence_pod_error_and_nonconformant_deny",
    "platform_scope_service_account_more_specific",
    "platform_scope_namespace_prefix_not_matched_deny",
    "platform_allowlist_policy_level",
    "platform_allowlist_check_set_level",
    "platform_allowlist_check_level",
    "platform_vuln_blocked_cve_within_threshold_deny",
    "platform_vuln_scan_pending_error_deny",
    "platform_vuln_high_fixable_medium",
    "platform_signing_trusted_key",
    "platform_tdir_lookalike_prefix_deny",
    "platform_empty_policy_allows",
)


def _copy_with_verdict(tmp_path: Path, name: str, verdict: str) -> Path:
    """``name`` copied with its expected verdict replaced (a wrong expectation)."""
    copy = tmp_path / f"wrong_{name}"
    shutil.copytree(CATALOGUE / name, copy)
    expect = copy / "expect.yaml"
    text = expect.read_text(encoding="utf-8")
    old = next(ln for ln in text.splitlines() if ln.startswith("verdict:"))
    expect.write_text(text.replace(old, f"verdict: {verdict}"), encoding="utf-8")
    return copy


def test_emulator_evaluate_api_through_the_capability(tmp_path: Path) -> None:
    cases = [load_case(CATALOGUE / n) for n in SUBSET]
    wrong = load_case(
        _copy_with_verdict(
            tmp_path, "platform_precedence_error_over_conformant_deny", "NON_CONFORMANT"
        )
    )
    classic = load_case(CATALOGUE / "default_always_allow")
    fresh = load_case(CATALOGUE / "platform_fresh_one_day")
    result = run_cases(ADAPTER, [*cases, wrong, classic, fresh])
    outcomes = {r.name: r for r in result.results}
    failed = [f"{c.name}: {outcomes[c.name].detail}" for c in cases
              if outcomes[c.name].outcome != "passed"]  # fmt: skip
    assert failed == []
    # ERROR and NON_CONFORMANT both deny at admission; the evaluate API tells
    # them apart, so a wrong verdict expectation fails.
    assert outcomes[wrong.name].outcome == "failed"
    assert outcomes[wrong.name].detail == ("expected verdict NON_CONFORMANT, got ERROR")
    assert outcomes[classic.name].outcome == "skipped"
    assert "admission webhook" in outcomes[classic.name].detail
    assert outcomes[fresh.name].outcome == "skipped"
    assert outcomes[fresh.name].detail == "adapter lacks freshness-check"
    assert "evaluate-api" in result.capabilities
