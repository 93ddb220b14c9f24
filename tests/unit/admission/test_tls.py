"""The same app over real TLS: uvicorn in a thread (kritis_sim.serving), a
certificate from kritis_sim.admission.certs, httpx verifying against ca.crt."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kritis_sim.admission.certs import make_certs, write_certs
from kritis_sim.serving import ServerThread

from .conftest import API, MIGRATE, PROXY, Scenario, fixture


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("certs")
    return write_certs(make_certs(["webhook.kritis-sim.svc"]), out)


@pytest.fixture
def server(make_app: Any, cert_files: dict[str, Path]) -> Iterator[str]:
    scenario = Scenario()
    for image in (API, PROXY, MIGRATE):
        scenario.attest(image)
    app = make_app(scenario.config())
    with ServerThread(
        app,
        ssl_certfile=str(cert_files["tls.crt"]),
        ssl_keyfile=str(cert_files["tls.key"]),
    ) as running:
        yield running.base_url


def test_tls_admission_review_over_https(
    server: str, cert_files: dict[str, Path]
) -> None:
    assert server.startswith("https://127.0.0.1:")
    context = ssl.create_default_context(cafile=str(cert_files["ca.crt"]))
    with httpx.Client(verify=context) as client:
        reply = client.post(
            f"{server}/validate?timeout=10s", json=fixture("pod-create-v1.json")
        )
        assert reply.status_code == 200
        assert reply.json()["response"]["allowed"] is True
        denied = client.post(
            f"{server}/validate", json=fixture("deployment-create-v1.json")
        )
        assert denied.json()["response"]["allowed"] is False
        assert client.get(f"{server}/healthz").text == "ok\n"


def test_tls_localhost_name_and_strict_verification(
    server: str, cert_files: dict[str, Path]
) -> None:
    context = ssl.create_default_context(cafile=str(cert_files["ca.crt"]))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    url = server.replace("127.0.0.1", "localhost")
    with httpx.Client(verify=context) as client:
        assert client.get(f"{url}/readyz").status_code == 200


def test_tls_untrusted_client_refused(server: str) -> None:
    with httpx.Client() as client, pytest.raises(httpx.ConnectError):
        client.get(f"{server}/healthz")
