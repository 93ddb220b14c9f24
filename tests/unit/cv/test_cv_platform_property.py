"""Property: CV of a snapshot under a platform policy equals
``evaluate_platform_policy`` of each of its Pods.

For generated platform policies, stores (vulnerabilities, scans, attestations,
signed provenance) and snapshots of running Pods (namespaces and service
accounts that select scoped check sets, breakglass or not), a Pod's CV status is
``violates`` exactly when its evaluation is NON_CONFORMANT, ``error`` exactly
when it is ERROR, and only those Pods get a ``podEvent``, listing exactly the
images that are not CONFORMANT (as DENY; an ERROR Pod also shows its ALLOW
images) with one ``checkResults`` entry per check that did not pass.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.cli.target import TargetSettings
from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.cv.entries import Cluster
from kritis_sim.cv.inputs import read_inputs
from kritis_sim.cv.judge import PlatformJudge
from kritis_sim.cv.validate import validate
from kritis_sim.model.platform.results import Verdict
from kritis_sim.strategies import TIME
from tests.unit.core.test_platform_check_properties import _ROOTS, _worlds

_STATUS = {
    Verdict.CONFORMANT: "conforms",
    Verdict.NON_CONFORMANT: "violates",
    Verdict.ERROR: "error",
}


def _pod(name: str, ns: str, sa: str, images: list[str], bg: bool) -> dict[str, Any]:
    labels = {"image-policy.k8s.io/break-glass": "true"} if bg else {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "serviceAccountName": sa,
            "containers": [
                {"name": f"c{i}", "image": image} for i, image in enumerate(images)
            ],
        },
        "status": {"phase": "Running"},
    }


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(
    _worlds(),
    st.lists(
        st.tuples(
            st.sampled_from(("team-a", "team-b", "other")),
            st.sampled_from(("deployer", "default")),
            st.booleans(),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_cv_of_a_snapshot_equals_evaluate_per_pod(
    world: tuple[Any, dict[str, Any], list[Any]],
    pods: list[tuple[str, str, bool]],
) -> None:
    policy, workload, store = world
    images = workload["images"]
    items = [_pod(f"p{i}", ns, sa, images, bg) for i, (ns, sa, bg) in enumerate(pods)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        path.write_text(
            json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
        )
        inputs = read_inputs([str(path)])
    source = InMemoryPlatformOccurrences(store)
    judge = PlatformJudge(
        policy, source, TargetSettings(None, None), trusted_builders=_ROOTS
    )
    report = validate(inputs, judge, cluster=Cluster(None, None, None), now=TIME)
    events = {
        e["jsonPayload"]["podEvent"]["pod"]: e["jsonPayload"]["podEvent"]
        for e in report.entries
        if "podEvent" in e["jsonPayload"]
    }
    assert len(report.pods) == len(pods)
    for result, (ns, sa, _) in zip(report.pods, pods, strict=True):
        expected = evaluate_platform_policy(
            policy, images, namespace=ns, service_account=sa, now=TIME,
            occurrences=source, trusted_builders=_ROOTS,
        ).results[0]  # fmt: skip
        assert result.status == _STATUS[expected.verdict]
        name = result.item.workload.name
        if expected.verdict is Verdict.CONFORMANT:
            assert name not in events
            continue
        logged = events[name]["images"]
        bad = [r for r in expected.image_results if r.verdict is not Verdict.CONFORMANT]
        if expected.verdict is Verdict.ERROR:  # unevaluable: every image is shown
            assert events[name]["verdict"] == "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED"
            logged = [i for i in logged if i["result"] == "DENY"]
        else:
            assert events[name]["verdict"] == "VIOLATES_POLICY"
        assert [i["image"] for i in logged] == [r.image_uri for r in bad]
        for entry, image in zip(logged, bad, strict=True):
            checks = (
                image.check_set_result.check_results if image.check_set_result else ()
            )
            failing = [c for c in checks if c.verdict is not Verdict.CONFORMANT]
            assert len(entry.get("checkResults", ())) == len(failing)
