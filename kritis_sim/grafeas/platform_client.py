"""Read a platform policy and its occurrences from an emulator (or Google).

For adapters that enforce or evaluate a platform policy kept in the emulator
(``kritis-sim webhook --platform-policy projects/P/platforms/gke/policies/ID``,
continuous validation):

* :func:`fetch_platform_policy`: ``GET v1/projects/P/platforms/X/policies/ID``,
  validated with the platform-policy loader;
* :func:`load_platform_world`: that policy plus a live
  :class:`~kritis_sim.grafeas.client.GrafeasPlatformOccurrences` over the same
  endpoint, ready for :func:`kritis_sim.core.platform.evaluate_platform_policy`
  (``occurrences=``).

Every failure is a :class:`~kritis_sim.errors.GrafeasError` (or its
:class:`~kritis_sim.errors.GrafeasApiError`, e.g. 404 for a missing policy)
saying what failed; nothing here caches or retries. A policy name that is not
``projects/P/platforms/{gke,cloudRun}/policies/ID`` is an
:class:`~kritis_sim.errors.InputError` before any request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from kritis_sim.errors import GrafeasError, InputError
from kritis_sim.grafeas.client import (
    DEFAULT_TIMEOUT,
    GrafeasPlatformOccurrences,
    GrafeasRestClient,
)
from kritis_sim.model.platform import PlatformPolicy

__all__ = ["fetch_platform_policy", "load_platform_world", "parse_policy_name"]

_NAME = re.compile(r"projects/[^/\s]+/platforms/(gke|cloudRun)/policies/[a-zA-Z0-9_-]+")


def parse_policy_name(name: str) -> str:
    """``name`` when it is a platform policy's resource name.

    Raises:
        InputError: another shape, saying the expected one.
    """
    if not _NAME.fullmatch(name):
        raise InputError(
            "expected a platform policy name "
            "projects/PROJECT/platforms/{gke|cloudRun}/policies/ID, "
            f"got {name!r}"
        )
    return name


def fetch_platform_policy(client: GrafeasRestClient, name: str) -> PlatformPolicy:
    """The platform policy ``name`` from the endpoint.

    Raises:
        InputError: ``name`` is not a platform policy name.
        GrafeasApiError: the endpoint refused (404: no such policy).
        GrafeasError: the endpoint failed or answered an invalid policy.
    """
    data = client.request("GET", parse_policy_name(name))
    try:
        return PlatformPolicy.from_dict(data)
    except InputError as exc:
        raise GrafeasError(
            f"platform policy {name} from {client.base_url} is not valid: {exc}"
        ) from exc


def load_platform_world(
    base_url: str,
    name: str,
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
) -> tuple[PlatformPolicy, GrafeasPlatformOccurrences]:
    """The policy ``name`` and a live occurrence source on ``base_url``.

    The source keeps its own client open for later lookups (``close()`` it
    when done). Raises as :func:`fetch_platform_policy`; nothing is left open
    when it raises.
    """
    client = GrafeasRestClient(base_url, timeout=timeout, headers=headers)
    try:
        policy = fetch_platform_policy(client, name)
    except BaseException:
        client.close()
        raise
    return policy, GrafeasPlatformOccurrences(client)
