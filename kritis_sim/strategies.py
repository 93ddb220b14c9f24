"""Public Hypothesis strategies for Binary Authorization worlds.

For property tests and for the conformance kit's differential mode:

* :func:`images`: image references by digest (sometimes with a tag) or by tag;
* :func:`patterns`: allowlist name patterns (exact, ``*``, ``**``) that often
  match the generated images and sometimes only look alike;
* :func:`attestors`: Attestor resources with ECDSA P-256 keys from a small pool
  (keys are generated once per process; generation is slow, drawing is not);
* :func:`attestations`: Grafeas occurrence JSON for an image: valid, signed by
  a stranger, for another digest, on another note, or corrupted;
* :func:`policies`: policy documents over given attestors (default rule, an
  optional namespace rule, an optional allowlist);
* :func:`workloads`: Pod objects with containers and init containers;
* :func:`worlds`: all of the above, consistent, as one :class:`GeneratedWorld`.

Everything generated is plain JSON-ready data in the wire formats, so it can
be written as a conformance case. The strategies do not decide; the reference
decision comes from :mod:`kritis_sim.core`.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from kritis_sim.crypto.keys import (
    PrivateKey,
    default_key_id,
    generate_private_key,
    public_key_pem,
)
from kritis_sim.crypto.payload import make_payload
from kritis_sim.crypto.sign import sign
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.occurrence import encode_bytes

__all__ = [
    "GeneratedWorld",
    "attestations",
    "attestors",
    "images",
    "patterns",
    "policies",
    "workloads",
    "worlds",
]

PROJECT = "projects/generated"
_REPOS = (
    "gcr.io/gen/app",
    "gcr.io/gen/app-tools",
    "gcr.io/gen/tools/cli",
    "docker.io/library/busybox",
)
_ALG = SignatureAlgorithm.ECDSA_P256_SHA256
_POOL = 4


@functools.cache
def _key(index: int) -> PrivateKey:
    return generate_private_key(_ALG)


def _digest(label: int) -> str:
    return "sha256:" + hashlib.sha256(f"generated/{label}".encode()).hexdigest()


def images(*, tags: bool = True) -> st.SearchStrategy[str]:
    """Image references: ``repo@sha256:...``, ``repo:tag@sha256:...`` or ``repo:tag``."""
    repo = st.sampled_from(_REPOS)
    digest = st.integers(0, 3).map(_digest)
    by_digest = st.builds(lambda r, d: f"{r}@{d}", repo, digest)
    with_tag = st.builds(lambda r, d: f"{r}:1.0@{d}", repo, digest)
    choices = [by_digest, by_digest, with_tag]
    if tags:
        choices.append(st.builds(lambda r: f"{r}:1.0", repo))
    return st.one_of(choices)


def patterns() -> st.SearchStrategy[str]:
    """Allowlist patterns over the generated repositories."""
    repo = st.sampled_from(_REPOS)
    return st.one_of(
        repo,
        repo.map(lambda r: r + "*"),
        repo.map(lambda r: r.rsplit("/", 1)[0] + "/**"),
        repo.map(lambda r: r.rsplit("/", 1)[0] + "/*"),
        repo.map(lambda r: r[:-1] + "*"),
    )


def attestors(max_size: int = 3) -> st.SearchStrategy[list[dict[str, Any]]]:
    """1..max_size attestors named a0, a1, ...; each trusts 0-2 pool keys."""

    def build(key_sets: list[list[int]]) -> list[dict[str, Any]]:
        out = []
        for i, keys in enumerate(key_sets):
            public = [
                {
                    "id": default_key_id(_key(k)),
                    "pkixPublicKey": {
                        "publicKeyPem": public_key_pem(_key(k)),
                        "signatureAlgorithm": _ALG.value,
                    },
                }
                for k in sorted(set(keys))
            ]
            out.append(
                {
                    "name": f"{PROJECT}/attestors/a{i}",
                    "userOwnedGrafeasNote": {
                        "noteReference": f"{PROJECT}/notes/a{i}",
                        "publicKeys": public,
                    },
                }
            )
        return out

    keys = st.lists(st.integers(0, _POOL - 1), min_size=0, max_size=2)
    return st.lists(keys, min_size=1, max_size=max_size).map(build)


def attestations(image: str, attestor_count: int) -> st.SearchStrategy[dict[str, Any]]:
    """One occurrence for ``image`` (which must carry a digest)."""
    name, _, digest = image.partition("@")
    repo = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    kinds = st.sampled_from(
        ("valid", "valid", "stranger", "other-digest", "other-note", "flip")
    )

    def build(kind: str, attestor: int, key: int, age_h: int) -> dict[str, Any]:
        signed_digest = _digest(99) if kind == "other-digest" else digest
        payload = make_payload(f"{repo}@{signed_digest}")
        signer = _key((key + 1) % _POOL) if kind == "stranger" else _key(key)
        sig = sign(signer, _ALG, payload)
        if kind == "flip":
            sig = sig[:8] + bytes([sig[8] ^ 1]) + sig[9:]
        note = f"{PROJECT}/notes/{'other' if kind == 'other-note' else f'a{attestor}'}"
        return {
            "resourceUri": f"https://{repo}@{digest}",
            "noteName": note,
            "kind": "ATTESTATION",
            "createTime": f"2026-01-15T{12 - age_h:02d}:00:00Z",
            "attestation": {
                "serializedPayload": encode_bytes(payload),
                "signatures": [
                    {
                        "signature": encode_bytes(sig),
                        "publicKeyId": default_key_id(_key(key)),
                    }
                ],
            },
        }

    return st.builds(
        build,
        kinds,
        st.integers(0, attestor_count - 1),
        st.integers(0, _POOL - 1),
        st.integers(0, 11),
    )


def _rule(attestor_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    enforcement = st.sampled_from(
        ("ENFORCED_BLOCK_AND_AUDIT_LOG",) * 3 + ("DRYRUN_AUDIT_LOG_ONLY",)
    )
    simple = st.builds(
        lambda m, e: {"evaluationMode": m, "enforcementMode": e},
        st.sampled_from(("ALWAYS_ALLOW", "ALWAYS_DENY")), enforcement,
    )  # fmt: skip
    required = st.builds(
        lambda names, e: {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": e,
            "requireAttestationsBy": sorted(set(names)),
        },
        st.lists(
            st.sampled_from(attestor_names), min_size=1, max_size=len(attestor_names)
        ),
        enforcement,
    )
    return st.one_of(simple, required, required)


def policies(attestor_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Policies whose rules name only ``attestor_names``."""

    def build(
        default: dict[str, Any], ns: dict[str, Any] | None, allow: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"defaultAdmissionRule": default}
        if allow:
            out["admissionWhitelistPatterns"] = [{"namePattern": p} for p in allow]
        if ns is not None:
            out["kubernetesNamespaceAdmissionRules"] = {"prod": ns}
        return out

    rule = _rule(attestor_names)
    return st.builds(
        build, rule, st.none() | rule, st.lists(patterns(), max_size=2, unique=True)
    )


