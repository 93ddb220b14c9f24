"""Hostile and sloppy YAML/JSON input: refused with one located line, or read
as Go's and Google's readers read it (kritis_sim._yaml; docs/limits.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kritis_sim import _yaml
from kritis_sim._yaml import (
    MAX_DEPTH,
    MAX_INPUT_BYTES,
    decode_input,
    load_documents,
    load_one,
    read_input,
)
from kritis_sim.errors import InputError

ROOT = Path(__file__).resolve().parents[3]


def _docs(text: str) -> list[object]:
    return [data for data, _ in load_documents(text, "f.yaml")]


def _refused(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        _docs(text)
    err = info.value
    assert err.source == "f.yaml"
    assert "\n" not in str(err)
    return err


@pytest.mark.parametrize(
    ("text", "expected", "line"),
    [
        ("a: 1\nb: !foo x\n", "YAML tag '!foo' is not supported", 2),
        ("a: !!python/object:os.system {}\n", "'!!python/object:os.system'", 1),
        ("a: !!python/name:os.system\n", "'!!python/name:os.system'", 1),
        ("a: !!binary aGVsbG8=\n", "'!!binary' is not supported", 1),
        ("a: !!set {x}\n", "'!!set' is not supported", 1),
        ("a: !!omap [{x: 1}]\n", "'!!omap' is not supported", 1),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "merge keys", 3),
        ("a: 1\nb: \x00\n", "U+0000", 2),
        ("a: \x07\n", "U+0007", 1),
        ("a: 1\na: 2\n", "duplicate key 'a'", 2),
        ("a: " + "1" * 5000 + "\n", "cannot read the value", 1),
        ("a: [1\n", "not valid YAML/JSON", 2),
        ("x: &a [*a]\n", "nesting deeper than", 1),
        ("[1]: 2\n", "mapping keys must be plain scalars", 1),
    ],
)
def test_hostile_yaml_is_refused_with_a_located_line(
    text: str, expected: str, line: int
) -> None:
    err = _refused(text)
    assert expected in err.message
    assert err.line == line


def test_unpaired_surrogate_in_text_is_refused() -> None:
    assert "unpaired surrogate" in _refused("a: \ud800\n").message


def test_deep_nesting_is_refused_quickly_without_recursion_error() -> None:
    start = time.perf_counter()
    for text in ("[" * 100_000, "{a: " * 50_000, "- " * 50_000 + "x"):
        err = _refused(text)
        assert f"nesting deeper than {MAX_DEPTH} levels" in err.message
    assert time.perf_counter() - start < 10
    # the limit itself is accepted
    assert _docs("[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    err = _refused("\n".join(lines) + "\n")
    assert "YAML aliases that expand too far" in err.message


def test_node_limit_counts_the_whole_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_yaml, "MAX_NODES", 50)
    assert _docs("[" + ", ".join(["1"] * 40) + "]")
    err = _refused("\n---\n".join(["[" + ", ".join(["1"] * 20) + "]"] * 3))
    assert "more than 50 nodes" in err.message


def test_document_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_yaml, "MAX_DOCUMENTS", 3)
    assert len(_docs("a\n---\nb\n---\nc\n")) == 3
    err = _refused("a\n---\nb\n---\nc\n---\nd\n")
    assert "more than 3 YAML documents" in err.message
    assert err.line == 7


def test_text_larger_than_the_limit_is_refused() -> None:
    err = _refused(" " * (MAX_INPUT_BYTES + 1))
    assert "larger than the limit" in err.message


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n---\n",
        "a: 1\n---\n# only a comment\n",
        "a: 1\n---\n...\n",
        "a: 1\n--- # trailing\n\n",
    ],
)
def test_empty_last_document_is_no_document(text: str) -> None:
    assert _docs(text) == [{"a": 1}]
    data, _ = load_one(text, "f.yaml")
    assert data == {"a": 1}


def test_input_without_any_document_is_still_refused_where_one_is_needed() -> None:
    for text in ("", "---\n", "# nothing\n", "---\n# nothing\n"):
        with pytest.raises(InputError, match="found 0"):
            load_one(text, "f.yaml")


def test_empty_document_between_documents_is_kept_for_the_loader_to_refuse() -> None:
    assert _docs("a\n---\n---\nb\n") == ["a", None, "b"]
    assert _docs("a\n---\nnull\n") == ["a", None]  # an explicit null is content


def test_json_surrogate_pair_escapes_are_joined() -> None:
    text = json.dumps({"description": "ship \U0001f680 it"})
    assert _docs(text) == [{"description": "ship \U0001f680 it"}]


def test_equals_sign_is_a_string() -> None:
    assert _docs("a: =\n") == [{"a": "="}]


def test_odd_keys_format_in_messages() -> None:
    err = _refused("~: 1\n~: 2\n")
    assert err.path == "[None]"


def test_decode_input_refuses_invalid_utf8_with_the_offset() -> None:
    with pytest.raises(InputError) as info:
        decode_input(b"a: 1\nb: \xff\xfe\n", "bin.yaml")
    assert "not UTF-8 text (binary file?)" in info.value.message
    assert "offset 8" in info.value.message
    assert info.value.line == 2


def test_decode_input_refuses_nul_bytes_and_drops_a_bom() -> None:
    with pytest.raises(InputError, match="NUL byte"):
        decode_input(b"a: 1\x00", "bin.yaml")
    assert decode_input("\ufeffa: 1".encode(), "x") == "a: 1"


def test_read_input_refuses_missing_directories_and_large_files(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_input(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a directory"):
        read_input(tmp_path)
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)
    with pytest.raises(InputError, match="larger than the limit") as info:
        read_input(big)
    assert info.value.source == str(big)
    ok = tmp_path / "ok.yaml"
    ok.write_text("a: 1\n", encoding="utf-8")
    assert read_input(ok) == "a: 1\n"


_PROBE = textwrap.dedent(
    r"""
    import re, sys, time
    from kritis_sim.cli.main import main
    start = time.perf_counter()
    code = main(sys.argv[1:])
    took = time.perf_counter() - start
    # VmHWM is this process image's own peak; ru_maxrss would also count the
    # parent's peak (it survives fork + exec), i.e. the pytest worker's.
    with open("/proc/self/status") as status:
        rss = re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)
    print(f"{code} {took} {rss}", file=sys.stderr)
    """
)


@pytest.mark.parametrize("via_stdin", [False, True])
def test_a_100_mb_file_is_refused_fast_in_little_memory(
    tmp_path: Path, via_stdin: bool
) -> None:
    huge = tmp_path / "policy.yaml"
    with huge.open("wb") as fh:  # sparse: instant to make, reads as spaces
        fh.write(b"defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW}\n#")
        fh.seek(100 * 1024 * 1024)
        fh.write(b"\n")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\n", encoding="utf-8")
    args = ["review", str(manifest), "--attestors", str(manifest), "--policy"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with huge.open("rb") as stdin:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, *args, "-" if via_stdin else str(huge)],
            stdin=stdin if via_stdin else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    last = proc.stderr.strip().splitlines()[-1]
    code, took, rss_kib = last.split()
    assert code == "2", proc.stderr
    assert "larger than the limit" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert float(took) < 5
    assert int(rss_kib) < 300 * 1024  # well under 1 GB (VmHWM is KiB)
