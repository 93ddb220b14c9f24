"""Defects about real-world wire forms, duration units and reply time.

Each is a realistic bug of an enforcer that works on the one normalised form
most test data uses and breaks on the forms real stores and clients produce
(docs/conformance.md, "Wire forms"): it only looks up ``https://`` resource
URIs; counts ``kind`` only when spelled ``ATTESTATION``; reads RFC 3339
offsets as UTC; cannot parse nanosecond fractions, or reads the fraction as a
count of microseconds; misreads a unit of ``kritisSimMaxAttestationAge``; or
answers right but after the request's ``?timeout=``. Each is caught by the new
catalogue cases named in its ``caught_by`` and by no older case.

Like every defect these sit around the reference components (a source that
reads the raw store replies, a policy rewrite, a delayed reply); they are for
the suite's self-test only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from kritis_sim.conformance.defect_hooks import Defect, SourceWrapper, rewrite_rules
from kritis_sim.core.source import AttestationSource
from kritis_sim.errors import InputError
from kritis_sim.grafeas.client import GrafeasRestClient
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.occurrence import (
    AttestationOccurrence,
    format_timestamp,
    parse_timestamp,
)
from kritis_sim.model.policy import AdmissionRule, Policy

__all__ = ["ITEM_EDITS", "WIRE_DEFECTS"]

ItemEdit = Callable[[dict[str, Any]], dict[str, Any] | None]
_FRACTION = re.compile(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


class _RawSource:
    """Reads occurrences as the reference source does, passing each raw item
    through ``edit`` first (None: the item is dropped, as a client drops what
    it cannot parse)."""

    def __init__(self, client: GrafeasRestClient, edit: ItemEdit) -> None:
        self.client = client
        self.edit = edit

    def _items(self, resource_url: str, note_name: str) -> Iterator[dict[str, Any]]:
        urls = [resource_url]
        if resource_url.startswith("https://"):
            urls.append(resource_url.removeprefix("https://"))
        for url in urls:
            yield from self.client.paginate(
                f"{note_name}/occurrences", "occurrences",
                params={"filter": f'resourceUrl="{url}"'},
            )  # fmt: skip

    def occurrences(
        self, resource_url: str, note_name: str
    ) -> Sequence[AttestationOccurrence]:
        """See :class:`~kritis_sim.core.source.AttestationSource`."""
        out = []
        for raw in self._items(resource_url, note_name):
            item = self.edit(dict(raw))
            if item is None or item.get("kind") not in ("ATTESTATION", 7):
                continue
            try:
                out.append(AttestationOccurrence.from_dict(item))
            except InputError:
                continue
        return out


def _raw(edit: ItemEdit) -> SourceWrapper:
    def wrap(
        inner: AttestationSource,
        attestors: Sequence[Attestor],
        client: GrafeasRestClient,
    ) -> AttestationSource:
        return _RawSource(client, edit)

    return wrap


def _https_only(item: dict[str, Any]) -> dict[str, Any] | None:
    uri = item.get("resourceUri")
    return item if isinstance(uri, str) and uri.startswith("https://") else None


def _edit_time(fix: Callable[[str, str, str], str | None]) -> ItemEdit:
    """An item edit applying ``fix(head, fraction, zone)`` to ``createTime``."""

    def edit(item: dict[str, Any]) -> dict[str, Any] | None:
        text = item.get("createTime")
        match = _FRACTION.match(text) if isinstance(text, str) else None
        if match is None:
            return item
        fixed = fix(match.group(1), match.group(2) or "", match.group(3))
        if fixed is None:
            return None
        item["createTime"] = fixed
        return item

    return edit


def _offset_as_utc(head: str, fraction: str, zone: str) -> str:
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def _micros_only(head: str, fraction: str, zone: str) -> str | None:
    # strptime's %f takes at most 6 digits: nanoseconds do not parse.
    return (
        None
        if len(fraction) > 6
        else f"{head}{'.' + fraction if fraction else ''}{zone}"
    )


def _fraction_as_micros(head: str, fraction: str, zone: str) -> str:
    moved = parse_timestamp(head + zone) + timedelta(microseconds=int(fraction or 0))
    return format_timestamp(moved)


def _kind_name_only(item: dict[str, Any]) -> dict[str, Any] | None:
    return item if item.get("kind") == "ATTESTATION" else None


def _limits(fn: Callable[[timedelta], timedelta]) -> Callable[[Policy], Policy]:
    def edit(attr: str, key: str, rule: AdmissionRule) -> AdmissionRule:
        age = rule.max_attestation_age
        if age is None:
            return rule
        return dataclasses.replace(rule, max_attestation_age=fn(age))

    return lambda policy: rewrite_rules(policy, edit)


_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def _whole(unit: timedelta) -> Callable[[timedelta], timedelta]:
    # A limit under one unit becomes 0 units: kept as 1 s so the policy stays
    # valid (every attestation is then stale, as with a zero limit).
    return lambda age: max((age // unit) * unit, timedelta(seconds=1))


def _age_in_whole_hours(limit: timedelta) -> timedelta:
    # Comparing floor(age / 1h) with the limit accepts every age below the next
    # whole hour above it: the same as this longer limit.
    return (limit // _HOUR + 1) * _HOUR - timedelta(seconds=1)


_AGE_FIELD = re.compile(r"(kritisSimMaxAttestationAge:\s*['\"]?)(\d+)d(?:(\d+)h)?")


def _days_as_hours(policy_text: str) -> str:
    """Rewrite ``Nd`` (and ``NdMh``) in the written limit as ``N`` (``N+M``) hours."""

    def fix(match: re.Match[str]) -> str:
        hours = int(match.group(2)) + int(match.group(3) or 0)
        return f"{match.group(1)}{hours}h"

    return _AGE_FIELD.sub(fix, policy_text)


#: The raw-occurrence edit behind each source defect (None drops the
#: occurrence), for checking in-process which cases a defect can change.
ITEM_EDITS: dict[str, ItemEdit] = {
    "https-resource-uri-only": _https_only,
    "kind-name-only": _kind_name_only,
    "timestamp-offset-ignored": _edit_time(_offset_as_utc),
    "timestamp-micros-only": _edit_time(_micros_only),
    "fraction-as-microseconds": _edit_time(_fraction_as_micros),
}

WIRE_DEFECTS = [
    Defect(
        "https-resource-uri-only",
        "attestations are looked up only under https:// resource URIs (gcloud stores them without)",
        ("form_gcloud_resource_uri",),
        source=_raw(ITEM_EDITS["https-resource-uri-only"]),
    ),
    Defect(
        "kind-name-only",
        "occurrences count only when kind is spelled ATTESTATION (not the integer 7)",
        ("form_int_enum_kind",),
        source=_raw(ITEM_EDITS["kind-name-only"]),
    ),
    Defect(
        "timestamp-offset-ignored",
        "a createTime offset (+02:00) is dropped and the local time read as UTC",
        ("form_offset_east_stale_deny", "form_offset_west_fresh"),
        source=_raw(ITEM_EDITS["timestamp-offset-ignored"]),
    ),
    Defect(
        "timestamp-micros-only",
        "createTime with more than 6 fractional digits does not parse; the occurrence is skipped",
        ("form_nanosecond_fresh",),
        source=_raw(ITEM_EDITS["timestamp-micros-only"]),
    ),
    Defect(
        "fraction-as-microseconds",
        "createTime fraction digits are read as a count of microseconds",
        ("form_nanosecond_stale_deny",),
        source=_raw(ITEM_EDITS["fraction-as-microseconds"]),
    ),
    Defect(
        "age-in-whole-hours",
        "attestation ages are truncated to whole hours before the comparison",
        (
            "freshness_unit_s_just_outside_deny",
            "freshness_unit_m_just_outside_deny",
            "freshness_unit_h_just_outside_deny",
            "freshness_unit_d_just_outside_deny",
            "form_nanosecond_stale_deny",
        ),
        policy=_limits(_age_in_whole_hours),
    ),
    Defect(
        "limit-in-whole-hours",
        "kritisSimMaxAttestationAge is kept in whole hours (90m becomes 1h)",
        ("freshness_unit_s_just_inside", "freshness_unit_m_just_inside"),
        policy=_limits(_whole(_HOUR)),
    ),
    Defect(
        "limit-in-whole-days",
        "kritisSimMaxAttestationAge is kept in whole days (36h becomes 1d)",
        (
            "freshness_unit_h_just_inside",
            "freshness_unit_m_just_inside",
            "freshness_unit_s_just_inside",
        ),
        policy=_limits(_whole(_DAY)),
    ),
    Defect(
        "days-read-as-hours",
        "the 'd' unit of kritisSimMaxAttestationAge is read as hours",
        ("freshness_unit_d_just_inside",),
        policy_text=_days_as_hours,
    ),
    Defect(
        "late-reply",
        "the right answer is sent after the request's ?timeout= (the reply waits on slow bookkeeping)",
        ("store_latency_past_deadline_deny",),
        late_by=0.3,
        late=True,
    ),
]
