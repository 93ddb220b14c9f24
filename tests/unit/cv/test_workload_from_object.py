"""Property: reading an object straight (``workload_from_object``, what
``cv`` does for every snapshot item) gives what ``review`` gets from the
CREATE AdmissionReview it wraps the object in: the same workload, or the
same error with the same message and field path."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.admission.review import parse_admission_review
from kritis_sim.admission.review_inputs import as_admission_review, workload_from_object
from kritis_sim.admission.workloads import workload_from_admission
from kritis_sim.errors import InputError

from .conftest import FIXTURES

ITEMS = json.loads((FIXTURES / "snapshot.json").read_text())["items"]
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 2)
    | st.sampled_from(("", "shop", "Web_1", "web-", "gcr.io/p/a:1", "true", "x" * 70)),
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(
            st.sampled_from(("name", "image", "reference", "spec", "metadata")),
            inner,
            max_size=2,
        )
    ),
    max_leaves=5,
)
WHERE = st.sampled_from(
    (
        (),
        ("metadata",),
        ("spec",),
        ("spec", "template"),
        ("spec", "template", "metadata"),
        ("spec", "template", "spec"),
        ("spec", "jobTemplate"),
        ("spec", "containers", 0),
    )
)
KEYS = st.sampled_from(
    (
        "name", "namespace", "generateName", "labels", "annotations", "metadata",
        "containers", "initContainers", "ephemeralContainers", "volumes", "image",
        "serviceAccountName", "serviceAccount", "template", "spec", "jobTemplate",
        "apiVersion",
    )
)  # fmt: skip
API_VERSIONS = st.sampled_from(("v1", "apps/v1", "batch/v1", "apps/", "/v1", "a/b/c"))


def _slow(obj: dict[str, Any], namespace: str) -> Any:
    return workload_from_admission(
        parse_admission_review(as_admission_review(obj, namespace))
    )


def _outcome(read: Any, obj: dict[str, Any], namespace: str) -> Any:
    try:
        return read(obj, namespace)
    except InputError as exc:
        return type(exc).__name__, exc.message, exc.path


@given(
    index=st.integers(0, len(ITEMS) - 1),
    where=WHERE,
    key=KEYS,
    value=VALUES | API_VERSIONS,
    namespace=st.sampled_from(("default", "other", "Bad_NS")),
)
def test_reading_an_object_straight_equals_reading_its_review(
    index: int, where: tuple[Any, ...], key: str, value: Any, namespace: str
) -> None:
    obj = copy.deepcopy(ITEMS[index])
    node: Any = obj
    for step in where:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and node:
            node = node[0]
        else:
            node = None
    if isinstance(node, dict):
        node[key] = value
    if not isinstance(obj.get("apiVersion"), str):
        return  # callers check it first (a ManifestError naming the field)
    assert _outcome(workload_from_object, obj, namespace) == _outcome(
        _slow, obj, namespace
    )


def test_the_fixture_snapshot_reads_the_same_both_ways() -> None:
    for obj in ITEMS:
        for namespace in ("default", "elsewhere"):
            assert workload_from_object(obj, namespace) == _slow(obj, namespace)
