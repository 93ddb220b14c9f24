"""Kritis' own custom resources (``kritis.grafeas.io/v1beta1``): values and loader.

:mod:`.resources` holds the values, :mod:`.load` reads them from YAML as users
``kubectl apply`` them, :mod:`.fields` the Go-like field matching. Decisions
over them are in :mod:`kritis_sim.core.kritis`.
"""

from kritis_sim.model.kritis.load import load_kritis, load_kritis_text
from kritis_sim.model.kritis.resources import KritisResources

__all__ = ["KritisResources", "load_kritis", "load_kritis_text"]
