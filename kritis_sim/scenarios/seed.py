"""The occurrences a scenario's world starts with (``occurrences: {file: ...}``).

A scenario may seed the world's store with occurrences that exist before its
story begins, for example the PGP-signed attestations and the vulnerability
findings a Kritis user already has (``examples/kritis/occurrences.yaml``)::

    occurrences: {file: occurrences.yaml}   # a file, a directory, or a list

The files are read as ``kritis-sim review --occurrences`` reads them: Grafeas
v1 occurrences of any kind the store holds (ATTESTATION, VULNERABILITY,
DISCOVERY, BUILD; documents, lists or ``{occurrences: [...]}``), or, file by
file, the Grafeas **v1beta1** occurrences Kritis' own store holds (a
``pgpSignedAttestation`` is opened with the key of the environments'
AttestationAuthorities its ``pgpKeyId`` names). Every file is confined to the
scenario's root, as every file a scenario names.

Each occurrence is filed in the scenario's project (``project:``): one without
a ``name`` is named ``projects/P/occurrences/seed-N``; a name in another
project, or a name given twice, is refused (the scenario's decisions read that
project's attestations, so such an occurrence would silently count for
nothing). Nothing else is added: a missing ``createTime`` stays missing.
This module parses at load time and stores nothing itself (the world does,
:class:`~.world.World`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kritis_sim._yaml import Path
from kritis_sim.errors import InputError
from kritis_sim.scenarios._reader import relocate

if TYPE_CHECKING:
    from kritis_sim.scenarios.sections import Sections

__all__ = ["read_seed"]


def read_seed(s: Sections, value: object, path: Path) -> tuple[Mapping[str, Any], ...]:
    """The occurrences of ``occurrences: {file: PATH}``, as Grafeas v1 JSON."""
    from kritis_sim.model.kritis.v1beta1 import read_v1beta1_text
    from kritis_sim.model.occurrence_mix import load_mixed_occurrences

    r = s.reader
    doc = r.mapping(value, path, known=("file",), what="the occurrences the world starts with ({file: PATH})")
    where = (*path, "file")
    files = s.read_files(r.require(doc, "file", path, "occurrences"), where)
    keys = {
        k.fingerprint: k.armored
        for env in s.environments.values()
        if env.kritis is not None
        for aa in env.kritis.resources.authorities
        for k in aa.pgp_keys
    }
    parent = f"projects/{s.project}"
    out: list[dict[str, Any]] = []
    for shown, text in files:
        try:
            beta = read_v1beta1_text(text, shown, keys)
            occurrences = beta if beta is not None else load_mixed_occurrences(text, source=shown)
        except InputError as exc:
            raise relocate(exc, r.locator, where) from None
        if not occurrences:
            r.fail(where, f"{shown} holds no occurrences")
        for i, occ in enumerate(occurrences):
            data = occ.to_dict()
            name = data.get("name")
            if name is None:
                data["name"] = f"{parent}/occurrences/seed-{len(out) + 1:06d}"
            elif not str(name).startswith(f"{parent}/occurrences/"):
                r.fail(where, f"{shown}: occurrence {i + 1} is named {name!r}, outside the scenario's "
                       f"project {s.project!r}; its decisions read that project's occurrences "
                       "(set 'project:' or drop the name)")
            elif any(o["name"] == name for o in out):
                r.fail(where, f"{shown}: occurrence {i + 1}: the name {name!r} is given twice")
            out.append(data)
    return tuple(out)
