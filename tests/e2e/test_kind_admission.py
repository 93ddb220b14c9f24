"""The webhook in a real kind cluster: what the API server admits and refuses.

Each workload goes through a server-side dry run and a real creation (deleted
again when admitted); both answers must agree. Run with ``--with-e2e``.
"""

from __future__ import annotations

import pytest

from kritis_sim.admission.workloads import BREAKGLASS_LABEL
from kritis_sim.harness.kind import KindHarness

from .conftest import ATTESTED, TAG_ONLY, UNATTESTED, WEBHOOK, deployment, pod

pytestmark = pytest.mark.e2e


def test_kind_attested_pod_admitted(kind_cluster: KindHarness) -> None:
    dry, real = kind_cluster.check(pod("attested", ATTESTED))
    assert dry.allowed, str(dry)
    assert real.allowed, str(real)
    assert "(server dry run)" in dry.message
    assert not dry.warnings


def test_kind_unattested_pod_denied_with_reason(kind_cluster: KindHarness) -> None:
    for answer in kind_cluster.check(pod("unattested", UNATTESTED)):
        assert not answer.allowed, str(answer)
        assert answer.webhook == WEBHOOK
        assert UNATTESTED in answer.message
        assert "projects/e2e/attestors/qa" in answer.message
        assert "0 of 1 required attestors satisfied" in answer.message


def test_kind_tag_only_pod_denied(kind_cluster: KindHarness) -> None:
    for answer in kind_cluster.check(pod("tag-only", TAG_ONLY)):
        assert not answer.allowed, str(answer)
        assert "deployed by tag" in answer.message


def test_kind_deployment_refused_at_creation(kind_cluster: KindHarness) -> None:
    for answer in kind_cluster.check(deployment("shop-api", UNATTESTED)):
        assert not answer.allowed, str(answer)
        assert answer.message.startswith("Deployment shop-api: ")
        assert "(its Pods would be denied as well)" in answer.message


def test_kind_breakglass_pod_admitted(kind_cluster: KindHarness) -> None:
    labels = {BREAKGLASS_LABEL: "true"}
    for answer in kind_cluster.check(pod("hotfix", UNATTESTED, **labels)):
        assert answer.allowed, str(answer)
        assert any(w.startswith("breakglass") for w in answer.warnings), answer
