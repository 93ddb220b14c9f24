"""Shared fixtures for the crypto tests: cached keys, vectors, and gcloud.

Keys are generated once per test session and shared by key type and size
(RSA key generation is slow); the vectors under tests/vectors/signatures/ are
loaded as plain JSON so the tests do not depend on the attestor loader.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.crypto.algorithms import KeyType, spec, supported_algorithms
from kritis_sim.crypto.keys import PrivateKey, generate_private_key, public_key_pem
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "signatures"
GCLOUD_PAYLOADS = VECTORS / "gcloud-payloads"
ALGORITHMS = supported_algorithms()
DIGEST = "sha256:" + "ab" * 32
IMAGE = f"gcr.io/kritis-sim/app@{DIGEST}"
NOTE = "projects/kritis-sim/notes/qa"

_KEYS: dict[tuple[KeyType, str | int | None], PrivateKey] = {}


def key_for(alg: SignatureAlgorithm, variant: int = 0) -> PrivateKey:
    """A session-cached private key that fits ``alg`` (``variant`` gives another)."""
    s = spec(alg)
    cache_key = (s.key_type, f"{s.curve_name or s.rsa_bits}/{variant}")
    if cache_key not in _KEYS:
        _KEYS[cache_key] = generate_private_key(alg)
    return _KEYS[cache_key]


def pkix_for(alg: SignatureAlgorithm, variant: int = 0) -> PkixPublicKey:
    """The attestor-side PKIX key of :func:`key_for`."""
    return PkixPublicKey(public_key_pem(key_for(alg, variant)), alg)


@pytest.fixture(scope="session")
def keys() -> Callable[[SignatureAlgorithm], PrivateKey]:
    """``keys(alg)``: a cached private key for ``alg``."""
    return key_for


@dataclass(frozen=True)
class Vector:
    """One directory under tests/vectors/signatures/."""

    path: Path
    info: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.path.relative_to(VECTORS))

    def json(self, name: str) -> Any:
        return json.loads((self.path / name).read_text())

    def pkix(self) -> PkixPublicKey:
        entry = self.json("attestor.json")["userOwnedGrafeasNote"]["publicKeys"][0]
        key = entry["pkixPublicKey"]
        return PkixPublicKey(
            key["publicKeyPem"],
            SignatureAlgorithm.parse(key["signatureAlgorithm"]),
            entry["id"],
        )


def load_vectors(kind: str) -> list[Vector]:
    """Every vector of ``kind`` ("positive" or "negative")."""
    found = []
    for path in sorted(VECTORS.glob("**/vector.json")):
        info = json.loads(path.read_text())
        if info["kind"] == kind:
            found.append(Vector(path.parent, info))
    return found


def _gcloud_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CLOUDSDK_CONFIG": str(tmp),
        "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "True",
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
    }


@pytest.fixture
def gcloud(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``(path to gcloud, environment)`` for offline gcloud commands.

    Skips when gcloud is not installed, unless KRITIS_SIM_REQUIRE_GCLOUD=1, in
    which case a missing gcloud fails the test.
    """
    found = shutil.which("gcloud")
    if found is None:
        if os.environ.get("KRITIS_SIM_REQUIRE_GCLOUD") == "1":
            pytest.fail(
                "gcloud is required (KRITIS_SIM_REQUIRE_GCLOUD=1) but not on PATH"
            )
        pytest.skip(
            "gcloud CLI not installed (set KRITIS_SIM_REQUIRE_GCLOUD=1 to require it)"
        )
    yield found, _gcloud_env(tmp_path)
