"""The layering written in docs/architecture.md, checked on the source.

The decision core and the value model must stay free of I/O libraries; lower
layers never import higher ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "kritis_sim"
FORBIDDEN_IN_CORE = {
    "httpx",
    "yaml",
    "starlette",
    "uvicorn",
    "subprocess",
    "socket",
    "sqlite3",
    "requests",
}
ORDER = [
    "errors",
    "_yaml",
    "model",
    "crypto",
    "core",
    "producers",
    "grafeas",
    "admission",
    "cv",
    "whatif",
    "scenarios",
    "conformance",
    "harness",
    "cli",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


#: Documented exceptions: key ids are values, so the attestor loader may use the
#: key helpers (which themselves import only model.attestor), and the PGP
#: fingerprint helper (which imports only kritis_sim.errors).
ALLOWED = {
    ("model", "kritis_sim.crypto.keys"),
    ("model", "kritis_sim.crypto.algorithms"),
    ("model", "kritis_sim.crypto.pgp"),
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "kritis_sim" or len(parts) < 2:
        return None
    return parts[1]


@pytest.mark.parametrize("layer", ["core", "model", "crypto", "producers"])
def test_pure_layers_import_no_io_libraries(layer: str) -> None:
    for path in (PACKAGE / layer).glob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in FORBIDDEN_IN_CORE}
        assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize(
    "layer",
    [
        "model",
        "crypto",
        "core",
        "producers",
        "grafeas",
        "admission",
        "cv",
        "whatif",
        "scenarios",
        "harness",
    ],
)
def test_lower_layers_never_import_higher_ones(layer: str) -> None:
    rank = ORDER.index(layer)
    for path in (PACKAGE / layer).glob("*.py"):
        for module in _imports(path):
            other = _layer(module)
            if other in ORDER and (layer, module) not in ALLOWED:
                assert ORDER.index(other) <= rank, (
                    f"{layer}/{path.name} imports {module}"
                )


def test_grafeas_and_admission_are_independent() -> None:
    for layer, other in (("grafeas", "admission"), ("admission", "grafeas")):
        for path in (PACKAGE / layer).glob("*.py"):
            bad = {m for m in _imports(path) if _layer(m) == other}
            assert not bad, f"{layer}/{path.name} imports {bad}"
