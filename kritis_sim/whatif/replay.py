"""Replay admissions under two policies and fold the differences.

:func:`replay` takes admissions one at a time (an iterator, so a 100,000-
event audit log is never held in memory), asks the baseline and the
candidate :class:`~kritis_sim.whatif.sides.Side` what admission would do at
one time ``now``, and classifies each admission:

* ``newlyDenied``: admitted by the baseline, not by the candidate;
* ``newlyAllowed``: denied by the baseline, admitted by the candidate;
* ``unchanged``: the same outcome on both sides.

Judgements are memoized per (images, namespace, service account,
breakglass), everything a side's answer depends on at a fixed ``now`` and
cluster, so 1,000 distinct images in 100,000 events are judged about 1,000
times. The report keeps counts per namespace and one :class:`Change` per
changed object (kind, namespace, name), or per controller for the Pods it
owns, with how many admissions changed: memory grows with the number of
changed objects and controllers, not with the events.
This module neither reads files nor prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kritis_sim.cv.items import CvItem, Skip
from kritis_sim.whatif.sides import Admission, Side

__all__ = ["CATEGORIES", "Change", "WhatIfReport", "replay"]

CATEGORIES = ("newlyDenied", "newlyAllowed", "unchanged")

Key = tuple[tuple[str, ...], str, str, bool]


@dataclass
class Change:
    """One object whose admission changes, or the Pods of one controller
    (``ownerReferences``: a ReplicaSet's Pods are one change).

    Attributes:
        category: ``newlyDenied`` or ``newlyAllowed``.
        item: its first admission that changed (kind, namespace, name,
            images, where).
        baseline: what the baseline does.
        candidate: what the candidate does.
        admissions: how many admissions of the object (or of the
            controller's Pods) changed this way.
    """

    category: str
    item: CvItem
    baseline: Admission
    candidate: Admission
    admissions: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the object, per image both outcomes, and for a
        newly denied object what would make it pass (``fixes``)."""
        w = self.item.workload
        return {
            "kind": w.kind,
            "namespace": w.namespace,
            "name": w.name,
            "serviceAccount": w.service_account,
            "owner": self.item.owner,
            "where": self.item.where,
            "admissions": self.admissions,
            "breakglass": list(w.breakglass),
            "baseline": _side(self.baseline),
            "candidate": _side(self.candidate),
            "images": [
                {
                    "image": b.image,
                    "baseline": {
                        "allowed": b.allowed,
                        "rule": b.rule,
                        "reason": b.reason,
                    },
                    "candidate": {
                        "allowed": c.allowed,
                        "rule": c.rule,
                        "reason": c.reason,
                    },
                }
                for b, c in zip(
                    self.baseline.images, self.candidate.images, strict=True
                )
            ],
            **(
                {"fixes": [f.to_dict() for f in self.candidate.fixes()]}
                if self.category == "newlyDenied"
                else {}
            ),
        }


def _side(a: Admission) -> dict[str, Any]:
    out: dict[str, Any] = {"admitted": a.admitted}
    if a.note:
        out["note"] = a.note
    if a.error:
        out["error"] = True
    return out


@dataclass
class WhatIfReport:
    """What the replay found.

    Attributes:
        now: the time every admission was judged at.
        baseline, candidate: the sides' labels.
        counts: admissions per category.
        by_namespace: per namespace, admissions per category.
        changes: changed objects, in order of first change.
        skipped: skipped input items per reason.
        judgements: distinct (images, target) keys judged.
        errors: admissions whose candidate evaluation could not be completed.
    """

    now: datetime
    baseline: str
    candidate: str
    counts: Counter[str] = field(default_factory=Counter)
    by_namespace: dict[str, Counter[str]] = field(default_factory=dict)
    changes: dict[tuple[str, str, str, str], Change] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    judgements: int = 0
    errors: int = 0

    @property
    def admissions(self) -> int:
        """Admissions replayed."""
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        """1 when something would be newly denied, else 0."""
        return 1 if self.counts["newlyDenied"] else 0

    def of(self, category: str) -> list[Change]:
        """The changed objects of one category, in order of first change."""
        return [c for c in self.changes.values() if c.category == category]

    def summary(self) -> dict[str, Any]:
        """Counts, JSON-ready."""
        return {
            "now": self.now.isoformat().replace("+00:00", "Z"),
            "baseline": self.baseline,
            "candidate": self.candidate,
            "admissions": self.admissions,
            **{c: self.counts[c] for c in CATEGORIES},
            "candidateErrors": self.errors,
            "distinctJudgements": self.judgements,
            "skipped": dict(self.skipped.most_common()),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole report, JSON-ready."""
        return {
            "summary": self.summary(),
            "byNamespace": {
                ns: {c: counts[c] for c in CATEGORIES}
                for ns, counts in sorted(self.by_namespace.items())
            },
            "newlyDenied": [c.to_dict() for c in self.of("newlyDenied")],
            "newlyAllowed": [c.to_dict() for c in self.of("newlyAllowed")],
        }


def replay(
    items: Iterable[CvItem | Skip],
    baseline: Side,
    candidate: Side,
    *,
    now: datetime,
    progress: Callable[[], None] | None = None,
) -> WhatIfReport:
    """Judge every admission of ``items`` on both sides at ``now``.

    ``progress`` is called once per input item (for a progress bar).
    """
    report = WhatIfReport(now=now, baseline=baseline.label, candidate=candidate.label)
    memo: dict[Key, tuple[Admission, Admission]] = {}
    for item in items:
        if progress is not None:
            progress()
        if isinstance(item, Skip):
            report.skipped[item.reason] += 1
            continue
        w = item.workload
        key: Key = (w.images, w.namespace, w.service_account, bool(w.breakglass))
        pair = memo.get(key)
        if pair is None:
            pair = (baseline.admit(w, now), candidate.admit(w, now))
            memo[key] = pair
        before, after = pair
        if before.admitted and not after.admitted:
            category = "newlyDenied"
        elif after.admitted and not before.admitted:
            category = "newlyAllowed"
        else:
            category = "unchanged"
        report.counts[category] += 1
        per_namespace = report.by_namespace.get(w.namespace)
        if per_namespace is None:  # not setdefault: a Counter per event is costly
            per_namespace = report.by_namespace[w.namespace] = Counter()
        per_namespace[category] += 1
        if after.error:
            report.errors += 1
        if category == "unchanged":
            continue
        obj = (
            category,
            w.namespace,
            item.owner or w.kind,
            "" if item.owner else (w.name or item.where),
        )
        change = report.changes.get(obj)
        if change is None:
            report.changes[obj] = Change(category, item, before, after)
        else:
            change.admissions += 1
    report.judgements = len(memo)
    return report
