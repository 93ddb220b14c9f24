"""The webhook reading policy, attestors and attestations from the emulator.

Both servers are real: the emulator over HTTP and the webhook over TLS, each on
127.0.0.1 in a thread, configured exactly as ``kritis-sim webhook --emulator URL
--project P`` configures itself. The emulator is filled through its REST API.
Afterwards the emulator is stopped and the webhook must fail closed.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from kritis_sim.admission.certs import make_certs, write_certs
from kritis_sim.admission.webhook import create_app as webhook_app
from kritis_sim.cli import webhook as webhook_cli
from kritis_sim.cli.main import parser
from kritis_sim.crypto.keys import public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.grafeas.app import create_app as emulator_app
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.serving import ServerThread

PROJECT = "shop"
ATTESTED = "gcr.io/shop/api@sha256:" + "1" * 64
OTHER = "gcr.io/shop/api@sha256:" + "2" * 64


def _review(image: str) -> dict[str, Any]:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"containers": [{"name": "api", "image": image}]},
    }
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "dev"},
            "object": pod,
            "oldObject": None,
            "dryRun": False,
        },
    }


@pytest.fixture
def emulator() -> Iterator[ServerThread]:
    server = ServerThread(emulator_app())
    with server:
        key = ec.generate_private_key(ec.SECP256R1())
        with httpx.Client(base_url=server.base_url + "/v1/", timeout=10) as api:
            api.post(
                f"projects/{PROJECT}/notes",
                params={"noteId": "qa"},
                json={"attestation": {"hint": {"humanReadableName": "qa"}}},
            ).raise_for_status()
            api.post(
                f"projects/{PROJECT}/attestors",
                params={"attestorId": "qa"},
                json={
                    "userOwnedGrafeasNote": {
                        "noteReference": f"projects/{PROJECT}/notes/qa",
                        "publicKeys": [
                            {
                                "pkixPublicKey": {
                                    "publicKeyPem": public_key_pem(key),
                                    "signatureAlgorithm": "ECDSA_P256_SHA256",
                                }
                            }
                        ],
                    }
                },
            ).raise_for_status()
            api.put(
                f"projects/{PROJECT}/policy",
                json={
                    "defaultAdmissionRule": {
                        "evaluationMode": "REQUIRE_ATTESTATION",
                        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                        "requireAttestationsBy": [f"projects/{PROJECT}/attestors/qa"],
                    }
                },
            ).raise_for_status()
            occ = make_attestation(
                ATTESTED,
                f"projects/{PROJECT}/notes/qa",
                key,
                SignatureAlgorithm.ECDSA_P256_SHA256,
                create_time=datetime.now(UTC),
            )
            api.post(
                f"projects/{PROJECT}/occurrences", json=occ.to_dict()
            ).raise_for_status()
        yield server


def test_webhook_over_tls_decides_from_the_emulator_and_fails_closed_without_it(
    emulator: ServerThread, tmp_path: Path
) -> None:
    files = write_certs(make_certs(["localhost"]), tmp_path)
    args = parser("webhook").parse_args(
        [
            "webhook",
            "--emulator",
            emulator.base_url,
            "--project",
            PROJECT,
            "--policy-ttl",
            "0",
        ]
    )
    app = webhook_app(webhook_cli._config(args, None))
    try:
        with (
            ServerThread(
                app,
                ssl_certfile=str(files["tls.crt"]),
                ssl_keyfile=str(files["tls.key"]),
            ) as hook,
            httpx.Client(
                base_url=hook.base_url,
                verify=ssl.create_default_context(cafile=str(files["ca.crt"])),
                timeout=15,
            ) as client,
        ):
            assert hook.base_url.startswith("https://127.0.0.1:")
            ok = client.post("/validate?timeout=5s", json=_review(ATTESTED)).json()[
                "response"
            ]
            assert ok["allowed"] is True, ok
            no = client.post("/validate?timeout=5s", json=_review(OTHER)).json()[
                "response"
            ]
            assert no["allowed"] is False
            assert "No attestations found" in no["status"]["message"]
            emulator.stop()
            down = client.post("/validate?timeout=3s", json=_review(ATTESTED)).json()[
                "response"
            ]
            assert down["allowed"] is False
            assert "fail" in down["status"]["message"].lower()
    finally:
        app.state.webhook.enforcer.close()
