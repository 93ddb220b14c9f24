"""Run mutmut over one decision core, or all of them, then the per-module summary.

``[tool.mutmut]`` in ``pyproject.toml`` says what may be mutated and the test
directories; this script adds, per core, which mutants to check and which unit
test files pin that core (docs/mutation.md). A core's run collects mutmut's
per-test statistics only over its own test files (the other files are passed
to pytest as ``--ignore`` through ``PYTEST_ADDOPTS``), so the slow property
tests of another core neither run in its statistics pass nor in the re-runs of
its surviving and equivalent mutants. It then prints
``tools/mutation_summary.py`` for the core's modules.

It judges nothing itself and does not replace mutmut's own commands
(``mutmut show``, ``mutmut results``); with ``--core all`` it is plain
``mutmut run`` (every configured module, all the test directories).

Exit status: mutmut's when it fails, else the summary's.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Core:
    """One decision core: its mutants, its modules and its unit tests."""

    #: mutmut mutant-name globs (``kritis_sim.core.decide.*``).
    mutants: tuple[str, ...]
    #: the mutated modules, as path globs for the summary.
    modules: tuple[str, ...]
    #: Test files (globs relative to the project) that pin the core; None
    #: means every file of the configured test directories.
    tests: tuple[str, ...] | None = None


CORES: dict[str, Core] = {
    # The classic (Binary Authorization) decision and the models it rests on.
    "classic": Core(
        mutants=(
            "kritis_sim.core.decide.*",
            "kritis_sim.core.rules.*",
            "kritis_sim.core.attestations.*",
            "kritis_sim.model.patterns.*",
            "kritis_sim.model.imageref.*",
        ),
        modules=(
            "kritis_sim/core/decide.py",
            "kritis_sim/core/rules.py",
            "kritis_sim/core/attestations.py",
            "kritis_sim/model/patterns.py",
            "kritis_sim/model/imageref.py",
        ),
        tests=(
            "tests/unit/core/test_decide*.py",
            "tests/unit/core/test_decision_*.py",
            "tests/unit/core/test_freshness.py",
            "tests/unit/core/test_judges.py",
            "tests/unit/core/test_fixes.py",
            "tests/unit/model/test_imageref*.py",
            "tests/unit/model/test_patterns*.py",
            "tests/unit/model/test_policy*.py",
            "tests/unit/model/test_occurrence*.py",
            "tests/unit/model/test_attestor.py",
            "tests/unit/crypto/test_pgp.py",
            "tests/unit/crypto/test_pgp_exact.py",
            "tests/unit/crypto/test_pgp_expiry.py",
            "tests/unit/crypto/test_pgp_vectors.py",
            "tests/unit/crypto/test_sign_verify.py",
            "tests/unit/crypto/test_vectors.py",
        ),
    ),
    # The Kritis semantics profile (GAP / ISP admission); not the loader's
    # tests nor those that serve the webhook or run the examples end to end.
    "kritis": Core(
        mutants=("kritis_sim.core.kritis.*",),
        modules=("kritis_sim/core/kritis/*.py",),
        tests=(
            "tests/unit/kritis/test_kritis_decide.py",
            "tests/unit/kritis/test_kritis_pins.py",
            "tests/unit/kritis/test_kritis_profiles.py",
            "tests/unit/kritis/test_kritis_properties.py",
            "tests/unit/kritis/test_kritis_fixes.py",
            "tests/unit/kritis/test_kritis_exemption.py",
            "tests/unit/kritis/test_kritis_v1beta1.py",
            "tests/unit/kritis/test_kritis_cli.py",
            "tests/unit/crypto/test_pgp_expiry.py",
        ),
    ),
    # The platform-policy (GKE / check-based) decision: its checks, store
    # seam, memo, verdict texts and properties, and the judge seam over it.
    "platform": Core(
        mutants=("kritis_sim.core.platform.*",),
        modules=("kritis_sim/core/platform/*.py",),
        tests=(
            "tests/unit/core/test_platform_*.py",
            "tests/unit/core/test_judges.py",
        ),
    ),
    # DSSE, OpenPGP and PKIX signature verification, pinned by the crypto
    # unit tests alone (known-answer vectors, exact reasons, properties).
    "crypto": Core(
        mutants=(
            "kritis_sim.crypto.dsse.*",
            "kritis_sim.crypto.pgp.*",
            "kritis_sim.crypto.verify.*",
        ),
        modules=(
            "kritis_sim/crypto/dsse.py",
            "kritis_sim/crypto/pgp.py",
            "kritis_sim/crypto/verify.py",
        ),
        tests=("tests/unit/crypto/test_*.py",),
    ),
}


def test_directories(pyproject: Path) -> list[str]:
    """``pytest_add_cli_args_test_selection`` of ``[tool.mutmut]``."""
    config = tomllib.loads(pyproject.read_text("utf-8"))["tool"]["mutmut"]
    return list(config.get("pytest_add_cli_args_test_selection", []))


def ignored_tests(core: Core, root: Path, directories: list[str]) -> list[str]:
    """Test files of ``directories`` that do not pin ``core`` (to ``--ignore``)."""
    if core.tests is None:
        return []
    out = []
    for directory in directories:
        for path in sorted((root / directory).rglob("test_*.py")):
            name = path.relative_to(root).as_posix()
            if not any(fnmatch.fnmatchcase(name, g) for g in core.tests):
                out.append(name)
    return out


def mutmut_command(
    core: Core | None, children: int, root: Path
) -> tuple[list[str], dict[str, str]]:
    """The ``mutmut run`` command line and its environment."""
    env = dict(os.environ)
    env.setdefault("HYPOTHESIS_PROFILE", "mutation")
    command = ["mutmut", "run", "--max-children", str(children)]
    if core is None:
        return command, env
    ignore = ignored_tests(core, root, test_directories(root / "pyproject.toml"))
    if ignore:
        extra = " ".join(shlex.quote(f"--ignore={name}") for name in ignore)
        env["PYTEST_ADDOPTS"] = (env.get("PYTEST_ADDOPTS", "") + " " + extra).strip()
    return command + list(core.mutants), env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--core",
        choices=[*CORES, "all"],
        default="all",
        help="the core to mutate, with its own unit tests (default: all, every "
        "module [tool.mutmut] names, with all its test directories)",
    )
    parser.add_argument(
        "--max-children",
        type=int,
        default=int(os.environ.get("MUTMUT_CHILDREN", "2")),
        help="mutmut worker processes (default: $MUTMUT_CHILDREN or 2)",
    )
    parser.add_argument(
        "--fail-under",
        type=float,
        default=float(os.environ.get("MUTATION_FAIL_UNDER", "95")),
        metavar="PERCENT",
        help="the summary fails below this total score "
        "(default: $MUTATION_FAIL_UNDER or 95)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the mutmut command and PYTEST_ADDOPTS instead of running them",
    )
    args = parser.parse_args(argv)
    root = Path.cwd()
    core = None if args.core == "all" else CORES[args.core]
    command, env = mutmut_command(core, args.max_children, root)
    summary = [
        sys.executable,
        str(Path(__file__).resolve().parent / "mutation_summary.py"),
        "--fail-under",
        str(args.fail_under),
    ]
    if core is not None:
        summary += [arg for m in core.modules for arg in ("--module", m)]
    if args.dry_run:
        print("PYTEST_ADDOPTS=" + shlex.quote(env.get("PYTEST_ADDOPTS", "")))
        print(shlex.join(command))
        print(shlex.join(summary))
        return 0
    code = subprocess.run(command, env=env, check=False).returncode
    if code != 0:
        print(f"mutmut run failed with exit status {code}", file=sys.stderr)
        return code
    return subprocess.run(summary, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
