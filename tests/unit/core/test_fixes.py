"""Actionable denials: kritis_sim.core.fixes over classic decisions."""

from __future__ import annotations

import shlex

from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.core.decide import decide
from kritis_sim.core.fix_commands import repository_pattern
from kritis_sim.core.fixes import fixes, fixes_by_image, hint, render
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.policy import MAX_AGE_BY_ATTESTOR_FIELD as BY
from tests.unit.core.world import (
    ALG,
    DENY,
    DIGEST,
    IMAGE,
    NOW,
    World,
    new_key,
    policy,
    require,
)

TARGET = DeployTarget(namespace="shop")


def _decide(w: World, doc: dict, images: list[str]):
    return decide(policy(doc), w.attestors, w.source(), TARGET, images, now=NOW)


def _sign_args(command: str) -> dict[str, str]:
    words = shlex.split(command)
    assert words[:2] == ["kritis-sim", "sign"]
    return {words[i].lstrip("-"): words[i + 1] for i in range(2, len(words) - 1, 2)}


def test_attest_fix_names_attestor_note_keys_and_why_seen_keys_failed() -> None:
    w = World()
    qa = w.attestor("qa")
    stranger = new_key()
    w.attest(qa, key=stranger, key_id="someone-else")
    w.attest(qa, key=stranger)  # the accepted id, signed by the wrong key
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [IMAGE])
    found = fixes(d, w.attestors, w.source())
    attest = [f for f in found if f.kind == "attest"]
    assert len(attest) == 1
    fix = attest[0]
    accepted = w.attestors[qa].public_keys[0].id
    assert fix.attestor == qa and fix.note == "projects/p/notes/qa"
    assert fix.accepted_key_ids == (accepted,)
    assert {(s.key_id, s.accepted, s.why) for s in fix.seen_keys} == {
        ("someone-else", False, "unknown-key-id"),
        (accepted, True, "bad-signature"),
    }
    sign, payload, local, create = fix.commands
    assert _sign_args(sign) == {
        "image": IMAGE,
        "key": "PRIVATE_KEY.pem",
        "note": "projects/p/notes/qa",
        "key-id": accepted,
        "append": "OCCURRENCES.json",
    }
    assert payload.startswith("gcloud container binauthz create-signature-payload")
    assert local.startswith("openssl dgst -sha256 -sign PRIVATE_KEY.pem")
    assert shlex.split(create) == [
        "gcloud",
        "container",
        "binauthz",
        "attestations",
        "create",
        f"--artifact-url={IMAGE}",
        "--attestor=qa",
        "--attestor-project=p",
        "--signature-file=signature.bin",
        f"--public-key-id={accepted}",
        "--payload-file=payload.json",
    ]
    assert fixes_by_image(found)[IMAGE][0]["seenKeys"]
    assert "key ids seen: someone-else (unknown-key-id)" in render(found)
    assert hint(found).startswith(
        f"Fix: attest {IMAGE[: IMAGE.index('@') + 20]}... as {qa} (note "
    )


def test_stale_attestation_is_reported_as_too_old() -> None:
    w = World()
    qa = w.attestor("qa")
    w.attest(qa, created=NOW.replace(year=2020))
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [IMAGE])
    assert d.allowed  # no freshness limit: allowed, no fix
    assert fixes(d, w.attestors, w.source()) == ()
    d = _decide(w, {"defaultAdmissionRule": require(qa, **{BY: {qa: "24h"}})}, [IMAGE])
    (fix,) = [f for f in fixes(d, w.attestors, w.source()) if f.kind == "attest"]
    assert [(s.accepted, s.why) for s in fix.seen_keys] == [(True, "too-old")]


def test_kms_key_gets_beta_sign_and_create_line() -> None:
    w = World()
    qa = w.attestor("qa")
    kms = "//cloudkms.googleapis.com/v1/projects/k/locations/global/keyRings/r/cryptoKeys/c/cryptoKeyVersions/1"
    att = w.attestors[qa]
    key = att.public_keys[0]
    from dataclasses import replace

    w.attestors[qa] = replace(att, public_keys=(replace(key, id=kms),))
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [IMAGE])
    (fix,) = [f for f in fixes(d, w.attestors) if f.kind == "attest"]
    assert fix.commands[1] == (
        "gcloud beta container binauthz attestations sign-and-create "
        f"--artifact-url={IMAGE} --attestor=qa --attestor-project=p "
        f"--keyversion={kms.removeprefix('//cloudkms.googleapis.com/v1/')}"
    )


