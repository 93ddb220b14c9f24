"""Shared builders for the admission tests: keys, attestors, policies, apps.

Keys are ECDSA P-256, generated once per session. ``Scenario`` collects
attestors, occurrences and a policy document; ``scenario.app(...)`` builds the
webhook over them, and ``call(app, ...)`` posts to it in-process.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette

from kritis_sim.admission.enforcer import StaticPolicy
from kritis_sim.admission.webhook import WebhookConfig, create_app
from kritis_sim.core.source import AttestationSource, InMemorySource
from kritis_sim.crypto.keys import public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import Attestor, SignatureAlgorithm
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "admission"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ALG = "ECDSA_P256_SHA256"
D1, D2, D3 = ("sha256:" + c * 64 for c in "123")
API = f"gcr.io/shop/api@{D1}"
PROXY = f"gcr.io/shop/proxy@{D2}"
MIGRATE = f"gcr.io/shop/migrate@{D3}"
POD_IMAGES = (API, PROXY, MIGRATE)  # the fixture Pod: containers, then init

ENFORCE = "ENFORCED_BLOCK_AND_AUDIT_LOG"
DRYRUN = "DRYRUN_AUDIT_LOG_ONLY"


@cache
def key(name: str) -> ec.EllipticCurvePrivateKey:
    """One key per attestor short name, for the whole session."""
    return ec.generate_private_key(ec.SECP256R1())


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def require(*attestors: str, mode: str = ENFORCE) -> dict[str, Any]:
    return {
        "evaluationMode": "REQUIRE_ATTESTATION",
        "enforcementMode": mode,
        "requireAttestationsBy": [f"projects/p/attestors/{a}" for a in attestors],
    }


def rule(evaluation: str, mode: str = ENFORCE) -> dict[str, Any]:
    return {"evaluationMode": evaluation, "enforcementMode": mode}


@dataclass
class Scenario:
    """Attestors (one key each), occurrences and a policy document."""

    policy_doc: dict[str, Any] = field(
        default_factory=lambda: {"defaultAdmissionRule": require("qa", "build")}
    )
    attestors: dict[str, Attestor] = field(default_factory=dict)
    occurrences: list[AttestationOccurrence] = field(default_factory=list)

    def __post_init__(self) -> None:
        for short in ("qa", "build"):
            self.add_attestor(short)

    def add_attestor(self, short: str) -> str:
        name = f"projects/p/attestors/{short}"
        self.attestors[name] = Attestor.from_dict(
            {
                "name": name,
                "userOwnedGrafeasNote": {
                    "noteReference": f"projects/p/notes/{short}",
                    "publicKeys": [
                        {
                            "pkixPublicKey": {
                                "publicKeyPem": public_key_pem(key(short)),
                                "signatureAlgorithm": ALG,
                            }
                        }
                    ],
                },
            }
        )
        return name

    def attest(self, image: str, *shorts: str) -> Scenario:
        for short in shorts or ("qa", "build"):
            att = self.attestors[f"projects/p/attestors/{short}"]
            self.occurrences.append(
                make_attestation(
                    image,
                    att.note_reference,
                    key(short),
                    SignatureAlgorithm.parse(ALG),
                    key_id=att.public_keys[0].id,
                    create_time=NOW - timedelta(hours=1),
                )
            )
        return self

    @property
    def policy(self) -> Policy:
        return Policy.from_dict(self.policy_doc)

    def source(self) -> InMemorySource:
        return InMemorySource(self.occurrences)

    def config(self, **overrides: Any) -> WebhookConfig:
        base: dict[str, Any] = {
            "policy_provider": StaticPolicy(
                self.policy, tuple(self.attestors.values())
            ),
            "source": self.source(),
            "clock": lambda: NOW,
            "cluster": "us-east1-b.prod",
        }
        base.update(overrides)
        return WebhookConfig(**base)


@pytest.fixture
def make_app() -> Iterator[Any]:
    """``make_app(config)`` -> app; worker threads are released afterwards."""
    apps: list[Starlette] = []

    def build(config: WebhookConfig) -> Starlette:
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.state.webhook.enforcer.close()


async def _acall(
    app: Starlette, method: str, path: str, body: Any, raw: bytes | None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://webhook") as c:
        if method == "GET":
            return await c.get(path)
        content = raw if raw is not None else json.dumps(body).encode()
        return await c.post(
            path, content=content, headers={"Content-Type": "application/json"}
        )


def call(
    app: Starlette,
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    raw: bytes | None = None,
) -> httpx.Response:
    """One request to ``app`` over httpx.ASGITransport."""
    return asyncio.run(_acall(app, method, path, body, raw))


class SlowSource:
    """A store that takes ``delay`` seconds per read (a hung Grafeas)."""

    def __init__(self, inner: AttestationSource, delay: float) -> None:
        self.inner, self.delay = inner, delay

    def occurrences(self, resource_url: str, note_name: str) -> Any:
        import time

        time.sleep(self.delay)
        return self.inner.occurrences(resource_url, note_name)


class BrokenSource:
    """A store that always raises ``exc``."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.calls = 0

    def occurrences(self, resource_url: str, note_name: str) -> Any:
        self.calls += 1
        raise self.exc