def workloads(
    image_strategy: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Pod objects in namespace ``prod`` or ``dev`` with 1-2 containers and 0-1 init containers."""
    imgs = image_strategy or images()

    def build(
        ns: str, containers: list[str], init: list[str], bg: bool
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "containers": [
                {"name": f"c{i}", "image": c} for i, c in enumerate(containers)
            ]
        }
        if init:
            spec["initContainers"] = [
                {"name": f"i{i}", "image": c} for i, c in enumerate(init)
            ]
        meta: dict[str, Any] = {"name": "gen", "namespace": ns}
        if bg:
            meta["labels"] = {"image-policy.k8s.io/break-glass": "true"}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}

    return st.builds(
        build, st.sampled_from(("prod", "dev")), st.lists(imgs, min_size=1, max_size=2),
        st.lists(imgs, max_size=1), st.sampled_from((False,) * 5 + (True,)),
    )  # fmt: skip


@dataclass(frozen=True)
class GeneratedWorld:
    """A consistent random case: policy, attestors, occurrences and a Pod."""

    policy: dict[str, Any]
    attestors: list[dict[str, Any]]
    occurrences: list[dict[str, Any]]
    pod: dict[str, Any]


@st.composite
def worlds(draw: st.DrawFn) -> GeneratedWorld:
    """A whole generated world."""
    atts = draw(attestors())
    names = [a["name"] for a in atts]
    pod = draw(workloads())
    images_ = [
        c["image"]
        for key in ("containers", "initContainers")
        for c in pod["spec"].get(key, [])
    ]
    occurrences = []
    for image in images_:
        if "@" in image:
            occurrences += draw(st.lists(attestations(image, len(atts)), max_size=3))
    return GeneratedWorld(draw(policies(names)), atts, occurrences, pod)
