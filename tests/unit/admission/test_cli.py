"""The ``certs``, ``manifests`` and ``webhook`` commands."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from kritis_sim.cli.main import main

from .conftest import API, MIGRATE, PROXY, Scenario, call, fixture

ALLOW_ALL = (
    "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW,\n"
    "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
)


def test_cli_certs_writes_three_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["certs", "--out", str(tmp_path), "--dns", "a.example", "b.example"])
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == {"ca.crt", "tls.crt", "tls.key"}
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_cli_manifests_print_valid_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["certs", "--out", str(tmp_path), "--service", "hook", "--namespace", "guard"])
    (tmp_path / "policy.yaml").write_text(ALLOW_ALL)
    (tmp_path / "attestors.yaml").write_text("[]\n")
    capsys.readouterr()
    code = main(
        ["manifests", "--namespace", "guard", "--name", "hook", "--rollout", "enforce",
         "--image", "example.com/kritis-sim:1",
         "--policy", str(tmp_path / "policy.yaml"),
         "--attestors", str(tmp_path / "attestors.yaml"),
         "--ca-file", str(tmp_path / "ca.crt"),
         "--tls-cert", str(tmp_path / "tls.crt"), "--tls-key", str(tmp_path / "tls.key")]
    )  # fmt: skip
    assert code == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    assert docs[-1]["kind"] == "ValidatingWebhookConfiguration"
    for doc in docs:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


def test_cli_manifests_bad_timeout_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policy.yaml").write_text(ALLOW_ALL)
    (tmp_path / "attestors.yaml").write_text("[]\n")
    code = main(
        ["manifests", "--rollout", "enforce", "--timeout-seconds", "0",
         "--certs-out", str(tmp_path),
         "--policy", str(tmp_path / "policy.yaml"),
         "--attestors", str(tmp_path / "attestors.yaml")]
    )  # fmt: skip
    assert code == 2
    assert "timeoutSeconds" in capsys.readouterr().err


def _write_world(tmp_path: Path) -> list[str]:
    scenario = Scenario()
    for image in (API, PROXY, MIGRATE):
        scenario.attest(image)
    files = {
        "policy.json": scenario.policy.to_dict(),
        "attestors.json": [a.to_dict() for a in scenario.attestors.values()],
        "occurrences.json": [o.to_dict() for o in scenario.occurrences],
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data))
    return [
        "--policy", str(tmp_path / "policy.json"),
        "--attestors", str(tmp_path / "attestors.json"),
        "--occurrences", str(tmp_path / "occurrences.json"),
    ]  # fmt: skip


def test_cli_webhook_serves_tls_and_audits(tmp_path: Path) -> None:
    main(["certs", "--out", str(tmp_path)])
    audit = tmp_path / "audit.jsonl"
    command = [
        sys.executable, "-m", "kritis_sim.cli.main", "webhook", *_write_world(tmp_path),
        "--cluster", "us-east1-b.prod", "--port", "0", "--audit-log", str(audit),
        "--tls-cert", str(tmp_path / "tls.crt"), "--tls-key", str(tmp_path / "tls.key"),
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("https://127.0.0.1:"), proc.stderr
        context = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
        with httpx.Client(verify=context, timeout=10) as client:
            reply = client.post(
                f"{base_url}/validate?timeout=10s", json=fixture("pod-create-v1.json")
            )
        assert reply.json()["response"]["allowed"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert (
        record["allowed"] is True and record["target"]["serviceAccount"] == "shop-api"
    )


def test_cli_webhook_without_world_is_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["webhook", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "--policy and --attestors" in err and "plain HTTP" in err


def test_cli_webhook_emulator_down_fails_closed(make_app: Any) -> None:
    from kritis_sim.cli import webhook as webhook_cli
    from kritis_sim.cli.main import parser

    args = parser("webhook").parse_args(
        ["webhook", "--emulator", "http://127.0.0.1:9", "--project", "p"]
    )
    app = make_app(webhook_cli._config(args, None))
    response = call(app, "/validate?timeout=4s", fixture("pod-create-v1.json")).json()[
        "response"
    ]
    assert response["allowed"] is False
    assert "policy source failed" in response["status"]["message"]
    assert call(app, "/readyz", method="GET").status_code == 503
