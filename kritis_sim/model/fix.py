"""What would make a denied image pass: :class:`Fix` and :class:`SeenKey` values.

Computed by :mod:`kritis_sim.core.fixes`; rendered by the adapters (review,
webhook, evaluate, cv, whatif, scenarios). Plain immutable values with a
camelCase JSON form; this module decides nothing and does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Fix", "SeenKey", "abbreviated"]


def abbreviated(image: str) -> str:
    """``repo@sha256:0123456789ab...``: a digest cut to 12 hex digits."""
    head, at, digest = image.partition("@")
    if not at or len(digest) <= 19:
        return image
    return f"{head}@{digest[:19]}..."


@dataclass(frozen=True, slots=True)
class SeenKey:
    """One key id found on the image's attestations of the attestor's note.

    Attributes:
        key_id: the signature's ``publicKeyId``.
        accepted: the attestor has a key with exactly this id.
        why: why it did not count (an ``OutcomeReason`` value:
            ``unknown-key-id``, ``bad-signature``, ``too-old``, ...).
    """

    key_id: str
    accepted: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"keyId": self.key_id, "accepted": self.accepted, "why": self.why}


@dataclass(frozen=True, slots=True)
class Fix:
    """One way to make one denied image pass.

    Attributes:
        image: the image as written in the workload.
        kind: ``attest``, ``allowlist``, ``deploy-by-digest``, ``change-rule``,
            ``define-attestor``, ``add-key``, ``retry``, ``platform-check``,
            ``kritis`` or ``fix-image-reference``.
        summary: one human sentence.
        attestor: the attestor to satisfy (``projects/P/attestors/A``).
        check: the platform check (``check 1 VulnerabilityCheck 'x'``).
        note: the note the attestation must hang off.
        accepted_key_ids: the ids the attestor accepts.
        seen_keys: the ids seen on the image's attestations, and why each
            did not count.
        pattern: the allowlist pattern (kind ``allowlist``).
        commands: ready-to-run command lines (upper-case placeholders for
            what only the user knows, e.g. ``PRIVATE_KEY.pem``).
    """

    image: str
    kind: str
    summary: str
    attestor: str | None = None
    check: str | None = None
    note: str | None = None
    accepted_key_ids: tuple[str, ...] = ()
    seen_keys: tuple[SeenKey, ...] = ()
    pattern: str | None = None
    commands: tuple[str, ...] = ()

    def short(self, *, seen: bool = False) -> str:
        """A short hint for size-limited places (the webhook's message); with
        ``seen``, an ``attest`` hint also names the key ids seen on the
        image's attestations and why each did not count."""
        image = abbreviated(self.image)
        if self.kind == "attest" and not self.accepted_key_ids:
            return f"attest {image} as {self.attestor}."
        if self.kind == "attest":
            ids = " or ".join(self.accepted_key_ids)
            found = ""
            if seen:
                found = "; seen: " + (
                    ", ".join(f"{s.key_id} ({s.why})" for s in self.seen_keys) or "none"
                )
            return (
                f"attest {image} as {self.attestor} (note {self.note}, key id "
                f"{ids}{found})."
            )
        if self.kind == "allowlist":
            return f"allowlist {self.pattern!r}."
        if self.image in self.summary:
            return self.summary.replace(self.image, image) + "."
        return f"{image}: {self.summary}."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (camelCase; absent fields omitted)."""
        out: dict[str, Any] = {
            "image": self.image,
            "kind": self.kind,
            "summary": self.summary,
        }
        for key, value in (
            ("attestor", self.attestor),
            ("check", self.check),
            ("note", self.note),
            ("pattern", self.pattern),
        ):
            if value is not None:
                out[key] = value
        if self.accepted_key_ids:
            out["acceptedKeyIds"] = list(self.accepted_key_ids)
        if self.kind == "attest":
            out["seenKeys"] = [s.to_dict() for s in self.seen_keys]
        if self.commands:
            out["commands"] = list(self.commands)
        return out
