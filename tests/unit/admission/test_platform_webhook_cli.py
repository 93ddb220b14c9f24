"""``kritis-sim webhook --platform-policy``: the command's wiring (files ->
PlatformJudge -> Enforcer -> AdmissionReview reply and audit log), the emulator's
Grafeas as the occurrence source, and flags that do not go together (exit 2)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.admission.audit import AuditLog
from kritis_sim.cli import webhook as webhook_cli
from kritis_sim.cli.main import main, parser

from .conftest import call

REPO = Path(__file__).resolve().parents[2] / "fixtures"
OCCURRENCES = REPO / "occurrences"
IMAGE = "us-docker.pkg.dev/my-proj/repo/app@sha256:" + "a" * 64
POLICY = """\
name: projects/my-proj/platforms/gke/policies/prod
gkePolicy:
  checkSets:
  - displayName: prod
    scope: {kubernetesNamespace: prod}
    checks:
    - displayName: no criticals
      vulnerabilityCheck:
        maximumFixableSeverity: HIGH
        maximumUnfixableSeverity: HIGH
        containerAnalysisVulnerabilityProjects: [projects/my-proj]
  - checks:
    - trustedDirectoryCheck: {trustedDirPatterns: ["us-docker.pkg.dev/my-proj/**"]}
"""


def review(namespace: str = "prod") -> dict[str, Any]:
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u-1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace,
            "operation": "CREATE",
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "app"},
                "spec": {"containers": [{"name": "app", "image": IMAGE}]},
            },
        },
    }


@pytest.fixture
def world(tmp_path: Path) -> Path:
    (tmp_path / "policy.yaml").write_text(POLICY)
    occ = tmp_path / "occ"
    occ.mkdir()
    for name in ("vulnerability-log4j.json", "discovery-finished.json"):
        shutil.copy(OCCURRENCES / name, occ / name)
    return tmp_path


def test_cli_webhook_platform_policy_denies_naming_the_check_and_audits(
    world: Path, make_app: Any
) -> None:
    args = parser("webhook").parse_args(
        ["webhook", "--platform-policy", str(world / "policy.yaml"),
         "--occurrences", str(world / "occ"), "--cluster", "us-east1-b.prod"]
    )  # fmt: skip
    stream = io.StringIO()
    app = make_app(webhook_cli._config(args, AuditLog(stream)))
    response = call(app, "/validate", review()).json()["response"]
    assert response["allowed"] is False
    message = response["status"]["message"]
    assert "denied by check set 0 'prod' (namespace prod)" in message
    assert "check 0 VulnerabilityCheck 'no criticals': NON_CONFORMANT" in message
    assert "CVE-2021-44228" in message
    assert message.endswith(
        "[deploy target: cluster us-east1-b.prod, namespace prod, service account default]"
    )
    record = json.loads(stream.getvalue())
    assert record["allowed"] is False
    assert record["images"][0]["rule"] == "check set 0 'prod' (namespace prod)"
    # Another namespace falls to the catch-all: a trusted directory, admitted.
    other = call(app, "/validate", review("shop")).json()["response"]
    assert other["allowed"] is True, other["status"]["message"]


def test_cli_webhook_platform_policy_dry_run_admits(world: Path, make_app: Any) -> None:
    args = parser("webhook").parse_args(
        ["webhook", "--platform-policy", str(world / "policy.yaml"),
         "--occurrences", str(world / "occ"), "--platform-enforcement", "dry-run"]
    )  # fmt: skip
    response = call(make_app(webhook_cli._config(args, None)), "/validate", review())
    body = response.json()["response"]
    assert body["allowed"] is True
    assert body["auditAnnotations"]["dry-run"] == "true"


def test_cli_webhook_platform_policy_emulator_down_fails_closed(
    world: Path, make_app: Any
) -> None:
    args = parser("webhook").parse_args(
        ["webhook", "--platform-policy", str(world / "policy.yaml"),
         "--emulator", "http://127.0.0.1:9"]
    )  # fmt: skip
    app = make_app(webhook_cli._config(args, None))
    response = call(app, "/validate?timeout=4s", review()).json()["response"]
    assert response["allowed"] is False
    assert response["auditAnnotations"]["failed-closed"] == "true"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--policy", "p.yaml", "--attestors", "a.yaml"], "not both"),
        (["--project", "p"], "--project"),
    ],
)
def test_cli_webhook_platform_policy_conflicts_are_exit_2(
    world: Path, capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    code = main(["webhook", "--platform-policy", str(world / "policy.yaml"), *extra])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err


@pytest.mark.parametrize(
    "flag",
    [
        ["--image-metadata", "m.yaml"],
        ["--trusted-builders", "b.yaml"],
        ["--occurrences-project", "projects/p"],
        ["--platform-enforcement", "dry-run"],
    ],
)
def test_cli_webhook_platform_flags_without_platform_policy_are_exit_2(
    world: Path, capsys: pytest.CaptureFixture[str], flag: list[str]
) -> None:
    (world / "allow.yaml").write_text(
        "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW,\n"
        "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
    )
    (world / "attestors.yaml").write_text("[]\n")
    code = main(
        ["webhook", "--policy", str(world / "allow.yaml"),
         "--attestors", str(world / "attestors.yaml"), *flag]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "applies to --platform-policy only" in err


def test_cli_webhook_cloud_run_platform_policy_is_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["webhook", "--platform-policy", str(REPO / "platform" / "cloud-run.json")]
    )
    err = capsys.readouterr().err
    assert code == 2 and "no gkePolicy" in err
