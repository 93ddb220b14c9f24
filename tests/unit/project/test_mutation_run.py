"""tools/mutation_run.py: per-core mutant globs, test files and summary modules."""

from __future__ import annotations

import fnmatch
import importlib.util
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "tools" / "mutation_run.py"
_spec = importlib.util.spec_from_file_location("mutation_run", TOOL)
assert _spec is not None and _spec.loader is not None
mutation_run = importlib.util.module_from_spec(_spec)
sys.modules["mutation_run"] = mutation_run  # dataclasses look it up
_spec.loader.exec_module(mutation_run)


def test_classic_run_ignores_the_other_cores_tests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert mutation_run.main(["--core", "classic", "--dry-run"]) == 0
    addopts, command, summary = capsys.readouterr().out.splitlines()
    ignored = {
        a.removeprefix("--ignore=")
        for a in shlex.split(shlex.split(addopts.removeprefix("PYTEST_ADDOPTS="))[0])
    }
    assert "tests/unit/core/test_platform_properties.py" in ignored
    assert "tests/unit/kritis/test_kritis_decide.py" in ignored
    assert "tests/unit/core/test_decide.py" not in ignored
    assert "tests/unit/model/test_imageref_texts.py" not in ignored
    assert shlex.split(command)[:4] == ["mutmut", "run", "--max-children", "2"]
    assert "kritis_sim.core.decide.*" in shlex.split(command)
    assert shlex.split(summary)[-2:] == ["--module", "kritis_sim/model/imageref.py"]


def test_all_is_plain_mutmut_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert mutation_run.main(["--dry-run", "--max-children", "1"]) == 0
    _addopts, command, summary = capsys.readouterr().out.splitlines()
    assert command == "mutmut run --max-children 1"
    assert "--module" not in summary


def test_every_core_names_configured_modules_and_existing_tests() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"][
        "mutmut"
    ]
    for name, core in mutation_run.CORES.items():
        for module in core.modules:
            assert any(fnmatch.fnmatchcase(module, g) for g in config["only_mutate"]), (
                name,
                module,
            )
            assert list(ROOT.glob(module)), (name, module)
        for glob in core.tests or ():
            assert list(ROOT.glob(glob)), (name, glob)


def test_platform_run_keeps_only_the_platform_tests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert mutation_run.main(["--core", "platform", "--dry-run"]) == 0
    addopts, command, _summary = capsys.readouterr().out.splitlines()
    ignored = {
        a.removeprefix("--ignore=")
        for a in shlex.split(shlex.split(addopts.removeprefix("PYTEST_ADDOPTS="))[0])
    }
    assert "tests/unit/core/test_decide.py" in ignored
    assert "tests/unit/kritis/test_kritis_decide.py" in ignored
    for kept in ("test_platform_memo.py", "test_platform_verdict.py", "test_judges.py"):
        assert f"tests/unit/core/{kept}" not in ignored
    assert "kritis_sim.core.platform.*" in shlex.split(command)
