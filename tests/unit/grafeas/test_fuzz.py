"""Hypothesis fuzzing of every emulator endpoint (issue 10.6 / 10 fuzz item).

For each route: bodies that are valid resources mutated at random (values
replaced by any JSON, keys dropped, unknown or snake_case keys added), then
encoded plainly, with raw surrogate bytes, a BOM, UTF-16, truncated, spliced
with poison tokens (``\\ud800``, ``NaN``, ``1e999``, NUL, ``\\xff``), nested
past the limit, or random bytes; random query parameters (``updateMask``,
``pageSize``, ``pageToken``, ``filter``, ids), raw invalid UTF-8 in the query
and odd path ids. Every reply must be below 500, a 4xx must have Google's
exact error shape with a one-line message and leave the store's full listing
unchanged, a 2xx must leave every listing readable, and each request must be
answered within a bound.

Examples per endpoint scale with the Hypothesis profile: a tenth of its
``max_examples`` (dev 4, ci 10, thorough 200); the 34 endpoints together run
340 examples under ``ci``. For a deep run: ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.store import Collection, Record, Scan
from kritis_sim.model.attestor import SignatureAlgorithm
from tests.unit.grafeas.conftest import NOTE, Api, occurrence
from tests.unit.grafeas.test_rich_occurrences import BUILD_V1, DISC, VULN

URI = "https://gcr.io/p/img@sha256:" + "a" * 64
OCC = "o1"
POLICY = {
    "defaultAdmissionRule": {
        "evaluationMode": "REQUIRE_ATTESTATION",
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
        "requireAttestationsBy": ["projects/p/attestors/a"],
    },
    "globalPolicyEvaluationMode": "ENABLE",
}
ATTESTOR = {
    "userOwnedGrafeasNote": {
        "noteReference": "projects/p/notes/n",
        "publicKeys": [
            {
                "pkixPublicKey": {
                    "publicKeyPem": public_key_pem(
                        generate_private_key(SignatureAlgorithm.ECDSA_P256_SHA256)
                    ),
                    "signatureAlgorithm": "ECDSA_P256_SHA256",
                },
            }
        ],
    },
    "description": "d",
}
PLATFORM_POLICY = {
    "gkePolicy": {
        "checkSets": [
            {
                "scope": {"kubernetesNamespace": "prod"},
                "checks": [
                    {
                        "vulnerabilityCheck": {
                            "maximumFixableSeverity": "MEDIUM",
                            "maximumUnfixableSeverity": "HIGH",
                        }
                    }
                ],
            },
            {
                "checks": [
                    {"trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/p/*"]}}
                ]
            },
        ]
    }
}
EVALUATE = {
    "resource": {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "app", "namespace": "prod"},
        "spec": {"serviceAccountName": "sa", "containers": [{"image": URI[8:]}]},
    }
}
VALIDATE = {
    "attestation": occurrence(URI)["attestation"],
    "occurrenceNote": "projects/p/notes/n",
    "occurrenceResourceUri": URI,
}

# (id, method, path template, query parameter names, base body or None)
ENDPOINTS: list[tuple[str, str, str, tuple[str, ...], Any]] = [
    ("notes.create", "POST", "projects/{project}/notes", ("noteId",), NOTE),
    ("notes.get", "GET", "projects/{project}/notes/{note}", (), None),
    ("notes.list", "GET", "projects/{project}/notes",
     ("filter", "pageSize", "pageToken"), None),
    ("notes.patch", "PATCH", "projects/{project}/notes/{note}", ("updateMask",),
     NOTE),
    ("notes.delete", "DELETE", "projects/{project}/notes/{note}", (), None),
    ("notes.batchCreate", "POST", "projects/{project}/notes:batchCreate", (),
     {"notes": {"b1": NOTE, "b2": NOTE}}),
    ("notes.occurrences", "GET", "projects/{project}/notes/{note}/occurrences",
     ("filter", "pageSize", "pageToken"), None),
    ("occurrences.create", "POST", "projects/{project}/occurrences", (),
     occurrence(URI)),
    ("occurrences.create.vulnerability", "POST", "projects/{project}/occurrences",
     (), VULN),
    ("occurrences.create.discovery", "POST", "projects/{project}/occurrences", (),
     DISC),
    ("occurrences.create.build", "POST", "projects/{project}/occurrences", (),
     {**BUILD_V1, "envelope": {"payload": "e30=", "payloadType": "t",
                               "signatures": [{"sig": "AAAA", "keyid": "k"}]}}),
    ("occurrences.get", "GET", "projects/{project}/occurrences/{occ}", (), None),
    ("occurrences.list", "GET", "projects/{project}/occurrences",
     ("filter", "pageSize", "pageToken"), None),
    ("occurrences.patch", "PATCH", "projects/{project}/occurrences/{occ}",
     ("updateMask",), occurrence(URI)),
    ("occurrences.delete", "DELETE", "projects/{project}/occurrences/{occ}", (),
     None),
    ("occurrences.batchCreate", "POST", "projects/{project}/occurrences:batchCreate",
     (), {"occurrences": [occurrence(URI), occurrence(URI)]}),
    ("occurrences.notes", "GET", "projects/{project}/occurrences/{occ}/notes", (),
     None),
    ("notes.locations.create", "POST",
     "projects/{project}/locations/{location}/notes", ("noteId",), NOTE),
    ("policy.get", "GET", "projects/{project}/policy", (), None),
    ("policy.put", "PUT", "projects/{project}/policy", (), POLICY),
    ("systempolicy.get", "GET", "locations/{location}/policy", (), None),
    ("attestors.create", "POST", "projects/{project}/attestors", ("attestorId",),
     ATTESTOR),
    ("attestors.get", "GET", "projects/{project}/attestors/{attestor}", (), None),
    ("attestors.list", "GET", "projects/{project}/attestors",
     ("pageSize", "pageToken"), None),
    ("attestors.update", "PUT", "projects/{project}/attestors/{attestor}", (),
     ATTESTOR),
    ("attestors.delete", "DELETE", "projects/{project}/attestors/{attestor}", (),
     None),
    ("attestors.validate", "POST",
     "projects/{project}/attestors/{attestor}:validateAttestationOccurrence", (),
     VALIDATE),
    ("platforms.list", "GET", "projects/{project}/platforms",
     ("pageSize", "pageToken"), None),
    ("platformPolicies.create", "POST",
     "projects/{project}/platforms/{platform}/policies", ("policyId",),
     PLATFORM_POLICY),
    ("platformPolicies.get", "GET",
     "projects/{project}/platforms/{platform}/policies/{policy}", (), None),
    ("platformPolicies.list", "GET", "projects/{project}/platforms/{platform}/policies",
     ("pageSize", "pageToken"), None),
    ("platformPolicies.replace", "PUT",
     "projects/{project}/platforms/{platform}/policies/{policy}", (),
     PLATFORM_POLICY),
    ("platformPolicies.delete", "DELETE",
     "projects/{project}/platforms/{platform}/policies/{policy}", ("etag",), None),
    ("platformPolicies.evaluate", "POST",
     "projects/{project}/platforms/gke/policies/{policy}:evaluate", (), EVALUATE),
]  # fmt: skip

#: Longest a single in-process request may take (generous: 2 shared cores).
BOUND_S = 2.0
EXAMPLES = max(4, settings().max_examples // 10)

# --- strategies ------------------------------------------------------------------

_ANY_CHAR = st.characters() | st.characters(categories=["Cs"])  # with surrogates
TEXT = st.text(_ANY_CHAR, max_size=6) | st.sampled_from(
    ["", "projects/p/notes/n", "ATTESTATION", "7", "e30=", "!!", URI, "projects/..",
     "\ud800", "a\x00b", "\ufeff", "x" * 300]
)  # fmt: skip
KEYS = TEXT | st.sampled_from(
    ["name", "kind", "attestation", "build", "resourceUri", "resource_uri",
     "noteName", "note_name", "signatures", "publicKeyId", "etag", "bogus",
     "requireAttestationsBy", "evaluationMode", "publicKeys", "id"]
)  # fmt: skip
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda kids: st.lists(kids, max_size=2) | st.dictionaries(KEYS, kids, max_size=2),
    max_leaves=4,
)
POISON = [b"\\ud800", b"\\udfff", b"NaN", b"1e999", b"\x00", b"\xff", b"\xed\xa0\x80",
          b"\xef\xbb\xbf", b"[" * 200, b'"', b"}"]  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with up to two random edits."""
    value = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(list(_paths(value))))
        if not path:
            value = draw(JSON)
            continue
        parent = value
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(KEYS)] = draw(JSON)
        else:
            parent.append(draw(JSON))
    return value


