"""The Kritis profile's exemption fix: a GenericAttestationPolicy
``namePattern`` naming exactly the image's repository as written, and the
image itself in each denying ImageSecurityPolicy's ``imageAllowlist``; its
``kubectl patch`` lines, applied, admit the image; never broader than the
repository (Hypothesis)."""

from __future__ import annotations

import copy
import json
import shlex
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.core.fixes import judge_fixes
from kritis_sim.core.kritis import KritisDecision
from kritis_sim.core.kritis.decide import pattern_matches
from kritis_sim.core.kritis.fixes import kritis_fixes, kritis_pattern
from kritis_sim.core.kritis.judge import KritisJudge, KritisOccurrences
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.fix import Fix
from tests.unit.kritis.world import (
    IMAGE,
    NOW,
    aa,
    attestation,
    decide,
    gap,
    isp,
    load,
    pod,
    vuln,
)


def _allowlist(found: tuple[Fix, ...]) -> Fix | None:
    return next((f for f in found if f.kind == "allowlist"), None)


def _apply(docs: list[dict[str, Any]], fix: Fix) -> list[dict[str, Any]]:
    """The resources after running the fix's ``kubectl patch`` lines."""
    out = copy.deepcopy(docs)
    for command in fix.commands:
        words = shlex.split(command)
        assert words[:2] == ["kubectl", "-n"] and words[3] == "patch"
        kind, name = words[4].removesuffix(".kritis.grafeas.io"), words[5]
        assert words[6:8] == ["--type=merge", "-p"]
        body = json.loads(words[8])
        (doc,) = [
            d
            for d in out
            if d["kind"].lower() == kind
            and d["metadata"]["name"] == name
            and d["metadata"]["namespace"] == words[2]
        ]
        doc["spec"].update(body["spec"])
    return out


def _judge(
    docs: list[dict[str, Any]], image: str, vulns: tuple[Any, ...] = ()
) -> KritisDecision:
    return decide(load(*docs), pod(image), (), vulns)


def test_a_gap_denial_gets_the_repository_pattern_and_its_patch() -> None:
    docs = [aa(), gap(patterns=("gcr.io/other/*",))]
    d = _judge(docs, IMAGE)
    assert not d.verdict_allowed
    fix = _allowlist(kritis_fixes(d, load(*docs)))
    assert fix is not None and fix.pattern == "gcr.io/shop/api@*"
    assert "GenericAttestationPolicy gap's admissionAllowlistPatterns" in fix.summary
    (command,) = fix.commands
    assert '"namePattern":"gcr.io/other/*"' in command  # kept, the new one added
    assert _judge(_apply(docs, fix), IMAGE).verdict_allowed


def test_gap_and_isp_denials_need_both_entries() -> None:
    docs = [aa(), gap(), isp(maximumSeverity="MEDIUM")]
    vulns = (vuln("CVE-1", "HIGH"),)
    d = _judge(docs, IMAGE, vulns)
    fix = _allowlist(kritis_fixes(d, load(*docs)))
    assert fix is not None and len(fix.commands) == 2
    assert f"add {IMAGE!r} to ImageSecurityPolicy isp's imageAllowlist" in fix.summary
    assert _judge(_apply(docs, fix), IMAGE, vulns).verdict_allowed
    gap_only = Fix(fix.image, fix.kind, fix.summary, commands=fix.commands[:1])
    assert not _judge(_apply(docs, gap_only), IMAGE, vulns).verdict_allowed


def test_no_exemption_for_a_tag_or_a_missing_isp_authority() -> None:
    tag = "gcr.io/shop/api:1.0"
    d = _judge([aa(), gap()], tag)
    assert not d.verdict_allowed and _allowlist(kritis_fixes(d)) is None
    assert kritis_pattern(tag) is None
    docs = [aa(), isp(attestationAuthorityName="missing")]
    d = _judge(docs, IMAGE)
    assert not d.verdict_allowed and _allowlist(kritis_fixes(d)) is None


def test_without_resources_the_fix_has_no_commands() -> None:
    d = _judge([aa(), gap()], IMAGE)
    fix = _allowlist(kritis_fixes(d))
    assert fix is not None and fix.commands == () and fix.pattern


_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
_REGISTRY = st.sampled_from(
    ["gcr.io", "us-docker.pkg.dev", "registry.example.com:5000", "docker.io", ""]
)
_HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


@st.composite
def _images(draw: st.DrawFn) -> tuple[str, str, str]:
    registry = draw(_REGISTRY)
    path = "/".join(draw(st.lists(_LABEL, min_size=1, max_size=3)))
    tag = draw(st.one_of(st.none(), _LABEL))
    repo = f"{registry}/{path}" if registry else path  # '' : a Docker Hub short name
    image = repo + (f":{tag}" if tag else "") + f"@sha256:{draw(_HEX)}"
    return registry, repo, image


@given(_images(), _HEX)
def test_the_pattern_is_never_broader_than_the_repository(
    found: tuple[str, str, str], other_hex: str
) -> None:
    registry, repo, image = found
    pattern = kritis_pattern(image)
    assert pattern is not None and pattern_matches(pattern, image)
    path = repo.removeprefix(registry + "/") if registry else repo
    host = registry or "docker.io"
    for outside in (
        f"{repo}x@sha256:{other_hex}",  # sibling repository, longer name
        f"{repo}/sub@sha256:{other_hex}",  # nested repository
        f"{repo}x:1@sha256:{other_hex}",
        f"{host}/other{path}@sha256:{other_hex}",  # sibling in the registry
        f"{host}.evil.com/{path}@sha256:{other_hex}",  # look-alike registry
        f"evil{host}/{path}@sha256:{other_hex}",
        f"{host}x/{path}@sha256:{other_hex}",
    ):
        assert not pattern_matches(pattern, outside), (pattern, outside)
    assert "**" not in pattern and pattern.count("*") == 1


@given(_images(), st.booleans(), st.booleans())
def test_applying_the_exemption_turns_the_denial_into_an_allow(
    found: tuple[str, str, str], with_gap: bool, with_isp: bool
) -> None:
    _, _, image = found
    docs: list[dict[str, Any]] = [aa()]
    if with_gap or not with_isp:
        docs.append(gap())
    if with_isp:
        docs.append(isp(maximumSeverity="MEDIUM"))
    vulns = (vuln("CVE-1", "HIGH", image=image),)
    atts = (attestation(IMAGE),)  # another image's: never this one's
    d = decide(load(*docs), pod(image), atts, vulns)
    if d.verdict_allowed:
        return  # e.g. the ISP alone, and its lookup found no vulnerability
    fix = _allowlist(kritis_fixes(d, load(*docs)))
    assert fix is not None
    after = decide(load(*_apply(docs, fix)), pod(image), atts, vulns)
    assert after.verdict_allowed, (fix, after.message)


def test_the_model_neutral_fixes_of_a_kritis_decision_speak_kritis() -> None:
    # what the webhook, cv and whatif show when they judge with Kritis
    # resources: Kritis' fixes, never a Binary Authorization pattern
    docs = [aa(), gap()]
    judge = KritisJudge(load(*docs))
    target = DeployTarget(namespace="default")
    decision = judge.judge([IMAGE], target, KritisOccurrences(), NOW)
    assert not decision.verdict_allowed
    found = judge_fixes(decision, judge)
    assert [f.kind for f in found] == ["attest", "allowlist"]
    assert found[-1].pattern == "gcr.io/shop/api@*" and found[-1].commands
    assert all("admissionWhitelistPatterns" not in f.summary for f in found)