def test_tag_only_image_gets_deploy_by_digest_and_no_allowlist() -> None:
    w = World()
    qa = w.attestor("qa")
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, ["gcr.io/shop/web:1"])
    assert [f.kind for f in fixes(d, w.attestors)] == ["deploy-by-digest"]


def test_always_deny_and_missing_attestor() -> None:
    w = World()
    d = _decide(w, {"defaultAdmissionRule": DENY}, [IMAGE])
    assert [f.kind for f in fixes(d)] == ["change-rule", "allowlist"]
    d = _decide(
        w, {"defaultAdmissionRule": require("projects/p/attestors/nope")}, [IMAGE]
    )
    assert [f.kind for f in fixes(d)] == ["define-attestor", "allowlist"]


def test_allowed_decision_has_no_fixes() -> None:
    w = World()
    d = _decide(
        w,
        {
            "defaultAdmissionRule": {
                "evaluationMode": "ALWAYS_ALLOW",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            }
        },
        [IMAGE],
    )
    assert fixes(d) == ()


_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
_REGISTRY = st.sampled_from(
    ["gcr.io", "us-docker.pkg.dev", "registry.example.com:5000", "docker.io"]
)
_HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


@st.composite
def _images(draw: st.DrawFn) -> tuple[str, str, str]:
    registry = draw(_REGISTRY)
    path = "/".join(draw(st.lists(_LABEL, min_size=1, max_size=3)))
    tag = draw(st.one_of(st.none(), _LABEL))
    repo = f"{registry}/{path}"
    image = repo + (f":{tag}" if tag else "") + f"@sha256:{draw(_HEX)}"
    return registry, repo, image


@given(_images(), _HEX)
def test_suggested_pattern_is_never_broader_than_the_repository(
    found: tuple[str, str, str], other_hex: str
) -> None:
    registry, repo, image = found
    text = repository_pattern(image)
    assert text is not None
    pattern = NamePattern.parse(text)
    assert pattern.matches(image)
    if ":" not in image.removeprefix(registry).partition("@")[0]:
        assert pattern.matches(f"{repo}@sha256:{other_hex}")
    path = repo.removeprefix(registry + "/")
    for outside in (
        f"{repo}x@sha256:{other_hex}",  # sibling repository, longer name
        f"{repo}/sub@sha256:{other_hex}",  # nested repository
        f"{registry}/other{path}@sha256:{other_hex}",  # sibling in the registry
        f"{registry}.evil.com/{path}@sha256:{other_hex}",  # look-alike registry
        f"evil{registry}/{path}@sha256:{other_hex}",
        f"{registry}x/{path}@sha256:{other_hex}",
    ):
        assert not pattern.matches(outside), (text, outside)
    assert "**" not in text


@given(_images())
def test_applying_the_suggested_fix_turns_the_denial_into_an_allow(
    found: tuple[str, str, str],
) -> None:
    _, _, image = found
    w = World()
    qa = w.attestor("qa", key=_KEY)
    doc = {"defaultAdmissionRule": require(qa)}
    d = _decide(w, doc, [image])
    assert not d.allowed
    by_kind = {f.kind: f for f in fixes(d, w.attestors, w.source())}
    allow = {
        **doc,
        "admissionWhitelistPatterns": [{"namePattern": by_kind["allowlist"].pattern}],
    }
    assert _decide(w, allow, [image]).allowed
    args = _sign_args(by_kind["attest"].commands[0])
    w.occurrences.append(
        make_attestation(args["image"], args["note"], _KEY, ALG, key_id=args["key-id"])
    )
    assert _decide(w, doc, [image]).allowed


_KEY = new_key()
assert DIGEST


def test_without_attestors_the_fix_still_names_the_attestor() -> None:
    w = World()
    qa = w.attestor("qa")
    d = _decide(w, {"defaultAdmissionRule": require(qa)}, [IMAGE])
    (fix, _) = fixes(d)
    assert (fix.kind, fix.attestor, fix.commands) == ("attest", qa, ())
    assert "no-attestation" in fix.summary
