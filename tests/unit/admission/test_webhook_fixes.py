"""Actionable denials through the webhook: a short fix hint in the denial
message, the full fixes in the audit log record."""

from __future__ import annotations

import io
import json
from typing import Any

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.verdicts import MAX_FIX_HINT

from .conftest import API, MIGRATE, PROXY, Scenario, call, fixture


def _denied(make_app: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    scenario = Scenario()
    for image in (API, MIGRATE):
        scenario.attest(image)
    scenario.attest(PROXY, "qa")  # build missing on PROXY
    stream = io.StringIO()
    app = make_app(scenario.config(audit_log=AuditLog(stream)))
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    return response, records


def test_denial_message_carries_a_short_fix_hint(make_app: Any) -> None:
    response, _ = _denied(make_app)
    message = response["status"]["message"]
    _head, _, hint = message.partition(" Fix: ")
    assert hint, message
    assert hint.startswith(
        f"attest {PROXY[: PROXY.index('@') + 20]}... as projects/p/attestors/build"
    )
    assert "(note projects/p/notes/build, key id " in hint
    assert len("Fix: " + hint.rpartition(" [deploy target")[0]) <= MAX_FIX_HINT
    assert message.endswith("service account shop-api]")


def test_audit_record_holds_the_full_fixes(make_app: Any) -> None:
    _, records = _denied(make_app)
    (record,) = records
    kinds = [(f["image"], f["kind"]) for f in record["fixes"]]
    assert kinds == [(PROXY, "attest"), (PROXY, "allowlist")]
    attest = record["fixes"][0]
    assert attest["note"] == "projects/p/notes/build"
    assert attest["acceptedKeyIds"] and attest["commands"][0].startswith(
        "kritis-sim sign --image "
    )
    assert record["fixes"][1]["pattern"] == PROXY.partition("@")[0] + "@*"


def test_allowed_review_has_no_fixes(make_app: Any) -> None:
    scenario = Scenario()
    for image in (API, MIGRATE, PROXY):
        scenario.attest(image)
    stream = io.StringIO()
    app = make_app(scenario.config(audit_log=AuditLog(stream)))
    call(app, "/validate", fixture("pod-create-v1.json"))
    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert "fixes" not in record
