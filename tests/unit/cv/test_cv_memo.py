"""One CV pass judges each distinct (images, namespace, service account)
once, and keeps workloads that differ in any of them apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kritis_sim.cli.target import TargetSettings
from kritis_sim.core.source import InMemorySource
from kritis_sim.cv.entries import Cluster
from kritis_sim.cv.inputs import Inputs, snapshot_items
from kritis_sim.cv.items import CvItem
from kritis_sim.cv.judge import ClassicJudge
from kritis_sim.cv.validate import validate
from kritis_sim.model.policy import load_policy

NOW = datetime(2026, 11, 26, tzinfo=UTC)
IMAGE = "gcr.io/shop/web@sha256:" + "a" * 64


def _pod(name: str, namespace: str, account: str, image: str = IMAGE) -> Any:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "serviceAccountName": account,
            "containers": [{"name": "web", "image": image}],
        },
    }


def test_equal_keys_are_judged_once_and_others_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = load_policy(
        json.dumps(
            {
                "defaultAdmissionRule": {
                    "evaluationMode": "ALWAYS_ALLOW",
                    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                },
                "kubernetesServiceAccountAdmissionRules": {
                    "shop:deployer": {
                        "evaluationMode": "ALWAYS_DENY",
                        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                    }
                },
            }
        )
    )
    judge = ClassicJudge(policy, [], InMemorySource([]), TargetSettings(None, None))
    calls: list[tuple[str, ...]] = []
    real = judge.core.judge

    def counting(images: Any, target: Any, *args: Any, **kw: Any) -> Any:
        calls.append(tuple(images))
        return real(images, target, *args, **kw)

    monkeypatch.setattr(judge.core, "judge", counting)
    pods = [
        _pod("a", "shop", "web"),
        _pod("b", "shop", "web"),
        _pod("c", "shop", "web"),
        _pod("d", "shop", "deployer"),  # another service account: denied
        _pod("e", "other", "deployer"),  # another namespace: allowed
        _pod("f", "shop", "web", IMAGE.replace("web", "api")),  # another image
    ]
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": pods})
    items = [
        i for i in snapshot_items(text, "s.json", "default") if isinstance(i, CvItem)
    ]
    report = validate(
        Inputs(items=items), judge, cluster=Cluster.parse(None, None), now=NOW
    )
    assert len(calls) == 4
    assert [r.status for r in report.pods] == [
        "conforms", "conforms", "conforms", "violates", "conforms", "conforms",
    ]  # fmt: skip
    assert [e["jsonPayload"]["podEvent"]["pod"] for e in report.entries] == ["d"]
