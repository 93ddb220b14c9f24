"""The httpx client: errors that say what failed, pagination, the AttestationSource."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from kritis_sim.core.source import AttestationSource
from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.errors import GrafeasApiError, GrafeasError
from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.client import (
    GrafeasAttestationSource,
    GrafeasRestClient,
    load_world,
)
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.conftest import DIGEST, NOTE


def _mock(handler: httpx.MockTransport) -> GrafeasRestClient:
    return GrafeasRestClient("http://grafeas.test", transport=handler)


def test_google_error_becomes_grafeas_api_error() -> None:
    body = {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}
    client = _mock(httpx.MockTransport(lambda r: httpx.Response(403, json=body)))
    with pytest.raises(GrafeasApiError) as info:
        client.request("GET", "projects/p/policy")
    assert (info.value.code, info.value.status) == (403, "PERMISSION_DENIED")
    assert "GET http://grafeas.test/v1/projects/p/policy" in str(info.value)


@pytest.mark.parametrize(
    ("handler", "needle"),
    [
        (lambda r: httpx.Response(500, text="<html>oops"), "500"),
        (lambda r: httpx.Response(200, text="not json"), "not a JSON object"),
        (lambda r: httpx.Response(200, json=[1]), "not a JSON object"),
        (
            lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused")),
            "ConnectError",
        ),
        (lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow")), "timed out"),
        (
            lambda r: httpx.Response(
                200, json={"occurrences": [], "nextPageToken": "same"}
            ),
            "repeated page token",
        ),
        (lambda r: httpx.Response(200, json={"occurrences": {}}), "not a list"),
    ],
)
def test_failures_are_never_an_empty_list(handler: object, needle: str) -> None:
    source = GrafeasAttestationSource(_mock(httpx.MockTransport(handler)))  # type: ignore[arg-type]
    with pytest.raises(GrafeasError, match=needle):
        source.occurrences("https://gcr.io/p/i@" + DIGEST, "projects/p/notes/n")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app()) as running:
        yield running


def test_source_and_load_world_over_http(server: ServerThread) -> None:
    key = generate_private_key(SignatureAlgorithm.ECDSA_P256_SHA256)
    http = httpx.Client(base_url=server.base_url)
    http.post(
        "/v1/projects/w/notes", params={"noteId": "n"}, json=NOTE
    ).raise_for_status()
    attestor = {
        "userOwnedGrafeasNote": {
            "noteReference": "projects/w/notes/n",
            "publicKeys": [
                {
                    "pkixPublicKey": {
                        "publicKeyPem": public_key_pem(key.public_key()),
                        "signatureAlgorithm": "ECDSA_P256_SHA256",
                    }
                }
            ],
        }
    }
    http.post(
        "/v1/projects/w/attestors", params={"attestorId": "a"}, json=attestor
    ).raise_for_status()
    image = f"gcr.io/w/img@{DIGEST}"
    occ = make_attestation(
        image, "projects/w/notes/n", key, SignatureAlgorithm.ECDSA_P256_SHA256
    )
    for _ in range(3):
        http.post("/v1/projects/w/occurrences", json=occ.to_dict()).raise_for_status()
    build = {
        "resourceUri": occ.resource_uri,
        "noteName": "projects/w/notes/n",
        "package": {},
    }
    http.post("/v1/projects/w/occurrences", json=build).raise_for_status()
    policy, attestors, source = load_world(server.base_url, "w")
    assert isinstance(source, AttestationSource)
    assert policy.name == "projects/w/policy"
    assert [a.name for a in attestors] == ["projects/w/attestors/a"]
    assert isinstance(source, GrafeasAttestationSource)
    source.page_size = 2  # force pagination
    found = source.occurrences(occ.resource_uri, "projects/w/notes/n")
    assert len(found) == 3 and all(
        o.serialized_payload == occ.serialized_payload for o in found
    )
    assert (
        source.occurrences("https://gcr.io/w/other@" + DIGEST, "projects/w/notes/n")
        == ()
    )
    with pytest.raises(GrafeasApiError, match="NOT_FOUND"):
        source.occurrences(occ.resource_uri, "projects/w/notes/missing")
    source.client.close()
    http.close()


def test_server_thread_reports_real_port(server: ServerThread) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert not server.base_url.endswith(":0")
    assert json.loads(httpx.get(server.base_url + "/healthz").text) == {"status": "ok"}
