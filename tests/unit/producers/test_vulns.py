"""``kritis-sim vulns``: Trivy and Grype reports become VULNERABILITY occurrences
(severity, fixAvailable, CVSS, package issues mapped exactly) and one DISCOVERY
occurrence, which the loaders read and ``vulnerabilityCheck`` judges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.main import main
from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.model.discovery import DiscoveryOccurrence
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scanners"
DIGEST = "sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f"
IMAGE = f"us-docker.pkg.dev/shop/repo/app@{DIGEST}"
NOW = parse_timestamp("2026-11-29T00:00:00Z")


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def vulns(
    capsys: pytest.CaptureFixture[str], report: str, *extra: str, image: str = IMAGE
) -> list[dict[str, Any]]:
    code = main(["vulns", "--image", image, "--from", report, *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    data: list[dict[str, Any]] = json.loads(out)
    return data


def write(tmp_path: Path, doc: Any, name: str = "report.json") -> str:
    (tmp_path / name).write_text(json.dumps(doc))
    return str(tmp_path / name)


def summary(occ: dict[str, Any]) -> tuple[Any, ...]:
    v = occ["vulnerability"]
    return (
        occ["noteName"].rsplit("/", 1)[1],
        v.get("effectiveSeverity", "SEVERITY_UNSPECIFIED"),
        v.get("fixAvailable", False),
        v.get("cvssScore"),
        v.get("cvssVersion"),
        [i["affectedPackage"] for i in v["packageIssue"]],
    )


def test_trivy_report(capsys: pytest.CaptureFixture[str]) -> None:
    out = vulns(capsys, str(FIXTURES / "trivy-debian.json"))
    *found, scan = out
    assert [summary(o) for o in found] == [
        ("CVE-2023-4911", "HIGH", True, 7.8, "CVSS_VERSION_3", ["libc-bin", "libc6"]),
        ("CVE-2023-45853", "CRITICAL", False, 9.8, "CVSS_VERSION_3", ["zlib1g"]),
        ("CVE-2011-3374", "LOW", False, 4.3, "CVSS_VERSION_2", ["apt"]),
        ("TEMP-0841856-B18BAF", "SEVERITY_UNSPECIFIED", False, None, None, ["bash"]),
        ("CVE-2024-45337", "CRITICAL", True, 9.1, "CVSS_VERSION_3", ["golang.org/x/crypto"]),
    ]  # fmt: skip
    first = found[0]
    assert first["kind"] == "VULNERABILITY"
    assert first["resourceUri"] == "https://" + IMAGE
    assert first["noteName"] == "projects/goog-vulnz/notes/CVE-2023-4911"
    v = first["vulnerability"]
    assert v["severity"] == "HIGH" and v["shortDescription"] == "CVE-2023-4911"
    assert v["relatedUrls"] == [
        {"url": "https://avd.aquasec.com/nvd/cve-2023-4911", "label": "More Info"}
    ]
    assert v["packageIssue"][1] == {
        "affectedPackage": "libc6",
        "affectedVersion": {
            "name": "2.36-9+deb12u1", "kind": "NORMAL", "fullName": "2.36-9+deb12u1",
        },
        "fixedPackage": "libc6",
        "fixedVersion": {
            "name": "2.36-9+deb12u3", "kind": "NORMAL", "fullName": "2.36-9+deb12u3",
        },
        "fixAvailable": True,
        "packageType": "OS",
        "effectiveSeverity": "HIGH",
    }  # fmt: skip
    zlib = found[1]["vulnerability"]["packageIssue"][0]
    assert zlib["fixedVersion"] == {"kind": "MAXIMUM"} and "fixAvailable" not in zlib
    assert found[4]["vulnerability"]["packageIssue"][0]["packageType"] == "GO"
    assert scan == {
        "resourceUri": "https://" + IMAGE,
        "noteName": "projects/goog-analysis/notes/PACKAGE_VULNERABILITY",
        "kind": "DISCOVERY",
        "discovery": {
            "analysisStatus": "FINISHED_SUCCESS",
            "lastScanTime": "2026-11-28T09:15:42.381204Z",
        },
    }


def test_grype_report(capsys: pytest.CaptureFixture[str]) -> None:
    out = vulns(capsys, str(FIXTURES / "grype-debian.json"), "--note-project", "shop")
    *found, scan = out
    assert [summary(o) for o in found] == [
        ("CVE-2023-4911", "HIGH", True, 7.8, "CVSS_VERSION_3", ["libc6"]),
        ("CVE-2023-45853", "CRITICAL", False, 9.8, "CVSS_VERSION_3", ["zlib1g"]),
        ("CVE-2011-3374", "MINIMAL", False, 4.3, "CVSS_VERSION_2", ["apt"]),
        # A GHSA match is reported under its one related CVE (as grype --by-cve).
        ("CVE-2024-45337", "CRITICAL", True, 9.1, "CVSS_VERSION_3", ["golang.org/x/crypto"]),
    ]  # fmt: skip
    assert found[0]["noteName"] == "projects/shop/notes/CVE-2023-4911"
    issue = found[0]["vulnerability"]["packageIssue"][0]
    assert (
        issue["affectedCpeUri"]
        == "cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u1:*:*:*:*:*:*:*"
    )
    assert issue["fixedVersion"]["name"] == "2.36-9+deb12u3"
    assert found[3]["vulnerability"]["packageIssue"][0]["packageType"] == "GO"
    assert scan["noteName"] == "projects/shop/notes/PACKAGE_VULNERABILITY"
    # descriptor.timestamp -05:00, written in UTC
    assert scan["discovery"]["lastScanTime"] == "2026-11-28T14:20:03.514277Z"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("UNKNOWN", "SEVERITY_UNSPECIFIED"), ("LOW", "LOW"), ("MEDIUM", "MEDIUM"),
     ("HIGH", "HIGH"), ("CRITICAL", "CRITICAL")],
)  # fmt: skip
def test_trivy_severities(
    given: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture("trivy-debian.json")
    doc["Results"][0]["Vulnerabilities"][3]["Severity"] = given
    out = vulns(capsys, write(tmp_path, doc))
    assert summary(out[2])[1] == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Unknown", "SEVERITY_UNSPECIFIED"), ("Negligible", "MINIMAL"), ("Low", "LOW"),
     ("Medium", "MEDIUM"), ("High", "HIGH"), ("Critical", "CRITICAL")],
)  # fmt: skip
def test_grype_severities(
    given: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture("grype-debian.json")
    doc["matches"][2]["vulnerability"]["severity"] = given
    out = vulns(capsys, write(tmp_path, doc))
    assert summary(out[2])[1] == expected


@pytest.mark.parametrize(
    ("state", "fixable"),
    [("fixed", True), ("not-fixed", False), ("wont-fix", False), ("unknown", False)],
)
def test_grype_fix_states(
    state: str, fixable: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture("grype-debian.json")
    doc["matches"][0]["vulnerability"]["fix"]["state"] = state
    out = vulns(capsys, write(tmp_path, doc))
    assert summary(out[0])[2] is fixable


def test_trivy_fixed_version_decides_fixability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture("trivy-debian.json")
    for item in doc["Results"][0]["Vulnerabilities"][:2]:
        item["FixedVersion"] = ""
    out = vulns(capsys, write(tmp_path, doc))
    assert summary(out[0])[2] is False
    doc["Results"][0]["Vulnerabilities"][1]["FixedVersion"] = "2.36-9+deb12u3"
    # Grafeas' fixAvailable: at least one package has a fix.
    assert summary(vulns(capsys, write(tmp_path, doc))[0])[2] is True


def test_scanned_at_overrides_and_is_required_without_report_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture("trivy-debian.json")
    del doc["CreatedAt"]
    report = write(tmp_path, doc)
    assert main(["vulns", "--image", IMAGE, "--from", report]) == 2
    assert "gives no scan time; give --scanned-at" in capsys.readouterr().err
    out = vulns(capsys, report, "--scanned-at", "2026-11-28T10:00:00+01:00")
    assert out[-1]["discovery"]["lastScanTime"] == "2026-11-28T09:00:00Z"


def _verdict(out: list[dict[str, Any]], **check: Any) -> tuple[Verdict, str]:
    occs = load_mixed_occurrences(json.dumps(out), source="vulns.json")
    assert {type(o) for o in occs} <= {VulnerabilityOccurrence, DiscoveryOccurrence}
    body = {"maximumFixableSeverity": "MEDIUM", "maximumUnfixableSeverity": "CRITICAL"}
    pol = PlatformPolicy.from_dict(
        {
            "gkePolicy": {
                "checkSets": [{"checks": [{"vulnerabilityCheck": {**body, **check}}]}]
            }
        }
    )
    response = evaluate_platform_policy(
        pol,
        [IMAGE],
        namespace="shop",
        service_account=None,
        now=NOW,
        occurrences=InMemoryPlatformOccurrences(occs, project="projects/shop"),
    )
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    return response.verdict, result.check_results[0].explanation or ""


@pytest.mark.parametrize("report", ["trivy-debian.json", "grype-debian.json"])
def test_vulnerability_check_reads_the_output(
    report: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = vulns(capsys, str(FIXTURES / report))
    verdict, why = _verdict(out)
    assert verdict is Verdict.NON_CONFORMANT
    assert "CVE-2023-4911 (HIGH, fixable) exceeds maximumFixableSeverity MEDIUM" in why
    assert "CVE-2024-45337 (CRITICAL, fixable)" in why
    if report.startswith("trivy"):  # UNKNOWN severity passes only ALLOW_ALL
        assert "TEMP-0841856-B18BAF (SEVERITY_UNSPECIFIED, unfixable)" in why
    allowed = {"allowedCves": ["CVE-2023-4911", "CVE-2024-45337"]}
    unfixable = {"maximumUnfixableSeverity": "ALLOW_ALL"}
    assert _verdict(out, **allowed, **unfixable)[0] is Verdict.CONFORMANT


def test_clean_report_is_scanned_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture("trivy-debian.json")
    doc["Results"] = [
        {"Target": "x (debian 12.5)", "Class": "os-pkgs", "Type": "debian"}
    ]
    out = vulns(capsys, write(tmp_path, doc))
    assert [o["kind"] for o in out] == ["DISCOVERY"]
    verdict, why = _verdict(out)
    assert verdict is Verdict.CONFORMANT and why.startswith(
        "scanned; 0 vulnerabilities"
    )
    # Without the DISCOVERY occurrence, "no vulnerabilities" is not "clean".
    assert _verdict([])[0] is Verdict.ERROR


def test_evaluate_command_reads_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """vulns | evaluate, through the command line only."""
    out = vulns(capsys, str(FIXTURES / "grype-debian.json"))
    occurrences = write(tmp_path, out, "vulns.json")
    check: dict[str, Any] = {
        "maximumFixableSeverity": "MEDIUM",
        "maximumUnfixableSeverity": "CRITICAL",
        "containerAnalysisVulnerabilityProjects": ["projects/shop"],
    }
    words = ["evaluate", "--image", IMAGE, "--occurrences", occurrences]
    words += ["--occurrences-project", "projects/shop", "--now", "2026-11-29T00:00:00Z"]

    def evaluate(**extra: Any) -> tuple[int, dict[str, Any]]:
        body = {**check, **extra}
        doc = {"gkePolicy": {"checkSets": [{"checks": [{"vulnerabilityCheck": body}]}]}}
        policy = write(tmp_path, doc, "policy.json")
        code = main([*words, "--platform-policy", policy])
        response: dict[str, Any] = json.loads(capsys.readouterr().out)
        return code, response

    code, response = evaluate()
    assert code == 1 and response["verdict"] == "NON_CONFORMANT"
    code, response = evaluate(allowedCves=["CVE-2023-4911", "CVE-2024-45337"])
    assert code == 0 and response["verdict"] == "CONFORMANT"
