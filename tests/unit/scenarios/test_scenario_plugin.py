"""The pytest plugin, run in a subprocess against a throw-away project."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kritis_sim import pytest_plugin

ROOT = Path(__file__).resolve().parents[3]

USER_TEST = textwrap.dedent(
    """\
    import datetime

    from kritis_sim.model.attestor import Attestor
    from kritis_sim.model.policy import load_policy
    from kritis_sim.scenarios.keys import KeyMaterial

    IMAGE = "gcr.io/user-project/app@sha256:" + "ab" * 32
    POLICY = load_policy(
        "defaultAdmissionRule:\\n"
        "  evaluationMode: REQUIRE_ATTESTATION\\n"
        "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\\n"
        "  requireAttestationsBy: [projects/user-project/attestors/qa]\\n"
        "  kritisSimMaxAttestationAge: 1h\\n"
    )

    def test_fixtures(kritis_keys, kritis_clock, kritis_now, grafeas_store,
                      make_attestation, kritis_enforcer):
        from kritis_sim.crypto.keys import default_key_id, public_key_pem
        from kritis_sim.model.attestor import AttestorPublicKey, PkixPublicKey, SignatureAlgorithm

        alg = SignatureAlgorithm.ECDSA_P256_SHA256
        key = kritis_keys.private_key("user/qa", alg)
        assert kritis_keys.private_key("user/qa", alg) is key
        pem = public_key_pem(key)
        attestor = Attestor(
            "projects/user-project/attestors/qa", "projects/user-project/notes/qa",
            (AttestorPublicKey(default_key_id(pem), PkixPublicKey(pem, alg)),),
        )
        assert not kritis_enforcer(POLICY, [attestor], [IMAGE])
        make_attestation(IMAGE, attestor, key)
        assert kritis_enforcer(POLICY, [attestor], [IMAGE])
        assert kritis_now == kritis_clock.now()
        kritis_clock.advance(datetime.timedelta(hours=2))
        assert not kritis_enforcer(POLICY, [attestor], [IMAGE])
        assert len(list(grafeas_store.list_all("occurrences", __import__(
            "kritis_sim.grafeas.store", fromlist=["Scan"]).Scan()))) == 1
    """
)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    for name in ("online-merchant.yaml", "deployment-refused.yaml"):
        shutil.copy(ROOT / "scenarios" / name, scenarios / name)
    shutil.copytree(ROOT / "scenarios" / "manifests", scenarios / "manifests")
    text = (ROOT / "scenarios" / "online-merchant.yaml").read_text()
    broken = text.replace("scenario: online-merchant", "scenario: broken-merchant").replace(
        "      expect: denied\n", "      expect: allowed\n"
    )
    (scenarios / "broken.yaml").write_text(broken)
    return tmp_path


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def test_plugin_collects_runs_and_reports_failures(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "test_user.py").write_text(USER_TEST)
    run = _pytest(project, "-q", "-rf")
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "1 failed, 14 passed" in out, out
    failure = out[out.index("FAILURES"):]
    assert "broken.yaml:66: deploy 'unapproved checkout -> prod'" in failure
    assert "Pod: expected allowed, got denied" in failure
    assert "reason: Image us-docker.pkg.dev/merchant-shop/web/checkout@sha256:" in failure
    listing = _pytest(project, "--collect-only", "-q", "scenarios").stdout
    assert "scenarios/online-merchant.yaml::online-merchant/unapproved checkout -> prod" in listing
    assert "manifests" not in listing


def test_plugin_runs_under_xdist_and_custom_glob(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "scenarios" / "broken.yaml").unlink()
    run = _pytest(project, "-q", "-n", "2", "scenarios")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "9 passed" in run.stdout
    (project / "pytest.ini").write_text("[pytest]\nkritis_sim_scenarios = other/*.yaml\n")
    run = _pytest(project, "-q", "scenarios")
    assert run.returncode == 5, run.stdout  # nothing collected outside the glob


def test_malformed_scenario_is_a_collection_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "scenarios" / "broken.yaml").write_text(
        "scenario: bad\nenvironments:\n  prod: {clustr: x}\nevents: []\n"
    )
    run = _pytest(project, "-q", "scenarios")
    assert run.returncode == 2, run.stdout
    assert "malformed scenario: " in run.stdout
    assert "broken.yaml:3: environments.prod.clustr: unknown field 'clustr'" in run.stdout


def test_scenario_root_from_the_ini_option(tmp_path: Path) -> None:
    project = tmp_path
    (project / "pytest.ini").write_text(
        "[pytest]\naddopts = -p no:cacheprovider\nkritis_sim_scenario_root = scenarios\n"
    )
    team = project / "scenarios" / "team"
    team.mkdir(parents=True)
    (project / "scenarios" / "shared.yaml").write_text(
        "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
    )
    (team / "s.yaml").write_text(
        "scenario: shared-policy\nenvironments: {prod: {}}\nartifacts: {web: {repository: gcr.io/p/web}}\n"
        "policy: {file: ../shared.yaml}\nevents:\n  - build: web\n  - deploy: {to: prod, artifact: web, expect: allowed}\n"
    )
    # Without the ini option the policy would lead out of scenarios/team.
    run = _pytest(project, "-q", "scenarios")
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout


class _Config:
    def __init__(self, option: str | None, ini: str) -> None:
        self.option, self.ini, self.rootpath = option, ini, Path("/project")

    def getoption(self, name: str) -> str | None:
        assert name == pytest_plugin.ROOT_OPTION
        return self.option

    def getini(self, name: str) -> str:
        assert name == pytest_plugin.ROOT_INI
        return self.ini


@pytest.mark.parametrize(
    ("option", "ini", "root"),
    [(None, "", None), (None, "shared", Path("/project/shared")), ("wide", "shared", Path("wide"))],
)
def test_scenario_root_option_overrides_the_ini(option: str | None, ini: str, root: Path | None) -> None:
    assert pytest_plugin._scenario_root(_Config(option, ini)) == root  # type: ignore[arg-type]


def test_cv_expectations_are_items_that_fail_with_their_line(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    text = (ROOT / "scenarios" / "cv-attestation-ages-out.yaml").read_text()
    broken = text.replace(
        "  - expect: {cv: {pod: patient-portal, verdict: none}}\n  - advance: 24h                     # Friday",
        "  - expect: {cv: {pod: patient-portal, verdict: VIOLATES_POLICY}}\n  - advance: 24h                     # Friday",
    )
    assert broken != text
    (scenarios / "cv.yaml").write_text(broken)
    run = _pytest(tmp_path, "-q", "-rf", "scenarios")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 5 passed" in run.stdout, run.stdout
    assert "cv-attestation-ages-out/line 40: CV of patient-portal: VIOLATES_POLICY" in run.stdout
    assert "expected VIOLATES_POLICY in the CV pass at 2024-06-06T08:00:00Z, got no entry" in run.stdout
