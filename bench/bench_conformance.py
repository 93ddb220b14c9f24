"""Benchmark of the conformance kit against the reference adapter.

- catalogue: every shipped case, in one adapter session (persistent mode,
  reviews of one configuration in concurrent waves): cases/s,
  configurations/s, and the median configuration switch (``start`` answered
  by ``serve``: a reload in the reference adapter);
- generated: ``--generated N`` differential cases with a fixed seed: cases/s,
  configurations/s, the batch size chosen from the measured reload cost;
- with ``--per-call``, the catalogue once more through the per-call protocol
  (a process per ``setup`` and ``start``), for comparison.

Targets (issue 14): catalogue >= 50 cases/s, generated >= 100 cases/s,
configuration switch <= 20 ms median, on 2 cores. The load average is printed
with the figures: on a shared machine they scale with the CPU left over.

- with ``--sessions N``, the catalogue once more with N adapter instances
  side by side (each its own suite Grafeas, whole configurations each).

Run: python bench/bench_conformance.py [--generated 300] [--seed 1] [--per-call]
[--sessions N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kritis_sim.conformance.case import CATALOGUE, load_catalogue
from kritis_sim.conformance.differential import differential
from kritis_sim.conformance.runner import judge_all, open_session, run_cases

ADAPTER = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"


def catalogue(concurrency: int) -> dict[str, float]:
    """The whole catalogue in one session; the rates and the median switch."""
    cases = sorted(load_catalogue(CATALOGUE), key=lambda c: (c.config_key, c.name))
    started = time.perf_counter()
    with open_session(ADAPTER, concurrency=concurrency) as (session, caps):
        results = list(judge_all(session, cases, caps, {}))
        switches = list(getattr(session.adapter, "start_seconds", []))
        configurations = session.configurations
    seconds = time.perf_counter() - started
    failed = [r.name for r in results if r.outcome != "passed"]
    if failed:
        raise SystemExit(f"catalogue cases failed: {failed}")
    return {
        "cases": len(results),
        "seconds": seconds,
        "cases/s": len(results) / seconds,
        "configurations/s": configurations / seconds,
        "switch ms (median)": 1000 * statistics.median(switches[1:] or [0.0]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=300, help="generated cases")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated run")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="reviews in flight per configuration"
    )
    parser.add_argument(
        "--per-call", action="store_true", help="also time the per-call protocol"
    )
    parser.add_argument(
        "--sessions",
        type=int,
        default=2,
        help="also time the catalogue with this many adapter instances side by "
        "side (run_cases(sessions=N); default 2; 1: not)",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    cat = catalogue(args.concurrency)
    print(
        f"catalogue: {cat['cases']} cases in {cat['seconds']:.1f} s = "
        f"{cat['cases/s']:.1f} cases/s, {cat['configurations/s']:.1f} "
        f"configurations/s; configuration switch {cat['switch ms (median)']:.1f} ms "
        "median (targets: >= 50 cases/s, <= 20 ms)"
    )
    if args.sessions > 1:
        result = run_cases(ADAPTER, load_catalogue(CATALOGUE), sessions=args.sessions)
        print(
            f"catalogue, {args.sessions} sessions side by side: "
            f"{result.cases_per_second:.1f} cases/s, "
            f"{result.configurations_per_second:.1f} configurations/s"
        )
    with tempfile.TemporaryDirectory() as out:
        run = differential(
            ADAPTER, examples=args.generated, out_dir=out, seed=args.seed
        )
    figures = run.to_json()
    print(
        f"generated: {figures['cases']} cases in {figures['seconds']:.1f} s = "
        f"{figures['casesPerSecond']} cases/s, {figures['configurationsPerSecond']} "
        f"configurations/s (seed {run.seed}, batch size {run.batch_size}, reload "
        f"{1000 * run.reload_seconds:.1f} ms; {run.result.outcome}) "
        "(target: >= 100 cases/s)"
    )
    if args.per_call:
        result = run_cases(ADAPTER, load_catalogue(CATALOGUE), persistent=False)
        print(
            f"catalogue, per-call protocol: {result.cases_per_second:.1f} cases/s, "
            f"{result.configurations_per_second:.1f} configurations/s"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0 if run.result.outcome == "passed" else 1


if __name__ == "__main__":
    sys.exit(main())
