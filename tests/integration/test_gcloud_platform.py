"""gcloud 528 ``beta container binauthz policy`` (platform policies) against the emulator.

One test runs the six commands (create, describe, list, update, evaluate twice,
delete: seven gcloud start-ups, about 2 s each) and checks that ``evaluate``
gives exactly the response ``kritis-sim evaluate`` (run in-process) computes
offline from the same policy, Pod and occurrences (those the emulator lists). Configuration is by environment variables
only (no ``gcloud config set`` calls). Skipped when gcloud is missing, unless
KRITIS_SIM_REQUIRE_GCLOUD=1 makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kritis_sim.cli.main import main
from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.serving import ServerThread
from tests.unit.grafeas.test_platform_api import SCAN
from tests.unit.grafeas.test_rich_occurrences import VULN

pytestmark = pytest.mark.gcloud

PROJECT = "my-proj"
VULNERABLE = "us-docker.pkg.dev/my-proj/repo/app@sha256:" + "a" * 64
CLEAN = "us-docker.pkg.dev/my-proj/repo/app@sha256:" + "b" * 64
POLICY = """description: {description}
gkePolicy:
  checkSets:
  - displayName: prod
    scope: {{kubernetesNamespace: prod}}
    checks:
    - displayName: no bad CVEs
      vulnerabilityCheck: {{maximumFixableSeverity: MEDIUM, maximumUnfixableSeverity: HIGH}}
    - trustedDirectoryCheck: {{trustedDirPatterns: ["us-docker.pkg.dev/my-proj/**"]}}
  - displayName: elsewhere
    checks:
    - trustedDirectoryCheck: {{trustedDirPatterns: ["us-docker.pkg.dev/my-proj/*"]}}
"""
POD = f"""apiVersion: v1
kind: Pod
metadata: {{name: app, namespace: prod}}
spec:
  containers:
  - {{name: a, image: "{VULNERABLE}"}}
  - {{name: b, image: "{CLEAN}"}}
"""


@pytest.fixture(scope="module")
def gcloud() -> str:
    path = shutil.which("gcloud")
    if path is None:
        if os.environ.get("KRITIS_SIM_REQUIRE_GCLOUD") == "1":
            pytest.fail("gcloud is not on PATH and KRITIS_SIM_REQUIRE_GCLOUD=1")
        pytest.skip(
            "gcloud is not on PATH (set KRITIS_SIM_REQUIRE_GCLOUD=1 to fail instead)"
        )
    return path


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[str]:
    store = SqliteStore(tmp_path / "emulator.db")
    try:
        with ServerThread(create_app(store)) as running:
            yield running.base_url
    finally:
        store.close()


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    return done.returncode, done.stdout, done.stderr


def test_gcloud_platform_policy_commands_and_evaluate_matches_offline(
    gcloud: str, emulator: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        **os.environ,
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud-config"),
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true",
        "CLOUDSDK_API_ENDPOINT_OVERRIDES_BINARYAUTHORIZATION": emulator + "/",
        "CLOUDSDK_CORE_PROJECT": PROJECT,
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        "CLOUDSDK_CORE_DISABLE_FILE_LOGGING": "true",
    }

    def g(*args: str, expect: int = 0) -> Any:
        argv = [gcloud, "beta", "container", "binauthz", "policy", *args]
        code, out, err = _run([*argv, "--format=json"], env)
        assert code == expect, f"gcloud {' '.join(args)} exited {code}:\n{err}"
        return json.loads(out) if out.strip() else None

    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(POLICY.format(description="first"))
    created = g("create", "prod", "--platform=gke", f"--policy-file={policy_file}")
    name = f"projects/{PROJECT}/platforms/gke/policies/prod"
    assert created["name"] == name and created["description"] == "first"
    assert g("describe", "prod", "--platform=gke") == created
    listed = g("list", "gke")
    assert [p["name"] for p in listed] == [name]
    policy_file.write_text(POLICY.format(description="second"))
    updated = g("update", name, f"--policy-file={policy_file}")
    assert updated["description"] == "second" and updated["etag"] != created["etag"]

    for body in (VULN, SCAN, {**SCAN, "resourceUri": "https://" + CLEAN}):
        httpx.post(
            f"{emulator}/v1/projects/{PROJECT}/occurrences", json=body, timeout=10
        ).raise_for_status()
    occurrences = tmp_path / "occurrences.json"
    occurrences.write_text(
        httpx.get(f"{emulator}/v1/projects/{PROJECT}/occurrences", timeout=10).text
    )
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    online = g("evaluate", "prod", "--platform=gke", f"--resource={pod}", expect=2)
    assert online["verdict"] == "NON_CONFORMANT"
    verdicts = [i["verdict"] for i in online["results"][0]["imageResults"]]
    assert verdicts == ["NON_CONFORMANT", "CONFORMANT"]
    by_image = g("evaluate", "prod", "--platform=gke", f"--image={CLEAN}")
    assert by_image["verdict"] == "CONFORMANT"
    assert by_image["results"][0]["imageResults"][0]["checkSetResult"]["index"] == "1"

    for extra, expected, code in (
        ([str(pod), f"--occurrences={occurrences}"], online, 1),
        ([f"--image={CLEAN}"], by_image, 0),
    ):
        capsys.readouterr()
        assert main(["evaluate", *extra, f"--platform-policy={policy_file}"]) == code
        assert json.loads(capsys.readouterr().out) == expected

    assert g("delete", "prod", "--platform=gke") in (None, {})
    gone = httpx.get(f"{emulator}/v1/{name}", timeout=10)
    assert gone.status_code == 404
