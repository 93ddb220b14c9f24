"""``kritis-sim evaluate`` inputs: image metadata, and unusable input → exit 2 naming the place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kritis_sim.errors import InputError
from kritis_sim.model.image_metadata import load_image_metadata

from .test_evaluate import CLOUD_RUN, DIGEST, evaluate, pod, write

FRESH_POLICY = """\
gkePolicy:
  checkSets:
  - checks:
    - imageFreshnessCheck: {maxUploadAgeDays: 30}
"""
IMAGE = "gcr.io/p/app" + DIGEST


def _fresh(tmp_path: Path, metadata: str) -> list[str]:
    return [
        "--image",
        IMAGE,
        "--platform-policy",
        write(tmp_path, "fresh.yaml", FRESH_POLICY),
        "--image-metadata",
        write(tmp_path, "meta.yaml", metadata),
    ]


@pytest.mark.parametrize(
    ("key", "upload", "code", "verdict"),
    [
        (IMAGE, "2026-11-01T00:00:00Z", 0, "CONFORMANT"),
        (
            "sha256:" + "a" * 64,
            "2026-10-30T00:00:00Z",
            0,
            "CONFORMANT",
        ),  # exactly 30 days
        ("sha256:" + "a" * 64, "2026-10-29T23:59:59Z", 1, "NON_CONFORMANT"),
        ("gcr.io/p/other@sha256:" + "b" * 64, "2026-11-01T00:00:00Z", 1, "ERROR"),
    ],
)
def test_freshness_uses_the_image_metadata_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    upload: str,
    code: int,
    verdict: str,
) -> None:
    meta = f'images:\n  "{key}": {{uploadTime: "{upload}"}}\n'
    got, out, _ = evaluate(capsys, *_fresh(tmp_path, meta))
    assert (got, out["verdict"]) == (code, verdict)


def test_metadata_keys_are_normalised() -> None:
    loaded = load_image_metadata(
        'images:\n  "nginx:1": {uploadTime: "2026-11-01T00:00:00+02:00"}\n'
    )
    assert list(loaded) == ["docker.io/library/nginx:1"]
    upload = loaded["docker.io/library/nginx:1"].upload_time
    assert upload is not None and upload.utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            'images:\n  "gcr.io/p/a:1": {uploadTim: "2026-11-01T00:00:00Z"}\n',
            ":2: images['gcr.io/p/a:1'].uploadTim",
            "did you mean 'uploadTime'",
        ),
        (
            'images:\n  "gcr.io/p/a:1": {uploadTime: "2026-11-01 00:00"}\n',
            ":2: images['gcr.io/p/a:1'].uploadTime",
            "RFC 3339",
        ),
        (
            'images:\n  "gcr.io/p/a:1": {uploadTime: 2026}\n',
            ":2: images['gcr.io/p/a:1'].uploadTime",
            "got int",
        ),
        ('images:\n  "gcr.io/p/a:1": {}\n', ":2: images['gcr.io/p/a:1']", "uploadTime"),
        (
            'images:\n  "Bad Ref": {uploadTime: "2026-11-01T00:00:00Z"}\n',
            ":2: images['Bad Ref']",
            "expected an image reference",
        ),
        (
            'images:\n  "sha256:abc": {uploadTime: "2026-11-01T00:00:00Z"}\n',
            ":2: images['sha256:abc']",
            "64 lowercase hex",
        ),
        (
            'images:\n  "nginx:1": {uploadTime: "2026-11-01T00:00:00Z"}\n'
            '  "docker.io/library/nginx:1": {uploadTime: "2026-11-02T00:00:00Z"}\n',
            ":3: images['docker.io/library/nginx:1']",
            "same image as 'nginx:1'",
        ),
        ("images: {}\n", ":1: images", "non-empty mapping"),
        ("image: {}\n", ":1: image", "did you mean 'images'"),
        ("", "", "empty"),
    ],
)
def test_bad_image_metadata_exits_2_naming_line_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    where: str,
    message: str,
) -> None:
    code, out, err = evaluate(capsys, *_fresh(tmp_path, text))
    assert code == 2 and out == ""
    assert f"meta.yaml{where}" in err
    assert message in err
    assert "Traceback" not in err
    with pytest.raises(InputError):
        load_image_metadata(text)


@pytest.mark.parametrize(
    ("policy", "where", "message"),
    [
        (
            "gkePolicy:\n  checkSets:\n  - scope: {kubernetesNamespace: prod}\n"
            "    checks: [{alwaysDeny: true}]\n"
            "  - scope: {kubernetesServiceAccount: 'prod:sa'}\n"
            "    checks: [{alwaysDeny: true}]\n"
            "  - checks: [{alwaysDeny: true}]\n",
            ":5: gkePolicy.checkSets[1].scope.kubernetesServiceAccount",
            "must come first",
        ),
        (
            "gkePolicy:\n  checkSets:\n  - checks:\n"
            "    - trustedDirectoryChecks: {trustedDirPatterns: [gcr.io/p]}\n",
            ":4: gkePolicy.checkSets[0].checks[0].trustedDirectoryChecks",
            "did you mean 'trustedDirectoryCheck'",
        ),
        (
            "gkePolicy:\n  checkSets:\n  - checks:\n    - vulnerabilityCheck:\n"
            "        maximumFixableSeverity: SEVERE\n"
            "        maximumUnfixableSeverity: HIGH\n",
            ":5: gkePolicy.checkSets[0].checks[0].vulnerabilityCheck.maximumFixableSeverity",
            "SEVERE",
        ),
        (
            "gkePolicy:\n  checkSets:\n  - scope: {kubernetesNamespace: prod}\n"
            "    checks: [{alwaysDeny: true}]\n",
            "gkePolicy.checkSets[0].scope",
            "",
        ),
        (
            "gkePolicy:\n  checkSets:\n  - checks:\n"
            "    - trustedDirectoryCheck: {trustedDirPatterns: ['gcr.i*']}\n",
            ":4: gkePolicy.checkSets[0].checks[0].trustedDirectoryCheck.trustedDirPatterns[0]",
            "",
        ),
    ],
)
def test_bad_policy_exits_2_naming_file_line_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    policy: str,
    where: str,
    message: str,
) -> None:
    path = write(tmp_path, "policy.yaml", policy)
    code, out, err = evaluate(capsys, "--image", IMAGE, "--platform-policy", path)
    assert code == 2 and out == ""
    assert re.search(re.escape("policy.yaml") + r":\d+: ", err), err
    assert where in err and message in err
    assert "Traceback" not in err


def test_cloud_run_policy_is_refused_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = evaluate(capsys, "--image", IMAGE, "--platform-policy", CLOUD_RUN)
    assert code == 2 and out == ""
    assert "only GKE platform policies can be evaluated" in err


def test_invalid_manifest_exits_2_before_any_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = pod("gcr.io/p/a:1")
    bad["spec"]["containers"][0]["imagee"] = "x"
    manifest = write(tmp_path, "pod.yaml", bad)
    policy = write(tmp_path, "fresh.yaml", FRESH_POLICY)
    code, out, err = evaluate(capsys, manifest, "--platform-policy", policy)
    assert code == 2 and out == ""
    assert "pod.yaml:" in err and "imagee" in err


def test_admission_review_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    review = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {"uid": "u", "object": pod("gcr.io/p/a:1")},
    }
    manifest = write(tmp_path, "review.yaml", review)
    policy = write(tmp_path, "fresh.yaml", FRESH_POLICY)
    code, out, err = evaluate(capsys, manifest, "--platform-policy", policy)
    assert code == 2 and out == ""
    assert "review.yaml:1" in err and "kritis-sim review takes reviews" in err


def test_manifest_without_pod_spec_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    manifest = write(tmp_path, "cm.yaml", cm)
    policy = write(tmp_path, "fresh.yaml", FRESH_POLICY)
    code, out, err = evaluate(capsys, manifest, "--platform-policy", policy)
    assert code == 2 and out == ""
    assert "nothing to evaluate" in err


def test_unknown_occurrence_format_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scanner = write(tmp_path, "trivy.json", '{"SchemaVersion": 2, "Results": []}')
    policy = write(tmp_path, "fresh.yaml", FRESH_POLICY)
    code, out, err = evaluate(
        capsys, "--image", IMAGE, "--platform-policy", policy, "--occurrences", scanner
    )
    assert code == 2 and out == ""
    assert "trivy.json" in err and "Traceback" not in err
