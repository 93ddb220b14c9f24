"""Private keys from ``certs`` and ``keygen`` are 0600 files, never written in place."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kritis_sim._files import write_file
from kritis_sim.admission.certs import make_certs, write_certs
from kritis_sim.cli.main import main


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_write_certs_replaces_an_existing_world_readable_key(tmp_path: Path) -> None:
    key = tmp_path / "tls.key"
    key.write_bytes(b"old")
    key.chmod(0o644)
    before = key.stat().st_ino
    paths = write_certs(make_certs(["hook"]), tmp_path)
    assert _mode(paths["tls.key"]) == 0o600
    assert key.stat().st_ino != before  # a new file, not the old one truncated
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert _mode(paths["tls.crt"]) == _mode(paths["ca.crt"]) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_write_certs_never_writes_through_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"precious")
    elsewhere.chmod(0o644)
    out = tmp_path / "out"
    out.mkdir()
    (out / "tls.key").symlink_to(elsewhere)
    write_certs(make_certs(["hook"]), out)
    assert elsewhere.read_bytes() == b"precious"
    assert _mode(elsewhere) == 0o644
    assert not (out / "tls.key").is_symlink()
    assert _mode(out / "tls.key") == 0o600


def test_write_file_without_replace_refuses_even_a_dangling_symlink(
    tmp_path: Path,
) -> None:
    link = tmp_path / "k.pem"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(FileExistsError):
        write_file(link, b"secret", replace=False)
    assert link.is_symlink()
    assert not (tmp_path / "missing").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.pem"]


def test_cli_certs_makes_an_existing_key_0600(tmp_path: Path) -> None:
    key = tmp_path / "tls.key"
    key.write_bytes(b"old")
    key.chmod(0o666)
    assert main(["certs", "--out", str(tmp_path)]) == 0
    assert _mode(key) == 0o600


def _keygen(out: Path, *extra: str) -> int:
    return main(
        ["keygen", "--algorithm", "ECDSA_P256_SHA256", "--out", str(out), *extra]
    )


def test_cli_keygen_force_replaces_a_world_readable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "k.pem"
    out.write_bytes(b"old")
    out.chmod(0o644)
    assert _keygen(out, "--force") == 0
    assert _mode(out) == 0o600
    assert out.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert '"pkixPublicKey"' in capsys.readouterr().out


def test_cli_keygen_refuses_a_dangling_symlink_and_force_replaces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, target = tmp_path / "k.pem", tmp_path / "target.pem"
    out.symlink_to(target)
    assert _keygen(out) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert not target.exists()
    assert _keygen(out, "--force") == 0
    assert not target.exists()  # the link was replaced, not followed
    assert not out.is_symlink()
    assert _mode(out) == 0o600


def test_cli_keygen_new_file_is_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        assert _keygen(tmp_path / "k.pem") == 0
    finally:
        os.umask(old)
    assert _mode(tmp_path / "k.pem") == 0o600
