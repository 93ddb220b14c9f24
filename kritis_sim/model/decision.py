"""The result of an admission decision, as plain immutable values.

A :class:`Decision` is what :func:`kritis_sim.core.decide.decide` returns: the
overall verdict, one :class:`ImageVerdict` per image, and for images governed by
a ``REQUIRE_ATTESTATION`` rule one :class:`AttestorOutcome` per required
attestor. Denials are values, not exceptions; ``bool(decision)`` is
``decision.allowed``. Renderers (CLI, webhook, reports) read these values; this
module does no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AUDIT_PREFIX",
    "AttestorOutcome",
    "Decision",
    "DenialError",
    "ImageVerdict",
    "OutcomeReason",
    "RuleRef",
]

#: GKE's audit-annotation key prefix (``imagepolicywebhook.image-policy.k8s.io/``).
AUDIT_PREFIX = "imagepolicywebhook.image-policy.k8s.io/"


class OutcomeReason(enum.Enum):
    """Why one attestor was, or was not, satisfied for one image."""

    # Identity hashing, in C (see ProtoEnum.__hash__ in model._fields).
    __hash__ = object.__hash__

    VERIFIED = "verified"
    NO_ATTESTATION = "no-attestation"
    UNKNOWN_KEY_ID = "unknown-key-id"
    BAD_SIGNATURE = "bad-signature"
    DIGEST_MISMATCH = "digest-mismatch"
    REFERENCE_MISMATCH = "reference-mismatch"
    BAD_PAYLOAD = "bad-payload"
    TOO_OLD = "too-old"
    FROM_THE_FUTURE = "from-the-future"
    NO_CREATE_TIME = "no-create-time"
    WRONG_NOTE = "wrong-note"
    UNKNOWN_ATTESTOR = "unknown-attestor"
    NO_KEYS = "no-keys"
    TAG_ONLY = "tag-only"
    STORE_ERROR = "store-error"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """Which rule governed an image.

    Attributes:
        kind: ``default``, ``cluster``, ``namespace``, ``serviceAccount``,
            ``istioServiceIdentity``, ``allowlist`` or ``systemPolicy``; for
            platform policies ``checkSet`` or ``platformPolicy``.
        key: the map key (``us-east1-b.prod``), the matching pattern, the
            check set (``0 'prod' (namespace prod)``), or None.
        evaluation_mode: the rule's evaluationMode name (None for exemptions).
        enforcement_mode: the rule's enforcementMode name (None for exemptions).
    """

    kind: str
    key: str | None = None
    evaluation_mode: str | None = None
    enforcement_mode: str | None = None

    def describe(self) -> str:
        """``cluster rule 'us-east1-b.prod'``-style text for messages."""
        if self.kind == "allowlist":
            return f"allowlist pattern {self.key!r}"
        if self.kind == "systemPolicy":
            return f"system policy exemption {self.key!r}"
        if self.kind == "checkSet":
            return f"check set {self.key}"
        if self.kind == "platformPolicy":
            return f"platform policy ({self.key})"
        if self.key is None:
            return "defaultAdmissionRule"
        return f"{self.kind} rule {self.key!r}"


@dataclass(frozen=True, slots=True)
class AttestorOutcome:
    """One required attestor's result for one image.

    Attributes:
        attestor: ``projects/P/attestors/A``.
        satisfied: at least one occurrence verified.
        reason: the best (closest to verified) reason found.
        detail: human text: what was checked and why it failed.
        occurrences_checked: how many occurrences were looked at.
    """

    attestor: str
    satisfied: bool
    reason: OutcomeReason
    detail: str
    occurrences_checked: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "attestor": self.attestor,
            "satisfied": self.satisfied,
            "reason": self.reason.value,
            "detail": self.detail,
            "occurrencesChecked": self.occurrences_checked,
        }


@dataclass(frozen=True, slots=True)
class ImageVerdict:
    """The verdict for one image of the workload.

    Attributes:
        image: the image string as written in the workload.
        allowed: whether the governing rule admits the image.
        rule: the rule (or exemption) that governed the image.
        reason: one human sentence.
        attestors: per-attestor outcomes (REQUIRE_ATTESTATION only).
        dry_run: the governing rule is DRYRUN_AUDIT_LOG_ONLY.
    """

    image: str
    allowed: bool
    rule: RuleRef
    reason: str
    attestors: tuple[AttestorOutcome, ...] = ()
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "image": self.image,
            "allowed": self.allowed,
            "rule": {
                "kind": self.rule.kind,
                "key": self.rule.key,
                "evaluationMode": self.rule.evaluation_mode,
                "enforcementMode": self.rule.enforcement_mode,
            },
            "reason": self.reason,
            "dryRun": self.dry_run,
            "attestors": [a.to_dict() for a in self.attestors],
        }


class DenialError(Exception):
    """Raised by :meth:`Decision.raise_for_denial` for callers who want it."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__(decision.message)


@dataclass(frozen=True, slots=True)
class Decision:
    """The admission decision for one workload.

    Attributes:
        allowed: the workload may run (after dry-run and breakglass).
        verdict_allowed: what the policy says before dry-run and breakglass;
            ``allowed`` may be True while this is False (dry-run, breakglass).
        images: one verdict per image, in workload order.
        breakglass: breakglass was requested.
        dry_run: a denial was overridden by a DRYRUN_AUDIT_LOG_ONLY rule.
        message: one human paragraph summarising the decision.
        failed_closed: the denial is due to a store or policy-source failure.
        detail: the policy model's own answer, for adapters that speak its
            wire format (a platform policy's ``EvaluateGkePolicyResponse``);
            None for a classic decision. Not part of equality or ``to_dict``.
    """

    allowed: bool
    verdict_allowed: bool
    images: tuple[ImageVerdict, ...]
    breakglass: bool = False
    dry_run: bool = False
    message: str = ""
    failed_closed: bool = False
    reasons: tuple[str, ...] = field(default=())
    detail: Any = field(default=None, compare=False, repr=False)

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def denied_images(self) -> tuple[ImageVerdict, ...]:
        """Images whose governing rule denies them."""
        return tuple(v for v in self.images if not v.allowed)

    def raise_for_denial(self) -> Decision:
        """Return self when allowed, else raise :class:`DenialError`."""
        if not self.allowed:
            raise DenialError(self)
        return self

    def audit_annotations(self) -> dict[str, str]:
        """Annotations shaped like GKE's ImagePolicyWebhook audit labels."""
        out: dict[str, str] = {}
        if self.breakglass:
            out[AUDIT_PREFIX + "break-glass"] = "true"
        if self.dry_run:
            out[AUDIT_PREFIX + "dry-run"] = "true"
        if self.failed_closed:
            out[AUDIT_PREFIX + "failed-closed"] = "true"
        overridden = "".join(f"'{v.image}': {v.reason}\n" for v in self.denied_images)
        if overridden and self.allowed:
            out[AUDIT_PREFIX + "overridden-verification-result"] = overridden
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's and reports' machine output)."""
        return {
            "allowed": self.allowed,
            "verdictAllowed": self.verdict_allowed,
            "breakglass": self.breakglass,
            "dryRun": self.dry_run,
            "failedClosed": self.failed_closed,
            "message": self.message,
            "reasons": list(self.reasons),
            "images": [v.to_dict() for v in self.images],
            "auditAnnotations": self.audit_annotations(),
        }
