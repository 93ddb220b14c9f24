"""The generated-case producer: reproducible batches, drawn in a process of
their own that is stopped with the run."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest

import kritis_sim
from kritis_sim import _processes
from kritis_sim.conformance import producer as producer_module
from kritis_sim.conformance.producer import Drawn, Producer, draw_batches
from kritis_sim.errors import ConformanceError


def _shape(drawn: Drawn) -> list[Any]:
    """What does not depend on the process's key material."""
    return [
        (w.policy, w.workload, w.sub_resource, w.cluster, len(w.occurrences), a)
        for w, a in zip(drawn.worlds, drawn.allowed, strict=True)
    ]


def test_the_same_seed_draws_the_same_batches() -> None:
    first = list(itertools.islice(draw_batches(5, 4), 3))
    again = list(itertools.islice(draw_batches(5, 4), 3))
    other = list(itertools.islice(draw_batches(6, 4), 3))
    assert [d.index for d in first] == [0, 1, 2]
    assert [d.worlds for d in first] == [d.worlds for d in again]
    assert [d.choices for d in first] == [d.choices for d in again]
    assert [_shape(d) for d in first] != [_shape(d) for d in other]
    assert all(1 <= len(d.worlds) <= 4 for d in first)


def test_the_producer_process_draws_the_seeds_batches_and_is_stopped() -> None:
    expected = [_shape(d) for d in itertools.islice(draw_batches(5, 4), 2)]
    with Producer(5) as producer:
        producer.begin(4)
        got = [producer.next(), producer.next()]
        proc = producer._proc
        assert proc is not None and proc.poll() is None
    assert [_shape(d) for d in got] == expected
    assert [d.index for d in got] == [0, 1]
    assert proc.poll() is not None  # ended on exit, though it was drawing


def test_a_producer_that_fails_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(producer_module, "FIRST_WAIT_S", 30.0)
    with (
        Producer(5) as producer,
        pytest.raises(ConformanceError, match=r"producer (failed|exited)"),
    ):
        producer.begin(0)  # a batch of at most 0 worlds cannot be drawn
        producer.next()


def test_the_producer_imports_this_kritis_sim(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches are pickled: the child must not find another installed copy."""
    seen: dict[str, Any] = {}

    def spawn(argv: list[str], **kwargs: Any) -> Any:
        seen.update(kwargs, argv=argv)
        raise OSError("not started")

    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setattr(_processes, "spawn", spawn)
    with pytest.raises(OSError, match="not started"), Producer(5):
        pass
    root = Path(kritis_sim.__file__).resolve().parents[1]
    assert seen["env"]["PYTHONPATH"].split(os.pathsep)[0] == str(root)
    assert seen["argv"][1:3] == ["-m", "kritis_sim.conformance.producer"]