@st.composite
def bodies(draw: st.DrawFn, base: Any) -> bytes:
    value = draw(mutated(base))
    text = json.dumps(value)
    mode = draw(
        st.sampled_from(
            [
                "json",
                "json",
                "json",
                "raw",
                "bom",
                "utf16",
                "truncate",
                "splice",
                "deep",
                "bytes",
            ]
        )
    )
    if mode == "raw":
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if mode == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if mode == "utf16":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32"])))
    if mode == "truncate":
        return text.encode()[: draw(st.integers(0, len(text)))]
    if mode == "splice":
        raw = text.encode()
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from(POISON)) + raw[at:]
    if mode == "deep":
        depth = draw(st.integers(90, 3000))
        return b'{"attestation": ' + b"[" * depth + b"]" * depth + b"}"
    if mode == "bytes":
        return draw(st.binary(max_size=64))
    return text.encode()


def _segment(common: list[str]) -> st.SearchStrategy[str]:
    odd = st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)
    raw = st.sampled_from(["%FF", "%ED%A0%80", "%2F", "..", "%00"])
    usual = st.sampled_from(common)
    return st.one_of(
        usual, usual, usual, odd.map(lambda s: urllib.parse.quote(s, safe="")), raw
    )


SEGMENTS = {
    "project": _segment(["p", "q", "P", "a" * 31, "my_proj", "example.com:p", "123"]),
    "location": _segment(["global", "us-central1", "US"]),
    "note": _segment(["n", "missing", "a.b", "-x"]),
    "occ": _segment([OCC, "missing"]),
    "attestor": _segment(["a", "missing"]),
    "platform": _segment(["gke", "cloudRun", "aws"]),
    "policy": _segment(["pp", "missing", "a.b"]),
}
QUERY_VALUES = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["0", "-1", "1001", "abc", "bogus", "attestation.bogus", "name", "a,,b",
     'resourceUrl="x" OR kind="BUILD"', 'kind="NOPE"', "has_suffix(x, 1)"]
)  # fmt: skip


