"""Reply parsing and comparison."""

from __future__ import annotations

import pytest

from kritis_sim.conformance.case import Expectation, RequestSpec
from kritis_sim.conformance.reviews import Observed, build_review, compare, parse_reply
from kritis_sim.errors import ConformanceError

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "ns"},
    "spec": {"containers": [{"name": "c", "image": "gcr.io/p/a:1"}]},
}


def test_admission_reply_must_echo_uid() -> None:
    sent = build_review(RequestSpec("AdmissionReview", POD), uid="u1")
    body = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": {"uid": "other", "allowed": True},
    }
    with pytest.raises(ConformanceError, match="uid"):
        parse_reply(sent, 200, body)


def test_http_error_is_a_protocol_failure() -> None:
    sent = build_review(RequestSpec("AdmissionReview", POD))
    with pytest.raises(ConformanceError, match="HTTP 500"):
        parse_reply(sent, 500, {})


def test_compare_checks_verdict_reason_and_annotations() -> None:
    expect = Expectation(False, reason="tag", audit_annotations={"denied": "true"})
    got = Observed(
        False, "cannot attest to an image deployed by TAG", (), {"denied": "true"}
    )
    assert compare(expect, got, capabilities=frozenset({"audit-annotations"})) == []
    assert compare(expect, Observed(True), capabilities=frozenset())[0].startswith(
        "expected denied"
    )
    assert compare(expect, Observed(False, "nope"), capabilities=frozenset())
