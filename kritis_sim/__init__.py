"""kritis-sim: a conformance and simulation toolkit for Binary Authorization.

The pure decision lives in :mod:`kritis_sim.core`; values in
:mod:`kritis_sim.model`; signatures in :mod:`kritis_sim.crypto`. Adapters
(emulator, webhook, scenarios, conformance kit, CLI) sit around them.

The names below are re-exported lazily (PEP 562), so ``import kritis_sim``
stays cheap: the pytest plugin is loaded through this package in every test
run of every project that installs kritis-sim.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AttestationOccurrence": "kritis_sim.model.occurrence",
    "AttestationSource": "kritis_sim.core.source",
    "Attestor": "kritis_sim.model.attestor",
    "Decision": "kritis_sim.model.decision",
    "DecisionOptions": "kritis_sim.core.decide",
    "DeployTarget": "kritis_sim.core.target",
    "ImageRef": "kritis_sim.model.imageref",
    "InMemorySource": "kritis_sim.core.source",
    "InputError": "kritis_sim.errors",
    "KritisSimError": "kritis_sim.errors",
    "NamePattern": "kritis_sim.model.patterns",
    "Policy": "kritis_sim.model.policy",
    "SignatureAlgorithm": "kritis_sim.model.attestor",
    "VerificationCache": "kritis_sim.crypto.verify",
    "decide": "kritis_sim.core.decide",
    "load_attestors": "kritis_sim.model.attestor",
    "load_occurrences": "kritis_sim.model.occurrence",
    "load_policy": "kritis_sim.model.policy",
    "make_attestation": "kritis_sim.crypto.sign",
    "make_payload": "kritis_sim.crypto.payload",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kritis_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
