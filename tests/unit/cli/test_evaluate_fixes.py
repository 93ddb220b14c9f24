"""``kritis-sim evaluate`` says, on stderr, what would make each image conform."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .test_evaluate import EXAMPLE, PROD_IMAGE, TRUSTED_DIRS, evaluate, pod, write


def test_untrusted_directory_fix_names_the_check_and_the_repository_pattern(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = "docker.io/library/nginx@sha256:" + "b" * 64
    manifest = write(tmp_path, "pod.yaml", pod(image))
    code, _, err = evaluate(capsys, manifest, "--platform-policy", TRUSTED_DIRS)
    assert code == 1
    assert (
        "fix (platform-check) for docker.io/library/nginx@sha256:bbbbbbbbbbbb...: check 0 TrustedDirectoryCheck (NON_CONFORMANT)"
        in err
    )
    assert "push the image under one of the check's trustedDirPatterns" in err
    assert "add 'docker.io/library/nginx@*' to imageAllowlist.allowPattern" in err


def test_error_checks_say_what_input_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod(PROD_IMAGE, namespace="prod"))
    _, _, err = evaluate(capsys, manifest, "--platform-policy", EXAMPLE)
    fixes = [line for line in err.splitlines() if "fix (platform-check)" in line]
    assert len(fixes) == 3  # one per ERROR check, none for the conformant one
    assert "kritis-sim vulns --image" in fixes[0]
    assert "--image-metadata FILE" in fixes[1]
    assert "--trusted-builders FILE" in fixes[2]


def test_conformant_pod_has_no_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write(tmp_path, "pod.yaml", pod("gcr.io/my-project/my-repo/app:1"))
    code, _, err = evaluate(capsys, manifest, "--platform-policy", TRUSTED_DIRS)
    assert code == 0 and "fix (" not in err


def test_adding_the_suggested_allow_pattern_makes_the_image_conform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = "docker.io/library/nginx@sha256:" + "b" * 64
    manifest = write(tmp_path, "pod.yaml", pod(image))
    _, _, err = evaluate(capsys, manifest, "--platform-policy", TRUSTED_DIRS)
    pattern = err.split("or exempt the repository: add '")[1].split("'")[0]
    policy = yaml.safe_load(Path(TRUSTED_DIRS).read_text())
    policy["gkePolicy"]["imageAllowlist"] = {"allowPattern": [pattern]}
    allowing = write(tmp_path, "allowing.yaml", policy)
    code, out, _ = evaluate(capsys, manifest, "--platform-policy", allowing)
    assert code == 0 and out["verdict"] == "CONFORMANT"
    sibling = write(tmp_path, "sibling.yaml", pod(image.replace("nginx", "nginx2")))
    code, _, _ = evaluate(capsys, sibling, "--platform-policy", allowing)
    assert code == 1  # the pattern exempts that repository only
