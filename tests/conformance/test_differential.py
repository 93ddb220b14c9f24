"""The differential mode against the reference adapter and against defects.

Seeds make the draws, and so which defects are caught, reproducible (key
material differs per process, the worlds' structure does not). Shrinking is
time-boxed short here: catching is what these tests prove.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from kritis_sim.cli.main import main
from kritis_sim.conformance.case import load_case
from kritis_sim.conformance.differential import (
    MAX_BATCH,
    MIN_BATCH,
    batch_size_for,
    differential,
)
from kritis_sim.conformance.reference import reference_result
from kritis_sim.conformance.runner import open_session

ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"
EXAMPLES = 50


def test_fifty_generated_cases_agree_with_the_reference(tmp_path: Path) -> None:
    # Speed is the benchmarks' business (a wall-clock bound here failed on a
    # busy machine while proving nothing about correctness).
    run = differential(ADAPTER, examples=EXAMPLES, out_dir=tmp_path, seed=1)
    result = run.result
    assert result.outcome == "passed", result.detail
    assert result.detail == (
        f"{EXAMPLES} generated cases agreed (seed 1, batch size {run.batch_size})"
    )
    assert list(tmp_path.iterdir()) == []
    report = run.to_json()
    assert report["cases"] == EXAMPLES and report["seed"] == 1
    assert 0 < report["configurations"] <= EXAMPLES
    assert report["casesPerSecond"] > 0 and report["configurationsPerSecond"] > 0
    assert MIN_BATCH <= run.batch_size <= MAX_BATCH


#: Defect -> seed. Seeds re-chosen when batches came to be drawn from seeded
#: random input by a producer process (conformance/producer.py): each catches
#: its defect within 50 cases (the first seed from 1 up that does).
CAUGHT = {
    "any-attestor-suffices": 1,
    "key-id-ignored": 1,
    "wrong-note-accepted": 2,
    "tags-accepted": 1,
    "star-crosses-slash": 7,
}

#: An adapter whose ``setup`` gives each configuration the defect named in
#: the file ``argv[1]`` at that moment: one serve session for every defect.
_DEFECT_FROM_FILE = """
import sys
from pathlib import Path
from kritis_sim.conformance import reference_adapter as ref
from kritis_sim.conformance.reference_serve import serve
current = Path(sys.argv[1])
def setup(case, grafeas, out, _defect):
    ref.setup(case, grafeas, out, current.read_text().strip() or None)
if sys.argv[2] == "capabilities":
    sys.exit(ref.main(["capabilities"]))
sys.exit(serve(setup=setup))
"""


def _producers() -> list[int]:
    """This process's live generated-case producer children."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        alive = stat[0] != "Z"
        if alive and int(stat[1]) == os.getpid() and b"conformance.producer" in cmdline:
            found.append(int(proc.name))
    return found


def test_generated_cases_catch_defects(tmp_path: Path) -> None:
    """Each defect is caught within 50 generated cases, and its minimal
    counterexample is a valid catalogue case (name and expectation agree with
    the reference); the producer process is gone after each disagreement.
    One adapter session serves every defect."""
    script, current = tmp_path / "adapter.py", tmp_path / "defect"
    script.write_text(_DEFECT_FROM_FILE, encoding="utf-8")
    current.write_text("", encoding="utf-8")
    missed = []
    with open_session(f"{sys.executable} {script} {current}") as session:
        for defect, seed in CAUGHT.items():
            current.write_text(defect, encoding="utf-8")
            out = tmp_path / defect
            # tags-accepted is shrunk to the end (a few seconds): the batch
            # is found again from its choices and Hypothesis shrinks it.
            shrink = 30.0 if defect == "tags-accepted" else 1.0
            result = differential(
                defect, examples=EXAMPLES, out_dir=out, seed=seed,
                shrink_seconds=shrink, batch_size=16,  # the seeds' batch size
                session_=session,
            ).result  # fmt: skip
            assert _producers() == []
            if result.outcome != "failed":
                missed.append(f"{defect}: {result.detail}")
                continue
            (written,) = out.iterdir()
            case = load_case(written)
            assert case.must_deny == (not case.expect.allowed)
            assert reference_result(case).observed.allowed == case.expect.allowed
            if defect == "tags-accepted":  # minimal: one tag-only image, no data
                assert case.request.obj["kind"] == "Pod", case.request.obj
                assert case.request.obj["spec"] == {
                    "containers": [{"name": "c0", "image": "gcr.io/gen/app:1.0"}]
                }
                assert case.world.occurrences == ()
    assert missed == []


def test_cli_generated_seconds_is_a_time_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    started = time.perf_counter()
    code = main(
        [
            "conformance",
            "--entrypoint", ADAPTER,
            "--select", "no-such-case",
            "--generated-seconds", "3",
            "--seed", "7",
            "--generated-out", str(tmp_path / "out"),
            "--json", str(report),
            "--quiet",
        ]
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert code == 0
    data = json.loads(report.read_text())
    (generated,) = data["cases"]
    figures = data["generated"]
    assert figures["seed"] == 7 and figures["cases"] > 0
    assert figures["lateRetries"] == 0 and figures["lateResent"] == 0  # exact
    assert figures["casesPerSecond"] > 0 and figures["configurations"] > 0
    assert generated["name"] == "generated" and generated["outcome"] == "passed"
    assert "generated cases agreed (seed " in generated["detail"]
    assert 3 <= generated["seconds"] < 3 + 5  # the budget, plus one batch at most
    assert elapsed < 20
    # The closing count is the catalogue's (none selected here), never the
    # generated cases timed by the catalogue's clock.
    assert "catalogue: 0 cases in " in capsys.readouterr().err


def test_batch_size_follows_the_reload_cost() -> None:
    assert batch_size_for(0.6, 0.015) == MAX_BATCH  # a process per reload
    assert batch_size_for(0.02, 0.015) == 11  # a reload in the same process
    assert batch_size_for(0.001, 0.02) == MIN_BATCH
    assert batch_size_for(0.1, 0.0) == MAX_BATCH
