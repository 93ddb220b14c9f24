"""cv reads and judges with cyclic garbage collection paused, and leaves
the collector as it found it, errors included."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cv import inputs as cv_inputs
from kritis_sim.cv.inputs import gc_paused, read_inputs
from kritis_sim.errors import InputError

from .conftest import FIXTURES


def test_reading_runs_with_the_collector_paused_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    real = cv_inputs.snapshot_items

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(cv_inputs, "snapshot_items", spy)
    assert gc.isenabled()
    assert read_inputs([str(FIXTURES / "snapshot.json")]).items
    assert seen == [False] and gc.isenabled()


def test_an_error_restores_the_collector_and_a_paused_one_stays_paused(
    tmp_path: Path,
) -> None:
    (tmp_path / "empty.yaml").write_text("---\n")
    with pytest.raises(InputError):
        read_inputs([str(tmp_path / "empty.yaml")])
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
