"""SubprocessRunner (on the Python interpreter) and the requirements check."""

from __future__ import annotations

import sys

import pytest

from kritis_sim.errors import CommandError
from kritis_sim.harness._process import SubprocessRunner, missing_requirements

from .conftest import FakeRunner

PY = sys.executable


def test_runner_returns_output_and_feeds_stdin() -> None:
    code = "import sys; print(sys.stdin.read().upper())"
    done = SubprocessRunner()((PY, "-c", code), stdin="ok", timeout=30)
    assert done and done.stdout.strip() == "OK"


def test_runner_failure_names_command_and_stderr() -> None:
    code = "import sys; sys.stderr.write('boom'); sys.exit(3)"
    with pytest.raises(CommandError) as info:
        SubprocessRunner()((PY, "-c", code), timeout=30)
    assert info.value.returncode == 3
    assert "failed with exit status 3" in str(info.value)
    assert "boom" in str(info.value)
    assert SubprocessRunner()((PY, "-c", code), timeout=30, check=False).returncode == 3


def test_runner_timeout() -> None:
    with pytest.raises(CommandError, match=r"timed out after 0\.2 s"):
        SubprocessRunner()((PY, "-c", "import time; time.sleep(5)"), timeout=0.2)


def test_runner_program_not_found() -> None:
    with pytest.raises(CommandError, match="is not on PATH"):
        SubprocessRunner()(("kritis-sim-no-such-tool",), timeout=5)


def test_missing_requirements_lists_tools_and_engine() -> None:
    runner = FakeRunner().on(
        "docker", "info", answer=(1, "", "Cannot connect to the Docker daemon\n")
    )
    which = {"kubectl": "/usr/bin/kubectl", "docker": "/usr/bin/docker"}.get
    assert missing_requirements(runner, which) == (
        "`kind` is not on PATH",
        "no running Docker engine (`docker info`: Cannot connect to the Docker daemon)",
    )
    everything = {"kind": "k", "kubectl": "k", "docker": "d"}.get
    assert missing_requirements(FakeRunner(), everything) == ()
