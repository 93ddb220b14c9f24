"""The building blocks of defective enforcers: one realistic bug each.

Every defect of :mod:`kritis_sim.conformance.defects` is assembled from hooks
that sit *around* the reference components, never inside them:

* policy hooks rewrite the loaded :class:`~kritis_sim.model.policy.Policy`
  (as a buggy policy loader would);
* request hooks rewrite the AdmissionReview body before the webhook parses it
  (as a buggy workload reader would);
* source wrappers change what the attestation store returns (as a buggy
  Grafeas client would);
* decision hooks adjust targets, images and decisions around the reference
  :func:`~kritis_sim.core.decide.decide` (as a buggy verdict combiner would).

The reference code paths are untouched; these are for the conformance suite's
self-test only and must never guard a real cluster.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kritis_sim.core.decide import decide
from kritis_sim.core.explain import summarise
from kritis_sim.core.source import AttestationSource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.algorithms import spec
from kritis_sim.errors import ImageRefError
from kritis_sim.grafeas.client import GrafeasRestClient
from kritis_sim.model.attestor import Attestor, SignatureAlgorithm
from kritis_sim.model.decision import Decision, ImageVerdict, OutcomeReason
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.policy import AdmissionRule, GlobalPolicyEvaluationMode, Policy

__all__ = [
    "Context",
    "Defect",
    "PolicyHook",
    "RequestHook",
    "pod_templates",
    "rebuild",
    "rewrite_patterns",
    "rewrite_rules",
]

PolicyHook = Callable[[Policy], Policy]
RequestHook = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Context:
    """What a decision hook may consult besides the decision itself."""

    policy: Policy
    attestors: tuple[Attestor, ...]
    source: AttestationSource
    target: DeployTarget
    images: tuple[str, ...]
    breakglass: bool
    now: datetime


SourceWrapper = Callable[
    [AttestationSource, Sequence[Attestor], GrafeasRestClient], AttestationSource
]
DecisionHook = Callable[[Decision, Context], Decision]
Before = Callable[
    [DeployTarget, tuple[str, ...], bool], tuple[DeployTarget, tuple[str, ...], bool]
]


@dataclass(frozen=True)
class Defect:
    """One bug.

    Attributes:
        name: the ``--defect`` value.
        description: the bug, in one line.
        caught_by: catalogue cases that must fail against it.
        policy: rewrites the loaded policy.
        request: rewrites the AdmissionReview body.
        source: wraps the attestation source.
        before: rewrites (target, images, breakglass) before deciding.
        after: rewrites the decision.
        late_by: seconds past the request's ``?timeout=`` at which the reply
            is sent (None: at once).
        policy_text: rewrites the policy file's text before it is loaded.
        late: the bug shows as a late reply (past ``?timeout=``) with the
            right verdict, not as a wrong verdict.
    """

    name: str
    description: str
    caught_by: tuple[str, ...]
    policy: PolicyHook | None = None
    request: RequestHook | None = None
    source: SourceWrapper | None = None
    before: Before | None = None
    after: DecisionHook | None = None
    late_by: float | None = None
    policy_text: Callable[[str], str] | None = None
    late: bool = False


# ---- policy ----------------------------------------------------------------


def rewrite_patterns(policy: Policy, fn: Callable[[str], str]) -> Policy:
    """``policy`` with every allowlist pattern text passed through ``fn``."""
    patterns = tuple(
        NamePattern.parse(fn(p.text)) for p in policy.admission_whitelist_patterns
    )
    return dataclasses.replace(policy, admission_whitelist_patterns=patterns)


def rewrite_rules(
    policy: Policy, fn: Callable[[str, str, AdmissionRule], AdmissionRule | None]
) -> Policy:
    """``policy`` with every specific rule passed through ``fn(map, key, rule)``
    (None drops the rule) and the default rule through ``fn("default", "", rule)``."""
    changes: dict[str, Any] = {}
    for attr in (
        "cluster_admission_rules",
        "kubernetes_namespace_admission_rules",
        "kubernetes_service_account_admission_rules",
        "istio_service_identity_admission_rules",
    ):
        kept = {}
        for key, rule in getattr(policy, attr).items():
            new = fn(attr, key, rule)
            if new is not None:
                kept[key] = new
        changes[attr] = kept
    default = fn("default", "", policy.default_admission_rule)
    changes["default_admission_rule"] = default or policy.default_admission_rule
    return dataclasses.replace(policy, **changes)


def disable_system_policy(policy: Policy) -> Policy:
    """Ignore ``globalPolicyEvaluationMode``."""
    return dataclasses.replace(
        policy, global_policy_evaluation_mode=GlobalPolicyEvaluationMode.DISABLE
    )


# ---- requests ----------------------------------------------------------------


def pod_templates(body: dict[str, Any]) -> Iterable[tuple[dict[str, Any], bool]]:
    """(metadata-and-spec holder, is_controller) pairs of an AdmissionReview."""
    obj = (body.get("request") or {}).get("object") or {}
    kind = obj.get("kind")
    if kind == "Pod":
        yield obj, False
        return
    for path in (
        ("spec", "template"),
        ("template",),
        ("spec", "jobTemplate", "spec", "template"),
    ):
        node: Any = obj
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict):
            yield node, True
            if kind == "CronJob":
                job = obj.get("spec", {}).get("jobTemplate")
                if isinstance(job, dict):
                    yield job, True


def edit_request(fn: Callable[[dict[str, Any], bool], None]) -> RequestHook:
    """A request hook applying ``fn(holder, is_controller)`` to every template."""

    def hook(body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(body)
        for holder, is_controller in pod_templates(body):
            fn(holder, is_controller)
        return body

    return hook


# ---- sources -----------------------------------------------------------------


class MappedSource:
    """A source whose occurrences pass through ``fn`` (per note)."""

    def __init__(
        self,
        inner: AttestationSource,
        fn: Callable[
            [str, Sequence[AttestationOccurrence]], Sequence[AttestationOccurrence]
        ],
    ) -> None:
        self.inner = inner
        self.fn = fn

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """See :class:`AttestationSource`."""
        return self.fn(note_name, self.inner.occurrences(resource_url, note_name))


def every_key_id(
    attestors: Sequence[Attestor],
) -> Callable[[str, Sequence[AttestationOccurrence]], Sequence[AttestationOccurrence]]:
    """Copy each signature under every key id of the note's attestors."""

    def fn(
        note: str, occs: Sequence[AttestationOccurrence]
    ) -> Sequence[AttestationOccurrence]:
        ids = [
            k.id for a in attestors if a.note_reference == note for k in a.public_keys
        ]
        out = []
        for occ in occs:
            sigs = tuple(Signature(s.signature, i) for s in occ.signatures for i in ids)
            out.append(dataclasses.replace(occ, signatures=occ.signatures + sigs))
        return out

    return fn


