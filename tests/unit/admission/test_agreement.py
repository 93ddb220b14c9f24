"""Property: the webhook says exactly what the pure decision says.

Small random worlds (policy rules, enforcement modes, images, which attestors
signed which image, breakglass) go both to :func:`kritis_sim.core.decide.decide`
directly and through the webhook (AdmissionReview and ImageReview,
in-process). The verdict, the per-image verdicts in the audit log and the audit
annotations must agree.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.webhook import WebhookConfig
from kritis_sim.core.decide import decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import AUDIT_PREFIX
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy

from .conftest import DRYRUN, ENFORCE, NOW, Scenario

ATTESTORS = ("qa", "build", "sec")
DIGEST_IMAGES = tuple(f"gcr.io/p/app{i}@sha256:{str(i) * 64}" for i in range(1, 4))
OTHER_IMAGES = ("gcr.io/p/app1:v1", "Not A Valid::image", "registry.k8s.io/pause:3.9")


@cache
def world() -> Scenario:
    scenario = Scenario()
    scenario.add_attestor("sec")
    return scenario


@cache
def attestation(image: str, short: str) -> AttestationOccurrence:
    scenario = Scenario(attestors=dict(world().attestors))
    scenario.occurrences.clear()
    scenario.attest(image, short)
    return scenario.occurrences[-1]


def rules() -> st.SearchStrategy[dict[str, Any]]:
    require = st.builds(
        lambda names, mode: {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": mode,
            "requireAttestationsBy": [f"projects/p/attestors/{n}" for n in names],
        },
        st.lists(st.sampled_from(ATTESTORS), min_size=1, max_size=3, unique=True),
        st.sampled_from([ENFORCE, DRYRUN]),
    )
    simple = st.builds(
        lambda ev, mode: {"evaluationMode": ev, "enforcementMode": mode},
        st.sampled_from(["ALWAYS_ALLOW", "ALWAYS_DENY"]),
        st.sampled_from([ENFORCE, DRYRUN]),
    )
    return st.one_of(require, simple)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    policy: dict[str, Any] = {"defaultAdmissionRule": draw(rules())}
    if draw(st.booleans()):
        policy["kubernetesNamespaceAdmissionRules"] = {"prod": draw(rules())}
    if draw(st.booleans()):
        policy["admissionWhitelistPatterns"] = [{"namePattern": "gcr.io/p/app3@*"}]
    if draw(st.booleans()):
        policy["globalPolicyEvaluationMode"] = "ENABLE"
    images = draw(
        st.lists(st.sampled_from(DIGEST_IMAGES + OTHER_IMAGES), min_size=1, max_size=4)
    )
    signed = draw(
        st.sets(st.tuples(st.sampled_from(DIGEST_IMAGES), st.sampled_from(ATTESTORS)))
    )
    return {
        "policy": policy,
        "images": images,
        "signed": sorted(signed),
        "namespace": draw(st.sampled_from(["prod", "dev"])),
        "breakglass": draw(st.booleans()),
        "endpoint": draw(st.sampled_from(["/validate", "/imagereview"])),
    }


class _Holder:
    """Provider and source whose contents each example replaces."""

    def __init__(self) -> None:
        self.policy: Policy | None = None
        self.attestors: tuple[Attestor, ...] = ()
        self.source = InMemorySource()

    def __call__(self) -> tuple[Policy, Sequence[Attestor]]:
        assert self.policy is not None
        return self.policy, self.attestors

    def occurrences(self, resource_url: str, note_name: str) -> Any:
        return self.source.occurrences(resource_url, note_name)


def _body(case: dict[str, Any]) -> dict[str, Any]:
    if case["endpoint"] == "/imagereview":
        spec: dict[str, Any] = {
            "containers": [{"image": i} for i in case["images"]],
            "namespace": case["namespace"],
        }
        if case["breakglass"]:
            spec["annotations"] = {"alpha.image-policy.k8s.io/break-glass": "true"}
        return {
            "apiVersion": "imagepolicy.k8s.io/v1alpha1",
            "kind": "ImageReview",
            "spec": spec,
        }
    labels = {"image-policy.k8s.io/break-glass": "true"} if case["breakglass"] else {}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": case["namespace"], "labels": labels},
        "spec": {
            "containers": [
                {"name": f"c{i}", "image": im} for i, im in enumerate(case["images"])
            ]
        },
    }
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "prop-1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "namespace": case["namespace"],
            "operation": "CREATE",
            "object": pod,
        },
    }


async def _post(app: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://w") as client:
        reply = await client.post(path, json=body)
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data


def test_agreement_webhook_matches_pure_decision(make_app: Any) -> None:
    holder = _Holder()
    stream = io.StringIO()
    app = make_app(
        WebhookConfig(
            policy_provider=holder,
            source=holder,
            clock=lambda: NOW,
            cluster="us-east1-b.prod",
            audit_log=AuditLog(stream),
        )
    )

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=cases())
    def check(case: dict[str, Any]) -> None:
        holder.policy = Policy.from_dict(case["policy"])
        holder.attestors = tuple(world().attestors.values())
        holder.source = InMemorySource(attestation(i, a) for i, a in case["signed"])
        expected = decide(
            holder.policy,
            holder.attestors,
            holder.source,
            DeployTarget("us-east1-b.prod", case["namespace"]),
            case["images"],
            now=NOW,
            breakglass=case["breakglass"],
        )
        stream.seek(0)
        stream.truncate()
        reply = asyncio.run(_post(app, case["endpoint"], _body(case)))
        if case["endpoint"] == "/imagereview":
            allowed = reply["status"]["allowed"]
            annotations = reply["status"].get("auditAnnotations", {})
        else:
            allowed = reply["response"]["allowed"]
            annotations = reply["response"].get("auditAnnotations", {})
            if not allowed:
                assert expected.message in reply["response"]["status"]["message"]
        assert allowed is expected.allowed
        for key, value in expected.audit_annotations().items():
            assert annotations[key.removeprefix(AUDIT_PREFIX)] == value
        record = json.loads(stream.getvalue())
        assert record["allowed"] is expected.allowed
        assert record["breakglass"] is expected.breakglass
        assert record["dryRun"] is expected.dry_run
        assert [(i["image"], i["allowed"], i["reason"]) for i in record["images"]] == [
            (v.image, v.allowed, v.reason) for v in expected.images
        ]

    check()
