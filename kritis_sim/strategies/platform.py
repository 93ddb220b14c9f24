"""Hypothesis strategies for GKE platform policies (check-based policies).

:func:`platform_policies` draws valid platform-policy documents (plain
JSON-ready camelCase data, in canonical form: enum names, no default values),
so ``to_dict(load(doc)) == doc`` holds for every draw. Check sets come with
scopes over two namespaces and a service account in each, ordered by
decreasing specificity and closed by an unscoped catch-all, as the API
requires; checks cover every check type, with the repositories, keys and
patterns of :mod:`kritis_sim.strategies`. :func:`platform_checks` draws one
``Check``. The strategies do not evaluate anything.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from kritis_sim.strategies._parts import patterns
from kritis_sim.strategies._pool import _POOL, _pem

__all__ = ["NAMESPACES", "SERVICE_ACCOUNTS", "platform_checks", "platform_policies"]

#: The namespaces and service accounts (``ns:sa``) generated scopes use.
NAMESPACES = ("team-a", "team-b")
SERVICE_ACCOUNTS = ("team-a:deployer", "team-b:default")

_SEVERITIES = ("BLOCK_ALL", "MINIMAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "ALLOW_ALL")
_ALGS = ("ECDSA_P256_SHA256",)
_PROJECTS = st.lists(
    st.sampled_from(("projects/gen", "projects/gen-2", "projects/attest")),
    min_size=1,
    max_size=3,
    unique=True,
)
_DIRS = st.sampled_from(
    (
        "gcr.io/gen",
        "gcr.io/gen/*",
        "gcr.io/gen/**",
        "gcr.io/gen/tools",
        "*.gcr.io/gen",
        "*-docker.pkg.dev/gen/repo/**",
        "docker.io/library",
    )
)
_REPOS = st.sampled_from(
    ("github.com/gen/app", "github.com/gen/*", "github.com/**", "gitlab.com/gen/x")
)
_CVES = ("CVE-2021-20305", "CVE-2020-10543", "CVE-2024-0001", "GHSA-xxxx-yyyy")


def _opt(key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``{}`` or ``{key: value}``."""
    return st.one_of(st.just({}), values.map(lambda v: {key: v}))


@functools.cache
def _allowlist() -> st.SearchStrategy[dict[str, Any]]:
    return st.lists(patterns(), min_size=1, max_size=2, unique=True).map(
        lambda p: {"allowPattern": p}
    )


def _pkix_key() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda i, alg, key_id: {
            "publicKeyPem": _pem(i),
            "signatureAlgorithm": alg,
            **key_id,
        },
        st.integers(0, _POOL - 1),
        st.sampled_from(_ALGS),
        _opt("keyId", st.sampled_from(("gen://k/1", "//cloudkms.googleapis.com/v1/k"))),
    )


def _simple_signing() -> st.SearchStrategy[dict[str, Any]]:
    authenticator = st.builds(
        lambda keys, name: {"pkixPublicKeySet": {"pkixPublicKeys": keys}, **name},
        st.lists(_pkix_key(), min_size=1, max_size=2),
        _opt("displayName", st.just("authenticator")),
    )
    return st.builds(
        lambda auths, projects: {"attestationAuthenticators": auths, **projects},
        st.lists(authenticator, min_size=1, max_size=2),
        _opt("containerAnalysisAttestationProjects", _PROJECTS),
    )


def _vulnerability() -> st.SearchStrategy[dict[str, Any]]:
    def build(fix: str, unfix: str, cves: list[str], split: int, projects: Any) -> Any:
        out: dict[str, Any] = {
            "maximumFixableSeverity": fix,
            "maximumUnfixableSeverity": unfix,
            **projects,
        }
        if cves[:split]:
            out["allowedCves"] = cves[:split]
        if cves[split:]:
            out["blockedCves"] = cves[split:]
        return out

    return st.builds(
        build,
        st.sampled_from(_SEVERITIES),
        st.sampled_from(_SEVERITIES),
        st.lists(st.sampled_from(_CVES), max_size=3, unique=True),
        st.integers(0, 3),
        _opt("containerAnalysisVulnerabilityProjects", _PROJECTS),
    )


def _slsa() -> st.SearchStrategy[dict[str, Any]]:
    rule = st.builds(
        lambda source, config, repos, cel: {
            "trustedBuilder": "GOOGLE_CLOUD_BUILD",
            **source,
            **config,
            **repos,
            **cel,
        },
        _opt(
            "attestationSource",
            _opt("containerAnalysisAttestationProjects", _PROJECTS),
        ),
        _opt("configBasedBuildRequired", st.just(True)),
        _opt("trustedSourceRepoPatterns", st.lists(_REPOS, min_size=1, max_size=2)),
        _opt("customConstraints", st.just("true")),
    )
    return st.lists(rule, min_size=1, max_size=2).map(lambda r: {"rules": r})


