"""``--occurrences`` files, directories and multi-document YAML; ``sign --append``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.cli.main import main

from .conftest import NOTE, OTHER, SIGNED, THIRD, CliWorld, pod


def _review(
    world: CliWorld, capsys: pytest.CaptureFixture[str], *occurrences: str
) -> tuple[int, Any, str]:
    items = [pod(SIGNED, "a"), pod(OTHER, "b"), pod(THIRD, "c")]
    path = world.write("in.yaml", items, multi=True)
    extra = [w for o in occurrences for w in ("--occurrences", o)]
    code = main(world.review_args(path, *extra))
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


def _allowed(out: Any) -> list[bool]:
    return [o["allowed"] for o in out]


def test_occurrences_repeated_are_merged(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    other = cli_world.write("other.json", json.dumps([cli_world.occurrence(OTHER)]))
    code, out, _ = _review(cli_world, capsys, cli_world.path("occurrences.json"))
    assert code == 1 and _allowed(out) == [True, False, False]
    code, out, _ = _review(cli_world, capsys, cli_world.path("occurrences.json"), other)
    assert code == 1 and _allowed(out) == [True, True, False]


def test_occurrences_directory_and_multi_document_yaml(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    occ = tmp_path / "atts"
    occ.mkdir()
    (occ / "a.json").write_text(json.dumps(cli_world.occurrence(SIGNED)))
    (occ / "b.yml").write_text(
        yaml.safe_dump_all(
            [cli_world.occurrence(OTHER), {"occurrences": [cli_world.occurrence(THIRD)]}]
        )
    )
    (occ / "notes.txt").write_text("not read")
    code, out, _ = _review(cli_world, capsys, str(occ))
    assert code == 0 and _allowed(out) == [True, True, True]


def test_occurrences_empty_directory_is_an_error(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "none"
    empty.mkdir()
    (empty / "README").write_text("x")
    code, out, err = _review(cli_world, capsys, str(empty))
    assert code == 2 and out is None
    assert "none: the directory holds no *.json, *.yaml or *.yml" in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n", "not a JSON/YAML occurrences file"),
        (b"\xff\xfe\x00binary", "not a JSON/YAML occurrences file"),
        (b"{occurrences: [", "not a JSON/YAML file"),
    ],
)
def test_occurrences_that_are_not_json_or_yaml_say_so(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str], content: bytes, words: str
) -> None:
    (cli_world.dir / "bad.json").write_bytes(content)
    code, _, err = _review(cli_world, capsys, cli_world.path("bad.json"))
    assert code == 2 and "bad.json" in err and words in err


def _sign(world: CliWorld, image: str, append: str) -> int:
    return main(
        [
            "sign",
            "--image",
            image,
            "--key",
            world.path("key.pem"),
            "--note",
            NOTE,
            "--create-time",
            "2026-11-01T00:00:00Z",
            "--append",
            append,
        ]
    )


def test_sign_append_keeps_each_file_shape(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    reply = cli_world.path("occurrences.json")  # {"occurrences": [...]}
    assert _sign(cli_world, OTHER, reply) == 0
    printed = json.loads(capsys.readouterr().out)
    doc = json.loads(Path(reply).read_text())
    assert [o["resourceUri"] for o in doc["occurrences"]] == [
        f"https://{SIGNED}",
        f"https://{OTHER}",
    ]
    assert doc["occurrences"][1] == printed
    fresh = cli_world.path("new.yaml")  # created as a YAML list
    assert _sign(cli_world, THIRD, fresh) == 0
    assert _sign(cli_world, SIGNED, fresh) == 0
    assert len(yaml.safe_load(Path(fresh).read_text())) == 2
    capsys.readouterr()
    code, out, _ = _review(cli_world, capsys, reply, fresh)
    assert code == 0 and _allowed(out) == [True, True, True]


def test_sign_append_refuses_a_file_that_is_not_occurrences(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(cli_world.write("bad.yaml", {"kind": "Pod"}))
    before = path.read_text()
    assert _sign(cli_world, OTHER, str(path)) == 2
    assert "bad.yaml" in capsys.readouterr().err
    assert path.read_text() == before
    assert [p.name for p in cli_world.dir.iterdir() if p.name.startswith(".bad")] == []


def test_concurrent_appends_are_serialised(cli_world: CliWorld) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kritis_sim.cli.occurrence_files import append_occurrence

    path = cli_world.path("shared.json")
    entries = [{**cli_world.occurrence(OTHER), "name": f"n{i}"} for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda e: append_occurrence(path, e), entries))
    names = sorted(o["name"] for o in json.loads(Path(path).read_text()))
    assert names == sorted(e["name"] for e in entries)


def test_append_to_a_directory_is_an_input_error(
    cli_world: CliWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _sign(cli_world, OTHER, str(cli_world.dir)) == 2
    assert "cannot write the occurrences file" in capsys.readouterr().err
