"""An httpx client for Grafeas v1 / Container Analysis and Binary Authorization v1 REST.

Works against the kritis-sim emulator or a real endpoint (pass ``headers`` with
an ``Authorization`` bearer token for Google; this module never looks for
credentials). Every call has bounded timeouts; every failure raises
:class:`~kritis_sim.errors.GrafeasError` (transport, timeout, non-JSON reply,
endless pagination) or :class:`~kritis_sim.errors.GrafeasApiError` (a
Google-style error reply) saying what failed. A failed listing never turns
into an empty list. Listings follow ``nextPageToken`` to the end.

* :class:`GrafeasRestClient`: requests and pagination
  (:mod:`kritis_sim.grafeas.rest`, re-exported here).
* :class:`GrafeasAttestationSource`: the core's
  :class:`~kritis_sim.core.source.AttestationSource` over ``notes/N/occurrences``.
* :class:`GrafeasPlatformOccurrences`: the platform-policy checks'
  :class:`~kritis_sim.core.platform.occurrences.PlatformOccurrences` over
  ``projects/P/occurrences`` (VULNERABILITY, DISCOVERY, BUILD, ATTESTATION).
* :func:`fetch_policy`, :func:`list_attestors`, :func:`load_world`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from kritis_sim.core.platform.occurrences import ListsByKind
from kritis_sim.core.source import AttestationSource
from kritis_sim.errors import GrafeasApiError, GrafeasError, InputError
from kritis_sim.grafeas.details import parse_listed
from kritis_sim.grafeas.rest import DEFAULT_TIMEOUT, GrafeasRestClient
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.policy import Policy

__all__ = [
    "DEFAULT_TIMEOUT",
    "GrafeasAttestationSource",
    "GrafeasPlatformOccurrences",
    "GrafeasRestClient",
    "fetch_platform_policy",
    "fetch_policy",
    "list_attestors",
    "load_world",
    "resource_url_forms",
]

logger = logging.getLogger("kritis_sim.grafeas.client")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class GrafeasAttestationSource(AttestationSource):
    """Attestation occurrences read live from a Grafeas endpoint.

    Lists ``{note_name}/occurrences`` filtered by ``resourceUrl``, keeps the
    ATTESTATION ones and parses them. gcloud (528+) stores ``resourceUri``
    without a scheme, so for an ``https://`` URL the scheme-less form is also
    looked up unless ``also_without_scheme`` is false. A malformed attestation
    occurrence is skipped with a warning (it could never verify).

    Raises:
        GrafeasError: from :meth:`occurrences` when the endpoint fails.
    """

    def __init__(
        self,
        client: GrafeasRestClient,
        *,
        page_size: int = 1000,
        also_without_scheme: bool = True,
    ) -> None:
        self.client = client
        self.page_size = page_size
        self.also_without_scheme = also_without_scheme

    def close(self) -> None:
        """Close the underlying client's connections."""
        self.client.close()

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """See :meth:`kritis_sim.core.source.AttestationSource.occurrences`."""
        urls = [resource_url]
        if self.also_without_scheme and resource_url.startswith("https://"):
            urls.append(resource_url.removeprefix("https://"))
        out: list[AttestationOccurrence] = []
        for url in urls:
            items = self.client.paginate(
                f"{note_name}/occurrences",
                "occurrences",
                params={"filter": f"resourceUrl={_quote(url)}"},
                page_size=self.page_size,
            )
            for item in items:
                if not isinstance(item, dict) or item.get("kind") not in (
                    "ATTESTATION",
                    7,
                ):
                    continue
                try:
                    out.append(AttestationOccurrence.from_dict(item))
                except InputError as exc:
                    logger.warning(
                        "skipping malformed occurrence %s: %s", item.get("name"), exc
                    )
        return tuple(out)


def resource_url_forms(resource_url: str) -> tuple[str, ...]:
    """``resource_url`` and its form with or without ``https://``.

    Scanners store ``https://`` URIs, gcloud stores attestations without the
    scheme; a reader asks for both.
    """
    if resource_url.startswith("https://"):
        return resource_url, resource_url.removeprefix("https://")
    return resource_url, "https://" + resource_url


