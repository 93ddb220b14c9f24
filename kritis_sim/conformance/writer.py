"""Write a case directory from plain data (the catalogue generator, shrinking).

:func:`write_case` is the one place that lays out a case on disk, so the
catalogue generator (``tools/conformance/generate_cases.py``) and the
differential mode's minimal counterexamples produce identical layouts. Output
is deterministic: the same data gives the same bytes.

It does not validate semantics; :func:`kritis_sim.conformance.case.load_case`
reads the result back.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kritis_sim.conformance.case import Case, load_case

__all__ = ["CaseData", "dump_yaml", "write_case"]


def dump_yaml(data: Any) -> str:
    """YAML in block style with keys in the order given."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)


@dataclass(frozen=True)
class CaseData:
    """Everything a case directory holds, as plain JSON-ready data.

    Attributes:
        name: the directory name (``_deny`` suffix for denials).
        policy: the Binary Authorization policy document.
        attestors: Attestor resources.
        world: ``time``, ``notes``, ``occurrences`` (each ``{made, occurrence}``)
            and optionally ``fault``.
        request: ``review``, ``object`` or ``spec``, ``target``, ...
        expect: ``allowed``, ``reason``, ``warnings``, ``auditAnnotations``,
            ``features``.
        readme: the README text (what is checked, which rule).
    """

    name: str
    policy: Mapping[str, Any]
    attestors: Sequence[Mapping[str, Any]]
    world: Mapping[str, Any]
    request: Mapping[str, Any]
    expect: Mapping[str, Any]
    readme: str
    header: str = field(default="")


def write_case(root: str | Path, data: CaseData, *, replace: bool = True) -> Case:
    """Write ``data`` as ``root/<name>/`` and read it back.

    Args:
        root: the catalogue directory.
        data: the case.
        replace: remove an existing directory of the same name first.

    Returns:
        The case as :func:`load_case` reads it.
    """
    path = Path(root) / data.name
    if path.exists() and replace:
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    header = data.header
    files = {
        "policy.yaml": dump_yaml(dict(data.policy)),
        "attestors.yaml": dump_yaml([dict(a) for a in data.attestors]),
        "world.yaml": dump_yaml(dict(data.world)),
        "request.yaml": dump_yaml(dict(data.request)),
        "expect.yaml": dump_yaml(dict(data.expect)),
    }
    for name, text in files.items():
        (path / name).write_text(header + text, encoding="utf-8")
    (path / "README.md").write_text(data.readme.rstrip() + "\n", encoding="utf-8")
    return load_case(path)
