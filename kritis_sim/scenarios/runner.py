"""Find scenario files, load them all, then simulate them one after another.

Used by ``kritis-sim run`` and by the test suite. Loading happens for every file
before anything runs, so a malformed file stops the run with its ``file:line``
before any deploy is simulated. A YAML file counts as a scenario when it has a
top-level ``scenario:`` or ``events:`` key; other YAML files next to scenarios
(Kubernetes manifests, policy files) are supporting files and are skipped.

This module does no rendering and never exits the process.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import ScenarioError
from kritis_sim.scenarios.files import MAX_FILE_BYTES
from kritis_sim.scenarios.keys import DEFAULT_FACTORY, KeyFactory
from kritis_sim.scenarios.loader import load_scenario_file
from kritis_sim.scenarios.result import RunSummary, ScenarioResult, TimelineEntry
from kritis_sim.scenarios.schema import Scenario
from kritis_sim.scenarios.simulator import Deployer, InProcess, simulate

__all__ = ["VIAS", "discover", "is_scenario_file", "load_all", "run_scenarios"]

VIAS = ("inprocess", "webhook")
_MARKER = re.compile(r"^(?:scenario|events)\s*:", re.MULTILINE)


def is_scenario_file(path: Path) -> bool:
    """Whether ``path`` is a scenario (not a manifest or policy next to one).

    Special files (FIFOs, devices) and unreadable ones count as scenarios so
    that the loader reports them; at most the size limit is read.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return True
        with open(path, "rb") as handle:
            head = handle.read(MAX_FILE_BYTES + 1).decode("utf-8", errors="replace")
    except OSError:
        return True  # let the loader report the read error
    return bool(_MARKER.search(head))


def discover(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Scenario files under ``paths`` (files as given; directories searched).

    Raises:
        ScenarioError: a path that does not exist.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p for ext in ("*.yaml", "*.yml") for p in path.rglob(ext) if is_scenario_file(p)
            )
        elif path.exists():
            found.append(path)
        else:
            raise ScenarioError("no such file or directory", source=os.fspath(path))
    return list(dict.fromkeys(found))


def load_all(
    files: Sequence[Path], *, root: str | os.PathLike[str] | None = None
) -> tuple[list[Scenario], list[ScenarioError]]:
    """Load every file; returns the scenarios and every load error.

    ``root`` widens where the files a scenario names may be (default: each
    scenario file's own directory; see :mod:`.files`).
    """
    scenarios: list[Scenario] = []
    errors: list[ScenarioError] = []
    names: dict[str, str] = {}
    for file in files:
        try:
            scenario = load_scenario_file(file, root=root)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        if scenario.name in names:
            errors.append(ScenarioError(
                f"duplicate scenario name {scenario.name!r} (also in {names[scenario.name]})",
                path="scenario", source=scenario.where.source, line=scenario.where.line,
            ))
            continue
        names[scenario.name] = scenario.where.source
        scenarios.append(scenario)
    return scenarios, errors


@contextlib.contextmanager
def _deployer(via: str) -> Iterator[Deployer]:
    if via == "webhook":
        from kritis_sim.scenarios.webhook import ViaWebhook

        with ViaWebhook() as hook:
            yield hook
    elif via == "inprocess":
        yield InProcess()
    else:
        raise ValueError(f"via must be one of {', '.join(VIAS)}, got {via!r}")


def run_scenarios(
    scenarios: Sequence[Scenario],
    *,
    via: str = "inprocess",
    keys: KeyFactory = DEFAULT_FACTORY,
    on_event: Callable[[Scenario, TimelineEntry], None] | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> RunSummary:
    """Simulate ``scenarios`` in order over one deployer and one verification cache.

    Args:
        scenarios: loaded scenarios.
        via: ``inprocess`` (Core decision) or ``webhook`` (HTTPS on loopback).
        keys: the run's key factory.
        on_event: progress callback after each event.
        on_result: called with each scenario's result.
    """
    summary = RunSummary()
    cache = VerificationCache()
    with _deployer(via) as deployer:
        for scenario in scenarios:
            callback = None
            if on_event is not None:
                def callback(entry: TimelineEntry, _s: Scenario = scenario) -> None:
                    assert on_event is not None
                    on_event(_s, entry)
            result = simulate(
                scenario, deployer=deployer, keys=keys, cache=cache, via=via, on_event=callback
            )
            summary.results.append(result)
            if on_result is not None:
                on_result(result)
    return summary
