"""What the gcloud end-to-end tests share: finding a tool, driving gcloud at the
emulator, creating a note, and asking a real ``kritis-sim review --emulator``
process for its verdict.

Fixtures built on these live in ``tests/integration/conftest.py``
(``gcloud``, ``gcloud_emulator``, ``gcloud_cli``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

#: The project every gcloud test works in.
PROJECT = "kritis-sim-test"
#: A Pod running ``{image}`` (format it).
POD = """apiVersion: v1
kind: Pod
metadata: {{name: app, namespace: default}}
spec:
  containers: [{{name: app, image: "{image}"}}]
"""
ROOT = Path(__file__).resolve().parents[2]


def require_tool(name: str, variable: str) -> str:
    """The path of ``name``; skip without it, fail instead when ``variable=1``."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get(variable) == "1":
            pytest.fail(f"{name} is not on PATH and {variable}=1")
        pytest.skip(f"{name} is not on PATH (set {variable}=1 to fail instead)")
    return path


class Gcloud:
    """gcloud configured by environment variables to talk to the emulator at ``url``."""

    def __init__(self, exe: str, config: Path, url: str) -> None:
        self.exe = exe
        # CLOUDSDK_SECTION_PROPERTY variables are `gcloud config set
        # section/property` without a gcloud start-up each (about 1.5 s of CPU).
        self.env = {
            **os.environ,
            "CLOUDSDK_CONFIG": str(config),
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_BINARYAUTHORIZATION": url + "/",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS": url + "/",
            "CLOUDSDK_CORE_PROJECT": PROJECT,
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
            "CLOUDSDK_CORE_DISABLE_FILE_LOGGING": "true",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run gcloud; fail the test when it exits non-zero."""
        done = subprocess.run(
            [self.exe, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"gcloud {' '.join(args)}:\n{done.stderr}"
        return done

    def __call__(self, *args: str) -> str:
        """Run gcloud; its stdout."""
        return self.run(*args).stdout


def create_note(url: str, note_id: str, name: str) -> None:
    """Create the ATTESTATION note ``projects/PROJECT/notes/<note_id>`` over HTTP."""
    httpx.post(
        f"{url}/v1/projects/{PROJECT}/notes",
        params={"noteId": note_id},
        json={"attestation": {"hint": {"humanReadableName": name}}},
        timeout=5,
    ).raise_for_status()


def review_exit_code(url: str, image: str, tmp_path: Path) -> tuple[int, str]:
    """Exit code and stderr of a real ``kritis-sim review --emulator`` process
    for a Pod running ``image`` (in-process, review's live attestation source
    would keep its HTTP client open)."""
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD.format(image=image))
    done = subprocess.run(
        [sys.executable, "-m", "kritis_sim.cli.main", "review", str(pod),
         "--emulator", url, "--project", PROJECT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return done.returncode, done.stderr
