"""The emulator's attestor API with PGP keys: the id becomes the V4 fingerprint
(a supplied id is overwritten), and validateAttestationOccurrence verifies
gpg-made signed messages (tests/vectors/pgp) and refuses the negative ones."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.grafeas.memory_store import MemoryStore
from tests.unit.grafeas.conftest import NOTE, Api, assert_google_error

P = "/v1/projects/p"
VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "pgp"


@pytest.fixture
def memory_api() -> Iterator[Api]:
    client = Api(MemoryStore())
    yield client
    client.close()


def _create(api: Api, key_asc: str, supplied_id: str | None) -> dict[str, Any]:
    api.post(f"{P}/notes", params={"noteId": "n"}, json=NOTE)
    key: dict[str, Any] = {"asciiArmoredPgpPublicKey": key_asc}
    if supplied_id is not None:
        key["id"] = supplied_id
    body = {
        "userOwnedGrafeasNote": {
            "noteReference": "projects/p/notes/n",
            "publicKeys": [key],
        }
    }
    reply = api.post(f"{P}/attestors", params={"attestorId": "a"}, json=body)
    assert reply.status_code == 200, reply.text
    created: dict[str, Any] = reply.json()
    return created


def _validate(api: Api, name: str) -> dict[str, Any]:
    d = VECTORS / name
    vec = json.loads((d / "vector.json").read_text())
    body = {
        "attestation": {
            "serializedPayload": base64.b64encode(
                (d / "payload.json").read_bytes()
            ).decode(),
            "signatures": [
                {
                    "signature": base64.b64encode(
                        (d / vec["signature"]).read_bytes()
                    ).decode(),
                    "publicKeyId": vec["publicKeyId"],
                }
            ],
        },
        "occurrenceNote": "projects/p/notes/n",
        "occurrenceResourceUri": "https://" + vec["image"],
    }
    reply = api.post(f"{P}/attestors/a:validateAttestationOccurrence", json=body)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


@pytest.mark.parametrize(
    "name",
    [
        "rsa-armored",
        "ed25519-binary",
        "signing-subkey",
        "other-key",
        "other-content",
        "revoked",
        "detached",
        "expired-at-signing",
    ],
)
def test_emulator_validates_pgp_vectors(memory_api: Api, name: str) -> None:
    vec = json.loads((VECTORS / name / "vector.json").read_text())
    created = _create(memory_api, (VECTORS / name / "key.asc").read_text(), "x")
    (key,) = created["userOwnedGrafeasNote"]["publicKeys"]
    assert key["id"] == vec["fingerprint"]  # the supplied "x" is overwritten
    result = _validate(memory_api, name)
    if vec["expect"] == "verified":
        assert result == {"result": "VERIFIED"}
    else:
        assert result["result"] == "ATTESTATION_NOT_VERIFIABLE"
        assert result["denialReason"]


def test_emulator_refuses_a_bad_pgp_key(memory_api: Api) -> None:
    memory_api.post(f"{P}/notes", params={"noteId": "n"}, json=NOTE)
    body = {
        "userOwnedGrafeasNote": {
            "noteReference": "projects/p/notes/n",
            "publicKeys": [{"asciiArmoredPgpPublicKey": "not a key"}],
        }
    }
    reply = memory_api.post(f"{P}/attestors", params={"attestorId": "a"}, json=body)
    assert "asciiArmoredPgpPublicKey" in assert_google_error(
        reply, 400, "INVALID_ARGUMENT"
    )
