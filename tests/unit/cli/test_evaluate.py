"""``kritis-sim evaluate``: exit codes, one PodResult per object, --image, --format."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.cli.main import main

FIXTURES = Path(__file__).parents[2] / "fixtures" / "platform"
EXAMPLE = str(FIXTURES / "reference-example.yaml")
TRUSTED_DIRS = str(FIXTURES / "reference-trusted-dirs.yaml")
CLOUD_RUN = str(FIXTURES / "cloud-run.json")
DIGEST = "@sha256:" + "a" * 64
PROD_IMAGE = "us-docker.pkg.dev/my-proj/repo/app" + DIGEST
NOW = "2026-11-29T00:00:00Z"


def pod(
    image: str,
    name: str = "p",
    namespace: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": image}]}
    if account is not None:
        spec["serviceAccountName"] = account
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(
        doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    )
    return str(path)


def evaluate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["evaluate", "--now", NOW, *args])
    out = capsys.readouterr()
    return (
        code,
        json.loads(out.out) if out.out.strip().startswith("{") else out.out,
        out.err,
    )


def test_trusted_directory_pod_is_conformant_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod("gcr.io/my-project/my-repo/app:1"))
    code, out, err = evaluate(capsys, manifest, "--platform-policy", TRUSTED_DIRS)
    assert code == 0
    assert out["verdict"] == "CONFORMANT"
    (result,) = out["results"]
    assert result["podName"] == "p"
    assert result["kubernetesNamespace"] == "default"
    check = result["imageResults"][0]["checkSetResult"]["checkResults"]["results"][0]
    assert check == {
        "evaluationResult": {"verdict": "CONFORMANT"},
        "explanation": check["explanation"],
        "index": "0",
        "type": "TrustedDirectoryCheck",
    }
    assert "verdict: CONFORMANT" in err and "(exit 0)" in err


def test_untrusted_image_is_non_conformant_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod("docker.io/library/nginx:1"))
    code, out, err = evaluate(capsys, manifest, "--platform-policy", TRUSTED_DIRS)
    assert code == 1
    assert out["verdict"] == "NON_CONFORMANT"
    assert "Image isn't in a trusted directory" in err


def test_unevaluated_checks_are_error_exit_1_never_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod(PROD_IMAGE, namespace="prod"))
    code, out, err = evaluate(capsys, manifest, "--platform-policy", EXAMPLE)
    assert code == 1
    assert out["verdict"] == "ERROR"
    checks = out["results"][0]["imageResults"][0]["checkSetResult"]["checkResults"]
    verdicts = [c["evaluationResult"]["verdict"] for c in checks["results"]]
    assert verdicts == ["CONFORMANT", "ERROR", "ERROR", "ERROR"]
    assert "no valid vulnerability scan" in err  # vulnerabilityCheck, no DISCOVERY
    assert "no roots of trust are configured for GOOGLE_CLOUD_BUILD" in err  # slsaCheck
    assert "an ERROR is never conformant (exit 1)" in err


def test_list_gives_one_pod_result_per_object_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            pod(PROD_IMAGE, "sa", "prod", "deployer"),
            pod("gcr.io/gke-release/pause:3", "allowed", "other"),
            pod(PROD_IMAGE, "denied", "other"),
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}},
        ],
    }
    manifest = write(tmp_path, "list.yaml", listing)
    code, out, err = evaluate(capsys, manifest, "--platform-policy", EXAMPLE)
    assert code == 1
    assert out["verdict"] == "NON_CONFORMANT"
    pods = out["results"]
    assert [p["podName"] for p in pods] == ["sa", "allowed", "denied"]
    # "sa": simpleSigningAttestationCheck with no attestation in the files
    assert [p["verdict"] for p in pods] == [
        "NON_CONFORMANT",
        "CONFORMANT",
        "NON_CONFORMANT",
    ]
    assert pods[0]["kubernetesServiceAccount"] == "deployer"
    assert pods[0]["imageResults"][0]["checkSetResult"]["index"] == "0"
    assert pods[1]["imageResults"][0]["allowlistResult"] == {
        "matchedPattern": "gcr.io/gke-release/*"
    }
    assert pods[2]["imageResults"][0]["checkSetResult"]["index"] == "2"
    assert "items[3]: not evaluated: not applicable: ConfigMap" in err


def test_deployment_uses_its_template_and_manifest_namespace_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = pod(PROD_IMAGE, account="deployer")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": template["spec"],
            },
        },
    }
    manifest = write(tmp_path, "deploy.yaml", deployment)
    code, out, _ = evaluate(
        capsys, manifest, "--platform-policy", EXAMPLE, "--namespace", "prod"
    )
    assert code == 1
    (result,) = out["results"]
    assert (result["podName"], result["kubernetesNamespace"]) == ("web", "prod")
    assert result["imageResults"][0]["checkSetResult"]["displayName"] == "prod SA"


def test_image_mode_uses_only_the_unscoped_check_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = evaluate(
        capsys,
        "--image",
        PROD_IMAGE,
        "--image",
        "gcr.io/gke-release/pause:3",
        "--platform-policy",
        EXAMPLE,
    )
    assert code == 1
    (result,) = out["results"]
    assert "kubernetesNamespace" not in result and "podName" not in result
    first, second = result["imageResults"]
    assert first["checkSetResult"]["displayName"] == "default deny"
    assert first["verdict"] == "NON_CONFORMANT"
    assert second["verdict"] == "CONFORMANT"


def test_image_mode_conformant_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = evaluate(
        capsys, "--image", "gcr.io/my-project/x:1", "--platform-policy", TRUSTED_DIRS
    )
    assert (code, out["verdict"]) == (0, "CONFORMANT")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "gcr.io/p/a:1", "INPUT"], "not both"),
        (
            ["--image", "gcr.io/p/a:1", "--namespace", "prod"],
            "--namespace does not apply",
        ),
        ([], "give INPUT"),
    ],
)
def test_input_and_image_misuse_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod("gcr.io/p/a:1"))
    args = [manifest if a == "INPUT" else a for a in args]
    code, out, err = evaluate(capsys, *args, "--platform-policy", TRUSTED_DIRS)
    assert code == 2 and out == ""
    assert message in err


def test_text_format_prints_the_explanation_on_stdout_without_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(
        tmp_path, "pod.yaml", pod("docker.io/library/nginx:1", namespace="ns1")
    )
    code, out, err = evaluate(
        capsys, manifest, "--platform-policy", TRUSTED_DIRS, "--format", "text"
    )
    assert code == 1
    assert isinstance(out, str) and "{" not in out
    lines = out.splitlines()
    assert lines[0].startswith("Pod ns1/p (") and lines[0].endswith(
        "service account default: NON_CONFORMANT"
    )
    assert "check set 0 (unscoped): NON_CONFORMANT" in out
    assert "check 0 TrustedDirectoryCheck: NON_CONFORMANT: Image isn't" in out
    assert lines[-1] == (
        "verdict: NON_CONFORMANT: at least one image does not conform (exit 1)"
    )
    assert err == ""


def test_json_format_explains_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod("docker.io/library/nginx:1"))
    code, out, err = evaluate(capsys, manifest, "--platform-policy", TRUSTED_DIRS)
    assert code == 1 and isinstance(out, dict)
    assert "check 0 TrustedDirectoryCheck: NON_CONFORMANT" in err


def test_input_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_dump(pod("gcr.io/my-project/x:1", name="s")).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = evaluate(capsys, "-", "--platform-policy", TRUSTED_DIRS)
    assert (code, out["verdict"], out["results"][0]["podName"]) == (
        0,
        "CONFORMANT",
        "s",
    )
