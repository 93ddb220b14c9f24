"""VULNERABILITY, DISCOVERY and BUILD occurrences (and notes) in the emulator,
its stores and the client's PlatformOccurrences."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.core.platform.occurrences import PlatformOccurrences
from kritis_sim.errors import GrafeasError
from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.client import GrafeasPlatformOccurrences, GrafeasRestClient
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.platform_source import StorePlatformOccurrences
from kritis_sim.grafeas.store import Record
from kritis_sim.model.discovery import AnalysisStatus
from kritis_sim.model.vulnerability import Severity
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.conftest import Api, assert_google_error

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "occurrences"
P = "/v1/projects/my-proj"
URI = "https://us-docker.pkg.dev/my-proj/repo/app@sha256:" + "a" * 64


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    data.pop("name", None)
    if "…" in data["noteName"]:
        data["noteName"] = "projects/verified-builder/notes/intoto_3f1e"
    return data


VULN = fixture("vulnerability-log4j.json")
DISC = fixture("discovery-finished.json")
BUILD_V1 = fixture("build-slsa-v1.json")
BUILD_V02 = fixture("build-slsa-v02.json")


def test_create_get_list_filter_and_batch(api: Api) -> None:
    created = {}
    for body in (VULN, DISC, BUILD_V1):
        reply = api.post(f"{P}/occurrences", json=body)
        assert reply.status_code == 200, reply.text
        created[reply.json()["kind"]] = reply.json()
        detail = next(k for k in ("vulnerability", "discovery", "build") if k in body)
        assert reply.json()[detail] == body[detail]  # the exact wire shape back
    assert set(created) == {"VULNERABILITY", "DISCOVERY", "BUILD"}
    got = api.get(f"/v1/{created['BUILD']['name']}").json()
    assert got == created["BUILD"]
    assert (
        got["build"]["inTotoSlsaProvenanceV1"]
        == BUILD_V1["build"]["inTotoSlsaProvenanceV1"]
    )
    batch = api.post(
        f"{P}/occurrences:batchCreate", json={"occurrences": [BUILD_V02, VULN]}
    )
    assert batch.status_code == 200, batch.text
    for kind, count in (("VULNERABILITY", 2), ("DISCOVERY", 1), ("BUILD", 2)):
        listed = api.get(
            f"{P}/occurrences",
            params={"filter": f'resourceUrl="{URI}" AND kind="{kind}"', "pageSize": 1},
        ).json()
        assert len(listed["occurrences"]) == 1 and listed["nextPageToken"] == (
            "" if count == 1 else listed["nextPageToken"]
        )
        assert all(o["kind"] == kind for o in listed["occurrences"])
    source: PlatformOccurrences = StorePlatformOccurrences(api.store)
    assert len(source.vulnerabilities("projects/my-proj", URI)) == 2
    assert len(source.builds("projects/my-proj", URI.removeprefix("https://"))) == 2
    (scan,) = source.discoveries("projects/my-proj", URI)
    assert scan.analysis_status is AnalysisStatus.FINISHED_SUCCESS
    assert source.vulnerabilities("projects/other", URI) == ()


def test_enums_given_as_numbers_are_stored_as_names(memory_api: Api) -> None:
    body = copy.deepcopy(VULN)
    body["kind"] = 1
    body["vulnerability"]["effectiveSeverity"] = 4
    body["vulnerability"]["severity"] = 5
    reply = memory_api.post(f"{P}/occurrences", json=body)
    assert reply.status_code == 200, reply.text
    vuln = reply.json()["vulnerability"]
    assert (vuln["effectiveSeverity"], vuln["severity"]) == ("HIGH", "CRITICAL")
    note = {"vulnerability": {"severity": 5, "cvssScore": 9.8}}
    reply = memory_api.post(f"{P}/notes", params={"noteId": "CVE-1"}, json=note)
    assert reply.status_code == 200, reply.text
    assert reply.json()["vulnerability"]["severity"] == "CRITICAL"
    assert reply.json()["kind"] == "VULNERABILITY"
    disc_note = {"discovery": {"analysisKind": 1}}
    reply = memory_api.post(f"{P}/notes", params={"noteId": "scan"}, json=disc_note)
    assert reply.json()["discovery"]["analysisKind"] == "VULNERABILITY"


def _with(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            _with(
                BUILD_V1,
                ("build", "inTotoSlsaProvenanceV1", "subject", 0, "digest", "sha256"),
                "xyz",
            ),
            "occurrence.build.inTotoSlsaProvenanceV1.subject[0].digest.sha256",
        ),
        (
            _with(
                BUILD_V1,
                ("build", "inTotoSlsaProvenanceV1", "predicateType"),
                "https://slsa.dev/provenance/v0.2",
            ),
            "occurrence.build.inTotoSlsaProvenanceV1.predicateType",
        ),
        (
            _with(
                BUILD_V02,
                ("build", "intotoStatement", "slsaProvenanceZeroTwo", "builder"),
                {},
            ),
            "occurrence.build.intotoStatement.slsaProvenanceZeroTwo.builder",
        ),
        (_with(BUILD_V1, ("build",), {}), "occurrence.build"),
        (
            _with(VULN, ("vulnerability", "cvssScore"), 11),
            "occurrence.vulnerability.cvssScore",
        ),
        (
            _with(VULN, ("vulnerability", "effectiveSeverity"), "SEVERE"),
            "occurrence.vulnerability.effectiveSeverity",
        ),
        (
            _with(DISC, ("discovery", "analysisStatus"), "DONE"),
            "occurrence.discovery.analysisStatus",
        ),
        (
            _with(DISC, ("discovery", "lastScanTime"), "yesterday"),
            "occurrence.discovery.lastScanTime",
        ),
        (
            _with(BUILD_V1, ("envelope",), {"payload": "!!", "payloadType": "t"}),
            "occurrence.envelope.payload",
        ),
        (_with(BUILD_V1, ("envelope",), {"payload": "e30="}), "occurrence.envelope"),
        (
            _with(
                BUILD_V1,
                ("envelope",),
                {"payload": "e30=", "payloadType": "t", "signatures": [{"keyid": "k"}]},
            ),
            "occurrence.envelope.signatures[0]",
        ),
        (_with(VULN, ("kind",), "FOO"), "occurrence.kind"),
        (_with(VULN, ("kind",), "BUILD"), "occurrence.kind"),
    ],
)
def test_bad_occurrences_are_refused_naming_the_field(
    memory_api: Api, body: dict[str, Any], needle: str
) -> None:
    for url, sent in (
        (f"{P}/occurrences", body),
        (f"{P}/occurrences:batchCreate", {"occurrences": [VULN, body]}),
    ):
        message = assert_google_error(
            memory_api.post(url, json=sent), 400, "INVALID_ARGUMENT"
        )
        assert message.startswith(needle), message
    assert memory_api.get(f"{P}/occurrences").json()["occurrences"] == []


def test_bad_notes_and_patches_are_refused(memory_api: Api) -> None:
    bad_notes = [
        ({"vulnerability": {"severity": "SEVERE"}}, "note.vulnerability.severity"),
        ({"vulnerability": {"cvssScore": "9"}}, "note.vulnerability.cvssScore"),
        ({"build": {"builderVersion": 1}}, "note.build.builderVersion"),
        ({"discovery": {"analysisKind": "NOPE"}}, "note.discovery.analysisKind"),
    ]
    for body, needle in bad_notes:
        reply = memory_api.post(f"{P}/notes", params={"noteId": "n"}, json=body)
        assert needle in assert_google_error(reply, 400, "INVALID_ARGUMENT")
    assert "Unknown name 'bogus'" in assert_google_error(
        memory_api.post(
            f"{P}/notes", params={"noteId": "n"}, json={"build": {"bogus": 1}}
        ),
        400,
        "INVALID_ARGUMENT",
    )
    name = memory_api.post(f"{P}/occurrences", json=VULN).json()["name"]
    reply = memory_api.patch(
        f"/v1/{name}",
        params={"updateMask": "vulnerability.packageIssue"},
        json={
            "vulnerability": {"packageIssue": [{"affectedVersion": {"kind": "NOPE"}}]}
        },
    )
    assert "occurrence.vulnerability.packageIssue[0]" in assert_google_error(
        reply, 400, "INVALID_ARGUMENT"
    )
    assert (
        memory_api.get(f"/v1/{name}").json()["vulnerability"]
        == (memory_api.post(f"{P}/occurrences", json=VULN).json()["vulnerability"])
    )


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(MemoryStore())) as running:
        yield running


def test_client_platform_occurrences_over_http(server: ServerThread) -> None:
    with GrafeasRestClient(server.base_url) as http:
        for body in (VULN, DISC, BUILD_V1, BUILD_V02):
            scheme_less = {**body, "resourceUri": URI.removeprefix("https://")}
            http.request("POST", "projects/my-proj/occurrences", body=body)
            if body is BUILD_V02:
                http.request("POST", "projects/my-proj/occurrences", body=scheme_less)
        source: PlatformOccurrences = GrafeasPlatformOccurrences(http, page_size=1)
        (vuln,) = source.vulnerabilities("projects/my-proj", URI)
        assert vuln.cve == "CVE-2021-44228"
        assert vuln.worst_severity is Severity.CRITICAL
        assert len(source.builds("projects/my-proj", URI)) == 3
        assert len(source.discoveries("projects/my-proj", URI)) == 1
        assert source.attestations("projects/my-proj", URI) == ()
        with pytest.raises(GrafeasError, match=r"invalid project"):
            source.vulnerabilities("projects/Bad_Project", URI)


def test_a_stored_occurrence_the_model_refuses_is_never_skipped_silently() -> None:
    store = MemoryStore()
    bad_vuln = {
        **VULN,
        "name": "projects/my-proj/occurrences/v",
        "kind": "VULNERABILITY",
    }
    bad_vuln["vulnerability"] = {"effectiveSeverity": "SEVERE"}
    bad_att = {
        "name": "projects/my-proj/occurrences/a",
        "kind": "ATTESTATION",
        "resourceUri": URI,
        "noteName": "projects/my-proj/notes/n",
        "attestation": {"serializedPayload": "!!"},
    }
    store.insert(
        "occurrences",
        [Record.for_occurrence("projects/my-proj", d) for d in (bad_vuln, bad_att)],
    )
    source = StorePlatformOccurrences(store)
    with pytest.raises(GrafeasError, match=r"occurrences/v .*effectiveSeverity"):
        source.vulnerabilities("projects/my-proj", URI)
    assert source.attestations("projects/my-proj", URI) == ()


def _vuln_record(name: str, uri: str) -> Record:
    data = {**VULN, "name": f"projects/my-proj/occurrences/{name}", "kind": "VULNERABILITY", "resourceUri": uri}
    return Record.for_occurrence("projects/my-proj", data)


def test_one_store_reader_both_url_forms_cached_only_when_asked() -> None:
    store = MemoryStore()
    store.insert("occurrences", [_vuln_record("with-scheme", URI)])
    cached = StorePlatformOccurrences(store, cached=True)
    live = StorePlatformOccurrences(store)
    for source in (cached, live):  # gcloud-style bare URIs are read too
        assert len(source.vulnerabilities("projects/my-proj", URI)) == 1
    store.insert("occurrences", [_vuln_record("bare", URI.removeprefix("https://"))])
    assert len(live.vulnerabilities("projects/my-proj", URI)) == 2
    assert len(cached.vulnerabilities("projects/my-proj", URI)) == 1  # until forget()
    cached.forget()
    assert len(cached.vulnerabilities("projects/my-proj", URI)) == 2
    live.forget()  # a no-op: nothing is kept
    assert len(live.vulnerabilities("projects/my-proj", URI)) == 2
