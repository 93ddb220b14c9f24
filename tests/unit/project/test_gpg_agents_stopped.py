"""The session fixture that stops gpg-agents started by tests' throw-away homes.

gpg leaves an agent running per GNUPGHOME; conftest's ``_stop_gpg_agents``
(run at the end of every session) must stop it, or a test run leaves
processes behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import _stop_gpg_agents


def _agent_running(home: Path) -> bool:
    out = subprocess.run(["pgrep", "-f", f"gpg-agent --homedir {home}"], capture_output=True, text=True)
    return out.returncode == 0


def test_agent_of_a_test_home_is_stopped(tmp_path: Path) -> None:
    gpg = shutil.which("gpg")
    if gpg is None or shutil.which("gpgconf") is None or shutil.which("pgrep") is None:
        if os.environ.get("KRITIS_SIM_REQUIRE_GPG") == "1":
            pytest.fail("KRITIS_SIM_REQUIRE_GPG=1 but gpg, gpgconf or pgrep is missing")
        pytest.skip("needs gpg, gpgconf and pgrep (KRITIS_SIM_REQUIRE_GPG=1 makes this fail)")
    home = tmp_path / "nested" / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        [gpg, "--batch", "--passphrase", "", "--quick-gen-key", "t <t@example.com>", "ed25519", "sign", "never"],
        env=env,
        capture_output=True,
        check=True,
    )
    assert _agent_running(home)
    _stop_gpg_agents(str(tmp_path))
    deadline = time.monotonic() + 10
    while _agent_running(home) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _agent_running(home)
