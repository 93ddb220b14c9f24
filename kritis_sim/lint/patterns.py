"""Allowlist patterns that look like mistakes (both policy models).

A pattern the loader accepts can still exempt far more than its author
meant. :func:`pattern_findings` flags, for one pattern:

* ``whole-registry`` (warning): ``gcr.io/*`` or ``gcr.io/**``: every image
  of a registry (or, for ``**``, every image anywhere below it) is exempt;
* ``single-star-directory`` (warning): ``gcr.io/p/*``: ``*`` stops at
  ``/``, so ``gcr.io/p/team/app`` is *not* exempt while ``gcr.io/p/app`` is;
  ``**`` was likely meant (or name the repositories);
* ``lookalike-name`` (warning): a wildcard right after part of a name
  (``gcr.io/p/nginx*``, ``gcr.io/p**``) also exempts look-alikes such as
  ``gcr.io/p/nginx-evil``; end the name with ``:``, ``@`` or ``/`` first;
* ``lookalike-registry`` (warning): a registry host one or two letters away
  from a well-known one (``gcr.i0``, ``dockr.io``, ``ghcr.com``), which
  someone else may own.

Pure string checks; no I/O.
"""

from __future__ import annotations

import difflib

from kritis_sim._locator import Locator, Path
from kritis_sim.lint.findings import Finding, at

__all__ = ["WELL_KNOWN_REGISTRIES", "pattern_findings"]

#: Registries whose near-misses are flagged.
WELL_KNOWN_REGISTRIES = (
    "gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io", "docker.io",
    "index.docker.io", "registry-1.docker.io", "ghcr.io", "quay.io",
    "registry.k8s.io", "k8s.gcr.io", "mcr.microsoft.com", "public.ecr.aws",
    "gke.gcr.io", "pkg.dev",
)  # fmt: skip


def _host(text: str) -> str:
    return text.split("/", 1)[0]


def _lookalike_of(host: str) -> str | None:
    if host in WELL_KNOWN_REGISTRIES or host.endswith("-docker.pkg.dev"):
        return None
    for known in WELL_KNOWN_REGISTRIES:
        if host != known and difflib.SequenceMatcher(None, host, known).ratio() >= 0.8:
            return known
    return None


def pattern_findings(text: str, locator: Locator, path: Path) -> list[Finding]:
    """The findings of the pattern ``text`` located at ``path``."""
    out: list[Finding] = []
    wildcard = "**" if text.endswith("**") else "*" if text.endswith("*") else ""
    prefix = text[: len(text) - len(wildcard)]
    host = _host(text)
    if wildcard and prefix == host + "/":
        out.append(
            at(
                locator, path, "whole-registry", "warning",
                f"{text!r} exempts every image of the registry {host}"
                + (" at any depth" if wildcard == "**" else ""),
                f"name the projects or repositories to exempt, e.g. "
                f"'{host}/PROJECT/IMAGE:*'",
            )
        )  # fmt: skip
    elif wildcard == "*" and prefix.endswith("/"):
        out.append(
            at(
                locator, path, "single-star-directory", "warning",
                f"{text!r}: '*' stops at '/', so images one level deeper "
                f"(such as {prefix}team/app) are not exempt",
                f"use '{prefix}**' to exempt everything below {prefix}, or list "
                "the repositories",
            )
        )  # fmt: skip
    elif wildcard and prefix[-1:] not in ("/", ":", "@"):
        sample = prefix + "-evil" + ("/x" if wildcard == "**" else "")
        out.append(
            at(
                locator, path, "lookalike-name", "warning",
                f"{text!r} also exempts look-alike names such as {sample!r}",
                f"end the name before the wildcard: '{prefix}:*' (any tag of "
                f"this repository) or '{prefix}/**' (everything below it)",
            )
        )  # fmt: skip
    known = _lookalike_of(host) if "/" in text else None
    if known is not None:
        out.append(
            at(
                locator, path, "lookalike-registry", "warning",
                f"registry {host!r} looks like {known!r} but is another host, "
                "which someone else may control",
                f"write '{known}' if that was meant",
            )
        )  # fmt: skip
    return out