def _sigstore() -> st.SearchStrategy[dict[str, Any]]:
    authority = st.builds(
        lambda keys, name: {
            "publicKeySet": {"publicKeys": [{"publicKeyPem": _pem(i)} for i in keys]},
            **name,
        },
        st.lists(st.integers(0, _POOL - 1), min_size=1, max_size=2),
        _opt("displayName", st.just("cosign")),
    )
    return st.lists(authority, min_size=1, max_size=2).map(
        lambda a: {"sigstoreAuthorities": a}
    )


@functools.cache
def platform_checks() -> st.SearchStrategy[dict[str, Any]]:
    """One ``Check`` document of any type, sometimes named or allowlisted."""
    body = st.one_of(
        st.just(("alwaysDeny", True)),
        _DIRS.map(lambda d: [d]).map(
            lambda d: ("trustedDirectoryCheck", {"trustedDirPatterns": d})
        ),
        st.integers(1, 400).map(
            lambda n: ("imageFreshnessCheck", {"maxUploadAgeDays": n})
        ),
        _vulnerability().map(lambda v: ("vulnerabilityCheck", v)),
        _simple_signing().map(lambda v: ("simpleSigningAttestationCheck", v)),
        _slsa().map(lambda v: ("slsaCheck", v)),
        _sigstore().map(lambda v: ("sigstoreSignatureCheck", v)),
    )
    return st.builds(
        lambda kv, name, allow: {kv[0]: kv[1], **name, **allow},
        body,
        _opt("displayName", st.sampled_from(("check", "c2"))),
        _opt("imageAllowlist", _allowlist()),
    )


@functools.cache
def _check_set() -> st.SearchStrategy[dict[str, Any]]:
    """A check set without its scope (the caller adds it)."""
    return st.builds(
        lambda checks, name, allow: {
            **({"checks": checks} if checks else {}),
            **name,
            **allow,
        },
        st.lists(platform_checks(), max_size=2),
        _opt("displayName", st.sampled_from(("set", "prod"))),
        _opt("imageAllowlist", _allowlist()),
    )


@functools.cache
def _scopes() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Distinct scopes in a valid order: service accounts before namespaces."""
    accounts = st.lists(st.sampled_from(SERVICE_ACCOUNTS), max_size=1)
    spaces = st.lists(st.sampled_from(NAMESPACES), max_size=2, unique=True)
    return st.builds(
        lambda sa, ns: (
            [{"kubernetesServiceAccount": s} for s in sa]
            + [{"kubernetesNamespace": n} for n in ns]
        ),
        accounts,
        spaces,
    )


_NO_SETS = st.integers(0, 5).map(lambda n: n == 0)
_LAST_SCOPE: st.SearchStrategy[dict[str, Any] | None] = st.sampled_from((None, {}))


@st.composite
def _gke(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = draw(_opt("imageAllowlist", _allowlist()))
    if draw(_NO_SETS):
        return out  # no check sets: always allow
    scopes = draw(_scopes())
    sets = [{**draw(_check_set()), "scope": scope} for scope in scopes]
    last = draw(_LAST_SCOPE)
    sets.append({**draw(_check_set()), **({} if last is None else {"scope": last})})
    out["checkSets"] = sets
    return out


def _cloud_run() -> st.SearchStrategy[dict[str, Any]]:
    attestor = st.builds(
        lambda i, n: {
            "id": f"a{n}",
            "attestationNote": f"projects/gen/notes/n{n}",
            "publicKeys": [
                {
                    "id": f"gen://k/{i}",
                    "pkixPublicKey": {
                        "publicKeyPem": _pem(i),
                        "signatureAlgorithm": _ALGS[0],
                    },
                }
            ],
        },
        st.integers(0, _POOL - 1),
        st.integers(0, 9),
    )
    rule = st.one_of(
        st.sampled_from(("ALWAYS_ALLOW", "ALWAYS_DENY")).map(
            lambda m: {"evaluationMode": m}
        ),
        st.lists(attestor, min_size=1, max_size=2, unique_by=lambda a: a["id"]).map(
            lambda a: {"evaluationMode": "REQUIRE_ATTESTATION", "requiredAttestors": a}
        ),
    )
    enforcement = st.sampled_from(
        ("ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY")
    )
    return st.builds(
        lambda r, e, allow: {"rule": {**r, "enforcementMode": e}, **allow},
        rule,
        enforcement,
        _opt(
            "allowlistPatterns",
            st.lists(patterns(), min_size=1, max_size=2).map(
                lambda p: [{"namePattern": x} for x in p]
            ),
        ),
    )


def platform_policies(*, cloud_run: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``PlatformPolicy`` documents: mostly GKE, sometimes Cloud Run."""
    gke = _gke().map(lambda g: {"gkePolicy": g})
    body = (
        st.one_of(gke, _cloud_run().map(lambda c: {"cloudRunPolicy": c}))
        if cloud_run
        else gke
    )
    return st.builds(
        lambda b, desc: {**b, **desc},
        body,
        _opt("description", st.sampled_from(("generated", ""))),
    )
