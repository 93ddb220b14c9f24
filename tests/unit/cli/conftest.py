"""A signed world on disk for the CLI tests: key, attestor, policy, occurrence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.crypto.keys import (
    default_key_id,
    generate_private_key,
    private_key_pem,
    public_key_pem,
)
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.occurrence import parse_timestamp

ALG = SignatureAlgorithm.ECDSA_P256_SHA256
ATTESTOR = "projects/shop/attestors/qa"
NOTE = "projects/shop/notes/qa"
SIGNED = "gcr.io/shop/api@sha256:" + "c" * 64
OTHER = "gcr.io/shop/api@sha256:" + "d" * 64
THIRD = "gcr.io/shop/api@sha256:" + "e" * 64
NOW = "2026-11-26T00:00:00Z"


@dataclass
class CliWorld:
    """Files of a small world; ``policy`` may be rewritten by a test."""

    dir: Path
    key: Any

    def path(self, name: str) -> str:
        return str(self.dir / name)

    def write(self, name: str, doc: Any, *, multi: bool = False) -> str:
        text = (
            doc
            if isinstance(doc, str)
            else yaml.safe_dump_all(doc)
            if multi
            else yaml.safe_dump(doc, sort_keys=False)
        )
        (self.dir / name).write_text(text)
        return self.path(name)

    def occurrence(self, image: str) -> dict[str, Any]:
        occ = make_attestation(
            image, NOTE, self.key, ALG, None, create_time=parse_timestamp(NOW)
        )
        return occ.to_dict()

    def policy(self, **specific: Any) -> str:
        doc: dict[str, Any] = {
            "defaultAdmissionRule": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                "requireAttestationsBy": [ATTESTOR],
            },
            **specific,
        }
        return self.write("policy.yaml", doc)

    def review_args(self, input_path: str, *extra: str) -> list[str]:
        return [
            "review",
            input_path,
            "--policy",
            self.path("policy.yaml"),
            "--attestors",
            self.path("attestors.yaml"),
            "--now",
            NOW,
            *extra,
        ]


@pytest.fixture
def cli_world(tmp_path: Path) -> CliWorld:
    key = generate_private_key(ALG)
    pem = public_key_pem(key)
    world = CliWorld(tmp_path, key)
    (tmp_path / "key.pem").write_bytes(private_key_pem(key))
    world.write(
        "attestors.yaml",
        [
            {
                "name": ATTESTOR,
                "userOwnedGrafeasNote": {
                    "noteReference": NOTE,
                    "publicKeys": [
                        {
                            "id": default_key_id(pem),
                            "pkixPublicKey": {
                                "publicKeyPem": pem,
                                "signatureAlgorithm": ALG.value,
                            },
                        }
                    ],
                },
            }
        ],
    )
    world.policy()
    (tmp_path / "occurrences.json").write_text(
        json.dumps({"occurrences": [world.occurrence(SIGNED)]})
    )
    return world


def pod(image: str, name: str = "api", **meta: Any) -> dict[str, Any]:
    """A Pod in namespace shop running ``image``."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", **meta},
        "spec": {"containers": [{"name": "c", "image": image}]},
    }


def deployment(image: str, name: str = "web") -> dict[str, Any]:
    """A Deployment in namespace shop running ``image``."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
        },
    }
