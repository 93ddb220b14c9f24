"""Occurrence files read as leniently as Go's and Google's readers read them:
wrapped base64, ``signatures: null``, a trailing ``---`` (issue 15.6); and no
more leniently than that."""

from __future__ import annotations

import base64
import json
import textwrap

import pytest
import yaml

from kritis_sim.core.decide import decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import OccurrenceError
from kritis_sim.model.decision import OutcomeReason
from kritis_sim.model.occurrence import decode_bytes, load_occurrences
from tests.unit.core.world import IMAGE, NOW, World, policy, require

DATA = bytes(range(256)) * 3


def _wrapped(data: bytes, width: int = 76, eol: str = "\n") -> str:
    text = base64.b64encode(data).decode()
    return eol.join(text[i : i + width] for i in range(0, len(text), width)) + eol


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_base64_with_line_breaks_decodes(eol: str) -> None:
    assert decode_bytes(_wrapped(DATA, eol=eol)) == DATA
    url = base64.urlsafe_b64encode(DATA).decode().rstrip("=")
    assert decode_bytes(url[:50] + eol + url[50:]) == DATA


@pytest.mark.parametrize("bad", [" ", "\t", "\v", "\f", "\u2028", "\x85", "*"])
def test_other_whitespace_and_garbage_in_base64_are_refused(bad: str) -> None:
    text = base64.b64encode(DATA).decode()
    with pytest.raises(ValueError, match="unexpected character"):
        decode_bytes(text[:40] + bad + text[40:])


def _world() -> tuple[World, str, dict[str, object]]:
    w = World()
    name = w.attestor("build")
    occ = w.attest(name).to_dict()
    return w, name, occ


def test_wrapped_base64_in_an_occurrence_file_verifies() -> None:
    w, name, occ = _world()
    att = occ["attestation"]
    assert isinstance(att, dict)
    att["serializedPayload"] = _wrapped(base64.b64decode(att["serializedPayload"]))
    for sig in att["signatures"]:
        sig["signature"] = _wrapped(base64.b64decode(sig["signature"]), width=20)
    text = yaml.safe_dump([occ]) + "---\n"
    (loaded,) = load_occurrences(text, source="occ.yaml")
    assert loaded == w.occurrences[0]
    d = decide(
        policy({"defaultAdmissionRule": require(name)}),
        w.attestors,
        w.source(),
        DeployTarget(None, "default"),
        [IMAGE],
        now=NOW,
    )
    assert d.allowed


def test_signatures_null_is_no_signatures_and_the_decision_denies() -> None:
    w, name, occ = _world()
    att = occ["attestation"]
    assert isinstance(att, dict)
    att["signatures"] = None
    att["jwts"] = None
    (loaded,) = load_occurrences(json.dumps([occ]), source="occ.json")
    assert loaded.signatures == () and loaded.jwts == ()
    w.occurrences[:] = [loaded]
    d = decide(
        policy({"defaultAdmissionRule": require(name)}),
        w.attestors,
        w.source(),
        DeployTarget(None, "default"),
        [IMAGE],
        now=NOW,
    )
    assert not d.allowed
    outcome = d.images[0].attestors[0]
    assert outcome.reason is OutcomeReason.BAD_SIGNATURE
    assert "has no signatures" in outcome.detail


def test_signatures_of_the_wrong_type_are_still_refused() -> None:
    _, _, occ = _world()
    att = occ["attestation"]
    assert isinstance(att, dict)
    att["signatures"] = "none"
    with pytest.raises(OccurrenceError, match="expected a list"):
        load_occurrences(json.dumps(occ), source="occ.json")


def test_trailing_separator_and_comment_only_last_document() -> None:
    _, _, occ = _world()
    doc = yaml.safe_dump(occ)
    assert len(load_occurrences(doc + "---\n", source="o.yaml")) == 1
    assert len(load_occurrences(doc + "---\n# nothing more\n", source="o.yaml")) == 1
    assert len(load_occurrences(doc + "---\n" + doc, source="o.yaml")) == 2


def test_an_empty_document_between_occurrences_is_refused() -> None:
    _, _, occ = _world()
    doc = yaml.safe_dump(occ)
    with pytest.raises(OccurrenceError, match="got null") as info:
        load_occurrences(doc + "---\n---\n" + doc, source="o.yaml")
    assert info.value.source == "o.yaml"


def test_policy_with_trailing_separator_loads() -> None:
    from kritis_sim.model.policy import load_policy

    text = textwrap.dedent(
        """\
        defaultAdmissionRule:
          evaluationMode: ALWAYS_ALLOW
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        ---
        # end of file
        """
    )
    assert load_policy(text, source="p.yaml").default_admission_rule
