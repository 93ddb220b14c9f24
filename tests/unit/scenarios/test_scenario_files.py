"""Files a scenario names stay inside its root; `kritis-sim run` refuses the rest with exit 2."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from kritis_sim.cli.main import main
from kritis_sim.errors import ScenarioError
from kritis_sim.scenarios import files
from kritis_sim.scenarios.loader import load_scenario_file

POLICY = "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
MANIFEST = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: '${web}'}]\n"


def _scenario(path: Path, *, policy: str = "policy.yaml", manifest: str | None = None) -> Path:
    deploy = f"manifest: {manifest!r}" if manifest else "artifact: web"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(f"""\
        scenario: confined
        environments: {{prod: {{}}}}
        artifacts: {{web: {{repository: gcr.io/p/web}}}}
        policy: {{file: {policy!r}}}
        events:
          - build: web
          - deploy: {{to: prod, {deploy}, expect: allowed}}
        """))
    return path


def _refused(scenario: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["run", str(scenario), *extra]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    (line,) = captured.err.splitlines()  # one line: file, line, field, what
    return line


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """``tmp/outside.yaml`` and ``tmp/s/{policy.yaml, web.yaml, s.yaml}``."""
    (tmp_path / "outside.yaml").write_text(POLICY)
    inside = tmp_path / "s"
    inside.mkdir()
    (inside / "policy.yaml").write_text(POLICY)
    (inside / "web.yaml").write_text(MANIFEST)
    return inside


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../outside.yaml", "leads out of the scenario root"),
        ("/etc/hostname", "absolute path '/etc/hostname' is not allowed"),
        ("link-out.yaml", "leads through a symbolic link out of the scenario root"),
        ("missing.yaml", "cannot read 'missing.yaml': No such file or directory"),
        ("fifo.yaml", "'fifo.yaml' is a device, FIFO or socket, not a regular file"),
        ("subdir", "'subdir' is a directory, not a regular file"),
        ("big.yaml", f"'big.yaml' is {files.MAX_FILE_BYTES + 1} bytes; the limit is"),
        ("latin1.yaml", "'latin1.yaml' is not UTF-8 text"),
    ],
)
def test_refused_policy_files_exit_2_naming_file_line_and_field(
    layout: Path, capsys: pytest.CaptureFixture[str], name: str, expected: str
) -> None:
    (layout / "link-out.yaml").symlink_to(layout.parent / "outside.yaml")
    os.mkfifo(layout / "fifo.yaml")  # reading it would block: refused before opening
    (layout / "subdir").mkdir()
    (layout / "big.yaml").write_text("#" * (files.MAX_FILE_BYTES + 1))
    (layout / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    scenario = _scenario(layout / "s.yaml", policy=name)
    line = _refused(scenario, capsys)
    assert line.startswith(f"kritis-sim: error: {scenario}:4: policy.file: "), line
    assert expected in line


def test_a_device_file_is_refused_even_inside_a_wide_root(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zero = os.path.relpath("/dev/zero", layout)  # ../../../dev/zero, inside the root /
    scenario = _scenario(layout / "s.yaml", policy=zero)
    line = _refused(scenario, capsys, "--root", "/")
    assert f"policy.file: {zero!r} is a device, FIFO or socket, not a regular file" in line


@pytest.mark.parametrize(
    ("field", "where"),
    [("manifest", "events[1].deploy.manifest"), ("key", "attestors.qa.keys[0].privateKeyFile")],
)
def test_every_named_file_is_confined(
    layout: Path, capsys: pytest.CaptureFixture[str], field: str, where: str
) -> None:
    scenario = layout / "s.yaml"
    if field == "manifest":
        _scenario(scenario, manifest="../outside.yaml")
    else:
        _scenario(scenario)
        text = scenario.read_text().replace(
            "policy:", "attestors:\n  qa: {keys: [{name: k, privateKeyFile: ../outside.yaml}]}\npolicy:"
        )
        scenario.write_text(text)
    line = _refused(scenario, capsys)
    assert f"{where}: '../outside.yaml' leads out of the scenario root" in line


def test_dotdot_and_symlinks_that_stay_inside_are_allowed(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (layout / "k8s").mkdir()
    (layout / "k8s" / "web.yaml").symlink_to(layout / "web.yaml")  # a link inside, to inside
    (layout / "shared-policy.yaml").symlink_to("policy.yaml")
    scenario = _scenario(layout / "s.yaml", policy="k8s/../shared-policy.yaml", manifest="k8s/web.yaml")
    assert main(["run", str(scenario)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed, 0 skipped"


def test_root_widens_where_files_may_be(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "policy.yaml").write_text(POLICY)
    scenario = _scenario(tmp_path / "team" / "s.yaml", policy="../shared/policy.yaml")
    assert "leads out of the scenario root" in _refused(scenario, capsys)
    assert main(["run", str(scenario), "--root", str(tmp_path)]) == 0
    capsys.readouterr()
    assert "--root: scenario root" in _refused(scenario, capsys, "--root", str(tmp_path / "nope"))
    with pytest.raises(ScenarioError, match="the scenario is outside the scenario root"):
        load_scenario_file(scenario, root=tmp_path / "shared")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("fifo", "scenario is a device, FIFO or socket, not a regular file"),
        ("big", "scenario is 1048588 bytes; the limit is 1048576 bytes"),
        ("latin1", "scenario is not UTF-8 text (byte 13)"),
    ],
)
def test_the_scenario_file_itself_is_checked_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, expected: str
) -> None:
    path = tmp_path / "s.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "big":
        path.write_text("scenario: x\n" + "#" * files.MAX_FILE_BYTES)
    else:
        path.write_bytes("scenario: caf\xe9\n".encode("latin-1"))
    assert _refused(path, capsys) == f"kritis-sim: error: {path}: {expected}"
    # Found by searching the directory, it is refused the same way.
    assert _refused(tmp_path, capsys) == f"kritis-sim: error: {path}: {expected}"
