"""Validate a platform-policy document and build a :class:`PlatformPolicy`.

What ``gcloud beta container binauthz policy create --policy-file`` and the
``binaryauthorization/v1`` server accept (``docs/platform-policy.md``): known
camelCase fields only (unknown ones refused with a did-you-mean), exactly one
of ``gkePolicy`` and ``cloudRunPolicy``, a ``name`` of the platform the
sub-policy is for, and the server-side ``checkSets`` rules: each scope sets at
most one of namespace and service account, in their Kubernetes forms; the last
check set is unscoped and is the only unscoped one; a service-account scope
comes before the namespace scope of its namespace; no scope twice. Checks are
read by :mod:`kritis_sim.model.platform.load_checks`. Every failure is a
:class:`~kritis_sim.errors.PolicyError` naming the file, line and field path.

This module does no I/O and evaluates nothing.
"""

from __future__ import annotations

import re
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import AttestorError, KeyFormatError, PolicyError
from kritis_sim.model._fields import FieldReader, check_resource_name
from kritis_sim.model.attestor import AttestorPublicKey
from kritis_sim.model.attestor_load import _AttestorReader
from kritis_sim.model.platform.load_checks import CheckReader
from kritis_sim.model.platform.policy import (
    CheckSet,
    CloudRunPolicy,
    EvaluationRule,
    GkePolicy,
    InlineAttestor,
    PlatformPolicy,
    Scope,
)
from kritis_sim.model.policy import EnforcementMode, EvaluationMode, RuleKind
from kritis_sim.model.policy_load import rule_key_form

__all__ = ["MAX_CHECKS", "MAX_CHECK_SETS", "platform_policy_from_dict"]

#: The most check sets, and checks per set, kritis-sim accepts (docs/platform-policy.md).
MAX_CHECK_SETS = 1_000
MAX_CHECKS = 1_000

_NAMESPACE = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_NAME = re.compile(r"projects/([^/]+)/platforms/([^/]+)/policies/([a-zA-Z0-9_-]+)")
_PLATFORM_OF = {"gkePolicy": "gke", "cloudRunPolicy": "cloudRun"}
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})"
)


def platform_policy_from_dict(
    data: Any, *, locator: Locator | None = None
) -> PlatformPolicy:
    """Validate ``data`` as a platform policy and build it.

    Raises:
        PolicyError: naming the file, line and field path of the first problem.
    """
    reader = _PolicyReader(
        FieldReader(locator or Locator("<platform policy>"), PolicyError)
    )
    return reader.policy(data)


