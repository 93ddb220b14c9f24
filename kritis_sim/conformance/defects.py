"""Defective variants of the reference enforcer: proof that the suite has teeth.

``kritis-sim conformance-adapter --defect NAME`` runs kritis-sim's webhook with
exactly one realistic bug, assembled from the hooks of
:mod:`kritis_sim.conformance.defect_hooks`. Each :class:`Defect` names the
catalogue cases that must catch it (``caught_by``); a test runs every defect
against those cases and requires at least one to fail, and that the whole
suite fails.

Nothing here changes the reference code paths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from kritis_sim.conformance import defect_hooks as h
from kritis_sim.conformance.defect_hooks import Defect
from kritis_sim.conformance.defects_wire import WIRE_DEFECTS
from kritis_sim.core.source import AttestationSource
from kritis_sim.grafeas.client import GrafeasRestClient
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.decision import Decision, OutcomeReason
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import AdmissionRule

__all__ = ["DEFECTS", "Defect", "get_defect"]

_BG_LABEL = "image-policy.k8s.io/break-glass"
_BG_ALPHA = "alpha.image-policy.k8s.io/break-glass"
_BG_KRITIS = "kritis.grafeas.io/breakglass"


def _star_crosses(text: str) -> str:
    return text + "*" if text.endswith("*") and not text.endswith("**") else text


def _double_star_stops(text: str) -> str:
    return text[:-1] if text.endswith("**") else text


def _prefix(text: str) -> str:
    return text if text.endswith("*") else text + "*"


def _no_age(attr: str, key: str, rule: AdmissionRule) -> AdmissionRule:
    return dataclasses.replace(
        rule, max_attestation_age=None, max_attestation_age_by_attestor=()
    )


def _drop_map(name: str) -> Callable[[str, str, AdmissionRule], AdmissionRule | None]:
    return lambda attr, key, rule: None if attr == name else rule


def _istio_needs_scheme(
    attr: str, key: str, rule: AdmissionRule
) -> AdmissionRule | None:
    if attr == "istio_service_identity_admission_rules" and not key.startswith(
        "spiffe://"
    ):
        return None
    return rule


def _default_enforcement(policy: Any) -> Any:
    mode = policy.default_admission_rule.enforcement_mode
    return h.rewrite_rules(
        policy, lambda a, k, r: dataclasses.replace(r, enforcement_mode=mode)
    )


def _strip_breakglass(holder: dict[str, Any], is_controller: bool) -> None:
    if not is_controller:
        return
    meta = holder.get("metadata") or {}
    (meta.get("labels") or {}).pop(_BG_LABEL, None)
    for key in (_BG_ALPHA, _BG_KRITIS):
        (meta.get("annotations") or {}).pop(key, None)


def _any_breakglass_value(holder: dict[str, Any], is_controller: bool) -> None:
    meta = holder.get("metadata") or {}
    labels = meta.get("labels") or {}
    if _BG_LABEL in labels:
        labels[_BG_LABEL] = "true"
    annotations = meta.get("annotations") or {}
    if _BG_ALPHA in annotations:
        annotations[_BG_ALPHA] = "true"


def _drop_list(name: str) -> Callable[[dict[str, Any], bool], None]:
    def fn(holder: dict[str, Any], is_controller: bool) -> None:
        (holder.get("spec") or {}).pop(name, None)

    return fn


def _wrong_note(
    inner: AttestationSource, attestors: Sequence[Attestor], client: GrafeasRestClient
) -> AttestationSource:
    class _AnyNote:
        def occurrences(
            self, resource_url: str, note_name: str
        ) -> Sequence[AttestationOccurrence]:
            project = note_name.split("/notes/")[0]
            items = client.paginate(
                f"{project}/occurrences", "occurrences",
                params={"filter": f'resourceUrl="{resource_url}"'},
            )  # fmt: skip
            out = []
            for item in items:
                if item.get("kind") in ("ATTESTATION", 7):
                    occ = AttestationOccurrence.from_dict(item)
                    out.append(dataclasses.replace(occ, note_name=note_name))
            return out

    return _AnyNote()


def _map_source(fn: Any) -> h.SourceWrapper:
    return lambda inner, attestors, client: h.MappedSource(inner, fn)


def _every_key(
    inner: AttestationSource, attestors: Sequence[Attestor], client: GrafeasRestClient
) -> AttestationSource:
    return h.MappedSource(inner, h.every_key_id(attestors))


def _fail_open(decision: Decision, ctx: h.Context) -> Decision:
    if decision.failed_closed and not decision.allowed:
        return dataclasses.replace(decision, allowed=True)
    return decision


def _dry_run_blocks(decision: Decision, ctx: h.Context) -> Decision:
    if decision.dry_run and not decision.breakglass:
        return dataclasses.replace(decision, allowed=False)
    return decision


def _any_attestor(v: Any) -> bool:
    return any(o.satisfied for o in v.attestors)


_DEFECTS = [
    Defect(
        "star-crosses-slash",
        "a trailing '*' in an allowlist pattern also matches '/'",
        ("allowlist_star_not_cross_slash_deny",),
        policy=lambda p: h.rewrite_patterns(p, _star_crosses),
    ),
    Defect(
        "double-star-stops-at-slash",
        "a trailing '**' is treated like '*'",
        ("allowlist_doublestar_crosses_slash",),
        policy=lambda p: h.rewrite_patterns(p, _double_star_stops),
    ),
    Defect(
        "allowlist-prefix-match",
        "wildcard-free patterns match as prefixes",
        ("allowlist_exact_lookalike_longer_name_deny",),
        policy=lambda p: h.rewrite_patterns(p, _prefix),
    ),
    Defect(
        "tags-accepted",
        "images referenced by tag satisfy REQUIRE_ATTESTATION",
        ("tag_only_deny", "tag_only_digest_attested_deny"),
        after=h.admit_images(h.outcomes_all(OutcomeReason.TAG_ONLY)),
    ),
    Defect(
        "key-id-ignored",
        "signatures are tried against every key of the attestor, whatever publicKeyId says",
        ("keyid_unknown_deny", "keyid_swapped_between_keys_deny"),
        source=_every_key,
    ),
    Defect(
        "digest-not-compared",
        "the signed docker-manifest-digest is not compared with the image",
        ("digest_mismatch_deny",),
        after=h.admit_images(h.outcomes_all(OutcomeReason.DIGEST_MISMATCH)),
    ),
    Defect(
        "any-attestor-suffices",
        "one satisfied attestor admits (OR instead of AND)",
        ("attestors_two_first_missing_deny", "attestors_two_second_missing_deny"),
        after=h.admit_images(_any_attestor),
    ),
    Defect(
        "dry-run-blocks",
        "DRYRUN_AUDIT_LOG_ONLY denials block",
        ("dryrun_always_deny_admitted",),
        after=_dry_run_blocks,
    ),
    Defect(
        "breakglass-ignored-on-controllers",
        "breakglass on pod templates of controllers is not seen",
        ("breakglass_deployment_template_label",),
        request=h.edit_request(_strip_breakglass),
    ),
    Defect(
        "breakglass-any-value",
        "break-glass label or alpha annotation counts whatever its value",
        ("breakglass_label_false_deny",),
        request=h.edit_request(_any_breakglass_value),
    ),
    Defect(
        "init-containers-skipped",
        "initContainers are not checked",
        ("init_container_unattested_deny",),
        request=h.edit_request(_drop_list("initContainers")),
    ),
    Defect(
        "ephemeral-containers-skipped",
        "ephemeralContainers are not checked",
        ("ephemeral_subresource_unattested_deny",),
        request=h.edit_request(_drop_list("ephemeralContainers")),
    ),
    Defect(
        "first-container-only",
        "only the first image of a workload is checked",
        ("containers_second_unattested_deny",),
        before=lambda t, i, b: (t, i[:1], b),
    ),
    Defect(
        "fail-open-on-store-errors",
        "a failing attestation store admits",
        ("store_503_deny", "store_reset_deny"),
        after=_fail_open,
    ),
    Defect(
        "stale-attestations-accepted",
        "kritisSimMaxAttestationAge is ignored",
        ("freshness_too_old_deny",),
        policy=lambda p: h.rewrite_rules(p, _no_age),
    ),
    Defect(
        "wrong-note-accepted",
        "attestations are looked up by image only, on any note",
        ("wrong_note_deny",),
        source=_wrong_note,
    ),
    Defect(
        "algorithm-from-signature",
        "an RSA signature is accepted under any RSA scheme of the key's size",
        (
            "alg_pkcs1_signature_under_pss_key_deny",
            "alg_pss_signature_under_pkcs1_key_deny",
        ),
        after=h.try_other_algorithms,
    ),
    Defect(
        "namespace-rules-ignored",
        "kubernetesNamespaceAdmissionRules are never consulted",
        ("namespace_rule_matches_deny",),
        policy=lambda p: h.rewrite_rules(
            p, _drop_map("kubernetes_namespace_admission_rules")
        ),
    ),
    Defect(
        "cluster-rules-ignored",
        "clusterAdmissionRules are never consulted",
        ("cluster_rule_matches_deny",),
        policy=lambda p: h.rewrite_rules(p, _drop_map("cluster_admission_rules")),
    ),
    Defect(
        "service-account-not-defaulted",
        "an unset serviceAccountName is not read as 'default'",
        ("sa_rule_default_sa_deny",),
        before=lambda t, i, b: (h.undefault_service_account(t), i, b),
    ),
    Defect(
        "istio-scheme-required",
        "Istio rule keys without spiffe:// never match",
        ("istio_rule_without_scheme_deny",),
        policy=lambda p: h.rewrite_rules(p, _istio_needs_scheme),
    ),
    Defect(
        "system-policy-ignored",
        "globalPolicyEvaluationMode ENABLE is ignored",
        ("system_policy_enabled_gke_image_allowed",),
        policy=h.disable_system_policy,
    ),
    Defect(
        "default-enforcement-mode",
        "the default rule's enforcementMode is used for specific rules",
        ("dryrun_specific_rule_enforced_deny",),
        policy=_default_enforcement,
    ),
    Defect(
        "first-signature-only",
        "only the first signature of an occurrence is checked",
        ("multisig_bad_then_good",),
        source=_map_source(h.first_signature_only),
    ),
    Defect(
        "unparseable-images-allowed",
        "an image string that does not parse is judged by the rule alone",
        ("image_unparseable_always_allow_deny",),
        after=h.admit_images(h.unparseable),
    ),
    *WIRE_DEFECTS,
]

#: Every defect, by name.
DEFECTS: dict[str, Defect] = {d.name: d for d in _DEFECTS}


def get_defect(name: str | None) -> Defect | None:
    """The defect called ``name`` (None for None).

    Raises:
        KeyError: no such defect.
    """
    if name is None:
        return None
    return DEFECTS[name]
