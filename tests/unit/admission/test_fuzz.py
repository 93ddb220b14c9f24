"""Random bodies to /validate and /imagereview: a 4xx or a valid review reply,
never a 5xx, never a traceback, in bounded time."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Scenario, call, fixture

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        ("Pod", "pod", "v1", "apps/v1", "core/v1", "UPDATE", "CREATE", "Shop", "")
    ),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=20,
)
_PATHS = st.lists(
    st.sampled_from(
        ("request", "object", "oldObject", "metadata", "spec", "template",
         "containers", "kind", "namespace", "name", "image", "labels", "0",
         "operation", "subResource", "volumes", "version", "group")
    ),
    min_size=1,
    max_size=5,
)  # fmt: skip


def _mutate(doc: Any, path: list[str], value: Any) -> Any:
    """Put ``value`` at ``path`` (as far as the document's shape allows)."""
    doc = copy.deepcopy(doc)
    node = doc
    for step in path[:-1]:
        child = node.get(step) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            break
        node = child
    if isinstance(node, dict):
        node[path[-1]] = value
    return doc


_SEEDS = {
    "/validate": [
        fixture("pod-create-v1.json"),
        fixture("deployment-create-v1.json"),
        fixture("pod-ephemeralcontainers-update-v1.json"),
    ],
    "/imagereview": [fixture("imagereview-v1alpha1.json")],
}
_BODIES = st.one_of(
    st.binary(max_size=64),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.tuples(st.sampled_from((0, 1, 2)), _PATHS, _JSON),
)


def _check(path: str, status: int, body: bytes) -> None:
    assert status < 500, body
    assert b"Traceback" not in body
    data = json.loads(body)
    if status != 200:
        assert 400 <= status < 500 and isinstance(data["error"], str)
        return
    if path == "/validate":
        assert data["kind"] == "AdmissionReview"
        assert isinstance(data["response"]["allowed"], bool)
        assert isinstance(data["response"]["uid"], str)
    else:
        assert data["kind"] == "ImageReview"
        assert isinstance(data["status"]["allowed"], bool)


def test_fuzz_endpoints_answer_4xx_or_a_review(make_app: Any) -> None:
    app = make_app(Scenario().config())

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(path=st.sampled_from(sorted(_SEEDS)), body=_BODIES)
    def check(path: str, body: Any) -> None:
        if isinstance(body, tuple):
            seeds = _SEEDS[path]
            index, where, value = body
            body = json.dumps(_mutate(seeds[index % len(seeds)], where, value))
            body = body.encode()
        started = time.monotonic()
        reply = call(app, path, raw=body)
        assert time.monotonic() - started < 5.0
        _check(path, reply.status_code, reply.content)

    check()
