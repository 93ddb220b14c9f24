"""Strategies for the parts of a world: images, allowlist patterns, attestors,
attestations, policies and workloads. Internal to :mod:`kritis_sim.strategies`
(which re-exports the public ones).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from kritis_sim.crypto.sign import sign
from kritis_sim.model.occurrence import encode_bytes, format_timestamp
from kritis_sim.strategies._pool import (
    _AGES_H,
    _ALG,
    _BREAKGLASS,
    _CONTROLLERS,
    _MAX_AGE,
    _POOL,
    _REPOS,
    CLUSTER,
    NEAR_MISSES,
    PROJECT,
    TIME,
    _default_id,
    _digest,
    _key,
    _key_entry,
    _payload,
    _pem,
)


@functools.cache
def images(*, tags: bool = True, salt: int = 0) -> st.SearchStrategy[str]:
    """Image references: ``repo@sha256:...``, ``repo:tag@sha256:...`` or
    ``repo:tag``, over four digests (another four for each ``salt``)."""
    repo = st.sampled_from(_REPOS)
    digest = st.integers(0, 3).map(functools.partial(_digest, salt=salt))
    by_digest = st.builds(lambda r, d: f"{r}@{d}", repo, digest)
    with_tag = st.builds(lambda r, d: f"{r}:1.0@{d}", repo, digest)
    choices = [by_digest, by_digest, by_digest, with_tag]
    if tags:
        choices.append(st.builds(lambda r: f"{r}:1.0", repo))
    return st.one_of(choices)


@functools.cache
def patterns() -> st.SearchStrategy[str]:
    """Allowlist patterns over the generated repositories: exact names, ``*``
    and ``**`` at several depths, and near misses (a prefix, a look-alike)."""
    repo = st.sampled_from(_REPOS)
    parent = repo.map(lambda r: r.rsplit("/", 1)[0])
    return st.one_of(
        repo,
        repo.map(lambda r: r + "*"),
        parent.map(lambda p: p + "/*"),
        parent.map(lambda p: p + "/**"),
        repo.map(lambda r: r[:-1]),  # a wildcard-free prefix: must not match
        repo.map(lambda r: r[:-1] + "*"),
        # "*" stops at "/", "**" does not: each pairs with a deeper image
        st.sampled_from(("gcr.io/gen/*", "gcr.io/gen*", "gcr.io/*")),
        st.sampled_from(("gcr.io/gen/*", "gcr.io/gen/tools*", "gcr.io/gen/ap*")),
    )


@functools.cache
def attestors(max_size: int = 3) -> st.SearchStrategy[list[dict[str, Any]]]:
    """1..max_size attestors named a0, a1, ...; each trusts 1-2 pool keys
    (rarely none), under the default key id or a custom URI."""

    def build(specs: list[tuple[list[int], bool]]) -> list[dict[str, Any]]:
        return [
            {
                "name": f"{PROJECT}/attestors/a{i}",
                "userOwnedGrafeasNote": {
                    "noteReference": f"{PROJECT}/notes/a{i}",
                    "publicKeys": [_key_entry(k, custom) for k in sorted(set(keys))],
                },
            }
            for i, (keys, custom) in enumerate(specs)
        ]

    some = st.lists(st.integers(0, _POOL - 1), min_size=1, max_size=2)
    keyless = st.sampled_from((False,) * 9 + (True,))  # never satisfiable
    keys = st.builds(lambda k, none: [] if none else k, some, keyless)
    spec = st.tuples(keys, st.sampled_from((False, False, True)))
    return st.lists(spec, min_size=1, max_size=max_size).map(build)


@functools.cache
def _pool_index() -> dict[str, int]:
    """Pool index of each pool key's PEM."""
    return {_pem(k): k for k in range(_POOL)}


def _trusted(attestor: dict[str, Any]) -> tuple[tuple[int, str], ...]:
    """(pool index, key id) of each key the attestor trusts."""
    pems = _pool_index()
    return tuple(
        (pems[entry["pkixPublicKey"]["publicKeyPem"]], entry["id"])
        for entry in attestor["userOwnedGrafeasNote"]["publicKeys"]
    )


