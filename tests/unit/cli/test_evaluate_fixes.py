"""``kritis-sim evaluate`` says, on stderr, what would make each image conform."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from kritis_sim.cli.main import main

from .test_evaluate import EXAMPLE, NOW, PROD_IMAGE, TRUSTED_DIRS, evaluate, pod, write


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


def test_signing_check_fix_names_its_keys_and_its_sign_line_makes_it_conform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kritis_sim.crypto.keys import (
        default_key_id,
        generate_private_key,
        private_key_pem,
        public_key_pem,
    )
    from kritis_sim.model.attestor import SignatureAlgorithm

    alg = SignatureAlgorithm.ECDSA_P256_SHA256
    key = generate_private_key(alg)
    (tmp_path / "key.pem").write_bytes(private_key_pem(key))
    pem = public_key_pem(key)
    check = {
        "attestationAuthenticators": [
            {
                "pkixPublicKeySet": {
                    "pkixPublicKeys": [
                        {"publicKeyPem": pem, "signatureAlgorithm": alg.value}
                    ]
                }
            }
        ],
        "containerAnalysisAttestationProjects": ["projects/att"],
    }
    policy = write(
        tmp_path,
        "policy.yaml",
        {
            "gkePolicy": {
                "checkSets": [{"checks": [{"simpleSigningAttestationCheck": check}]}]
            }
        },
    )
    image = "gcr.io/shop/api@sha256:" + "c" * 64
    manifest = write(tmp_path, "pod.yaml", pod(image))
    occ = tmp_path / "occ.json"
    occ.write_text("[]")
    args = ["--platform-policy", policy, "--occurrences", str(occ)]
    args += ["--occurrences-project", "projects/att", "--format", "text"]
    code, text, _ = evaluate(capsys, manifest, *args)
    assert code == 1
    assert f"accepted key ids: {default_key_id(pem)}" in text
    sign = next(
        line.strip().removeprefix("$ ")
        for line in text.splitlines()
        if "$ kritis-sim sign" in line
    )
    words = [
        {
            "PRIVATE_KEY.pem": str(tmp_path / "key.pem"),
            "OCCURRENCES.json": str(occ),
        }.get(w, w)
        for w in shlex.split(sign)[1:]
    ]
    assert main([*words, "--create-time", NOW]) == 0
    capsys.readouterr()
    code, text, _ = evaluate(capsys, manifest, *args)
    assert code == 0, text
    gcloud = [line for line in text.splitlines() if "gcloud" in line]
    assert gcloud == []  # conforms: no fix any more
