"""Lint rules of GKE platform policies (``gkePolicy``).

:func:`lint_platform` reads the document as written:

* ``shadowed-check-set`` (error): a check set that can never be selected:
  after the unscoped catch-all, with the same scope as an earlier one, or a
  service-account scope after the namespace scope that already covers it
  (the first matching check set wins; the API refuses these orders too);
* ``unreachable-rule`` (warning): a scope naming no possible namespace or
  service account (not DNS-1123 names);
* ``empty-check-set`` (info): a check set without checks admits every image
  in its scope;
* ``freshness-shorter-than-cv`` (warning): an ``imageFreshnessCheck`` whose
  ``maxUploadAgeDays`` is shorter than the CV period;
* the allowlist pattern rules of :mod:`kritis_sim.lint.patterns`, for the
  policy's, every check set's and every check's ``imageAllowlist``.

No I/O.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from typing import Any

from kritis_sim._locator import Locator, Path
from kritis_sim.lint.findings import Finding, at
from kritis_sim.lint.patterns import pattern_findings
from kritis_sim.model.durations import format_duration

__all__ = ["is_platform", "lint_platform"]

_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
)


def is_platform(doc: Any) -> bool:
    """A platform policy document (``gkePolicy``, or a ``/platforms/`` name)."""
    return isinstance(doc, Mapping) and (
        "gkePolicy" in doc
        or "cloudRunPolicy" in doc
        or "/platforms/" in str(doc.get("name", ""))
    )


def _patterns(node: Any, path: Path, locator: Locator) -> Iterator[Finding]:
    allow = node.get("imageAllowlist") if isinstance(node, Mapping) else None
    patterns = allow.get("allowPattern") if isinstance(allow, Mapping) else None
    for i, text in enumerate(patterns if isinstance(patterns, list) else ()):
        if isinstance(text, str):
            where = (*path, "imageAllowlist", "allowPattern", i)
            yield from pattern_findings(text, locator, where)


def _scope(scope: Any) -> tuple[str | None, str | None] | None:
    if not isinstance(scope, Mapping) or not scope:
        return None
    account = scope.get("kubernetesServiceAccount")
    namespace = scope.get("kubernetesNamespace")
    if isinstance(account, str) and account:
        return (account.partition(":")[0], account)
    return (namespace if isinstance(namespace, str) else None, None)


def _check_sets(
    sets: list[Any], locator: Locator, cv_period: datetime.timedelta
) -> Iterator[Finding]:
    seen: dict[tuple[str | None, str | None], int] = {}
    catch_all: int | None = None
    for i, check_set in enumerate(sets):
        if not isinstance(check_set, Mapping):
            continue
        path: Path = ("gkePolicy", "checkSets", i)
        scope = _scope(check_set.get("scope"))
        shadow = None
        if catch_all is not None:
            shadow = f"it comes after the unscoped catch-all checkSets[{catch_all}]"
        elif scope is not None and scope in seen:
            shadow = f"checkSets[{seen[scope]}] has the same scope"
        elif scope is not None and scope[1] and (scope[0], None) in seen:
            shadow = (
                f"checkSets[{seen[(scope[0], None)]}] already covers namespace "
                f"{scope[0]!r}, and the first matching check set wins"
            )
        if shadow is not None:
            yield at(
                locator, path, "shadowed-check-set", "error",
                f"this check set is never selected: {shadow}",
                "order check sets from the most specific scope (service account) "
                "to the least, with one unscoped catch-all last; merge duplicates",
            )  # fmt: skip
        if scope is None:
            catch_all = i if catch_all is None else catch_all
        else:
            seen.setdefault(scope, i)
            yield from _scope_names(check_set["scope"], (*path, "scope"), locator)
        checks = check_set.get("checks")
        if not checks:
            yield at(
                locator, path, "empty-check-set", "info",
                "this check set has no checks: every image in its scope is admitted",
                "add checks, or say so in its displayName if it is meant",
            )  # fmt: skip
        yield from _patterns(check_set, path, locator)
        for j, check in enumerate(checks if isinstance(checks, list) else ()):
            yield from _check(check, (*path, "checks", j), locator, cv_period)


def _scope_names(
    scope: Mapping[str, Any], path: Path, locator: Locator
) -> Iterator[Finding]:
    namespace = scope.get("kubernetesNamespace")
    account = scope.get("kubernetesServiceAccount")
    bad = None
    if isinstance(namespace, str) and not _DNS_LABEL.fullmatch(namespace):
        bad, field = f"{namespace!r} is not a namespace name", "kubernetesNamespace"
    if isinstance(account, str):
        ns, _, sa = account.partition(":")
        if not _DNS_LABEL.fullmatch(ns) or not _DNS_SUBDOMAIN.fullmatch(sa):
            bad = f"{account!r} is not 'namespace:serviceaccount' with valid names"
            field = "kubernetesServiceAccount"
    if bad is not None:
        yield at(
            locator, (*path, field), "unreachable-rule", "warning",
            f"this scope can never match: {bad}", "fix the scope",
        )  # fmt: skip


def _check(
    check: Any, path: Path, locator: Locator, cv_period: datetime.timedelta
) -> Iterator[Finding]:
    if not isinstance(check, Mapping):
        return
    yield from _patterns(check, path, locator)
    fresh = check.get("imageFreshnessCheck")
    days = fresh.get("maxUploadAgeDays") if isinstance(fresh, Mapping) else None
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        limit = datetime.timedelta(days=days)
        if limit < cv_period:
            yield at(
                locator, (*path, "imageFreshnessCheck", "maxUploadAgeDays"),
                "freshness-shorter-than-cv", "warning",
                f"images expire after {format_duration(limit)}, sooner than the CV "
                f"period of {format_duration(cv_period)}: running Pods turn "
                "non-compliant between two passes",
                f"allow at least {cv_period.days or 1} day(s), or run CV more often",
            )  # fmt: skip


def lint_platform(
    doc: Any, locator: Locator, *, cv_period: datetime.timedelta
) -> list[Finding]:
    """Findings of a platform policy document."""
    gke = doc.get("gkePolicy") if isinstance(doc, Mapping) else None
    if not isinstance(gke, Mapping):
        return []
    out = list(_patterns(gke, ("gkePolicy",), locator))
    sets = gke.get("checkSets")
    if isinstance(sets, list):
        out.extend(_check_sets(sets, locator, cv_period))
    return out
