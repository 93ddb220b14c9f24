"""Judge changes, not state: which images an UPDATE adds or changes.

An UPDATE of a Pod or of a pod-template controller is compared with its
``oldObject`` slot by slot, a slot being a container (keyed by its list,
``containers``, ``initContainers`` or ``ephemeralContainers``, and its name)
or an image volume (keyed by its name). A slot that is new, renamed, or holds
a different image string is a change; a removed slot is not. A changed service
account is a change too: it moves the workload to another deploy target, so
the rules that judged the images may no longer be the ones that apply.

Under ``--judge-updates changed`` (the default) an UPDATE with no change is
admitted without a decision, and audited as not re-judged; an UPDATE with any
change is judged in full, every image of the object, as a CREATE would be.
Under ``--judge-updates all`` every UPDATE is judged in full. An UPDATE with
no ``oldObject`` is judged in full (fail safe).

This module compares; it does not decide and does not find pod specs (see
:mod:`kritis_sim.admission.workloads`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from kritis_sim.admission._shapes import as_list, mapping
from kritis_sim.errors import ManifestError

__all__ = ["JUDGE_UPDATES", "JudgeUpdates", "changes", "image_slots"]

JudgeUpdates = Literal["changed", "all"]
#: The values of ``--judge-updates``.
JUDGE_UPDATES: tuple[str, ...] = get_args(JudgeUpdates)

_LISTS = ("containers", "initContainers", "ephemeralContainers")
Slot = tuple[str, str]


def image_slots(
    spec: Mapping[str, Any], path: str, *, ephemeral_only: bool = False
) -> dict[Slot, str]:
    """``(list, name) -> image`` for one pod spec; image volumes are listed
    as ``("volumes", name)``. A container without a name is keyed by its
    index (the API server requires names, so this only keeps slots apart).

    Raises:
        ManifestError: lists, containers or images of the wrong shape.
    """
    slots: dict[Slot, str] = {}
    for list_name in ("ephemeralContainers",) if ephemeral_only else _LISTS:
        where = f"{path}.{list_name}"
        for i, item in enumerate(as_list(spec.get(list_name), where)):
            container = mapping(item, f"{where}[{i}]")
            image = container.get("image")
            if not isinstance(image, str) or not image:
                raise ManifestError(
                    f"expected a non-empty image string, got {image!r}",
                    path=f"{where}[{i}].image",
                )
            slots[(list_name, _slot_name(container, i))] = image
    if ephemeral_only:
        return slots
    for i, item in enumerate(as_list(spec.get("volumes"), f"{path}.volumes")):
        volume = mapping(item, f"{path}.volumes[{i}]")
        source = mapping(volume.get("image"), f"{path}.volumes[{i}].image")
        reference = source.get("reference")
        if reference is None:
            continue
        if not isinstance(reference, str) or not reference:
            raise ManifestError(
                f"expected a non-empty image string, got {reference!r}",
                path=f"{path}.volumes[{i}].image.reference",
            )
        slots[("volumes", _slot_name(volume, i))] = reference
    return slots


def _slot_name(item: Mapping[str, Any], index: int) -> str:
    name = item.get("name")
    return name if isinstance(name, str) and name else f"#{index}"


def changes(
    new: Mapping[Slot, str],
    old: Mapping[Slot, str],
    *,
    new_account: str,
    old_account: str,
) -> tuple[str, ...]:
    """What an UPDATE changes, described (empty: nothing to re-judge)."""
    found: list[str] = []
    for (list_name, name), image in new.items():
        before = old.get((list_name, name))
        if before is None:
            found.append(f"{list_name} {name!r} added ({image})")
        elif before != image:
            found.append(f"{list_name} {name!r}: {before} -> {image}")
    if new_account != old_account:
        found.append(f"service account {old_account!r} -> {new_account!r}")
    return tuple(found)
