"""``kritis-sim review --semantics kritis``: Kritis' documented examples, output
and exit conventions, bad input (exit 2, one located line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kritis_sim.cli.main import main
from tests.unit.kritis.world import IMAGE, aa, attestation, gap, isp, vuln

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "kritis"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, object, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


def test_kritis_documentation_examples(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    code, out, err = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--policy",
        "resources",
        "--occurrences",
        "occurrences.yaml",
        "pods.yaml",
    )
    assert code == 1
    assert isinstance(out, list)
    got = {o["object"]["name"]: (o["allowed"], o["verdictAllowed"]) for o in out}
    assert got == {
        "attested": (True, True),
        "unattested": (False, False),
        "breakglass": (True, False),
        "helloworld": (False, False),
    }
    assert "not a fully qualified image" in out[3]["images"][0]["reasons"][-1]
    assert "warning" not in err


def _world(tmp_path: Path, *docs: dict[str, object]) -> tuple[str, str, str]:
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump_all(docs))
    occ = [attestation().to_dict(), vuln("CVE-1", "HIGH").to_dict()]
    (tmp_path / "occ.json").write_text(json.dumps(occ))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": IMAGE}]},
    }
    (tmp_path / "pod.yaml").write_text(yaml.safe_dump(pod))
    return (
        str(tmp_path / "policy.yaml"),
        str(tmp_path / "occ.json"),
        str(tmp_path / "pod.yaml"),
    )


def test_vulnerability_gate_and_admission_review_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, occ, pod = _world(tmp_path, aa(), gap(), isp(maximumSeverity="MEDIUM"))
    code, out, _ = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--policy",
        policy,
        "--occurrences",
        occ,
        pod,
    )
    assert code == 1 and isinstance(out, dict)
    assert out["message"] == f"found violations in {IMAGE}"
    review = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "default",
            "operation": "CREATE",
            "object": yaml.safe_load(Path(pod).read_text()),
        },
    }
    (tmp_path / "review.json").write_text(json.dumps(review))
    code, out, _ = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--policy",
        policy,
        "--occurrences",
        occ,
        str(tmp_path / "review.json"),
    )
    assert code == 1 and isinstance(out, dict)
    assert out["response"]["uid"] == "u1" and out["response"]["allowed"] is False
    assert out["response"]["status"]["message"] == f"found violations in {IMAGE}"


def test_gcp_is_the_default_semantics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, occ, pod = _world(tmp_path, aa(), gap())
    code, _, err = _run(capsys, "review", "--policy", policy, "--occurrences", occ, pod)
    assert code == 2 and "--attestors are required" in err


def test_dropped_field_warns_and_strict_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = isp()
    doc["spec"] = {"packageVulnerabilityPolicy": {"maximumSeverity": "LOW"}}
    policy, occ, pod = _world(tmp_path, doc)
    code, _, err = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--policy",
        policy,
        "--occurrences",
        occ,
        pod,
    )
    assert code == 0 and "warning:" in err and "did you mean" in err
    code, out, err = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--strict",
        "--policy",
        policy,
        "--occurrences",
        occ,
        pod,
    )
    assert code == 2 and out is None
    assert "policy.yaml:" in err and "spec.packageVulnerabilityPolicy" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--attestors", "a.yaml"], "--attestors is not used"),
        (["--cluster", "none"], "--cluster is not used"),
    ],
)
def test_gcp_only_flags_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], expect: str
) -> None:
    policy, _occ, pod = _world(tmp_path, aa(), gap())
    code, _, err = _run(
        capsys, "review", "--semantics", "kritis", "--policy", policy, *extra, pod
    )
    assert code == 2 and expect in err


def test_unknown_severity_is_exit_2_with_file_line_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, _occ, pod = _world(tmp_path, isp(maximumSeverity="SEVERE"))
    code, _, err = _run(
        capsys, "review", "--semantics", "kritis", "--policy", policy, pod
    )
    assert code == 2
    assert (
        "policy.yaml:" in err
        and "maximumSeverity" in err
        and "invalid max severity" in err
    )


def test_policy_directory_and_kinds_not_inspected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "res"
    d.mkdir()
    (d / "a.yaml").write_text(yaml.safe_dump(aa()))
    (d / "g.yaml").write_text(yaml.safe_dump(gap()))
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "s"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "serviceName": "s",
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": IMAGE}]},
            },
        },
    }
    (tmp_path / "sts.yaml").write_text(yaml.safe_dump(sts))
    code, out, _ = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--policy",
        str(d),
        str(tmp_path / "sts.yaml"),
    )
    assert (
        code == 0
        and isinstance(out, dict)
        and "does not inspect StatefulSet" in out["notApplicable"]
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = _run(
        capsys,
        "review",
        "--semantics",
        "kritis",
        "--policy",
        str(empty),
        str(tmp_path / "sts.yaml"),
    )
    assert code == 2 and "holds no" in err
