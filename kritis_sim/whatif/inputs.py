"""The admissions of what-if's INPUT, streamed.

INPUT is what ``kritis-sim cv`` reads (:mod:`kritis_sim.cv.inputs`): a
snapshot (``kubectl get -A -o json|yaml``, manifests), a directory of them, a
Kubernetes audit log or kritis-sim's webhook audit log. The objects are read
by the same readers, so ``cv``, ``review`` and ``whatif`` never disagree
about what an object runs. What counts as one admission:

* a snapshot or manifest: each workload object (read whole, within the 8 MiB
  input limit);
* a Kubernetes audit log: each successful ``create`` or ``update`` of a
  workload (:func:`kritis_sim.cv.audit_logs.k8s_audit_admissions`), read one
  line at a time, so only each line is bound by the input limit and memory
  does not grow with the log;
* kritis-sim's webhook audit log: each record
  (:func:`kritis_sim.cv.audit_logs.webhook_admissions`), also streamed.

What does not apply is yielded as a :class:`~kritis_sim.cv.items.Skip`
(counted by the caller); what is unusable raises, naming file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kritis_sim._input import read_input
from kritis_sim.cv.audit_logs import k8s_audit_admissions, webhook_admissions
from kritis_sim.cv.inputs import FORMATS, input_files, kind_of, snapshot_items, sniff
from kritis_sim.cv.items import CvItem, Skip
from kritis_sim.cv.json_list import MAX_SNAPSHOT_BYTES
from kritis_sim.cv.lines import file_byte_lines
from kritis_sim.errors import InputError

__all__ = ["admissions"]


def _one(path: str, input_format: str, namespace: str) -> Iterator[CvItem | Skip]:
    kind = kind_of(path, input_format)
    lines: Iterable[bytes] | str
    if kind == "stdin" or (path == "-" and kind != "stdin"):
        lines = read_input(path)
        kind = sniff(lines) if kind == "stdin" else kind
    elif kind == "snapshot":
        lines = read_input(path, limit=MAX_SNAPSHOT_BYTES)
    else:
        lines = file_byte_lines(path)
    if kind == "k8s-audit":
        yield from k8s_audit_admissions(lines, path)
    elif kind == "webhook-audit":
        yield from webhook_admissions(lines, path)
    else:
        assert isinstance(lines, str)
        yield from snapshot_items(lines, path, namespace)


def admissions(
    paths: list[str], *, input_format: str = "auto", namespace: str = "default"
) -> Iterator[CvItem | Skip]:
    """Every admission of every INPUT argument, in order.

    Raises:
        InputError: an unreadable file or item (file, line and field named),
            an unknown ``input_format``.
    """
    if input_format not in FORMATS:
        raise InputError(
            f"expected one of {list(FORMATS)}, got {input_format!r}",
            path="--input-format",
        )
    for arg in paths:
        for path in input_files(arg):
            yield from _one(path, input_format, namespace)
