"""Release-pipeline scenarios: YAML format, loader, simulator and reports.

Load a file with :func:`load_scenario_file`, run it with :func:`simulate`
(in-process Core decisions over the emulator store, on a virtual clock) and
read the :class:`ScenarioResult`. ``kritis-sim run`` and the pytest plugin
(:mod:`kritis_sim.pytest_plugin`) are built on these. The format is described
in ``docs/scenarios.md``.

Modules: :mod:`.schema` (values), :mod:`.loader`, :mod:`.sections` and
:mod:`.events` (YAML to values, with file:line errors), :mod:`.files` (files a
scenario names, confined to its root), :mod:`.expand` (the ``pipeline`` shorthand),
:mod:`.manifests` (Kubernetes objects), :mod:`.clock`, :mod:`.keys`,
:mod:`.world`, :mod:`.simulator`, :mod:`.webhook` (``--via webhook``),
:mod:`.result`, :mod:`.runner`, and the renderers :mod:`.report_text`,
:mod:`.report_json`, :mod:`.report_html`, :mod:`.junit`.
"""

from __future__ import annotations

from kritis_sim.scenarios.loader import load_scenario, load_scenario_file
from kritis_sim.scenarios.result import RunSummary, ScenarioResult
from kritis_sim.scenarios.schema import Outcome, Scenario
from kritis_sim.scenarios.simulator import simulate

__all__ = [
    "Outcome",
    "RunSummary",
    "Scenario",
    "ScenarioResult",
    "load_scenario",
    "load_scenario_file",
    "simulate",
]
