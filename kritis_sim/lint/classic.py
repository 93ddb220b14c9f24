"""Lint rules of the classic project policy.

:func:`lint_classic` reads the policy document as written (so one run
reports every problem with its line), then runs the real loader and reports
what it refuses as ``invalid-policy`` unless a lint rule already said it.
Rules:

* ``require-attestation-empty`` (error): REQUIRE_ATTESTATION with no
  attestor (the API refuses it);
* ``unknown-attestor`` (error): ``requireAttestationsBy`` names an attestor
  that ``--attestors`` does not define (every image would be denied);
  ``unused-attestor`` (info): an attestor defined and required nowhere;
* ``unreachable-rule`` (warning): a rule key that no workload can match: a
  namespace key that is not a namespace name (a DNS-1123 label), a
  service-account key whose parts are not names, a cluster key whose
  cluster name is longer than GKE allows;
* ``dryrun-in-prod`` (warning): a DRYRUN_AUDIT_LOG_ONLY rule for a
  prod-like cluster, namespace or identity (``prod``, ``production``,
  ``prd``, ``live`` as a word of its key), or a dry-run default rule;
* ``freshness-shorter-than-cv`` (warning): a kritis-sim freshness limit
  shorter than the CV period: attestations expire between two CV passes;
* the allowlist pattern rules of :mod:`kritis_sim.lint.patterns`.

No I/O: the caller reads files.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from typing import Any

from kritis_sim._locator import Locator, Path
from kritis_sim.errors import InputError
from kritis_sim.lint.findings import Finding, at
from kritis_sim.lint.patterns import pattern_findings
from kritis_sim.model.durations import format_duration, parse_duration
from kritis_sim.model.policy import MAX_AGE_BY_ATTESTOR_FIELD, MAX_AGE_FIELD, Policy

__all__ = ["PROD_WORDS", "lint_classic", "prod_like"]

#: Words of a rule key that make it prod-like.
PROD_WORDS = frozenset({"prod", "production", "prd", "live"})
_MAPS = (
    "clusterAdmissionRules",
    "kubernetesNamespaceAdmissionRules",
    "kubernetesServiceAccountAdmissionRules",
    "istioServiceIdentityAdmissionRules",
)
_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
)


def prod_like(key: str) -> bool:
    """Whether a rule key names something production-like."""
    return any(word in PROD_WORDS for word in re.split(r"[^a-z0-9]+", key.lower()))


def _rules(doc: Mapping[str, Any]) -> Iterator[tuple[Path, str | None, Any]]:
    """``(path, map name or None, rule)`` of the default and every specific rule."""
    yield ("defaultAdmissionRule",), None, doc.get("defaultAdmissionRule")
    for name in _MAPS:
        rules = doc.get(name)
        if isinstance(rules, Mapping):
            for key, rule in rules.items():
                yield (name, key), name, rule


def _unreachable(name: str, key: str) -> str | None:
    if name == "kubernetesNamespaceAdmissionRules" and not _DNS_LABEL.fullmatch(key):
        return f"{key!r} is not a namespace name (a DNS-1123 label: a-z, 0-9, '-', not at the ends, at most 63)"
    if name == "kubernetesServiceAccountAdmissionRules":
        namespace, _, account = key.partition(":")
        if not _DNS_LABEL.fullmatch(namespace) or not (
            _DNS_SUBDOMAIN.fullmatch(account) and len(account) <= 253
        ):
            return f"{key!r} is not 'namespace:serviceaccount' with valid names"
    if name == "clusterAdmissionRules" and "." in key:
        cluster = key.split(".", 1)[1]
        if len(cluster) > 40:
            return (
                f"cluster name {cluster!r} is longer than the 40 characters GKE allows"
            )
    return None


def _durations(rule: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    if MAX_AGE_FIELD in rule:
        yield (MAX_AGE_FIELD,), rule[MAX_AGE_FIELD]
    by = rule.get(MAX_AGE_BY_ATTESTOR_FIELD)
    if isinstance(by, Mapping):
        for name, value in by.items():
            yield (MAX_AGE_BY_ATTESTOR_FIELD, name), value


def _rule_findings(
    path: Path, name: str | None, rule: Mapping[str, Any], locator: Locator,
    defined: set[str] | None, cv_period: datetime.timedelta,
) -> Iterator[Finding]:  # fmt: skip
    mode = rule.get("evaluationMode")
    required = rule.get("requireAttestationsBy")
    required = (
        [a for a in required if isinstance(a, str)]
        if isinstance(required, list)
        else []
    )
    if mode == "REQUIRE_ATTESTATION" and not required:
        yield at(
            locator, (*path, "evaluationMode"), "require-attestation-empty", "error",
            "REQUIRE_ATTESTATION with an empty requireAttestationsBy: the API "
            "refuses it (and no image could ever be attested)",
            "list the attestors that must have signed, e.g. requireAttestationsBy: "
            "[projects/P/attestors/A], or use ALWAYS_ALLOW / ALWAYS_DENY",
        )  # fmt: skip
    if defined is not None:
        for i, attestor in enumerate(required):
            if attestor not in defined:
                yield at(
                    locator, (*path, "requireAttestationsBy", i), "unknown-attestor",
                    "error",
                    f"attestor {attestor!r} is not defined in --attestors: every "
                    "image this rule governs would be denied",
                    "define it (gcloud container binauthz attestors create) or fix "
                    f"the name; defined: {', '.join(sorted(defined)) or 'none'}",
                )  # fmt: skip
    key = path[-1] if name is not None else "the default rule"
    if rule.get("enforcementMode") == "DRYRUN_AUDIT_LOG_ONLY" and (
        name is None or prod_like(str(key))
    ):
        what = "the default rule" if name is None else f"rule {key!r} (prod-like)"
        yield at(
            locator, (*path, "enforcementMode"), "dryrun-in-prod", "warning",
            f"{what} is DRYRUN_AUDIT_LOG_ONLY: denied images are admitted and only logged",
            "set enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG once `kritis-sim "
            "whatif` shows nothing running would be newly denied",
        )  # fmt: skip
    if name is not None:
        why = _unreachable(name, str(key))
        if why is not None:
            yield at(
                locator, path, "unreachable-rule", "warning",
                f"this rule can never match: {why}",
                "fix the key, or delete the rule",
            )  # fmt: skip
    for sub, value in _durations(rule):
        try:
            limit = parse_duration(str(value))
        except (InputError, ValueError):
            continue  # the loader reports it
        if limit < cv_period:
            yield at(
                locator, (*path, *sub), "freshness-shorter-than-cv", "warning",
                f"attestations expire after {format_duration(limit)}, sooner than "
                f"the CV period of {format_duration(cv_period)}: running Pods turn "
                "non-compliant between two passes",
                f"allow at least {format_duration(cv_period)}, or run CV more often "
                "(--cv-period)",
            )  # fmt: skip


def lint_classic(
    doc: Any,
    locator: Locator,
    *,
    attestors: Mapping[str, tuple[str, int | None]] | None,
    cv_period: datetime.timedelta,
) -> list[Finding]:
    """Findings of a classic policy document (``attestors``: the names
    ``--attestors`` defines, with the file and line of each, or None when
    not given)."""
    if not isinstance(doc, Mapping):
        return []
    out: list[Finding] = []
    defined = set(attestors) if attestors is not None else None
    used: set[str] = set()
    for path, name, rule in _rules(doc):
        if not isinstance(rule, Mapping):
            continue
        required = rule.get("requireAttestationsBy")
        if isinstance(required, list):
            used.update(a for a in required if isinstance(a, str))
        out.extend(_rule_findings(path, name, rule, locator, defined, cv_period))
    patterns = doc.get("admissionWhitelistPatterns")
    for i, entry in enumerate(patterns if isinstance(patterns, list) else ()):
        text = entry.get("namePattern") if isinstance(entry, Mapping) else None
        if isinstance(text, str):
            path = ("admissionWhitelistPatterns", i, "namePattern")
            out.extend(pattern_findings(text, locator, path))
    for attestor in sorted((defined or set()) - used):
        source, line = (attestors or {})[attestor]
        out.append(
            Finding(
                "unused-attestor", "info", source, line, "name",
                f"attestor {attestor!r} is defined in --attestors but no rule requires it",
                "require it in a rule, or delete it if it is no longer used",
            )
        )  # fmt: skip
    return out


def load_classic(doc: Any, locator: Locator, strict: bool) -> Policy:
    """The real loader (raises PolicyError)."""
    return Policy.from_dict(doc, locator=locator, strict=strict)