def first_signature_only(
    note: str, occs: Sequence[AttestationOccurrence]
) -> Sequence[AttestationOccurrence]:
    """Keep only each occurrence's first signature."""
    return [dataclasses.replace(o, signatures=o.signatures[:1]) for o in occs]


# ---- decisions ---------------------------------------------------------------


def rebuild(decision: Decision, verdicts: Sequence[ImageVerdict]) -> Decision:
    """``decision`` recombined from changed per-image verdicts."""
    denied = [v for v in verdicts if not v.allowed]
    verdict_allowed = not denied
    dry_run = bool(denied) and all(v.dry_run for v in denied)
    allowed = verdict_allowed or dry_run or decision.breakglass
    reasons = tuple(v.reason for v in denied)
    return dataclasses.replace(
        decision,
        allowed=allowed,
        verdict_allowed=verdict_allowed,
        images=tuple(verdicts),
        dry_run=dry_run,
        reasons=reasons,
        message=summarise(
            allowed,
            verdict_allowed,
            dry_run,
            decision.breakglass,
            reasons,
            len(verdicts),
        ),
    )


def admit_images(
    pred: Callable[[ImageVerdict], bool],
) -> Callable[[Decision, Context], Decision]:
    """A decision hook that admits every denied image for which ``pred`` holds."""

    def hook(decision: Decision, ctx: Context) -> Decision:
        verdicts = [
            dataclasses.replace(v, allowed=True) if not v.allowed and pred(v) else v
            for v in decision.images
        ]
        return rebuild(decision, verdicts)

    return hook


def outcomes_all(*reasons: OutcomeReason) -> Callable[[ImageVerdict], bool]:
    """True when the verdict has outcomes and each is satisfied or in ``reasons``."""

    def pred(v: ImageVerdict) -> bool:
        return bool(v.attestors) and all(
            o.satisfied or o.reason in reasons for o in v.attestors
        )

    return pred


def unparseable(v: ImageVerdict) -> bool:
    """The image string does not parse."""
    try:
        ImageRef.parse(v.image)
    except ImageRefError:
        return True
    return False


def _rsa_variants(alg: SignatureAlgorithm) -> list[SignatureAlgorithm]:
    bits = spec(alg).rsa_bits
    if bits is None:
        return []
    out = []
    for other in SignatureAlgorithm:
        try:
            if other is not alg and spec(other).rsa_bits == bits:
                out.append(other)
        except Exception:
            continue
    return out


def try_other_algorithms(decision: Decision, ctx: Context) -> Decision:
    """Retry a denial with each RSA key's algorithm replaced by its siblings."""
    if decision.allowed:
        return decision
    for index in range(8):
        changed = []
        for att in ctx.attestors:
            keys = []
            for k in att.public_keys:
                pk = k.pkix_public_key
                variants = _rsa_variants(pk.signature_algorithm) if pk else []
                if pk is not None and index < len(variants):
                    pk = dataclasses.replace(pk, signature_algorithm=variants[index])
                keys.append(dataclasses.replace(k, pkix_public_key=pk))
            changed.append(dataclasses.replace(att, public_keys=tuple(keys)))
        retry = decide(
            ctx.policy, changed, ctx.source, ctx.target, ctx.images,
            now=ctx.now, breakglass=ctx.breakglass,
        )  # fmt: skip
        if retry.allowed:
            return retry
    return decision


def undefault_service_account(target: DeployTarget) -> DeployTarget:
    """Forget that an unset service account means ``default``."""
    if target.service_account == "default":
        return dataclasses.replace(target, service_account="")
    return target


def as_mapping(attestors: Iterable[Attestor]) -> Mapping[str, Attestor]:
    """Attestors by name."""
    return {a.name: a for a in attestors}
