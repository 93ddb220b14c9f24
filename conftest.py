"""Repository-wide pytest configuration: Hypothesis profiles and ``--with-e2e``.

Profiles are chosen by the ``HYPOTHESIS_PROFILE`` environment variable:
``dev`` (fast local runs), ``ci`` (the default in ``.ci/run``),
``thorough`` (many examples, for occasional deep runs) and ``mutation``
(few, derandomized examples for mutmut; docs/mutation.md).

Tests marked ``e2e`` (``tests/e2e/``, a real kind cluster) are skipped unless
``--with-e2e`` is given, and skipped with the list of what is missing when a
Docker engine, ``kind`` or ``kubectl`` is not available.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, settings

# Test speed: many tests start real processes (the CLI, the emulator,
# adapters, pytest itself) that import kritis_sim from source. Where the
# environment sets PYTHONDONTWRITEBYTECODE (some CI images do), every one of
# them recompiled every module it imported (~0.3 s of CPU each); let this run
# and its children write and reuse bytecode (__pycache__ is git-ignored).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Mutation testing (docs/mutation.md): few examples, the same ones every run,
# no example database, so a mutant's verdict does not depend on earlier runs;
# no shrinking (a mutant is killed by the first failing example; shrinking it
# under a loaded machine took minutes per mutant).
settings.register_profile(
    "mutation",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

WITH_E2E = "--with-e2e"
E2E_DISABLED = (
    "E2E tests are not enabled. Use --with-e2e "
    "(needs a Docker engine, kind and kubectl)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        WITH_E2E,
        action="store_true",
        default=False,
        help="run tests/e2e against a kind cluster "
        "(needs a Docker engine, kind and kubectl on PATH)",
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    e2e = [item for item in items if "e2e" in item.keywords]
    if not e2e:
        return
    if not config.getoption(WITH_E2E):
        reason = E2E_DISABLED
    else:
        from kritis_sim.harness._process import REQUIREMENTS, missing_requirements

        missing = missing_requirements()
        if not missing:
            return
        reason = f"E2E tests need {REQUIREMENTS}; missing: " + "; ".join(missing)
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=reason))


def _stop_gpg_agents(root: str) -> None:
    """Stop the gpg-agents that tests' throw-away GNUPGHOMEs under ``root`` started.

    gpg starts an agent per home directory for key generation, signing and
    imports, and the agent outlives gpg; a test run must not leave processes
    behind. ``gpgconf --kill`` asks each one to exit.
    """
    import shutil
    import subprocess

    gpgconf = shutil.which("gpgconf")
    if gpgconf is None or not os.path.isdir(root):
        return
    for dirpath, _dirs, files in os.walk(root):
        if "S.gpg-agent" in files:
            subprocess.run(
                [gpgconf, "--homedir", dirpath, "--kill", "gpg-agent"],
                capture_output=True,
                timeout=30,
                check=False,
            )


@pytest.fixture(scope="session", autouse=True)
def _no_gpg_agent_left(tmp_path_factory: pytest.TempPathFactory) -> object:
    """After the session, stop every gpg-agent a test's GNUPGHOME started."""
    yield None
    _stop_gpg_agents(str(tmp_path_factory.getbasetemp()))
