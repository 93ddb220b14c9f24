"""kritis-sim: a conformance and simulation toolkit for Binary Authorization.

The pure decision lives in :mod:`kritis_sim.core`; values in
:mod:`kritis_sim.model`; signatures in :mod:`kritis_sim.crypto`. Adapters
(emulator, webhook, scenarios, conformance kit, CLI) sit around them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
