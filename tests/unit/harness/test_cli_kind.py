"""``kritis-sim kind``: help everywhere, and exit 2 saying what is missing."""

from __future__ import annotations

import pytest

from kritis_sim.cli.main import main


@pytest.mark.parametrize(
    "words", [["kind"], ["kind", "up"], ["kind", "check"], ["kind", "down"]]
)
def test_kind_help(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*words, "--help"])
    assert info.value.code == 0
    assert "usage: kritis-sim kind" in capsys.readouterr().out


@pytest.mark.parametrize("words", [["up"], ["check", "x.yaml"], ["down"]])
def test_kind_without_tools_exits_2_naming_them(
    words: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "kritis_sim.harness._process.missing_requirements",
        lambda: (
            "`kind` is not on PATH",
            "no running Docker engine (`docker info`: x)",
        ),
    )
    assert main(["kind", *words]) == 2
    err = capsys.readouterr().err
    assert "needs a Docker engine, kind and kubectl on PATH" in err
    assert "- `kind` is not on PATH" in err
    assert "- no running Docker engine" in err