@functools.cache
def _sign(key: int, payload: bytes) -> bytes:
    """ECDSA signatures are randomised; one per (key, payload) keeps a drawn
    world identical when Hypothesis replays the same choices."""
    return sign(_key(key), _ALG, payload)


def _signature(
    key: int, key_id: str, payload: bytes, *, corrupt: bool = False
) -> dict[str, str]:
    sig = _sign(key, payload)
    if corrupt:
        sig = sig[:8] + bytes([sig[8] ^ 1]) + sig[9:]
    return {"signature": encode_bytes(sig), "publicKeyId": key_id}


def attestations(
    image: str, attestor: dict[str, Any], kinds: tuple[str, ...] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """One occurrence for ``image`` (which must carry a digest) aimed at
    ``attestor``, of one of ``kinds``: ``valid`` or one of
    :data:`NEAR_MISSES` (default: any). ``createTime`` lies 1 hour to 3 days
    before :data:`TIME`, so some are stale under a 24 h maximum age."""
    note = attestor["userOwnedGrafeasNote"]["noteReference"]
    build = functools.partial(_attestation, image, _trusted(attestor), note)
    return st.builds(build, _kinds(kinds), _PICK, _AGE)


def draw_attestation(
    draw: st.DrawFn,
    image: str,
    attestor: dict[str, Any],
    kinds: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """``draw(attestations(image, attestor, kinds))`` with the same choices,
    without building a strategy per image and attestor (building and
    validating strategies costs more than drawing from them)."""
    kind, pick, age_h = draw(_kinds(kinds)), draw(_PICK), draw(_AGE)
    note = attestor["userOwnedGrafeasNote"]["noteReference"]
    return _attestation(image, _trusted(attestor), note, kind, pick, age_h)


_PICK = st.integers(0, _POOL - 1)
_AGE = st.sampled_from(_AGES_H)


@functools.cache
def _kinds(kinds: tuple[str, ...] | None) -> st.SearchStrategy[str]:
    return st.sampled_from(kinds or ("valid", *NEAR_MISSES))


@functools.cache
def _created(age_h: int) -> str:
    return format_timestamp(TIME - timedelta(hours=age_h))


def _attestation(
    image: str,
    trusted: tuple[tuple[int, str], ...],
    note: str,
    kind: str,
    pick: int,
    age_h: int,
) -> dict[str, Any]:
    """The occurrence :func:`attestations` builds from its drawn parts."""
    name, _, digest = image.partition("@")
    repo = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    own = {k for k, _ in trusted}
    foreign = next(k for k in range(pick, pick + _POOL) if k % _POOL not in own)
    key, key_id = trusted[pick % len(trusted)] if trusted else (0, "")
    if not trusted or kind == "foreign-key":
        key, key_id = foreign % _POOL, _default_id(foreign % _POOL)
    signed = _digest(99) if kind == "digest-mismatch" else digest
    payload = _payload(f"{repo}@{signed}")
    sigs = [_signature(key, key_id, payload, corrupt=kind == "corrupt")]
    if kind == "wrong-key-id":
        others = [i for _, i in trusted if i != key_id]
        sigs[0]["publicKeyId"] = others[0] if others else "generated://keys/none"
    elif kind == "impostor":
        sigs = [_signature(foreign % _POOL, key_id, payload)]
    elif kind == "bad-then-good":
        sigs.insert(0, _signature(key, key_id, payload, corrupt=True))
    created = _created(age_h)
    return {
        "resourceUri": f"https://{repo}@{digest}",
        "noteName": f"{PROJECT}/notes/other" if kind == "wrong-note" else note,
        "kind": "ATTESTATION",
        "createTime": created,
        "updateTime": created,
        "attestation": {
            "serializedPayload": encode_bytes(payload),
            "signatures": sigs,
        },
    }


def _rule(attestor_names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    enforcement = st.sampled_from(
        ("ENFORCED_BLOCK_AND_AUDIT_LOG",) * 5 + ("DRYRUN_AUDIT_LOG_ONLY",)
    )
    simple = st.builds(
        lambda m, e: {"evaluationMode": m, "enforcementMode": e},
        st.sampled_from(("ALWAYS_ALLOW", "ALWAYS_DENY")),
        enforcement,
    )

    def required(
        names: list[str], every: bool, e: str, fresh: bool, own: bool
    ) -> dict[str, Any]:
        required_by = list(attestor_names) if every else sorted(set(names))
        rule: dict[str, Any] = {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": e,
            "requireAttestationsBy": required_by,
        }
        if fresh:
            rule["kritisSimMaxAttestationAge"] = _MAX_AGE
        if own:  # the first attestor's own limit overrides the rule's
            rule["kritisSimMaxAttestationAgeByAttestor"] = {required_by[0]: "48h"}
        return rule

    some = st.lists(st.sampled_from(attestor_names), min_size=1)
    every = st.sampled_from((True, True, False))  # several required, often
    fresh = st.sampled_from((False, False, True))
    own = st.sampled_from((False, False, False, True))
    requiring = st.builds(required, some, every, enforcement, fresh, own)
    return st.one_of(simple, requiring, requiring)


def policies(attestor_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Policies whose rules name only ``attestor_names``: a default rule, at
    most one kind of specific rule (for namespace ``prod`` or for cluster
    :data:`CLUSTER`; a policy may not mix kinds), and 0-2 allowlist patterns."""
    return _policies(tuple(attestor_names))


@functools.lru_cache(maxsize=256)
def _policies(attestor_names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """:func:`policies`, built once per name list (building and validating
    strategies costs more than drawing from them)."""

    def build(
        default: dict[str, Any],
        specific: tuple[str, str] | None,
        rule: dict[str, Any],
        allow: list[str],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"defaultAdmissionRule": default}
        if allow:
            out["admissionWhitelistPatterns"] = [{"namePattern": p} for p in allow]
        if specific is not None:
            out[specific[0]] = {specific[1]: rule}
        return out

    rule = _rule(attestor_names)
    specific = st.sampled_from(
        (
            None,
            ("kubernetesNamespaceAdmissionRules", "prod"),
            ("clusterAdmissionRules", CLUSTER),
        )
    )
    return st.builds(
        build,
        rule,
        specific,
        rule,
        st.just([])
        | st.just([])
        | st.lists(patterns(), min_size=1, max_size=2, unique=True),
    )


def _mark(metadata: dict[str, Any], marker: tuple[str, str, str] | None) -> None:
    if marker is not None:
        where, key, value = marker
        metadata.setdefault(where, {})[key] = value


@functools.lru_cache(maxsize=64)
def workloads(
    image_strategy: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Pods and controllers in namespace ``prod`` or ``dev`` with 1-2
    containers, 0-1 init containers and (Pods only) 0-1 ephemeral containers;
    sometimes a breakglass marker (valid or nearly) on the object or, for a
    controller, on its pod template."""
    imgs = image_strategy if image_strategy is not None else images()

    def build(
        kind: str,
        ns: str,
        containers: list[str],
        init: list[str],
        ephemeral: list[str],
        marker: tuple[str, str, str] | None,
        on_template: bool,
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
        if kind == "Pod":
            if ephemeral:
                spec["ephemeralContainers"] = [
                    {"name": f"e{i}", "image": c} for i, c in enumerate(ephemeral)
                ]
            _mark(meta, marker)
            return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec}
        template: dict[str, Any] = {
            "metadata": {"labels": {"app": "gen"}},
            "spec": spec,
        }
        _mark(template["metadata"] if on_template else meta, marker)
        body: dict[str, Any] = {"template": template}
        if kind == "CronJob":
            body = {"schedule": "@hourly", "jobTemplate": {"spec": body}}
        return {
            "apiVersion": _CONTROLLERS[kind],
            "kind": kind,
            "metadata": meta,
            "spec": body,
        }

    kinds = st.sampled_from(("Pod", "Pod", "Pod", *_CONTROLLERS))
    return st.builds(
        build,
        kinds,
        st.sampled_from(("prod", "dev")),
        st.lists(imgs, min_size=1, max_size=2),
        st.lists(imgs, max_size=1),
        st.lists(imgs, max_size=1),
        st.sampled_from(_BREAKGLASS),
        st.booleans(),
    )
