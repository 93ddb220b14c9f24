"""Actionable denials through the webhook: a short fix hint in the denial
message, the full fixes in the audit log record, both with the key ids seen
on the image's attestations (read from what the decision read)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.verdicts import MAX_FIX_HINT
from kritis_sim.core.fixes import Fix, SeenKey, hint
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import SignatureAlgorithm

from .conftest import (
    ALG,
    API,
    MIGRATE,
    NOW,
    POD_IMAGES,
    PROXY,
    Scenario,
    call,
    fixture,
    key,
)


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


class _Slow:
    """The scenario's store, not declared in-memory: the webhook prefetches
    and judges a replay of what it read."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self.reads = 0

    def occurrences(self, resource_url: str, note_name: str) -> Any:
        self.reads += 1
        return self._source.occurrences(resource_url, note_name)


def _rogue(scenario: Scenario, image: str) -> str:
    """An attestation of ``image`` for 'build' signed by a key 'build' does
    not hold; returns its key id."""
    att = scenario.attestors["projects/p/attestors/build"]
    scenario.occurrences.append(
        make_attestation(
            image,
            att.note_reference,
            key("rogue"),
            SignatureAlgorithm.parse(ALG),
            key_id="rogue-key-1",
            create_time=NOW - timedelta(hours=1),
        )
    )
    return "rogue-key-1"


@pytest.mark.parametrize("inline", [True, False], ids=["in-memory", "prefetched"])
def test_webhook_fixes_name_the_key_ids_seen_and_why_each_failed(
    make_app: Any, inline: bool
) -> None:
    scenario = Scenario()
    for image in (API, MIGRATE):
        scenario.attest(image)
    scenario.attest(PROXY, "qa")
    rogue = _rogue(scenario, PROXY)
    stream = io.StringIO()
    source = scenario.source() if inline else _Slow(scenario.source())
    app = make_app(scenario.config(audit_log=AuditLog(stream), source=source))
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    attest = record["fixes"][0]
    assert attest["kind"] == "attest"
    assert attest["seenKeys"] == [
        {"keyId": rogue, "accepted": False, "why": "unknown-key-id"}
    ]
    assert rogue not in attest["acceptedKeyIds"]
    message = response["status"]["message"]
    assert f"seen: {rogue} (unknown-key-id)" in message
    assert len(message.partition(" Fix: ")[2].rpartition(" [deploy target")[0]) + 5 <= (
        MAX_FIX_HINT
    )
    if isinstance(source, _Slow):  # seen keys from what was prefetched: no new read
        assert source.reads == len(POD_IMAGES) * 2


def test_the_hint_drops_the_seen_keys_when_they_do_not_fit() -> None:
    fix = Fix(
        PROXY,
        "attest",
        "attest it",
        attestor="projects/p/attestors/build",
        note="projects/p/notes/build",
        accepted_key_ids=("k" * 40,),
        seen_keys=tuple(
            SeenKey(f"seen-{i}-" + "x" * 30, False, "bad-signature") for i in range(4)
        ),
    )
    short = hint([fix], MAX_FIX_HINT)
    assert "seen:" not in short and "k" * 40 in short and not short.endswith("...")
    assert "seen: seen-0" in hint([fix], 1000)
