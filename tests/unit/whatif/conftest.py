"""The signed world of the CLI tests, the ``cv`` fixtures, and ``whatif``
run in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kritis_sim.cli.main import main
from tests.unit.cli.conftest import ATTESTOR, NOW, CliWorld, cli_world
from tests.unit.cv.conftest import FIXTURES

__all__ = ["FIXTURES", "NOW", "CliWorld", "classic", "cli_world", "run_whatif"]


def classic(world: CliWorld, name: str, enforcement: str, **specific: Any) -> str:
    """A classic policy file requiring the world's attestor by default."""
    return world.write(
        name,
        {
            "defaultAdmissionRule": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": enforcement,
                "requireAttestationsBy": [ATTESTOR],
            },
            **specific,
        },
    )


def run_whatif(
    world: CliWorld, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, Any, str]:
    """``kritis-sim whatif --format json`` with the world's attestors and
    occurrences; returns the exit code, the JSON report (None when stdout is
    not JSON) and stderr."""
    code = main(
        [
            "whatif",
            *args,
            "--attestors",
            world.path("attestors.yaml"),
            "--occurrences",
            world.path("occurrences.json"),
            "--now",
            NOW,
            "--format",
            "json",
        ]
    )
    out = capsys.readouterr()
    try:
        report = json.loads(out.out)
    except ValueError:
        report = None
    return code, report, out.err
