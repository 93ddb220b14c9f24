"""The webhook enforcing a GKE platform policy through the Enforcer's judge seam:
denials name the check set, the check and why and end with the deploy target;
dry-run and breakglass admit and record; store failures and slow stores fail
closed before the deadline, as for classic policies."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kritis_sim.admission.enforcer import StaticJudge
from kritis_sim.admission.webhook import WebhookConfig
from kritis_sim.core.judges import PlatformJudge
from kritis_sim.core.platform import InMemoryPlatformOccurrences
from kritis_sim.errors import GrafeasError
from kritis_sim.model.discovery import AnalysisStatus, DiscoveryOccurrence
from kritis_sim.model.envelope import OccurrenceHeader
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.vulnerability import Severity, VulnerabilityOccurrence

from .conftest import API, MIGRATE, PROXY, call, fixture

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CHECKS: list[dict[str, Any]] = [
    {
        "displayName": "shop dir",
        "trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/shop/*"]},
    },
    {
        "displayName": "no highs",
        "vulnerabilityCheck": {
            "maximumFixableSeverity": "MEDIUM",
            "maximumUnfixableSeverity": "MEDIUM",
        },
    },
]
POLICY = PlatformPolicy.from_dict(
    {
        "name": "projects/shop/platforms/gke/policies/prod",
        "gkePolicy": {
            "checkSets": [
                {
                    "displayName": "prod",
                    "scope": {"kubernetesNamespace": "prod"},
                    "checks": CHECKS,
                },
                {"checks": [{"alwaysDeny": True}]},
            ]
        },
    }
)
_ids = iter(range(10**9))


def _header(image: str, note: str) -> OccurrenceHeader:
    return OccurrenceHeader(
        "https://" + image, note, f"projects/shop/occurrences/o{next(_ids)}"
    )


def scanned(*images: str, cve_on: str | None = None) -> InMemoryPlatformOccurrences:
    store = InMemoryPlatformOccurrences()
    for image in images:
        store.add(
            DiscoveryOccurrence(
                header=_header(
                    image, "projects/goog-analysis/notes/PACKAGE_VULNERABILITY"
                ),
                analysis_status=AnalysisStatus("FINISHED_SUCCESS"),
            )
        )
    if cve_on is not None:
        store.add(
            VulnerabilityOccurrence(
                header=_header(cve_on, "projects/goog-vulnz/notes/CVE-2026-7"),
                severity=Severity("CRITICAL"),
                effective_severity=Severity("CRITICAL"),
                fix_available=True,
            )
        )
    return store


class SlowPlatformSource:
    """A platform store that takes ``delay`` seconds per read."""

    def __init__(self, inner: InMemoryPlatformOccurrences, delay: float) -> None:
        self.inner, self.delay = inner, delay

    def _slow(self, method: str, project: str, url: str) -> Sequence[Any]:
        time.sleep(self.delay)
        result: Sequence[Any] = getattr(self.inner, method)(project, url)
        return result

    def vulnerabilities(self, project: str, url: str) -> Sequence[Any]:
        return self._slow("vulnerabilities", project, url)

    def discoveries(self, project: str, url: str) -> Sequence[Any]:
        return self._slow("discoveries", project, url)

    def builds(self, project: str, url: str) -> Sequence[Any]:
        return self._slow("builds", project, url)

    def attestations(self, project: str, url: str) -> Sequence[Any]:
        return self._slow("attestations", project, url)


class BrokenPlatformSource(SlowPlatformSource):
    def _slow(self, method: str, project: str, url: str) -> Sequence[Any]:
        raise GrafeasError("503 UNAVAILABLE: backend down")


def config(source: Any, **kw: Any) -> WebhookConfig:
    return WebhookConfig(
        policy_provider=None,
        judge_provider=StaticJudge(
            PlatformJudge(POLICY, dry_run=kw.pop("dry_run", False))
        ),
        source=source,
        cluster="us-east1-b.prod",
        clock=lambda: NOW,
        **kw,
    )


def review(**labels: str) -> dict[str, Any]:
    body = copy.deepcopy(fixture("pod-create-v1.json"))
    body["request"]["object"]["metadata"]["labels"].update(labels)
    return body


def test_platform_webhook_admits_a_conformant_pod(make_app: Any) -> None:
    app = make_app(config(scanned(API, PROXY, MIGRATE)))
    response = call(app, "/validate", review()).json()["response"]
    assert response["allowed"] is True, response["status"]["message"]


def test_platform_webhook_denial_names_check_set_check_and_why(make_app: Any) -> None:
    app = make_app(config(scanned(API, PROXY, MIGRATE, cve_on=PROXY)))
    response = call(app, "/validate", review()).json()["response"]
    assert response["allowed"] is False
    message = response["status"]["message"]
    assert "platform policy projects/shop/platforms/gke/policies/prod" in message
    assert f"Image '{PROXY}' denied by check set 0 'prod' (namespace prod)" in message
    assert "check 1 VulnerabilityCheck 'no highs': NON_CONFORMANT" in message
    assert "CVE-2026-7" in message
    assert API not in message
    assert message.endswith(
        "[deploy target: cluster us-east1-b.prod, namespace prod, service account shop-api]"
    )
    assert "CVE-2026-7" in response["auditAnnotations"]["denial-reasons"]


def test_platform_webhook_dry_run_and_breakglass_admit_with_warnings(
    make_app: Any,
) -> None:
    store = scanned(API, PROXY, MIGRATE, cve_on=API)
    dry = call(make_app(config(store, dry_run=True)), "/validate", review()).json()
    assert dry["response"]["allowed"] is True
    assert dry["response"]["auditAnnotations"]["dry-run"] == "true"
    assert any("dry-run" in w for w in dry["response"]["warnings"])
    glass = review(**{"image-policy.k8s.io/break-glass": "true"})
    reply = call(make_app(config(store)), "/validate", glass).json()["response"]
    assert reply["allowed"] is True
    assert reply["auditAnnotations"]["break-glass"] == "true"


def test_platform_webhook_store_failure_fails_closed(make_app: Any) -> None:
    app = make_app(config(BrokenPlatformSource(scanned(), 0)))
    response = call(app, "/validate", review()).json()["response"]
    assert response["allowed"] is False
    assert "backend down" in response["status"]["message"]
    assert response["auditAnnotations"]["failed-closed"] == "true"


def test_platform_webhook_slow_store_denied_before_the_deadline(make_app: Any) -> None:
    app = make_app(config(SlowPlatformSource(scanned(API, PROXY, MIGRATE), 0.3)))
    started = time.monotonic()
    response = call(app, "/validate?timeout=1s", review()).json()["response"]
    assert time.monotonic() - started < 1.0
    assert response["allowed"] is False
    assert "no answer within the" in response["status"]["message"]
    assert response["auditAnnotations"]["failed-closed"] == "true"


def test_platform_webhook_denial_hints_the_check_to_fix(make_app: Any) -> None:
    app = make_app(config(scanned(API, PROXY, MIGRATE, cve_on=PROXY)))
    message = call(app, "/validate", review()).json()["response"]["status"]["message"]
    hint = message.partition(" Fix: ")[2]
    assert hint.startswith(f"{PROXY[: PROXY.index('@') + 20]}...: check 1 VulnerabilityCheck")
    assert "rebuild on a patched base image" in hint
