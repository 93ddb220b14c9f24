"""What the platform-policy commands (``evaluate``, ``webhook``, ``cv``) read, in one place.

* ``--trusted-builders FILE``: the roots of trust of ``slsaCheck``'s
  ``trustedBuilder``; the file format and its checks are described in
  :mod:`kritis_sim.admission.platform_inputs` (errors name the file, line
  and field; exit 2).
* ``--occurrences`` of every kind into an ``InMemoryPlatformOccurrences``
  (:func:`platform_source`), with ``--occurrences-project`` placing unnamed
  entries.
* :func:`load_gke_policy`: a platform policy file that holds a ``gkePolicy``.

The trusted-builders and GKE-policy loaders themselves live below ``cli/``
(:mod:`kritis_sim.admission.platform_inputs`, shared with the conformance
adapters) and are re-exported here. CLI-only helpers: they read files and raise
the one exception tree.
"""

from __future__ import annotations

import argparse
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kritis_sim.admission.platform_inputs import (
    load_gke_policy,
    load_trusted_builders,
    trusted_builders_from_dict,
)
from kritis_sim.cli.occurrence_files import occurrence_texts
from kritis_sim.core.judges import Judge
from kritis_sim.core.platform.occurrences import (
    InMemoryPlatformOccurrences,
    occurrence_project,
)
from kritis_sim.errors import InputError, PolicyError
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.platform.policy import PlatformPolicy

__all__ = [
    "TRUSTED_BUILDERS_HELP",
    "ChainedOccurrences",
    "add_trusted_builders",
    "load_gke_policy",
    "load_trusted_builders",
    "platform_source",
    "trusted_builders_from_dict",
]

TRUSTED_BUILDERS_HELP = (
    "roots of trust for slsaCheck: YAML/JSON {trustedBuilders: [{trustedBuilder: "
    "GOOGLE_CLOUD_BUILD, builderIds: [...], publicKeys: [{publicKeyPem, "
    "signatureAlgorithm, keyId}]}]} (docs/platform-policy.md); without it every "
    "slsaCheck reports ERROR 'no roots of trust'"
)
_PROJECT = re.compile(r"projects/[^/\s]+")


def add_trusted_builders(p: argparse.ArgumentParser | Any) -> None:
    """Add ``--trusted-builders FILE`` to a parser or argument group."""
    p.add_argument("--trusted-builders", metavar="FILE", help=TRUSTED_BUILDERS_HELP)


def platform_source(
    paths: Sequence[str] | None, project: str | None
) -> InMemoryPlatformOccurrences:
    """Every ``--occurrences`` entry of every kind, indexed by its project;
    ``project`` (``--occurrences-project``) places the unnamed ones."""
    if project is not None and not _PROJECT.fullmatch(project):
        raise InputError(
            f"expected projects/PROJECT_ID, got {project!r}",
            path="--occurrences-project",
        )
    source = InMemoryPlatformOccurrences()
    for text, shown in occurrence_texts(paths or ()):
        for occ in load_mixed_occurrences(text, source=shown):
            name = (
                occ.name if isinstance(occ, AttestationOccurrence) else occ.header.name
            )
            source.add(occ, project=None if occurrence_project(name) else project)
    return source


class ChainedOccurrences:
    """Occurrences from files, then from a live Grafeas (a read fails when
    either fails: the check reports ERROR, never a partial answer)."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def close(self) -> None:
        self.second.close()

    def _both(self, method: str, project: str, url: str) -> tuple[Any, ...]:
        return (
            *getattr(self.first, method)(project, url),
            *getattr(self.second, method)(project, url),
        )

    def vulnerabilities(self, project: str, url: str) -> tuple[Any, ...]:
        return self._both("vulnerabilities", project, url)

    def discoveries(self, project: str, url: str) -> tuple[Any, ...]:
        return self._both("discoveries", project, url)

    def builds(self, project: str, url: str) -> tuple[Any, ...]:
        return self._both("builds", project, url)

    def attestations(self, project: str, url: str) -> tuple[Any, ...]:
        return self._both("attestations", project, url)


_POLICY_NAME = re.compile(r"projects/[^/\s]+/platforms/[^/\s]+/policies/[A-Za-z0-9_-]+")


def is_policy_name(value: str) -> bool:
    """``projects/P/platforms/gke/policies/ID`` that is not an existing file."""
    return bool(_POLICY_NAME.fullmatch(value)) and not os.path.exists(value)


class EmulatorPlatformJudges:
    """A judge provider over a platform policy read from the emulator
    (``GET /v1/{name}``) at most once per ``ttl`` seconds.

    A failure (the emulator down, a policy that is not valid or has no
    ``gkePolicy``) is raised, so the webhook fails closed, and not cached: the
    next request tries again. An unchanged policy keeps its judge (and the
    judge's memoised work).
    """

    def __init__(
        self,
        client: Any,
        name: str,
        make: Callable[[PlatformPolicy], Judge],
        ttl: float,
    ) -> None:
        self.client, self.name, self._make, self._ttl = client, name, make, ttl
        self._lock = threading.Lock()
        self._policy: PlatformPolicy | None = None
        self._judge: Judge | None = None
        self._expires = 0.0

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __call__(self) -> Judge:
        with self._lock:
            if self._judge is not None and time.monotonic() < self._expires:
                return self._judge
        from kritis_sim.grafeas.client import fetch_platform_policy

        policy = fetch_platform_policy(self.client, self.name)
        if policy.gke_policy is None:
            raise PolicyError(
                f"{self.name} has no gkePolicy; only GKE platform policies can be "
                "enforced"
            )
        with self._lock:
            if self._judge is None or policy != self._policy:
                self._policy, self._judge = policy, self._make(policy)
            self._expires = time.monotonic() + self._ttl
            return self._judge
