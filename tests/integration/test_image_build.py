"""Build the repository's Dockerfile and run the image, where a Docker engine is.

Skipped, with what is missing, when ``docker`` is not on PATH or ``docker
info`` cannot reach an engine (unless ``KRITIS_SIM_REQUIRE_DOCKER=1``, which
turns the skip into a failure, for CI machines that must have one). The build
needs network access for the base image and the pinned dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from kritis_sim import _processes
from kritis_sim.harness._commands import KindSettings, docker_build

ROOT = Path(__file__).resolve().parents[2]


def _engine_missing() -> str | None:
    if shutil.which("docker") is None:
        return "`docker` is not on PATH"
    done = _processes.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], timeout=20
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no running Docker engine (`docker info`: {last})"
    return None


@pytest.fixture(scope="module")
def image() -> str:
    missing = _engine_missing()
    if missing is not None:
        if os.environ.get("KRITIS_SIM_REQUIRE_DOCKER") == "1":
            pytest.fail(f"KRITIS_SIM_REQUIRE_DOCKER=1 but {missing}")
        pytest.skip(f"building the image needs a Docker engine: {missing}")
    tag = f"kritis-sim:test-{uuid.uuid4().hex[:8]}"
    argv = docker_build(KindSettings(image=tag), ROOT)
    done = _processes.run(argv, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return tag


def test_image_runs_kritis_sim_as_non_root_with_a_healthcheck(image: str) -> None:
    try:
        done = _processes.run(["docker", "run", "--rm", image, "--version"], timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip()
        info = _processes.run(["docker", "image", "inspect", image], timeout=60)
        (config,) = json.loads(info.stdout)
        assert config["Config"]["User"] == "65532:65532"
        assert "kritis_sim._healthcheck" in " ".join(
            config["Config"]["Healthcheck"]["Test"]
        )
        who = _processes.run(
            ["docker", "run", "--rm", "--entrypoint", "id", image, "-u"], timeout=60
        )
        assert who.stdout.strip() == "65532"
    finally:
        _processes.run(["docker", "image", "rm", "--force", image], timeout=60)
