"""The results of evaluating a GKE platform policy, shaped like the v1 API's.

:class:`EvaluateGkePolicyResponse` > :class:`PodResult` > :class:`ImageResult` >
:class:`CheckSetResult` > :class:`CheckResult`, each with ``to_dict()`` writing
the exact camelCase of ``projects.platforms.gke.policies.evaluate``: int64
``index`` fields as JSON strings, enums as names, ``scope: {}`` for the
unscoped check set. :class:`Verdict` is one enum for every level (the API has
four enums with the same non-zero names) and carries the precedence rule:
NON_CONFORMANT outranks ERROR, which outranks CONFORMANT.

This module computes nothing beyond that precedence; evaluation is
:mod:`kritis_sim.core.platform`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kritis_sim.model.platform.policy import Scope

__all__ = [
    "CheckResult",
    "CheckSetResult",
    "EvaluateGkePolicyResponse",
    "ImageMetadata",
    "ImageResult",
    "PodResult",
    "Verdict",
    "worst",
]


class Verdict(enum.Enum):
    """A verdict at any level; ``rank`` orders them by precedence."""

    CONFORMANT = "CONFORMANT"
    ERROR = "ERROR"
    NON_CONFORMANT = "NON_CONFORMANT"

    @property
    def rank(self) -> int:
        """0 for CONFORMANT, 1 for ERROR, 2 for NON_CONFORMANT."""
        return _RANK[self]


_RANK = {Verdict.CONFORMANT: 0, Verdict.ERROR: 1, Verdict.NON_CONFORMANT: 2}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The verdict of a conjunction: NON_CONFORMANT > ERROR > CONFORMANT (empty: CONFORMANT)."""
    return max(verdicts, key=_RANK.__getitem__, default=Verdict.CONFORMANT)


@dataclass(frozen=True, slots=True)
class ImageMetadata:
    """What the registry knows about one image (caller-supplied).

    Attributes:
        upload_time: when the image was uploaded (timezone-aware), or None
            when the registry does not say.
    """

    upload_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """``CheckResult``: one check, skipped by its allowlist or evaluated."""

    index: int
    type: str
    verdict: Verdict
    display_name: str | None = None
    matched_pattern: str | None = None
    explanation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": str(self.index), "type": self.type}
        if self.display_name is not None:
            out["displayName"] = self.display_name
        if self.matched_pattern is not None:
            out["allowlistResult"] = {"matchedPattern": self.matched_pattern}
        else:
            out["evaluationResult"] = {"verdict": self.verdict.value}
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class CheckSetResult:
    """``CheckSetResult``: the one check set evaluated for an image."""

    index: int
    scope: Scope | None
    verdict: Verdict
    check_results: tuple[CheckResult, ...] = ()
    display_name: str | None = None
    matched_pattern: str | None = None
    explanation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": str(self.index),
            "scope": (self.scope or Scope()).to_dict(),
        }
        if self.display_name is not None:
            out["displayName"] = self.display_name
        if self.matched_pattern is not None:
            out["allowlistResult"] = {"matchedPattern": self.matched_pattern}
        if self.check_results:
            out["checkResults"] = {"results": [r.to_dict() for r in self.check_results]}
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class ImageResult:
    """``ImageResult``: one image of the Pod."""

    image_uri: str
    verdict: Verdict
    check_set_result: CheckSetResult | None = None
    matched_pattern: str | None = None
    explanation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "imageUri": self.image_uri,
            "verdict": self.verdict.value,
        }
        if self.matched_pattern is not None:
            out["allowlistResult"] = {"matchedPattern": self.matched_pattern}
        if self.check_set_result is not None:
            out["checkSetResult"] = self.check_set_result.to_dict()
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class PodResult:
    """``PodResult``: every image of one Pod, and their combined verdict."""

    verdict: Verdict
    image_results: tuple[ImageResult, ...]
    pod_name: str | None = None
    kubernetes_namespace: str | None = None
    kubernetes_service_account: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "imageResults": [r.to_dict() for r in self.image_results],
            "verdict": self.verdict.value,
        }
        for key, value in (
            ("kubernetesNamespace", self.kubernetes_namespace),
            ("kubernetesServiceAccount", self.kubernetes_service_account),
            ("podName", self.pod_name),
        ):
            if value is not None:
                out[key] = value
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class EvaluateGkePolicyResponse:
    """``EvaluateGkePolicyResponse`` (without deploy attestations)."""

    verdict: Verdict
    results: tuple[PodResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "results": [r.to_dict() for r in self.results],
            "verdict": self.verdict.value,
        }
