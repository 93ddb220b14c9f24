"""Property: CV of a snapshot equals ``review`` of each of its workloads.

For any snapshot of Pods and Deployments (images attested or not, namespaces
and service accounts that select namespace, service-account and dry-run
rules, breakglass or not), ``cv`` says a workload violates exactly when
``review`` of that workload says the policy's verdict is a denial
(``verdictAllowed: false``: before dry-run and breakglass, which CV ignores).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.cli.main import main

from .conftest import NOW, CliWorld

IMAGES = ("gcr.io/shop/api@sha256:" + c * 64 for c in "cde")
IMAGE = st.sampled_from(tuple(IMAGES))
RULE = {"enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}


def _workload(
    kind: str, name: str, ns: str, sa: str, images: list[str], bg: bool
) -> dict[str, Any]:
    spec = {
        "serviceAccountName": sa,
        "containers": [{"name": f"c{i}", "image": im} for i, im in enumerate(images)],
    }
    labels = {"image-policy.k8s.io/break-glass": "true"} if bg else {}
    if kind == "Pod":
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": spec,
            "status": {"phase": "Running"},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name, **labels}}, "spec": spec},
        },
    }


WORKLOADS = st.lists(
    st.tuples(
        st.sampled_from(("Pod", "Deployment")),
        st.sampled_from(("shop", "open", "dry")),
        st.sampled_from(("default", "deployer")),
        st.lists(IMAGE, min_size=1, max_size=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    return code, out.out


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=WORKLOADS, by_namespace=st.booleans())
def test_cv_verdict_per_workload_equals_review(
    cli_world: CliWorld,
    capsys: pytest.CaptureFixture[str],
    specs: list[Any],
    by_namespace: bool,
) -> None:
    dry = {
        "evaluationMode": "REQUIRE_ATTESTATION",
        "requireAttestationsBy": ["projects/shop/attestors/qa"],
        "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY",
    }
    if by_namespace:  # a policy has one map of specific rules at most
        cli_world.policy(
            kubernetesNamespaceAdmissionRules={
                "open": {"evaluationMode": "ALWAYS_ALLOW", **RULE},
                "dry": dry,
            }
        )
    else:
        cli_world.policy(
            kubernetesServiceAccountAdmissionRules={
                "shop:deployer": {"evaluationMode": "ALWAYS_DENY", **RULE},
                "dry:default": dry,
            }
        )
    objects = [
        _workload(kind, f"w{i}", ns, sa, images, bg)
        for i, (kind, ns, sa, images, bg) in enumerate(specs)
    ]
    snapshot = cli_world.write(
        "snap.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})
    )
    world = [
        "--policy", cli_world.path("policy.yaml"),
        "--attestors", cli_world.path("attestors.yaml"),
        "--occurrences", cli_world.path("occurrences.json"),
        "--now", NOW,
    ]  # fmt: skip
    summary = cli_world.path("summary.json")
    cv_code, cv_out = _run(["cv", snapshot, *world, "--summary", summary], capsys)
    violating_pods = {
        json.loads(line)["jsonPayload"]["podEvent"]["pod"]
        for line in cv_out.splitlines()
    }
    counts = json.loads(Path(summary).read_text())
    review_code, review_out = _run(["review", snapshot, *world], capsys)
    reviewed = json.loads(review_out)
    reviewed = reviewed if isinstance(reviewed, list) else [reviewed]
    denied = {
        (r["object"]["kind"], r["object"]["name"])
        for r in reviewed
        if not r["verdictAllowed"]
    }
    assert violating_pods == {name for kind, name in denied if kind == "Pod"}
    assert counts["podTemplates"]["violates"] == sum(
        1 for kind, _ in denied if kind == "Deployment"
    )
    assert cv_code == (1 if denied else 0)
    assert review_code in (0, 1)
