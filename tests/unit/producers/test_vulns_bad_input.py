"""Bad input to ``kritis-sim vulns``: an unknown report format, another digest,
malformed fields and fuzzed reports are exit 2 naming file, line and field,
never a traceback and never "no findings"."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.cli.main import main
from kritis_sim.errors import InputError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.producers.scan_reports import read_report
from kritis_sim.producers.vulnerabilities import scan_occurrences

from .test_vulns import DIGEST, IMAGE, NOW, fixture

FORMATS = ("trivy-debian.json", "grype-debian.json")


def run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    doc: Any,
    *extra: str,
    image: str = IMAGE,
) -> tuple[int, str, str]:
    path = tmp_path / "report.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=1))
    code = main(["vulns", "--image", image, "--from", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def refused(result: tuple[int, str, str], *needles: str) -> None:
    code, out, err = result
    assert code == 2 and out == "", (code, out, err)
    assert err.startswith("kritis-sim: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({}, "unknown report format"),
        ([], "expected a Trivy or Grype JSON report"),
        ("just text", "expected a Trivy or Grype JSON report"),
        ("", "expected one JSON report, found 0"),
        ("{}\n---\n{}\n", "found 2 documents"),
        ('{"SchemaVersion": 2,', "report.json"),
        ({"Results": []}, "unknown report format"),  # Trivy without SchemaVersion
        ({"SchemaVersion": 1, "Results": []}, "SchemaVersion: Trivy SchemaVersion 1"),
        ({"matches": [], "source": {}}, "unknown report format"),  # no descriptor
        (
            {"kind": "VULNERABILITY", "resourceUri": "https://x", "noteName": "n"},
            "unknown report format",
        ),
    ],
)
def test_unknown_formats(
    doc: Any, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(run(tmp_path, capsys, doc), "report.json", needle)


def test_other_scan_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trivy = fixture(FORMATS[0])
    trivy["ArtifactType"] = "filesystem"
    refused(run(tmp_path, capsys, trivy), "report.json:5: ArtifactType", "filesystem")
    grype = fixture(FORMATS[1])
    grype["source"]["type"] = "directory"
    refused(run(tmp_path, capsys, grype), "source.type", "expected an image scan")


@pytest.mark.parametrize("name", FORMATS)
def test_wrong_image_digest(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = IMAGE.replace(DIGEST, "sha256:" + "0" * 64)
    field = "Metadata.RepoDigests[0]" if name.startswith("trivy") else "manifestDigest"
    refused(
        run(tmp_path, capsys, fixture(name), image=other),
        field,
        f"the report is about {DIGEST}, not sha256:{'0' * 64}",
    )


def test_report_without_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trivy = fixture(FORMATS[0])
    trivy["Metadata"]["RepoDigests"] = []
    trivy["ArtifactName"] = "app:latest"
    refused(run(tmp_path, capsys, trivy), "Metadata.RepoDigests", "names no sha256")
    grype = fixture(FORMATS[1])
    del grype["source"]["target"]["manifestDigest"]
    grype["source"]["target"]["repoDigests"] = []
    refused(run(tmp_path, capsys, grype), "manifestDigest", "names no sha256")


@pytest.mark.parametrize("image", ["us-docker.pkg.dev/shop/repo/app:1", "app", "::"])
def test_image_without_digest(
    image: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(run(tmp_path, capsys, fixture(FORMATS[0]), image=image), "--image")


def _trivy(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = fixture(FORMATS[0])
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


V = ("Results", 0, "Vulnerabilities", 0)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("Results",), {"a": 1}, "Results: expected a list"),
        ((*V[:3],), "none", "Results[0].Vulnerabilities: expected a list"),
        (V, "CVE-1", "Results[0].Vulnerabilities[0]: expected a vulnerability"),
        ((*V, "VulnerabilityID"), 7, "VulnerabilityID: expected a string"),
        ((*V, "VulnerabilityID"), "a/b", "cannot be a Grafeas note id"),
        ((*V, "Severity"), "SEVERE", "Severity: unknown severity 'SEVERE'"),
        ((*V, "Severity"), "high", "unknown severity 'high'"),
        ((*V, "PkgName"), None, "PkgName: missing required field"),
        ((*V, "FixedVersion"), 2, "FixedVersion: expected a string"),
        ((*V, "CVSS", "nvd", "V3Score"), "high", "V3Score: expected a CVSS score"),
        ((*V, "CVSS", "nvd", "V3Score"), 11, "between 0 and 10"),
        (("CreatedAt",), "yesterday", "CreatedAt: expected an RFC 3339"),
    ],
)
def test_malformed_trivy_fields(
    path: tuple[Any, ...],
    value: Any,
    field: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refused(run(tmp_path, capsys, _trivy(path, value)), "report.json:", field)


def test_malformed_grype_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = fixture(FORMATS[1])
    doc["matches"][1]["vulnerability"]["fix"]["state"] = "maybe"
    refused(run(tmp_path, capsys, doc), "matches[1].vulnerability.fix.state", "'maybe'")
    doc = fixture(FORMATS[1])
    doc["matches"][0]["vulnerability"]["severity"] = "HIGH"
    refused(run(tmp_path, capsys, doc), "matches[0].vulnerability.severity")
    doc = fixture(FORMATS[1])
    del doc["matches"][2]["artifact"]
    refused(run(tmp_path, capsys, doc), "matches[2].artifact: expected an artifact")
    doc = fixture(FORMATS[1])
    doc["matches"] = None
    refused(run(tmp_path, capsys, doc), "matches: expected a list")


def _json_values() -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers(-3, 12) | st.text(max_size=8)
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    items = (
        doc.items()
        if isinstance(doc, dict)
        else enumerate(doc)
        if isinstance(doc, list)
        else ()
    )
    for key, value in items:
        out += _paths(value, (*prefix, key))
    return out


def _small(name: str) -> dict[str, Any]:
    """The fixture cut down to two findings (fuzzing stays fast)."""
    doc = fixture(name)
    if name.startswith("trivy"):
        doc["Results"] = [doc["Results"][0], doc["Results"][2]]
        doc["Results"][0]["Vulnerabilities"] = doc["Results"][0]["Vulnerabilities"][1:3]
    else:
        doc["matches"] = doc["matches"][:2]
        doc["source"]["target"]["layers"] = []
    return doc


_REPORTS = {name: _small(name) for name in FORMATS}
_PATHS = {name: _paths(doc) for name, doc in _REPORTS.items()}


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(FORMATS),
    data=st.data(),
    value=_json_values(),
    delete=st.booleans(),
)
def test_fuzzed_reports_are_read_or_refused(
    name: str, data: st.DataObject, value: Any, delete: bool
) -> None:
    doc = copy.deepcopy(_REPORTS[name])
    path = data.draw(st.sampled_from(_PATHS[name]))
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    image = ImageRef.parse(IMAGE)
    try:
        report = read_report(json.dumps(doc), source="r.json", image_digest=DIGEST)
        scan_occurrences(report, image, scanned_at=NOW)
    except InputError as exc:
        assert str(exc).startswith("r.json"), exc
