"""``kritis-sim webhook --platform-policy projects/P/platforms/gke/policies/ID
--emulator URL``: the platform policy is read from a real emulator (re-read after
``--policy-ttl``), occurrences are read live from its Grafeas, and a policy that
cannot be read denies every request (fail closed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kritis_sim.admission.webhook import create_app
from kritis_sim.cli import webhook as webhook_cli
from kritis_sim.cli.main import parser
from kritis_sim.grafeas.app import create_app as emulator_app
from kritis_sim.serving import ServerThread
from tests.unit.admission.conftest import call

NAME = "projects/shop/platforms/gke/policies/prod"
IMAGE = "gcr.io/shop/api@sha256:" + "1" * 64
TRUSTED = {"trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/shop/**"]}}
SCANNED = {
    "displayName": "scanned",
    "vulnerabilityCheck": {
        "maximumFixableSeverity": "HIGH",
        "maximumUnfixableSeverity": "HIGH",
        "containerAnalysisVulnerabilityProjects": ["projects/shop"],
    },
}


def _review() -> dict[str, Any]:
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop",
            "operation": "CREATE",
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "api"},
                "spec": {"containers": [{"name": "api", "image": IMAGE}]},
            },
        },
    }


@pytest.fixture
def emulator() -> Iterator[ServerThread]:
    with ServerThread(emulator_app()) as server:
        yield server


def _policy(checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"gkePolicy": {"checkSets": [{"checks": checks}]}}


def test_webhook_reads_the_platform_policy_and_occurrences_from_the_emulator(
    emulator: ServerThread,
) -> None:
    with httpx.Client(base_url=emulator.base_url + "/v1/", timeout=10) as api:
        api.post(
            "projects/shop/platforms/gke/policies",
            params={"policyId": "prod"},
            json=_policy([TRUSTED, SCANNED]),
        ).raise_for_status()
        args = parser("webhook").parse_args(
            ["webhook", "--platform-policy", NAME, "--emulator", emulator.base_url,
             "--policy-ttl", "0"]
        )  # fmt: skip
        app = create_app(webhook_cli._config(args, None))
        try:
            _exercise(api, app)
        finally:
            app.state.webhook.enforcer.close()


def _exercise(api: httpx.Client, app: Any) -> None:
    denied = call(app, "/validate?timeout=5s", _review()).json()["response"]
    assert denied["allowed"] is False
    message = denied["status"]["message"]
    assert f"platform policy {NAME}" in message
    assert "check 1 VulnerabilityCheck 'scanned': ERROR" in message
    assert "no DISCOVERY occurrence" in message  # read from the emulator's Grafeas
    current = api.get(NAME).json()
    api.put(
        NAME, json={**_policy([TRUSTED]), "name": NAME, "etag": current["etag"]}
    ).raise_for_status()
    allowed = call(app, "/validate?timeout=5s", _review()).json()["response"]
    assert allowed["allowed"] is True, allowed["status"]["message"]
    api.delete(NAME).raise_for_status()
    gone = call(app, "/validate?timeout=5s", _review()).json()["response"]
    assert gone["allowed"] is False
    assert "policy source failed" in gone["status"]["message"]


def test_webhook_platform_policy_name_without_emulator_is_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kritis_sim.cli.main import main

    assert main(["webhook", "--platform-policy", NAME]) == 2
    assert "give --emulator URL" in capsys.readouterr().err
