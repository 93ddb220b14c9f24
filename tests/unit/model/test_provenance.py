"""BUILD occurrences with SLSA v0.2 / v1 provenance and in-toto Statements:
the reference examples parse and round-trip; malformed provenance is a
located OccurrenceError."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.errors import OccurrenceError
from kritis_sim.model.intoto import STATEMENT_V01, parse_statement
from kritis_sim.model.provenance import SLSA_V02, SLSA_V1, BuildOccurrence, summarize

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "occurrences"
A = "a" * 64


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def test_slsa_v02_fixture_parses() -> None:
    occ = BuildOccurrence.from_dict(_fixture("build-slsa-v02.json"))
    st = occ.intoto_statement
    assert st is not None and occ.slsa_v1 is None and occ.statement is st
    assert st.type == STATEMENT_V01
    assert st.predicate_type == SLSA_V02
    assert st.matches_digest("sha256:" + A)
    assert not st.matches_digest("sha512:" + A)
    summary = summarize(st)
    assert summary is not None
    assert summary.builder_id == "https://cloudbuild.googleapis.com/GoogleHostedWorker"
    assert summary.build_type == "https://cloudbuild.googleapis.com/CloudBuildYaml@v0.1"
    assert summary.source_uris == (
        "git+https://github.com/my-org/app@refs/heads/main",
        "https://github.com/my-org/app",
    )
    envelope = occ.header.envelope
    assert envelope is not None
    assert envelope.payload_type == "application/vnd.in-toto+json"
    assert envelope.signatures[0].keyid.endswith("cryptoKeyVersions/1")
    # The envelope's payload is the same statement in its on-the-wire shape.
    assert parse_statement(envelope.payload) == st


def test_slsa_v1_fixture_parses() -> None:
    occ = BuildOccurrence.from_dict(_fixture("build-slsa-v1.json"))
    st = occ.slsa_v1
    assert st is not None and occ.intoto_statement is None
    assert st.predicate_type == SLSA_V1
    summary = summarize(st)
    assert summary is not None
    assert summary.builder_id == "https://cloudbuild.googleapis.com/GoogleHostedWorker"
    assert summary.build_type.endswith("google-worker/v1")
    assert summary.source_uris == (
        "git+https://github.com/my-org/app",
        "git+https://github.com/my-org/app@refs/heads/main",
    )


@pytest.mark.parametrize("name", ["build-slsa-v02.json", "build-slsa-v1.json"])
def test_build_fixture_round_trips(name: str) -> None:
    data = _fixture(name)
    occ = BuildOccurrence.from_dict(data)
    assert occ.to_dict() == data
    assert BuildOccurrence.from_dict(occ.to_dict()) == occ


def test_grafeas_and_wire_statements_convert() -> None:
    occ = BuildOccurrence.from_dict(_fixture("build-slsa-v02.json"))
    assert occ.intoto_statement is not None
    grafeas = occ.intoto_statement.to_grafeas_dict()
    assert "slsaProvenanceZeroTwo" in grafeas and "predicate" not in grafeas
    wire = occ.intoto_statement.to_dict()
    assert wire["predicate"] == grafeas["slsaProvenanceZeroTwo"]


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


_DELETE = object()
V02 = ("build", "intotoStatement")
P02 = (*V02, "slsaProvenanceZeroTwo")
V1 = ("build", "inTotoSlsaProvenanceV1")
P1 = (*V1, "predicate")

BAD = [
    ("build-slsa-v02.json", (*P02, "builder", "id"), _DELETE, "builder.id is required"),
    ("build-slsa-v02.json", (*P02, "buildType"), "", "buildType is required"),
    ("build-slsa-v02.json", (*P02, "metadata", "buildStartedOn"), "May 1", "RFC 3339"),
    ("build-slsa-v02.json", (*P02, "materials"), {"uri": "x"}, "expected a list"),
    (
        "build-slsa-v02.json",
        (*P02, "materials", 0, "digest"),
        {"sha1": ""},
        "must not be empty",
    ),
    (
        "build-slsa-v02.json",
        (*P02, "invocation", "configSourc"),
        {},
        "did you mean 'configSource'",
    ),
    (
        "build-slsa-v02.json",
        (*P02, "metadata", "reproducible"),
        "no",
        "expected a boolean",
    ),
    ("build-slsa-v02.json", (*V02, "predicateType"), SLSA_V1, "which holds"),
    (
        "build-slsa-v02.json",
        (*V02, "_type"),
        "https://in-toto.io/Statement/v9",
        "_type is",
    ),
    ("build-slsa-v02.json", (*V02, "subject"), [], "at least one subject"),
    (
        "build-slsa-v02.json",
        (*V02, "subject", 0, "digest"),
        {"sha256": "AB"},
        "64 lowercase hex",
    ),
    ("build-slsa-v02.json", (*V02, "subject", 0, "digest"), {}, "at least one digest"),
    ("build-slsa-v02.json", (*V02, "slsaProvenance"), {}, "one predicate field"),
    ("build-slsa-v02.json", ("envelope", "payload"), "not base64!", "not base64"),
    (
        "build-slsa-v02.json",
        ("envelope", "signatures", 0, "sig"),
        7,
        "expected a base64 string",
    ),
    ("build-slsa-v02.json", ("envelope", "payloadType"), _DELETE, "payloadType"),
    ("build-slsa-v02.json", ("build",), {}, "needs provenance"),
    ("build-slsa-v02.json", ("kind",), "ATTESTATION", "expected 'BUILD'"),
    (
        "build-slsa-v1.json",
        (*P1, "runDetails", "builder"),
        {},
        "runDetails.builder.id is required",
    ),
    (
        "build-slsa-v1.json",
        (*P1, "buildDefinition", "resolvedDependencies", 0, "content"),
        "%%",
        "not base64",
    ),
    (
        "build-slsa-v1.json",
        (*P1, "runDetails", "metadata", "startedOn"),
        1,
        "expected a string",
    ),
    (
        "build-slsa-v1.json",
        (*V1, "predicateType"),
        SLSA_V02,
        "inTotoSlsaProvenanceV1 holds",
    ),
    ("build-slsa-v1.json", (*V1, "predicate"), [], "expected a predicate"),
]


@pytest.mark.parametrize(("name", "path", "value", "message"), BAD)
def test_malformed_provenance_is_a_located_error(
    name: str, path: tuple[Any, ...], value: Any, message: str
) -> None:
    data = _set(_fixture(name), path, value)
    with pytest.raises(OccurrenceError, match=message) as info:
        BuildOccurrence.from_dict(data)
    assert info.value.path is not None
    assert info.value.path.startswith(path[0])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xff", "not UTF-8"),
        (b"[1", "not an in-toto Statement"),
        (b'{"_type": 1, "_type": 2}', "duplicate key '_type'"),
        (b"[]", "expected an in-toto Statement"),
        (b"[" * 5000 + b"]" * 5000, "not an in-toto Statement"),
    ],
)
def test_bad_payloads_are_refused(payload: bytes, message: str) -> None:
    with pytest.raises(OccurrenceError, match=message):
        parse_statement(payload, source="envelope.payload")


def test_legacy_build_fields_are_kept_as_given_and_checked() -> None:
    data = _fixture("build-slsa-v02.json")
    data["build"] = {"provenance": {"id": "b1", "x": [1]}, "provenanceBytes": "e30="}
    occ = BuildOccurrence.from_dict(data)
    assert occ.legacy == data["build"] and occ.to_dict() == data
    data["build"]["provenanceBytes"] = 7
    with pytest.raises(OccurrenceError, match="expected a string") as info:
        BuildOccurrence.from_dict(data)
    assert info.value.path == "build.provenanceBytes"
