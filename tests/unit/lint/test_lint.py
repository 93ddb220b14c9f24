"""``kritis-sim lint``: each rule's finding at its line, with a fix; exit by
--fail-on; classic and platform policies; unusable input exits 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.main import main

CLASSIC = """\
name: projects/shop/policy
admissionWhitelistPatterns:
- namePattern: gcr.io/**
- namePattern: gcr.io/shop/*
- namePattern: gcr.io/shop/nginx*
- namePattern: gcr.i0/shop/app:*
- namePattern: gcr.io/shop/app@sha256:*
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/shop/attestors/qa
  - projects/shop/attestors/typo
kubernetesNamespaceAdmissionRules:
  prod:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: DRYRUN_AUDIT_LOG_ONLY
    requireAttestationsBy: [projects/shop/attestors/qa]
    kritisSimMaxAttestationAge: 12h
  my.ns:
    evaluationMode: ALWAYS_ALLOW
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  staging:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
"""

ATTESTORS = """\
- name: projects/shop/attestors/qa
  userOwnedGrafeasNote: {noteReference: projects/shop/notes/qa}
- name: projects/shop/attestors/old
  userOwnedGrafeasNote: {noteReference: projects/shop/notes/old}
"""

PLATFORM = """\
name: projects/123/platforms/gke/policies/p
gkePolicy:
  imageAllowlist:
    allowPattern: [docker.io/*]
  checkSets:
  - displayName: payments
    scope: {kubernetesNamespace: payments}
    checks:
    - imageFreshnessCheck: {maxUploadAgeDays: 1}
  - displayName: payments deployer
    scope: {kubernetesServiceAccount: "payments:deployer"}
    checks:
    - alwaysDeny: true
  - displayName: rest
    checks: []
"""


def _lint(tmp_path: Path, capsys: pytest.CaptureFixture[str], policy: str,
          *args: str, attestors: str | None = None) -> tuple[int, list[dict[str, Any]], str]:  # fmt: skip
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    extra = []
    if attestors is not None:
        (tmp_path / "attestors.yaml").write_text(attestors)
        extra = ["--attestors", str(tmp_path / "attestors.yaml")]
    code = main(["lint", str(path), *extra, "--format", "json", *args])
    out = capsys.readouterr()
    try:
        findings = json.loads(out.out)["findings"]
    except ValueError:
        findings = []
    return code, findings, out.err


def _by_rule(findings: list[dict[str, Any]]) -> set[tuple[str, int | None, str]]:
    return {(f["rule"], f["line"], f["severity"]) for f in findings}


def test_classic_policy_findings_each_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings, _ = _lint(
        tmp_path, capsys, CLASSIC, "--cv-period", "24h", attestors=ATTESTORS
    )
    assert code == 1
    assert _by_rule(findings) == {
        ("whole-registry", 3, "warning"),
        ("single-star-directory", 4, "warning"),
        ("lookalike-name", 5, "warning"),
        ("lookalike-registry", 6, "warning"),
        ("unknown-attestor", 13, "error"),
        ("dryrun-in-prod", 17, "warning"),
        ("freshness-shorter-than-cv", 19, "warning"),
        ("unreachable-rule", 21, "warning"),  # the rule of key my.ns
        ("require-attestation-empty", 24, "error"),
        ("unused-attestor", 3, "info"),  # line 3 of attestors.yaml
    }
    assert all(f["fix"] for f in findings)
    unused = next(f for f in findings if f["rule"] == "unused-attestor")
    assert unused["file"].endswith("attestors.yaml")
    assert "projects/shop/attestors/old" in unused["message"]
    typo = next(f for f in findings if f["rule"] == "unknown-attestor")
    assert typo["path"] == "defaultAdmissionRule.requireAttestationsBy[1]"


def test_a_longer_cv_period_and_no_attestors_change_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, findings, _ = _lint(tmp_path, capsys, CLASSIC, "--cv-period", "6h")
    rules = {f["rule"] for f in findings}
    assert "freshness-shorter-than-cv" not in rules
    assert not rules & {"unknown-attestor", "unused-attestor"}


def test_loader_refusals_are_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # require-attestation-empty is what the loader refuses too: said once.
    _, findings, _ = _lint(tmp_path, capsys, CLASSIC)
    assert [f["rule"] for f in findings].count("require-attestation-empty") == 1
    assert "invalid-policy" not in {f["rule"] for f in findings}
    broken = CLASSIC.replace(
        "evaluationMode: ALWAYS_ALLOW", "evaluationMode: SOMETIMES"
    )
    broken = broken.replace(
        "  staging:\n    evaluationMode: REQUIRE_ATTESTATION\n",
        "  staging:\n    evaluationMode: ALWAYS_DENY\n",
    )
    _, findings, _ = _lint(tmp_path, capsys, broken)
    invalid = [f for f in findings if f["rule"] == "invalid-policy"]
    assert [(f["line"], f["severity"]) for f in invalid] == [(21, "error")]


def test_platform_policy_findings_each_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings, _ = _lint(tmp_path, capsys, PLATFORM, "--cv-period", "48h")
    assert code == 1
    assert _by_rule(findings) == {
        ("whole-registry", 4, "warning"),
        ("freshness-shorter-than-cv", 9, "warning"),
        ("shadowed-check-set", 10, "error"),
        ("empty-check-set", 14, "info"),
        ("invalid-policy", 11, "error"),  # the API refuses the order too
    }


def test_fail_on_sets_the_exit_status_and_text_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = (
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n"
        "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n"
        "admissionWhitelistPatterns:\n- namePattern: gcr.io/shop/app:*\n"
    )
    path = tmp_path / "clean.yaml"
    path.write_text(clean)
    assert main(["lint", str(path)]) == 0
    assert "0 finding(s)" in capsys.readouterr().out
    path.write_text(clean.replace("app:*", "app/*"))
    assert main(["lint", str(path), "--fail-on", "error"]) == 0
    out = capsys.readouterr().out
    assert f"{path}:5: warning [single-star-directory]" in out
    assert "    fix: use 'gcr.io/shop/app/**'" in out
    assert main(["lint", str(path), "--fail-on", "warning"]) == 1
    capsys.readouterr()


def test_unusable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("defaultAdmissionRule: [unclosed\n")
    assert main(["lint", str(path)]) == 2
    assert str(path) in capsys.readouterr().err
    path.write_text(PLATFORM)
    assert main(["lint", str(path), "--cv-period", "soon"]) == 2
    assert "--cv-period" in capsys.readouterr().err
