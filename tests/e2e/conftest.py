"""A kind cluster running the webhook, shared by every e2e test of a session.

The cluster (``kritis-sim-e2e``) is created, the webhook image built from this
checkout and loaded, and the webhook installed with a policy that requires the
``qa`` attestor and one signed attestation for :data:`ATTESTED`. It is deleted
at the end unless ``KRITIS_SIM_KEEP_KIND=1``. The root ``conftest.py`` skips
these tests without ``--with-e2e`` or without a Docker engine, kind and kubectl.

Images live under ``registry.invalid`` and every created Pod has
``imagePullPolicy: Never``: nothing is pulled, only admission is tested.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec

from kritis_sim.crypto.keys import public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.harness._commands import KindSettings
from kritis_sim.harness.kind import KindHarness, PolicyFiles
from kritis_sim.model.attestor import Attestor, SignatureAlgorithm

ATTESTOR = "projects/e2e/attestors/qa"
NOTE = "projects/e2e/notes/qa"
ALG = "ECDSA_P256_SHA256"
ATTESTED = "registry.invalid/kritis-sim-e2e/app@sha256:" + "a" * 64
UNATTESTED = "registry.invalid/kritis-sim-e2e/app@sha256:" + "b" * 64
TAG_ONLY = "registry.invalid/kritis-sim-e2e/app:1.0"
WEBHOOK = "admission.kritis-sim.dev"


def policy_files() -> PolicyFiles:
    """Require ``qa``; one valid ``qa`` attestation, for :data:`ATTESTED`."""
    key = ec.generate_private_key(ec.SECP256R1())
    attestor = Attestor.from_dict(
        {
            "name": ATTESTOR,
            "userOwnedGrafeasNote": {
                "noteReference": NOTE,
                "publicKeys": [
                    {
                        "pkixPublicKey": {
                            "publicKeyPem": public_key_pem(key),
                            "signatureAlgorithm": ALG,
                        }
                    }
                ],
            },
        }
    )
    occurrence = make_attestation(
        ATTESTED,
        NOTE,
        key,
        SignatureAlgorithm.parse(ALG),
        key_id=attestor.public_keys[0].id,
        create_time=datetime.now(UTC) - timedelta(minutes=5),
    )
    policy = {
        "defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": [ATTESTOR],
        }
    }
    return PolicyFiles(
        policy_yaml=yaml.safe_dump(policy),
        attestors_yaml=yaml.safe_dump({"attestors": [attestor.to_dict()]}),
        occurrences_json=json.dumps({"occurrences": [occurrence.to_dict()]}),
    )


def pod(name: str, image: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name, **labels}},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }


def deployment(name: str, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": pod(name, image)["spec"],
            },
        },
    }


@pytest.fixture(scope="session")
def kind_cluster() -> Iterator[KindHarness]:
    """The webhook, installed and answering, in a kind cluster."""
    settings = KindSettings(cluster_name="kritis-sim-e2e")
    keep = os.environ.get("KRITIS_SIM_KEEP_KIND") == "1"

    def log(message: str) -> None:
        print(f"[kind] {message}", file=sys.stderr)

    with KindHarness(settings, keep=keep, log=log) as harness:
        harness.install(policy_files())
        yield harness
