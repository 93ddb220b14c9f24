"""Start ``kritis-sim emulator`` as a real subprocess and read its base URL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def start_emulator(*extra: str) -> tuple[subprocess.Popen[str], str]:
    """Launch the emulator on 127.0.0.1:0; return the process and its base URL."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kritis_sim.cli.main",
            "emulator",
            "--port",
            "0",
            "--host",
            "127.0.0.1",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    line = proc.stdout.readline().strip()
    if not line.startswith("http://") or time.monotonic() > deadline:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"emulator did not start: {line!r} {err}")
    return proc, line


def stop_emulator(proc: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    """Send ``sig``, wait, close the pipes; return the exit code and stderr."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err
