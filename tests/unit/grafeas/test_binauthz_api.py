"""Binary Authorization v1 routes: policy, attestors, validateAttestationOccurrence."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.crypto.payload import make_payload
from kritis_sim.crypto.sign import sign
from kritis_sim.model.attestor import SignatureAlgorithm
from tests.unit.grafeas.conftest import DIGEST, NOTE, Api, assert_google_error

P = "/v1/projects/p"
ALG = SignatureAlgorithm.ECDSA_P256_SHA256
IMAGE = f"gcr.io/p/img@{DIGEST}"


@pytest.fixture(scope="module")
def key() -> Any:
    return generate_private_key(ALG)


def _attestor(api: Api, key: Any) -> dict[str, Any]:
    api.post(f"{P}/notes", params={"noteId": "n"}, json=NOTE)
    body = {
        "userOwnedGrafeasNote": {
            "noteReference": "projects/p/notes/n",
            "publicKeys": [
                {
                    "pkixPublicKey": {
                        "publicKeyPem": public_key_pem(key.public_key()),
                        "signatureAlgorithm": "EC_SIGN_P256_SHA256",
                    }
                }
            ],
        }
    }
    reply = api.post(f"{P}/attestors", params={"attestorId": "a"}, json=body)
    assert reply.status_code == 200, reply.text
    created: dict[str, Any] = reply.json()
    return created


def test_default_policy_then_put(api: Api) -> None:
    default = api.get(f"{P}/policy").json()
    assert default["name"] == "projects/p/policy"
    assert default["globalPolicyEvaluationMode"] == "ENABLE"
    assert default["defaultAdmissionRule"] == {
        "evaluationMode": "ALWAYS_ALLOW",
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
    }
    assert "updateTime" in default
    rule = {"evaluationMode": 3, "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}
    put = api.put(f"{P}/policy", json={"defaultAdmissionRule": rule})
    assert put.status_code == 200, put.text
    stored = api.get(f"{P}/policy").json()
    assert stored["defaultAdmissionRule"]["evaluationMode"] == "ALWAYS_DENY"
    assert (
        stored["etag"]
        and stored["updateTime"]
        and stored["name"] == "projects/p/policy"
    )
    stale = api.put(
        f"{P}/policy", json={"defaultAdmissionRule": rule, "etag": 'W/"old"'}
    )
    assert_google_error(stale, 409, "ABORTED")


def test_policy_requires_existing_attestors(api: Api, key: Any) -> None:
    rule = {
        "evaluationMode": "REQUIRE_ATTESTATION",
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
        "requireAttestationsBy": ["projects/p/attestors/a"],
    }
    missing = api.put(f"{P}/policy", json={"defaultAdmissionRule": rule})
    assert "does not exist" in assert_google_error(missing, 400, "INVALID_ARGUMENT")
    _attestor(api, key)
    assert (
        api.put(f"{P}/policy", json={"defaultAdmissionRule": rule}).status_code == 200
    )


def test_attestor_crud_fills_default_key_id(api: Api, key: Any) -> None:
    created = _attestor(api, key)
    pub = created["userOwnedGrafeasNote"]["publicKeys"][0]
    assert pub["id"].startswith("ni:///sha-256;")
    assert pub["pkixPublicKey"]["signatureAlgorithm"] == "ECDSA_P256_SHA256"
    assert api.get(f"{P}/attestors/a").json() == created
    assert api.get(f"{P}/attestors").json()["attestors"] == [created]
    dup = api.post(f"{P}/attestors", params={"attestorId": "a"}, json=created)
    assert_google_error(dup, 409, "ALREADY_EXISTS")
    changed = {**created, "description": "d"}
    assert api.put(f"{P}/attestors/a", json=changed).json()["description"] == "d"
    moved = {
        **created,
        "userOwnedGrafeasNote": {"noteReference": "projects/p/notes/n2"},
    }
    api.post(f"{P}/notes", params={"noteId": "n2"}, json=NOTE)
    assert "immutable" in assert_google_error(
        api.put(f"{P}/attestors/a", json=moved), 400, "INVALID_ARGUMENT"
    )
    assert api.delete(f"{P}/attestors/a").json() == {}
    assert_google_error(api.get(f"{P}/attestors/a"), 404, "NOT_FOUND")


def _validate(
    api: Api,
    payload: bytes,
    sig: bytes,
    key_id: str,
    uri: str = IMAGE,
    note: str = "projects/p/notes/n",
) -> dict[str, Any]:
    body = {
        "attestation": {
            "serializedPayload": base64.b64encode(payload).decode(),
            "signatures": [
                {
                    "signature": base64.urlsafe_b64encode(sig).decode(),
                    "publicKeyId": key_id,
                }
            ],
        },
        "occurrenceNote": note,
        "occurrenceResourceUri": uri,
    }
    reply = api.post(f"{P}/attestors/a:validateAttestationOccurrence", json=body)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_validate_attestation_occurrence(api: Api, key: Any) -> None:
    key_id = _attestor(api, key)["userOwnedGrafeasNote"]["publicKeys"][0]["id"]
    payload = make_payload(IMAGE)
    sig = sign(key, ALG, payload)
    assert _validate(api, payload, sig, key_id) == {"result": "VERIFIED"}
    other = f"gcr.io/p/img@sha256:{'c' * 64}"
    for args in [
        (payload, sig, "wrong-id"),
        (payload, b"\x00" * 70, key_id),
        (payload, sig, key_id, other),
        (payload, sig, key_id, IMAGE, "projects/p/notes/x"),
    ]:
        result = _validate(api, *args)  # type: ignore[arg-type]
        assert result["result"] == "ATTESTATION_NOT_VERIFIABLE"
        assert result["denialReason"]
    bad = api.post(
        f"{P}/attestors/a:validateAttestationOccurrence", json={"attestation": {}}
    )
    assert_google_error(bad, 400, "INVALID_ARGUMENT")
