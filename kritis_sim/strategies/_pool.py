"""The fixed material generated worlds draw from: repositories, a small key pool,
payloads and the knobs that steer draws to boundaries. Keys are generated once
per process. Internal to :mod:`kritis_sim.strategies`.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from kritis_sim.crypto.keys import (
    PrivateKey,
    default_key_id,
    generate_private_key,
    public_key_pem,
)
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.attestor import SignatureAlgorithm

PROJECT = "projects/generated"
#: The reference time of every generated world (occurrence ages count from it).
TIME = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
#: The cluster a generated configuration may guard (and its cluster rule's key).
CLUSTER = "us-east1-b.gen"
_REPOS = (
    "gcr.io/gen/app",
    "gcr.io/gen/app-tools",  # looks like app; matched by "app*"
    "gcr.io/gen/tools/cli",  # one level deeper: "*" must not reach it, "**" must
    "gcr.io/gen-x/app",  # looks like gen/app
    "docker.io/library/busybox",
)
_ALG = SignatureAlgorithm.ECDSA_P256_SHA256
_POOL = 5
_MAX_AGE = "24h"
_AGES_H = (1, 1, 6, 23, 25, 72)
#: How an occurrence can fail to count, besides being absent.
NEAR_MISSES = (
    "foreign-key",
    "wrong-key-id",
    "impostor",
    "digest-mismatch",
    "wrong-note",
    "corrupt",
    "bad-then-good",
)
#: Per image and attestor: satisfied (often), nothing, or only near misses.
_STATES = ("valid", "valid", "valid", "none", "near-miss")
#: How a world's attestations are planned: every (image, attestor) pair
#: satisfied, all but exactly one (the boundary most bugs sit on), none (so
#: the allowlist and the rules alone decide), or each pair drawn on its own.
_NEAR_MISS_SETS = st.lists(
    st.sampled_from(NEAR_MISSES), min_size=1, max_size=3, unique=True
)
_PLANS = ("one-gap", "complete", "one-gap", "one-gap", "bare", "independent")
_BG_LABEL = "image-policy.k8s.io/break-glass"
_BREAKGLASS: tuple[tuple[str, str, str] | None, ...] = (
    *(None,) * 14,
    ("labels", _BG_LABEL, "true"),
    ("labels", _BG_LABEL, "false"),  # near miss: the value must be "true"
    ("annotations", "alpha.image-policy.k8s.io/break-glass", "true"),
    ("annotations", "kritis.grafeas.io/breakglass", "any"),  # presence counts
)
_CONTROLLERS = {
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}


@functools.cache
def _key(index: int) -> PrivateKey:
    return generate_private_key(_ALG)


@functools.cache
def _digest(label: int, salt: int = 0) -> str:
    """The image digest ``label`` (0-3; 99: one no image has); ``salt`` > 0
    gives another set of digests (one per world of a batch)."""
    text = f"generated/{salt}/{label}" if salt else f"generated/{label}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _pem(index: int) -> str:
    return public_key_pem(_key(index))


@functools.cache
def _default_id(index: int) -> str:
    return default_key_id(_key(index))


@functools.cache
def _payload(image: str) -> bytes:
    return make_payload(image)


def _key_entry(index: int, custom_id: bool) -> dict[str, Any]:
    return {
        "id": f"generated://keys/k{index}" if custom_id else _default_id(index),
        "pkixPublicKey": {
            "publicKeyPem": _pem(index),
            "signatureAlgorithm": _ALG.value,
        },
    }
