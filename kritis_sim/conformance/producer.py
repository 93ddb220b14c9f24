"""Generated batches drawn ahead of the runner, in a process of their own.

The differential mode (:mod:`kritis_sim.conformance.differential`) must not
wait for its worlds: while one batch's reviews are in flight, the next batches
are drawn and decided by the reference in a separate process (the runner's own
process serves the suite's Grafeas and sends the reviews; the GIL would make a
thread wait its turn). :class:`Producer` hands them over through a bounded
queue, so it is never more than :data:`AHEAD` batches ahead.

Batches are drawn the way external fuzzers drive Hypothesis: batch ``k`` is
``fuzz_one_input`` of the :func:`~kritis_sim.strategies.world_batches` test
on ``BUFFER_BYTES`` bytes from ``random.Random(seed)`` (an input too short for
its batch is skipped). So the same seed and batch size give the same batches
whoever reads them and however fast, and each :class:`Drawn` keeps the
canonical choices that replay it, from which a disagreement is shrunk by
Hypothesis afterwards. Key material is made per process: a replay has the same
structure with other keys.

This module decides nothing and talks to no adapter.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import random
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from hypothesis import HealthCheck, given, settings

import kritis_sim
from kritis_sim import _processes
from kritis_sim.conformance.generated import reference_allowed
from kritis_sim.errors import ConformanceError
from kritis_sim.strategies import GeneratedWorld, world_batches

__all__ = ["AHEAD", "BUFFER_BYTES", "Drawn", "Producer", "batch_test", "draw_batches"]

#: Bytes of random input per batch (a batch of 32 worlds takes about 1,400).
BUFFER_BYTES = 8192
#: The most drawn batches waiting for the runner.
AHEAD = 8
#: How long the runner waits for the producer's first batch (it starts a
#: Python process and makes its keys) and for each later one.
FIRST_WAIT_S, NEXT_WAIT_S = 120.0, 60.0


@dataclass(frozen=True)
class Drawn:
    """One drawn batch.

    Attributes:
        index: its place in the run (0, 1, ...).
        choices: the canonical input that replays it (``fuzz_one_input``).
        worlds: the worlds, sharing one configuration.
        allowed: the reference decision of each world.
    """

    index: int
    choices: bytes
    worlds: list[GeneratedWorld]
    allowed: list[bool]


def batch_test(
    size: int, body: Callable[[list[GeneratedWorld]], None], **options: Any
) -> Any:
    """The Hypothesis test over batches of at most ``size`` worlds that calls
    ``body``; ``options`` are further :func:`hypothesis.settings`."""

    @settings(
        deadline=None, suppress_health_check=list(HealthCheck), **options
    )  # fmt: skip
    @given(world_batches(max_size=size))
    def test(batch: list[GeneratedWorld]) -> None:
        body(batch)

    return test


def draw_batches(seed: int, size: int) -> Iterator[Drawn]:
    """The run's batches, in order, each with its reference decisions."""
    got: list[list[GeneratedWorld]] = []
    test = batch_test(size, got.append, database=None)
    rng = random.Random(seed)
    index = 0
    while True:
        got.clear()
        choices = test.hypothesis.fuzz_one_input(rng.randbytes(BUFFER_BYTES))
        if choices is None or not got:
            continue  # the input ran out before the batch was drawn
        worlds = got[-1]
        yield Drawn(index, choices, worlds, [reference_allowed(w) for w in worlds])
        index += 1


def _warm_up() -> None:
    """Make the key pool before the size is known."""
    from kritis_sim.strategies._pool import _POOL, _pem

    for index in range(_POOL):
        _pem(index)


def main() -> int:
    """The producer process: ``python -m kritis_sim.conformance.producer SEED``
    reads the batch size as a line on stdin, then writes pickled batches to
    stdout (each a 4-byte big-endian length and the pickle) until stdout is
    closed; an error is written as a pickled one-line string."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # only frames on the channel
    _warm_up()
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    try:
        for drawn in draw_batches(int(sys.argv[1]), int(line)):
            frame = pickle.dumps(drawn, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(struct.pack(">I", len(frame)) + frame)
            out.flush()
    except (BrokenPipeError, OSError):
        return 0  # the runner has had enough
    except Exception as exc:  # reported to the runner as one line
        frame = pickle.dumps(f"{type(exc).__name__}: {exc}")
        out.write(struct.pack(">I", len(frame)) + frame)
        out.flush()
        return 1
    return 0


def _read(stream: Any, into: queue.Queue[Any]) -> None:
    """Move the producer's frames into ``into``; None when it closes."""
    try:
        while True:
            head = stream.read(4)
            if len(head) < 4:
                break
            (length,) = struct.unpack(">I", head)
            body = stream.read(length)
            if len(body) < length:
                break
            into.put(pickle.loads(body))  # our own child's output
    except Exception:  # reported as an exited producer
        pass
    into.put(None)


class Producer:
    """A process drawing the batches of ``seed`` ahead of the runner, once
    told their size (:meth:`begin`); a context manager that stops it on exit
    (it starts at once, so its start-up overlaps the runner's).

    Raises:
        ConformanceError: (from :meth:`next`) the producer failed, exited or
            gave nothing in time.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._queue: queue.Queue[Any] = queue.Queue(AHEAD)
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._first = True

    def __enter__(self) -> Producer:
        # The producer must import this very kritis_sim (batches are pickled).
        here = str(Path(kritis_sim.__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [here, *filter(None, [env.get("PYTHONPATH")])]
        )
        self._proc = _processes.spawn(
            [sys.executable, "-m", "kritis_sim.conformance.producer", str(self._seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._reader = threading.Thread(
            target=_read, args=(self._proc.stdout, self._queue), daemon=True
        )
        self._reader.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def begin(self, size: int) -> None:
        """Start drawing batches of at most ``size`` worlds."""
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(f"{size}\n".encode())
            self._proc.stdin.flush()
        except OSError:
            pass  # reported by next()

    def next(self) -> Drawn:
        """The next batch, in order."""
        wait = FIRST_WAIT_S if self._first else NEXT_WAIT_S
        self._first = False
        try:
            item = self._queue.get(timeout=wait)
        except queue.Empty:
            raise ConformanceError(
                f"the generated-case producer gave no batch within {wait:g} s"
            ) from None
        if item is None:
            self._queue.put(None)  # stays closed
            code = self._proc.poll() if self._proc is not None else None
            raise ConformanceError(
                f"the generated-case producer exited (exit code {code})"
            )
        if isinstance(item, str):
            raise ConformanceError(f"the generated-case producer failed: {item}")
        assert isinstance(item, Drawn)
        return item

    def close(self) -> None:
        """Stop the process and its group, and the thread reading it."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        _processes.end(proc, grace=0.2)  # it is drawing: SIGTERM after 0.2 s
        if self._reader is not None:
            while self._reader.is_alive():  # let a blocked put finish
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.05)
        if proc.stdout is not None:
            proc.stdout.close()


if __name__ == "__main__":  # by its module name, so that batches unpickle
    from kritis_sim.conformance import producer

    sys.exit(producer.main())
