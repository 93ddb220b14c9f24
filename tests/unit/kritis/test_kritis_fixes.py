"""``review --semantics kritis`` says what would make Kritis admit a denied
image: per ISP violation the CVE and what to change, other reasons as told,
and last the exemption in Kritis' terms (GAP namePattern, ISP
imageAllowlist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.kritis.test_kritis_cli import EXAMPLES, _run, _world
from tests.unit.kritis.world import IMAGE, aa, gap, isp


def test_vulnerability_violation_fix_names_the_cve_and_the_isp_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, occ, pod = _world(tmp_path, aa(), gap(), isp(maximumSeverity="MEDIUM"))
    code, out, err = _run(
        capsys, "review", "--semantics", "kritis", "--policy", policy,
        "--occurrences", occ, pod,
    )  # fmt: skip
    assert code == 1 and isinstance(out, dict)
    fix, allow = out["fixes"]  # the image is attested: the ISP alone denies
    assert allow["kind"] == "allowlist" and allow["pattern"] == IMAGE
    assert "ImageSecurityPolicy isp's imageAllowlist" in allow["summary"]
    assert fix["kind"] == "rescan" and fix["check"] == "SeverityViolation"
    assert fix["summary"].startswith(
        "projects/goog-vulnz/notes/CVE-1 (HIGH): rebuild on a fixed package"
    )
    assert "allowlistCVEs, or raise maximumSeverity" in fix["summary"]
    assert "fix (rescan) for " in err


def test_documentation_examples_get_fixes_only_when_denied(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    _, out, _ = _run(
        capsys, "review", "--semantics", "kritis", "--policy", "resources",
        "--occurrences", "occurrences.yaml", "pods.yaml",
    )  # fmt: skip
    assert isinstance(out, list)
    kinds = {o["object"]["name"]: [f["kind"] for f in o["fixes"]] for o in out}
    assert kinds["attested"] == []
    assert kinds["breakglass"]  # admitted by breakglass, still says what fails
    assert kinds["unattested"] and set(kinds["unattested"]) == {"attest", "allowlist"}
    assert kinds["unattested"][-1] == "allowlist"
    assert "deploy-by-digest" in kinds["helloworld"]