@st.composite
def queries(draw: st.DrawFn, names: tuple[str, ...]) -> bytes:
    pool = [*names, "updateMask", "pageSize", "alt", "bogus"]
    chosen = draw(st.lists(st.sampled_from(pool), max_size=3))
    pairs = []
    for name in chosen:
        value = draw(QUERY_VALUES)
        pairs.append((name, value))
    query = urllib.parse.urlencode(pairs)
    if draw(st.integers(0, 3)) == 0:
        query += draw(st.sampled_from(["&x=%FF", "&filter=%ED%A0%80", "&%C3"]))
    return query.encode()


# --- the test ----------------------------------------------------------------------


_SEED: list[tuple[Collection, Record]] = []


def _seeded_store() -> MemoryStore:
    """A note, an occurrence, an attestor and a policy (copied from ``_SEED``)."""
    store = MemoryStore()
    for collection, record in _SEED:
        store.insert(collection, [record])
    return store


def _seed() -> None:
    api = Api(MemoryStore())
    try:
        for method, url, body in [
            ("POST", "/v1/projects/p/notes?noteId=n", NOTE),
            ("POST", "/v1/projects/p/attestors?attestorId=a", ATTESTOR),
            ("PUT", "/v1/projects/p/policy", POLICY),
            (
                "POST",
                "/v1/projects/p/platforms/gke/policies?policyId=pp",
                PLATFORM_POLICY,
            ),
        ]:
            assert api.request(method, url, json=body).status_code == 200
        occ = {**occurrence(URI), "kind": "ATTESTATION",
               "name": f"projects/p/occurrences/{OCC}"}  # fmt: skip
        api.store.insert("occurrences", [Record.for_occurrence("projects/p", occ)])
        collections: tuple[Collection, ...] = (
            "notes", "occurrences", "attestors", "policies", "platformPolicies"
        )  # fmt: skip
        for collection in collections:
            for data in api.store.list_all(collection, Scan()):
                depth = 4 if collection == "platformPolicies" else 2
                parent = "/".join(data["name"].split("/")[:depth])
                record = (
                    Record.for_occurrence(parent, data)
                    if collection == "occurrences"
                    else Record(name=data["name"], parent=parent, data=data)
                )
                _SEED.append((collection, record))
    finally:
        api.close()