class GrafeasPlatformOccurrences(ListsByKind):
    """Platform-policy occurrences read live from a Grafeas endpoint.

    Implements :class:`kritis_sim.core.platform.occurrences.PlatformOccurrences`
    (pass it as ``occurrences=`` to
    :func:`~kritis_sim.core.platform.evaluate_platform_policy`): each method
    lists ``projects/P/occurrences`` with the filter
    ``resourceUrl="<url>" AND kind="<KIND>"`` for the URL with and without
    ``https://``, follows every page and parses each item with the model.

    Every method raises :class:`GrafeasError` when the endpoint fails (the
    checks report ERROR, never CONFORMANT) or answers a VULNERABILITY,
    DISCOVERY or BUILD occurrence the model refuses (skipping it could hide a
    vulnerability); a malformed ATTESTATION one is skipped with a warning.
    """

    def __init__(self, client: GrafeasRestClient, *, page_size: int = 1000) -> None:
        self.client = client
        self.page_size = page_size

    def close(self) -> None:
        """Close the underlying client's connections."""
        self.client.close()

    def _by_kind(self, kind: str, project: str, resource_url: str) -> tuple[Any, ...]:
        out: list[Any] = []
        for url in resource_url_forms(resource_url):
            flt = f"resourceUrl={_quote(url)} AND kind={_quote(kind)}"
            for item in self.client.paginate(
                f"{project}/occurrences",
                "occurrences",
                params={"filter": flt},
                page_size=self.page_size,
            ):
                if not isinstance(item, dict) or item.get("kind") not in (kind, None):
                    continue
                parsed = parse_listed(kind, item, self.client.base_url)
                if parsed is not None:
                    out.append(parsed)
        return tuple(out)


def fetch_policy(client: GrafeasRestClient, project: str) -> Policy:
    """The project's Binary Authorization policy.

    Raises:
        GrafeasError: the endpoint failed or answered a policy that is not valid.
    """
    data = client.request("GET", f"projects/{project}/policy")
    try:
        return Policy.from_dict(data)
    except InputError as exc:
        raise GrafeasError(f"policy of project {project} is not valid: {exc}") from exc


def fetch_platform_policy(client: GrafeasRestClient, name: str) -> PlatformPolicy:
    """The platform policy ``projects/P/platforms/PLATFORM/policies/ID``.

    Raises:
        GrafeasError: the endpoint failed or answered a policy that is not valid.
    """
    data = client.request("GET", name)
    try:
        return PlatformPolicy.from_dict(data)
    except InputError as exc:
        raise GrafeasError(f"platform policy {name} is not valid: {exc}") from exc


def list_attestors(client: GrafeasRestClient, project: str) -> tuple[Attestor, ...]:
    """Every attestor of ``project``, following pagination.

    Raises:
        GrafeasError: the endpoint failed or answered an invalid attestor.
    """
    out = []
    for item in client.paginate(
        f"projects/{project}/attestors", "attestors", page_size=100
    ):
        try:
            out.append(Attestor.from_dict(item))
        except InputError as exc:
            raise GrafeasError(
                f"attestor in project {project} is not valid: {exc}"
            ) from exc
    return tuple(out)


def load_world(
    base_url: str,
    project: str,
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
) -> tuple[Policy, tuple[Attestor, ...], AttestationSource]:
    """Policy, attestors and a live attestation source from one endpoint.

    Attestors are the project's own plus any other the policy requires (read
    one by one; a missing one is left out, so the decision reports it). The
    returned source keeps its own client open for later lookups.
    """
    client = GrafeasRestClient(base_url, timeout=timeout, headers=headers)
    try:
        policy = fetch_policy(client, project)
        attestors = list(list_attestors(client, project))
        known = {a.name for a in attestors}
        for name in _required_attestors(policy):
            if name in known:
                continue
            known.add(name)
            try:
                attestors.append(Attestor.from_dict(client.request("GET", name)))
            except GrafeasApiError as exc:
                if exc.code != 404:
                    raise
            except InputError as exc:
                raise GrafeasError(f"attestor {name} is not valid: {exc}") from exc
    except BaseException:
        client.close()
        raise
    return policy, tuple(attestors), GrafeasAttestationSource(client)


def _required_attestors(policy: Policy) -> list[str]:
    names = list(policy.default_admission_rule.require_attestations_by)
    specific = policy.specific_rules()
    if specific is not None:
        for rule in specific[1].values():
            names.extend(rule.require_attestations_by)
    return names
