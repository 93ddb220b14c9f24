"""Startup errors are messages (issue 15 item 9): exit 2, one line naming the
file or port, never a traceback. The real ``kritis-sim webhook`` runs: as a
process where it would get as far as serving, through ``main()`` otherwise."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kritis_sim.cli.main import main

POLICY = (
    "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW,\n"
    "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A policy, attestors and two certificate/key pairs (a/ and b/)."""
    (tmp_path / "policy.yaml").write_text(POLICY)
    (tmp_path / "attestors.yaml").write_text("[]\n")
    for pair in ("a", "b"):
        assert main(["certs", "--out", str(tmp_path / pair)]) == 0
    return tmp_path


def _args(world: Path, *extra: str) -> list[str]:
    return [
        "webhook", "--policy", str(world / "policy.yaml"),
        "--attestors", str(world / "attestors.yaml"), *extra,
    ]  # fmt: skip


def _tls(world: Path, cert: str = "a/tls.crt", key: str = "a/tls.key") -> list[str]:
    return ["--tls-cert", str(world / cert), "--tls-key", str(world / key)]


def _one_error(err: str) -> str:
    errors = [line for line in err.splitlines() if line.startswith("kritis-sim: error")]
    assert len(errors) == 1, err
    assert "Traceback" not in err
    return errors[0]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kritis_sim.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_startup_missing_key_file_exits_2_naming_it(world: Path) -> None:
    missing = world / "a" / "nope.key"
    proc = _run(_args(world, *_tls(world, key="a/nope.key")))
    assert proc.returncode == 2
    assert proc.stderr == f"kritis-sim: error: --tls-key {missing}: file not found\n"


def test_startup_port_in_use_exits_2_naming_it(world: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run(_args(world, *_tls(world), "--port", str(port)))
    assert proc.returncode == 2
    assert _one_error(proc.stderr) == (
        f"kritis-sim: error: --host 127.0.0.1 --port {port}: cannot listen there: "
        "Address already in use"
    )
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("tls", "message"),
    [
        (
            ("a/tls.crt", "b/tls.key"),
            "--tls-key {w}/b/tls.key does not match the certificate in --tls-cert "
            "{w}/a/tls.crt (their public keys differ)",
        ),
        (
            ("a/tls.key", "a/tls.key"),
            "--tls-cert {w}/a/tls.key: not a PEM certificate (expected "
            "'-----BEGIN CERTIFICATE-----')",
        ),
        (
            ("a/tls.crt", "a/tls.crt"),
            "--tls-key {w}/a/tls.crt: not a PEM private key (expected "
            "'-----BEGIN PRIVATE KEY-----' or an RSA/EC key block)",
        ),
        (("none.crt", "a/tls.key"), "--tls-cert {w}/none.crt: file not found"),
        (("a", "a/tls.key"), "--tls-cert {w}/a: cannot read: Is a directory"),
    ],
    ids=["mismatched", "cert-not-pem", "key-not-pem", "cert-missing", "cert-dir"],
)
def test_startup_tls_problems_are_one_line(
    world: Path,
    capsys: pytest.CaptureFixture[str],
    tls: tuple[str, str],
    message: str,
) -> None:
    capsys.readouterr()
    assert main(_args(world, *_tls(world, *tls))) == 2
    assert _one_error(capsys.readouterr().err) == "kritis-sim: error: " + (
        message.format(w=world)
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--policy", "{w}/missing.yaml"), "{w}/missing.yaml: file not found"),
        (
            ("--audit-log", "{w}/no/such/dir/audit.jsonl"),
            "--audit-log {w}/no/such/dir/audit.jsonl: cannot open for appending: "
            "No such file or directory",
        ),
        (("--port", "70000"), "--port 70000: expected a port number from 0 to 65535"),
    ],
    ids=["policy", "audit-log", "port-range"],
)
def test_startup_files_and_ports_are_one_line(
    world: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, str],
    message: str,
) -> None:
    capsys.readouterr()
    args = _args(world, *_tls(world), *(e.format(w=world) for e in extra))
    assert main(args) == 2
    assert _one_error(capsys.readouterr().err) == "kritis-sim: error: " + (
        message.format(w=world)
    )
