"""``evaluate --occurrences``: ATTESTATION/VULNERABILITY/DISCOVERY/BUILD routed by
kind; fuzzed occurrence and image metadata documents never escape as another exception."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.errors import InputError, OccurrenceError
from kritis_sim.model.discovery import DiscoveryOccurrence
from kritis_sim.model.image_metadata import load_image_metadata
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.provenance import BuildOccurrence
from kritis_sim.model.vulnerability import VulnerabilityOccurrence

from .test_evaluate import EXAMPLE, PROD_IMAGE, evaluate, pod, write

OCCURRENCES = Path(__file__).parents[2] / "fixtures" / "occurrences"
FILES = (
    "vulnerability-log4j.json",
    "discovery-finished.json",
    "build-slsa-v1.json",
    "build-slsa-v02.json",
)
ATTESTATION: dict[str, Any] = {
    "name": "projects/p/occurrences/a",
    "kind": "ATTESTATION",
    "resourceUri": "https://gcr.io/p/app@sha256:" + "a" * 64,
    "noteName": "projects/p/notes/n",
    "attestation": {
        "serializedPayload": "e30=",
        "signatures": [{"publicKeyId": "k", "signature": "c2ln"}],
    },
}


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OCCURRENCES / name).read_text())
    return data


def test_each_kind_is_routed_to_its_model() -> None:
    vuln = _fixture(FILES[0])
    vuln["kind"] = 1  # the proto number, as some clients send it
    found = _fixture(FILES[1])
    del found["kind"]  # output-only: routed by the detail field
    text = json.dumps({"occurrences": [vuln, found, _fixture(FILES[2]), ATTESTATION]})
    loaded = load_mixed_occurrences(text, source="mix.json")
    assert [type(o) for o in loaded] == [
        VulnerabilityOccurrence,
        DiscoveryOccurrence,
        BuildOccurrence,
        AttestationOccurrence,
    ]


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        ({**ATTESTATION, "kind": "VULN"}, "[1].kind", "unknown occurrence kind 'VULN'"),
        (
            {**ATTESTATION, "kind": "PACKAGE"},
            "[1].kind",
            "PACKAGE occurrences are not read",
        ),
        ({"SchemaVersion": 2, "Results": []}, "[1]", "not a Grafeas occurrence"),
        (
            {**ATTESTATION, "attestation": {"serializedPayload": "!"}},
            "[1].attestation",
            "",
        ),
        ("CVE-1", "[1]", "expected an occurrence (a mapping)"),
    ],
)
def test_bad_entries_are_refused_naming_file_line_and_field(
    entry: Any, where: str, message: str
) -> None:
    text = json.dumps([ATTESTATION, entry], indent=1)
    with pytest.raises(OccurrenceError) as info:
        load_mixed_occurrences(text, source="o.json")
    err = info.value
    first_line_of_entry = 2 + len(json.dumps(ATTESTATION, indent=1).splitlines())
    assert err.source == "o.json"
    assert err.line is not None and err.line >= first_line_of_entry
    assert err.path is not None and err.path.startswith(where), err.path
    assert message in err.message


def test_directory_of_every_kind_reaches_the_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    occ_dir = tmp_path / "occ"
    occ_dir.mkdir()
    for name in FILES:
        shutil.copy(OCCURRENCES / name, occ_dir / name)
    (occ_dir / "att.json").write_text(json.dumps(ATTESTATION))
    manifest = write(tmp_path, "pod.yaml", pod(PROD_IMAGE, namespace="prod"))
    args = [manifest, "--platform-policy", EXAMPLE]
    code, out, _ = evaluate(capsys, *args)
    checks = out["results"][0]["imageResults"][0]["checkSetResult"]["checkResults"]
    vulnerability = checks["results"][1]
    assert vulnerability["evaluationResult"]["verdict"] == "ERROR"  # no scan
    code, out, err = evaluate(capsys, *args, "--occurrences", str(occ_dir))
    assert code == 1 and out["verdict"] == "NON_CONFORMANT"
    checks = out["results"][0]["imageResults"][0]["checkSetResult"]["checkResults"]
    vulnerability = checks["results"][1]
    assert vulnerability["type"] == "VulnerabilityCheck"
    assert vulnerability["evaluationResult"]["verdict"] == "NON_CONFORMANT"
    assert "CVE-2021-44228" in vulnerability["explanation"]
    assert "CVE-2021-44228" in err


def test_unnamed_occurrence_is_refused_on_use_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vuln = _fixture(FILES[0])
    del vuln["name"]
    occ = write(tmp_path, "v.json", json.dumps(vuln))
    manifest = write(tmp_path, "pod.yaml", pod(PROD_IMAGE, namespace="prod"))
    code, out, err = evaluate(
        capsys, manifest, "--platform-policy", EXAMPLE, "--occurrences", occ
    )
    assert code == 2 and out == ""
    assert "have no name projects/P/occurrences/ID" in err


def test_scanner_report_in_a_directory_is_refused_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    occ_dir = tmp_path / "occ"
    occ_dir.mkdir()
    shutil.copy(OCCURRENCES / FILES[0], occ_dir / "a.json")
    (occ_dir / "grype.json").write_text('{"matches": [], "source": {}}\n')
    code, out, err = evaluate(
        capsys,
        "--image",
        PROD_IMAGE,
        "--platform-policy",
        EXAMPLE,
        "--occurrences",
        str(occ_dir),
    )
    assert code == 2 and out == ""
    assert "grype.json:1: " in err and "not a Grafeas occurrence" in err


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["kind", "attestation", "vulnerability", "build", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@given(JSON)
def test_any_json_is_loaded_or_refused_with_a_located_error(doc: Any) -> None:
    try:
        load_mixed_occurrences(json.dumps(doc), source="f.json")
    except InputError as exc:
        assert exc.source == "f.json"


@given(JSON, st.sampled_from(["images", "uploadTime", "nginx:1", "sha256:" + "a" * 64]))
def test_any_image_metadata_is_loaded_or_refused_with_a_located_error(
    doc: Any, key: str
) -> None:
    for text in (json.dumps(doc), json.dumps({"images": {key: doc}})):
        try:
            load_image_metadata(text, source="m.json")
        except InputError as exc:
            assert exc.source == "m.json"


@pytest.mark.parametrize(
    ("project", "code", "verdict"),
    [("projects/my-proj", 1, "NON_CONFORMANT"), ("projects/other", 1, "ERROR")],
)
def test_occurrences_project_places_unnamed_occurrences(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    project: str,
    code: int,
    verdict: str,
) -> None:
    vuln = _fixture(FILES[0])
    del vuln["name"]
    occ = write(tmp_path, "v.json", json.dumps(vuln))
    manifest = write(tmp_path, "pod.yaml", pod(PROD_IMAGE, namespace="prod"))
    got, out, _ = evaluate(
        capsys,
        manifest,
        "--platform-policy",
        EXAMPLE,
        "--occurrences",
        occ,
        "--occurrences-project",
        project,
    )
    checks = out["results"][0]["imageResults"][0]["checkSetResult"]["checkResults"]
    assert (got, checks["results"][1]["evaluationResult"]["verdict"]) == (code, verdict)


def test_bad_occurrences_project_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = evaluate(
        capsys,
        "--image",
        PROD_IMAGE,
        "--platform-policy",
        EXAMPLE,
        "--occurrences-project",
        "my-proj",
    )
    assert code == 2 and out == ""
    assert "--occurrences-project: expected projects/PROJECT_ID" in err
