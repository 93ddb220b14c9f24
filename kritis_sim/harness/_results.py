"""Reading the API server's answer to a workload, as kubectl prints it.

``kubectl apply``/``create`` exits 0 when the object was admitted (printing
``pod/web created``, with ``(server dry run)`` for ``--dry-run=server``) and
prints the webhook's warnings as ``Warning: ...`` lines on stderr. A denial by
the webhook reads::

    Error from server (Forbidden): error when creating "STDIN": admission
    webhook "admission.kritis-sim.dev" denied the request: <message>

:func:`admission_from_output` turns that into an :class:`Admission`; any other
failure (the webhook unreachable, a schema error) is not an admission answer
and raises :class:`~kritis_sim.errors.CommandError`. :func:`never_pull` pins
test workloads to ``imagePullPolicy: Never`` so that really created Pods make
the kubelet reach no registry. This module runs nothing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kritis_sim.errors import CommandError
from kritis_sim.harness._process import Completed
from kritis_sim.scenarios.manifests import pod_template

__all__ = [
    "DENIAL",
    "Admission",
    "admission_from_output",
    "never_pull",
    "parse_denial",
    "parse_warnings",
]

#: The API server's wording for a webhook's refusal.
DENIAL = re.compile(
    r'admission webhook "(?P<webhook>[^"]+)" denied the request: (?P<message>.*)'
)
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class Admission:
    """The API server's answer to one object; truthy when admitted.

    Attributes:
        kind: the object's kind.
        name: its name (None when it has only ``generateName``).
        namespace: where it was sent.
        dry_run: sent with ``--dry-run=server`` (nothing was stored).
        allowed: admitted.
        message: kubectl's line when admitted; the webhook's message when denied.
        webhook: the webhook that denied it.
        warnings: the admission warnings kubectl printed.
    """

    kind: str
    name: str | None
    namespace: str
    dry_run: bool
    allowed: bool
    message: str
    webhook: str | None = None
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def label(self) -> str:
        """``Kind/name`` for reports."""
        return f"{self.kind}/{self.name or '?'}"

    def __str__(self) -> str:
        verdict = "admitted" if self.allowed else f"denied by {self.webhook}"
        how = " (server dry run)" if self.dry_run else ""
        text = f"{self.label} in {self.namespace}{how}: {verdict}: {self.message}"
        return "\n".join([text, *(f"  warning: {w}" for w in self.warnings)])


def parse_denial(stderr: str) -> tuple[str, str] | None:
    """``(webhook, message)`` of a webhook's refusal in kubectl's stderr.

    The message runs to the end of its line and over following lines that do
    not start a new ``Error from server`` or ``Warning:`` line.
    """
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        match = DENIAL.search(line)
        if match is None:
            continue
        parts = [match.group("message")]
        for more in lines[index + 1 :]:
            if more.startswith(("Error from server", "Warning:", "error:")):
                break
            parts.append(more)
        return match.group("webhook"), "\n".join(parts).strip()
    return None


def parse_warnings(stderr: str) -> tuple[str, ...]:
    """The ``Warning: ...`` lines kubectl printed, without the prefix."""
    return tuple(
        line.removeprefix("Warning:").strip()
        for line in stderr.splitlines()
        if line.startswith("Warning:")
    )


def _identity(obj: Mapping[str, Any]) -> tuple[str, str | None]:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return str(obj.get("kind", "?")), name if isinstance(name, str) else None


def admission_from_output(
    obj: Mapping[str, Any], namespace: str, done: Completed, *, dry_run: bool
) -> Admission:
    """The admission answer in a finished ``kubectl apply``/``create``.

    Raises:
        CommandError: kubectl failed for another reason than a webhook denial
            (e.g. ``failed calling webhook``, an invalid object, no cluster).
    """
    kind, name = _identity(obj)
    warnings = parse_warnings(done.stderr)
    if done.returncode == 0:
        return Admission(
            kind, name, namespace, dry_run, True, done.stdout.strip(), None, warnings
        )
    denial = parse_denial(done.stderr)
    if denial is None:
        raise CommandError(
            done.argv,
            f"failed with exit status {done.returncode} without an admission "
            "webhook's answer",
            stderr=done.stderr or done.stdout,
            returncode=done.returncode,
        )
    webhook, message = denial
    return Admission(kind, name, namespace, dry_run, False, message, webhook, warnings)


def _pod_spec(obj: dict[str, Any]) -> Any:
    if obj.get("kind") == "Pod":
        return obj.get("spec")
    template = pod_template(obj)
    return template.get("spec") if template is not None else None


def never_pull(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` whose containers all have ``imagePullPolicy: Never``.

    Objects without a pod spec are copied unchanged.
    """
    out = copy.deepcopy(dict(obj))
    spec = _pod_spec(out)
    if isinstance(spec, dict):
        for field in _CONTAINER_LISTS:
            for container in spec.get(field) or ():
                if isinstance(container, dict):
                    container["imagePullPolicy"] = "Never"
    return out
