"""The gcloud lines a fix suggests use only commands and flags that gcloud
has: checked against the static CLI tree the installed Cloud SDK ships
(``data/cli/gcloud_completions.py``, read as JSON; skipped without gcloud)."""

from __future__ import annotations

import json
import shlex
import shutil
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.core.fix_commands import (
    KMS_PREFIX,
    attest_commands,
    project_attest_commands,
)
from kritis_sim.model.attestor import AttestorPublicKey
from kritis_sim.model.imageref import ImageRef
from tests.unit.core.world import IMAGE, World


@cache
def _tree() -> dict[str, Any]:
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        pytest.skip("gcloud is not installed")
    root = Path(gcloud).resolve().parents[1]
    path = root / "data" / "cli" / "gcloud_completions.py"
    if not path.is_file():
        pytest.skip(f"no static CLI tree at {path}")
    text = path.read_text(encoding="utf-8")
    tree: dict[str, Any] = json.loads(text[text.index("{") :])
    return tree


def _check(line: str) -> None:
    words = shlex.split(line.partition(" > ")[0])
    assert words[0] == "gcloud"
    node, tree = _tree(), _tree()
    flags: list[str] = []
    for word in words[1:]:
        if word.startswith("--"):
            flags.append(word.partition("=")[0])
        else:
            assert word in node["commands"], (line, word)
            node = node["commands"][word]
    assert not node["commands"], f"{line}: not a leaf command"
    for flag in flags:
        assert flag in node["flags"] or flag in tree["flags"], (line, flag)


def _lines(key: AttestorPublicKey) -> list[str]:
    w = World()
    qa = w.attestor("qa")
    attestor = replace(w.attestors[qa], public_keys=(key,))
    return [
        c
        for c in attest_commands(attestor, key, ImageRef.parse(IMAGE))
        if c.startswith("gcloud")
    ]


def test_pkix_kms_and_pgp_lines_exist_in_gcloud() -> None:
    w = World()
    pkix = w.attestors[w.attestor("qa")].public_keys[0]
    kms = replace(
        pkix,
        id=KMS_PREFIX
        + "projects/k/locations/l/keyRings/r/cryptoKeys/c/cryptoKeyVersions/1",
    )
    pgp = AttestorPublicKey("A" * 40, ascii_armored_pgp_public_key="...")
    lines = [*_lines(pkix), *_lines(kms), *_lines(pgp)]
    assert len(lines) == 2 + 1 + 2
    assert any("sign-and-create" in line for line in lines)
    for line in lines:
        _check(line)


def test_platform_project_lines_exist_in_gcloud() -> None:
    w = World()
    pkix = w.attestors[w.attestor("qa")].public_keys[0]
    lines = [
        c
        for c in project_attest_commands("projects/att", pkix, ImageRef.parse(IMAGE))
        if c.startswith("gcloud")
    ]
    assert any("--note=NOTE --note-project=att --project=att" in c for c in lines)
    for line in lines:
        _check(line)