class _PolicyReader(CheckReader):
    def policy(self, data: Any) -> PlatformPolicy:
        doc = self.f.mapping(
            data,
            (),
            known={
                "cloudRunPolicy",
                "description",
                "etag",
                "gkePolicy",
                "name",
                "updateTime",
            },
            what="a PlatformPolicy",
        )
        kinds = [key for key in _PLATFORM_OF if key in doc]
        if len(kinds) != 1:
            found = "both" if kinds else "neither"
            self.f.fail(
                (kinds[-1],) if kinds else (),
                f"expected exactly one of 'gkePolicy' and 'cloudRunPolicy', found {found}",
            )
        name = self.f.optional_string(doc, "name", ())
        if name:
            self.name(name, _PLATFORM_OF[kinds[0]])
        update_time = self.f.optional_string(doc, "updateTime", ())
        if update_time is not None and not _RFC3339.fullmatch(update_time):
            self.f.fail(
                ("updateTime",),
                f"expected an RFC 3339 timestamp (e.g. 2024-01-01T00:00:00Z), got "
                f"{update_time!r}",
            )
        return PlatformPolicy(
            gke_policy=self.gke(doc["gkePolicy"]) if "gkePolicy" in doc else None,
            cloud_run_policy=(
                self.cloud_run(doc["cloudRunPolicy"])
                if "cloudRunPolicy" in doc
                else None
            ),
            name=name,
            description=self.f.optional_string(doc, "description", ()),
            etag=self.f.optional_string(doc, "etag", ()),
            update_time=update_time,
        )

    def name(self, name: str, platform: str) -> None:
        match = _NAME.fullmatch(name)
        if match is None:
            self.f.fail(
                ("name",),
                "expected 'projects/<project>/platforms/<platform>/policies/<id>' "
                f"(id of letters, digits, '_' and '-'), got {name!r}",
            )
        if match.group(2) != platform:
            self.f.fail(
                ("name",),
                f"{name!r} is a policy of platform {match.group(2)!r}, but the document "
                f"holds a {platform} sub-policy; the server refuses the mismatch",
            )

    def gke(self, value: Any) -> GkePolicy:
        path: Path = ("gkePolicy",)
        doc = self.f.mapping(
            value, path, known={"checkSets", "imageAllowlist"}, what="a GkePolicy"
        )
        check_sets = self.items(
            doc, path, "checkSets", self.check_set, limit=MAX_CHECK_SETS
        )
        self.order(check_sets, (*path, "checkSets"))
        return GkePolicy(
            check_sets=check_sets, image_allowlist=self.allowlist(doc, path)
        )

    def check_set(self, value: Any, path: Path) -> CheckSet:
        doc = self.f.mapping(
            value,
            path,
            known={"checks", "displayName", "imageAllowlist", "scope"},
            what="a CheckSet",
        )
        return CheckSet(
            checks=self.items(doc, path, "checks", self.check, limit=MAX_CHECKS),
            display_name=self.f.optional_string(doc, "displayName", path),
            image_allowlist=self.allowlist(doc, path),
            scope=self.scope(doc["scope"], (*path, "scope"))
            if "scope" in doc
            else None,
        )

    def scope(self, value: Any, path: Path) -> Scope:
        doc = self.f.mapping(
            value,
            path,
            known={"kubernetesNamespace", "kubernetesServiceAccount"},
            what="a Scope",
        )
        namespace = self.f.optional_string(doc, "kubernetesNamespace", path)
        account = self.f.optional_string(doc, "kubernetesServiceAccount", path)
        if namespace and account:
            self.f.fail(
                path,
                "a scope sets one of 'kubernetesNamespace' and "
                "'kubernetesServiceAccount', not both ('ns:sa' already names the "
                "namespace)",
            )
        if namespace and not _NAMESPACE.fullmatch(namespace):
            self.f.fail(
                (*path, "kubernetesNamespace"),
                f"bad namespace {namespace!r}; expected a Kubernetes namespace "
                "(a DNS label: lower-case letters, digits and '-', at most 63)",
            )
        if account:
            expected = rule_key_form(RuleKind.SERVICE_ACCOUNT, account)
            if expected is not None:
                self.f.fail(
                    (*path, "kubernetesServiceAccount"),
                    f"bad service account {account!r}; expected {expected}",
                )
        return Scope(kubernetes_namespace=namespace, kubernetes_service_account=account)

    def order(self, check_sets: tuple[CheckSet, ...], path: Path) -> None:
        """The server-side rules on the order of scopes."""
        last = len(check_sets) - 1
        seen: dict[tuple[str | None, str | None], int] = {}
        namespaces: dict[str, int] = {}
        for i, check_set in enumerate(check_sets):
            scope = check_set.scope
            if check_set.is_unscoped or scope is None:
                if i != last:
                    self.f.fail(
                        (*path, i),
                        f"only the last check set may be unscoped; check sets "
                        f"{i + 1}..{last} after this catch-all would never be "
                        "evaluated (order check sets by decreasing specificity)",
                    )
                continue
            if i == last:
                self.f.fail(
                    (*path, i, "scope"),
                    "the last check set must have no scope (a catch-all for Pods no "
                    "other check set matches); add an unscoped check set at the end",
                )
            key = (
                scope.kubernetes_namespace or None,
                scope.kubernetes_service_account or None,
            )
            field = "kubernetesServiceAccount" if key[1] else "kubernetesNamespace"
            if key in seen:
                self.f.fail(
                    (*path, i, "scope", field),
                    f"the same scope as checkSets[{seen[key]}]; this check set would "
                    "never be evaluated",
                )
            seen[key] = i
            namespace = scope.namespace or ""
            if key[1] and namespace in namespaces:
                self.f.fail(
                    (*path, i, "scope", field),
                    f"service-account scope {key[1]!r} comes after the namespace scope "
                    f"{namespace!r} of checkSets[{namespaces[namespace]}]; a "
                    "service-account scope is more specific and must come first",
                )
            if not key[1]:
                namespaces[namespace] = i

    def cloud_run(self, value: Any) -> CloudRunPolicy:
        path: Path = ("cloudRunPolicy",)
        doc = self.f.mapping(
            value,
            path,
            known={"allowlistPatterns", "rule"},
            what="an InlineCloudRunPolicy",
        )
        return CloudRunPolicy(
            rule=self.rule_of(self.field(doc, path, "rule"), (*path, "rule")),
            allowlist_patterns=self.items(
                doc, path, "allowlistPatterns", self.pattern_entry
            ),
        )

    def pattern_entry(self, value: Any, path: Path) -> Any:
        doc = self.f.mapping(
            value, path, known={"namePattern"}, what="an AllowlistPattern"
        )
        return self.name_pattern(
            self.field(doc, path, "namePattern"), (*path, "namePattern")
        )

    def rule_of(self, value: Any, path: Path) -> EvaluationRule:
        doc = self.f.mapping(
            value,
            path,
            known={"enforcementMode", "evaluationMode", "requiredAttestors"},
            what="an EvaluationRule",
        )
        evaluation = self.enum(doc, path, "evaluationMode", EvaluationMode)
        enforcement = self.enum(doc, path, "enforcementMode", EnforcementMode)
        attestors = self.items(doc, path, "requiredAttestors", self.inline_attestor)
        where: Path = (*path, "requiredAttestors")
        requires = evaluation is EvaluationMode.REQUIRE_ATTESTATION
        if requires and not attestors:
            self.f.fail(
                where,
                "evaluationMode REQUIRE_ATTESTATION needs at least one attestor in "
                "requiredAttestors",
            )
        if attestors and not requires:
            self.f.fail(
                where,
                f"requiredAttestors must be empty when evaluationMode is "
                f"{evaluation.value}; it is used only with REQUIRE_ATTESTATION",
            )
        seen: dict[str, int] = {}
        for i, attestor in enumerate(attestors):
            if attestor.id in seen:
                self.f.fail(
                    (*where, i, "id"),
                    f"duplicate attestor id {attestor.id!r} (already at index "
                    f"{seen[attestor.id]}); ids are unique within a policy",
                )
            seen[attestor.id] = i
        return EvaluationRule(
            evaluation_mode=evaluation,
            enforcement_mode=enforcement,
            required_attestors=attestors,
        )

    def inline_attestor(self, value: Any, path: Path) -> InlineAttestor:
        doc = self.f.mapping(
            value,
            path,
            known={"attestationNote", "description", "id", "publicKeys"},
            what="an InlineAttestor",
        )
        note = self.non_empty_string(
            self.field(doc, path, "attestationNote"), (*path, "attestationNote")
        )
        problem = check_resource_name(note, "notes")
        if problem:
            self.f.fail((*path, "attestationNote"), problem)
        keys = self.items(doc, path, "publicKeys", self.attestor_key)
        seen: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key.id in seen:
                self.f.fail(
                    (*path, "publicKeys", i),
                    f"duplicate key id {key.id!r} (already at index {seen[key.id]})",
                )
            seen[key.id] = i
        return InlineAttestor(
            id=self.non_empty_string(self.field(doc, path, "id"), (*path, "id")),
            attestation_note=note,
            public_keys=keys,
            description=self.f.optional_string(doc, "description", path),
        )

    def attestor_key(self, value: Any, path: Path) -> AttestorPublicKey:
        """An ``AttestorPublicKey``, by the attestor loader's rules, as a PolicyError."""
        try:
            return _AttestorReader(self.f.locator).public_key(value, path)
        except (AttestorError, KeyFormatError) as exc:
            raise PolicyError(
                exc.message, path=exc.path, source=exc.source, line=exc.line
            ) from None
