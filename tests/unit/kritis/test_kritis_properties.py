"""Hypothesis properties of the Kritis profile: vulnerability gating is
monotone, order never matters, namespaces never leak."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kritis_sim.model.kritis.resources import threshold_names
from kritis_sim.model.vulnerability import Severity
from tests.unit.kritis.world import (
    IMAGE,
    aa,
    attestation,
    decide,
    gap,
    isp,
    load,
    pod,
    vuln,
)

SEVERITIES = [s.value for s in Severity]
CVES = [f"CVE-2024-{i}" for i in range(4)]
OTHER = IMAGE.replace("a" * 64, "c" * 64)

vulns = st.lists(
    st.tuples(st.sampled_from(CVES), st.sampled_from(SEVERITIES), st.booleans()),
    max_size=4,
)
requirements = st.fixed_dictionaries(
    {},
    optional={
        "maximumSeverity": st.sampled_from(threshold_names()),
        "maximumFixUnavailableSeverity": st.sampled_from(threshold_names()),
        "allowlistCVEs": st.lists(
            st.sampled_from([f"projects/goog-vulnz/notes/{c}" for c in CVES]),
            unique=True,
            max_size=2,
        ),
    },
)


def _vulns(items: list[tuple[str, str, bool]]) -> tuple[Any, ...]:
    return tuple(vuln(c, s, fixable=f) for c, s, f in items)


@settings(max_examples=30)
@given(
    req=requirements,
    before=vulns,
    extra=st.tuples(st.sampled_from(CVES), st.sampled_from(SEVERITIES), st.booleans()),
    raise_to=st.data(),
)
def test_adding_or_raising_a_vulnerability_never_turns_deny_into_allow(
    req: dict[str, Any],
    before: list[tuple[str, str, bool]],
    extra: tuple[str, str, bool],
    raise_to: st.DataObject,
) -> None:
    resources = load(isp(**req))
    first = decide(resources, pod(IMAGE), vulns=_vulns(before))
    added = decide(resources, pod(IMAGE), vulns=_vulns([*before, extra]))
    assert first.allowed or not added.allowed
    if before:
        i = raise_to.draw(st.integers(0, len(before) - 1))
        cve, sev, fix = before[i]
        higher = raise_to.draw(st.sampled_from(SEVERITIES[SEVERITIES.index(sev) :]))
        raised = [*before[:i], (cve, higher, fix), *before[i + 1 :]]
        assert (
            first.allowed
            or not decide(resources, pod(IMAGE), vulns=_vulns(raised)).allowed
        )


@settings(max_examples=20)
@given(
    req=requirements,
    items=vulns,
    attested=st.lists(st.sampled_from([IMAGE, OTHER]), max_size=2),
    patterns=st.lists(st.sampled_from(["gcr.io/shop/*", "gcr.io/x/*"]), max_size=1),
    order=st.randoms(use_true_random=False),
)
def test_order_of_resources_and_occurrences_never_matters(
    req: dict[str, Any],
    items: list[tuple[str, str, bool]],
    attested: list[str],
    patterns: list[str],
    order: Any,
) -> None:
    docs = [
        aa("qa"),
        aa("build", note="projects/shop/notes/build", n=1),
        gap("g1", ("qa",), patterns=tuple(patterns)),
        gap("g2", ("qa", "build")),
        isp("i1", **req),
        isp("i2", maximumSeverity="CRITICAL"),
    ]
    atts = [attestation(i) for i in attested]
    vs = list(_vulns(items))
    obj = pod(IMAGE, OTHER)
    expected = decide(load(*docs), obj, tuple(atts), tuple(vs)).to_dict()
    order.shuffle(docs)
    order.shuffle(atts)
    order.shuffle(vs)
    assert decide(load(*docs), obj, tuple(atts), tuple(vs)).to_dict() == expected


@settings(max_examples=20)
@given(
    req=requirements,
    items=vulns,
    mine=st.sampled_from(["dev", "prod", "team-a"]),
    with_gap=st.booleans(),
)
def test_a_namespaced_policy_never_applies_to_another_namespace(
    req: dict[str, Any],
    items: list[tuple[str, str, bool]],
    mine: str,
    with_gap: bool,
) -> None:
    foreign = [isp("i", ns="elsewhere", **req), aa(ns="elsewhere")]
    if with_gap:
        foreign.append(gap(ns="elsewhere"))
    obj = pod(IMAGE, ns=mine)
    vs = _vulns(items)
    alone = decide(load(aa(ns=mine), gap(ns=mine)), obj, (attestation(),), vs)
    mixed = decide(load(aa(ns=mine), gap(ns=mine), *foreign), obj, (attestation(),), vs)
    assert mixed.to_dict() == alone.to_dict() and mixed.allowed
    assert decide(load(*foreign), obj, (), vs).allowed  # nothing in `mine`: admitted
