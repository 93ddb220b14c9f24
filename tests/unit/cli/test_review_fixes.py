"""``kritis-sim review`` says how to fix a denial, and the fix works: running
the suggested ``kritis-sim sign`` line (placeholders filled in), or adding the
suggested allowlist pattern, turns the denial into an allow."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from kritis_sim.cli.main import main

from .conftest import OTHER, CliWorld, pod


def _review(
    world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = main(
        world.review_args(
            world.path("pod.yaml"), "--occurrences", world.path("occurrences.json")
        )
    )
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_review_denial_lists_fixes_and_the_sign_line_makes_it_pass(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.write("pod.yaml", pod(OTHER))
    code, out, err = _review(cli_world, capsys)
    assert code == 1
    assert [f["kind"] for f in out["fixes"]] == ["attest", "allowlist"]
    attest = out["fixes"][0]
    assert attest["attestor"] == "projects/shop/attestors/qa"
    assert attest["seenKeys"] == []
    assert "fix (attest) for gcr.io/shop/api@sha256:dddddddddddd...: attest " in err
    assert "key ids seen: none" in err
    words = shlex.split(attest["commands"][0])
    assert words[:2] == ["kritis-sim", "sign"]
    filled = [
        {
            "PRIVATE_KEY.pem": cli_world.path("key.pem"),
            "OCCURRENCES.json": cli_world.path("occurrences.json"),
        }.get(w, w)
        for w in words[2:]
    ]
    assert main(["sign", *filled, "--create-time", "2026-11-25T00:00:00Z"]) == 0
    code, out, err = _review(cli_world, capsys)
    assert code == 0 and out["allowed"] is True and out["fixes"] == []
    assert "fix (" not in err


def test_review_suggested_allowlist_pattern_makes_it_pass(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_world.write("pod.yaml", pod(OTHER))
    _, out, _ = _review(cli_world, capsys)
    pattern = out["fixes"][-1]["pattern"]
    assert pattern == "gcr.io/shop/api@*"
    cli_world.policy(admissionWhitelistPatterns=[{"namePattern": pattern}])
    code, out, _ = _review(cli_world, capsys)
    assert code == 0 and out["images"][0]["rule"]["kind"] == "allowlist"


def test_image_review_reply_keeps_its_shape_and_hints_the_fix(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    review = {
        "apiVersion": "imagepolicy.k8s.io/v1alpha1",
        "kind": "ImageReview",
        "spec": {"containers": [{"image": OTHER}], "namespace": "shop"},
    }
    cli_world.write("pod.yaml", json.dumps(review))
    code, out, err = _review(cli_world, capsys)
    assert code == 1
    assert set(out) == {"apiVersion", "kind", "status"}
    assert " Fix: attest gcr.io/shop/api@sha256:dddddddddddd... as " in (
        out["status"]["reason"]
    )
    assert "fix (attest) for " in err
