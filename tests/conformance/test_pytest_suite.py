"""The conformance suite run the pytest way, as an implementer would:
``pytest --pyargs kritis_sim.conformance.test_suite --conformance-entrypoint CMD``.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"
SUBSET = "attestors_two or default_always_allow"


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "--pyargs", "kritis_sim.conformance.test_suite", "-k", SUBSET, *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _outcomes(junit: Path) -> dict[str, str]:
    """Test name -> outcome from a JUnit report (xdist group suffixes dropped)."""
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag != "system-out"]
        out[case.get("name", "").split("@")[0]] = kinds[0] if kinds else "passed"
    return out


def test_pytest_suite_passes_is_strict_and_distributes_like_serial(
    tmp_path: Path,
) -> None:
    """The suite passes against the reference except for a case listed as
    expected to fail (strict: XPASS fails the run), and with ``-n 2 --dist
    loadgroup`` (each worker its own Grafeas and adapter) reports exactly what
    the serial run reports."""
    xfail = tmp_path / "adapter.xfails"
    xfail.write_text("default_always_allow  # pretend it fails\n")
    common = ["--conformance-entrypoint", ADAPTER, "--conformance-xfail", str(xfail)]
    serial, spread = tmp_path / "serial.xml", tmp_path / "spread.xml"
    run = _pytest(tmp_path, *common, f"--junitxml={serial}")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "XPASS" in run.stdout
    outcomes = _outcomes(serial)
    assert outcomes.pop("test_case[default_always_allow]") == "failure"
    assert len(outcomes) == 4 and set(outcomes.values()) == {"passed"}
    run = _pytest(
        tmp_path, *common, f"--junitxml={spread}",
        "-p", "xdist", "-n", "2", "--dist", "loadgroup",
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "bringing up nodes" in run.stdout
    assert _outcomes(spread) == _outcomes(serial)


def test_pytest_suite_fails_a_defective_adapter(tmp_path: Path) -> None:
    run = _pytest(
        tmp_path,
        "--conformance-entrypoint",
        f"{ADAPTER} --defect any-attestor-suffices",
    )
    assert run.returncode == 1
    assert "attestors_two_first_missing_deny" in run.stdout


def test_pytest_suite_without_entrypoint_skips_with_reason(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-rs")
    assert run.returncode == 0
    assert "no --conformance-entrypoint given" in run.stdout