def _snapshot(store: MemoryStore) -> str:
    collections: tuple[Collection, ...] = (
        "notes", "occurrences", "attestors", "policies", "platformPolicies"
    )  # fmt: skip
    return json.dumps(
        [list(store.list_all(c, Scan())) for c in collections], sort_keys=True
    )


@pytest.fixture(scope="module")
def fuzz_api() -> Iterator[Api]:
    if not _SEED:
        _seed()
    api = Api(_seeded_store())
    yield api
    api.close()


def _check(api: Api, method: str, url: httpx.URL, body: bytes | None) -> None:
    store = api.app.state.emulator.store
    before = _snapshot(store)
    start = time.perf_counter()
    reply = api.request(method, url, content=body)
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_S, f"{method} {url} took {elapsed:.2f} s"
    assert reply.status_code < 500, (method, url, body, reply.text)
    assert not 300 <= reply.status_code < 400, (method, url, reply.headers)
    event(f"status {reply.status_code}")
    data = reply.json()
    if reply.status_code >= 400:
        assert set(data) == {"error"}, data
        error = data["error"]
        assert set(error) == {"code", "message", "status"}, data
        assert error["code"] == reply.status_code
        assert isinstance(error["status"], str) and error["status"].isupper()
        message = error["message"]
        assert message and "\n" not in message and "Traceback" not in message
        assert _snapshot(store) == before, (method, url, body, reply.text)
    elif method != "GET":
        for listing in ("notes", "occurrences", "attestors", "policy"):
            again = api.get(f"/v1/projects/p/{listing}")
            assert again.status_code == 200, (method, url, body, again.text)


_VALID_IDS = {"project": "p", "location": "global", "note": "n", "occ": OCC,
              "attestor": "a", "platform": "gke", "policy": "pp"}  # fmt: skip


@st.composite
def requests(
    draw: st.DrawFn, template: str, params: tuple[str, ...], base: Any
) -> tuple[httpx.URL, bytes | None]:
    """One fuzzed request (URL and body) for an endpoint.

    Each example fuzzes mainly one part (the body, the query or the path ids)
    and keeps the others usual, so the fuzzed part reaches its own checks.
    """
    parts = ["path", "query"] + (["body", "body", "body"] if base is not None else [])
    focus = draw(st.sampled_from(parts))
    ids = {
        k: draw(v) if focus == "path" else _VALID_IDS[k]
        for k, v in SEGMENTS.items()
        if "{" + k + "}" in template
    }
    usual = "&".join(f"{k}=new" for k in params if k.endswith("Id")).encode()
    query = draw(queries(params)) if focus == "query" else usual
    url = httpx.URL("http://emulator/v1/" + template.format(**ids), query=query)
    if base is None:
        return url, None
    body = draw(bodies(base)) if focus == "body" else json.dumps(base).encode()
    return url, body


@pytest.mark.parametrize(
    ("method", "template", "params", "base"),
    [pytest.param(*e[1:], id=e[0]) for e in ENDPOINTS],
)
def test_endpoint_never_500s_and_a_4xx_changes_nothing(
    fuzz_api: Api, method: str, template: str, params: tuple[str, ...], base: Any
) -> None:
    @settings(
        max_examples=EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests(template, params, base))
    def run(request: tuple[httpx.URL, bytes | None]) -> None:
        fuzz_api.app.state.emulator.store = store = _seeded_store()
        try:
            _check(fuzz_api, method, *request)
        finally:
            store.close()

    run()
