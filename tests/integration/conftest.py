"""Fixtures of the gcloud end-to-end tests (test_gcloud.py, test_gcloud_pgp.py);
the helpers they use are in :mod:`tests.integration._gcloud`."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration._emulator import start_emulator, stop_emulator
from tests.integration._gcloud import Gcloud, require_tool


@pytest.fixture(scope="module")
def gcloud() -> str:
    """gcloud's path (skipped without it unless KRITIS_SIM_REQUIRE_GCLOUD=1)."""
    return require_tool("gcloud", "KRITIS_SIM_REQUIRE_GCLOUD")


@pytest.fixture(scope="module")
def gcloud_emulator() -> Iterator[str]:
    """A ``kritis-sim emulator`` process for one test module; its base URL."""
    proc, url = start_emulator("--quiet")
    yield url
    stop_emulator(proc, signal.SIGTERM)


@pytest.fixture
def gcloud_cli(gcloud: str, gcloud_emulator: str, tmp_path: Path) -> Gcloud:
    """gcloud with a fresh configuration, talking to ``gcloud_emulator``."""
    return Gcloud(gcloud, tmp_path / "gcloud-config", gcloud_emulator)
