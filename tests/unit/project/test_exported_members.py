"""Public names: ``__all__`` lists exactly what the packages export."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import kritis_sim


@pytest.mark.parametrize("name", kritis_sim.__all__)
def test_every_top_level_export_resolves(name: str) -> None:
    assert getattr(kritis_sim, name) is not None


def test_top_level_import_is_lazy() -> None:
    code = "import sys, kritis_sim; print(any(m.startswith('kritis_sim.') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        kritis_sim.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    "module", ["kritis_sim.strategies", "kritis_sim.errors", "kritis_sim.scenarios"]
)
def test_all_matches_public_names(module: str) -> None:
    mod = importlib.import_module(module)
    public = {
        n
        for n, v in vars(mod).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith(module)
    }
    assert public <= set(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), name
