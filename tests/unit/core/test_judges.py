"""The judge seam (kritis_sim.core.judges): classic and platform policies behind
one protocol, what each will read, and verdicts from a replay of prefetched reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kritis_sim.core.decide import decide
from kritis_sim.core.judges import ClassicJudge, Lookup, PlatformJudge, Replay
from kritis_sim.core.platform import InMemoryPlatformOccurrences
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import GrafeasError, PolicyError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.platform.results import EvaluateGkePolicyResponse
from kritis_sim.model.policy import Policy

from .platform_world import IMAGE, NOW, PROJECT, URL, evaluate, policy, scan, vuln

TARGET = DeployTarget(None, "prod", "deployer")
VULNS = {
    "displayName": "no highs",
    "vulnerabilityCheck": {
        "maximumFixableSeverity": "MEDIUM",
        "maximumUnfixableSeverity": "MEDIUM",
        "containerAnalysisVulnerabilityProjects": [PROJECT],
    },
}


def _store(*occurrences: object) -> InMemoryPlatformOccurrences:
    return InMemoryPlatformOccurrences(occurrences)  # type: ignore[arg-type]


def test_platform_judge_reads_what_the_checks_read() -> None:
    judge = PlatformJudge(policy(VULNS))
    assert judge.reads([IMAGE], TARGET, NOW) == (
        Lookup("vulnerabilities", (PROJECT, URL)),
        Lookup("discoveries", (PROJECT, URL)),
    )


def test_platform_judge_denial_names_check_set_check_and_why() -> None:
    pol = policy(VULNS)
    store = _store(vuln("CVE-2026-1", "HIGH"), scan())
    verdict = PlatformJudge(pol).judge([IMAGE], TARGET, store, NOW)
    assert not verdict.allowed and not verdict.verdict_allowed
    assert verdict.message.startswith("Denied by Binary Authorization platform policy")
    reason = verdict.images[0].reason
    assert "check set 0 (unscoped)" in reason
    assert "check 0 VulnerabilityCheck 'no highs': NON_CONFORMANT" in reason
    assert "CVE-2026-1" in reason
    assert verdict.images[0].rule.describe() == "check set 0 (unscoped)"
    # The model's own answer hangs below, equal to a direct evaluation.
    assert isinstance(verdict.detail, EvaluateGkePolicyResponse)
    assert (
        verdict.detail.results[0].image_results
        == evaluate(pol, store, trusted_builders={}).results[0].image_results
    )


def test_platform_judge_dry_run_and_breakglass_admit_and_record() -> None:
    pol = policy({"alwaysDeny": True})
    store = _store()
    dry = PlatformJudge(pol, dry_run=True).judge([IMAGE], TARGET, store, NOW)
    assert dry.allowed and dry.dry_run and not dry.verdict_allowed
    assert "AUDIT_AND_DRYRUN" in dry.message
    assert "dry-run" in str(dry.audit_annotations())
    glass = PlatformJudge(pol).judge([IMAGE], TARGET, store, NOW, breakglass=True)
    assert glass.allowed and glass.breakglass and not glass.verdict_allowed


def test_platform_judge_from_a_replay_fails_closed_on_what_was_not_read() -> None:
    judge = PlatformJudge(policy(VULNS))
    store = _store(scan())
    reads = judge.reads([IMAGE], TARGET, NOW)
    answers = {reads[1]: reads[1].read(store)}  # the VULNERABILITY read is missing
    replay = Replay(answers, GrafeasError("no answer within the 0.50 s budget"))
    verdict = judge.judge([IMAGE], TARGET, replay, NOW)
    assert not verdict.allowed and verdict.failed_closed
    assert "no answer within the 0.50 s budget" in verdict.images[0].reason
    complete = {r: r.read(store) for r in reads}
    assert judge.judge([IMAGE], TARGET, Replay(complete, GrafeasError("x")), NOW)


def test_classic_judge_is_decide_and_reads_its_notes() -> None:
    pol = Policy.from_dict(
        {
            "defaultAdmissionRule": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                "requireAttestationsBy": ["projects/p/attestors/a"],
            }
        }
    )
    attestor = Attestor("projects/p/attestors/a", "projects/p/notes/n")
    judge = ClassicJudge(pol, [attestor])
    assert judge.reads([IMAGE], TARGET, NOW) == (
        Lookup("occurrences", (URL, "projects/p/notes/n")),
    )
    source = InMemorySource()
    assert judge.judge([IMAGE], TARGET, source, NOW) == decide(
        pol, [attestor], source, TARGET, [IMAGE], now=NOW
    )


def test_cv_judge_does_not_import_the_cli() -> None:
    path = Path(__file__).resolve().parents[3] / "kritis_sim" / "cv" / "judge.py"
    tree = ast.parse(path.read_text())
    modules = {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert not {m for m in modules if m.startswith("kritis_sim.cli")}


def test_platform_judge_refuses_a_policy_without_gke_policy() -> None:
    cloud_run = PlatformPolicy.from_dict(
        {
            "cloudRunPolicy": {
                "rule": {
                    "evaluationMode": "ALWAYS_ALLOW",
                    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                }
            }
        }
    )
    with pytest.raises(PolicyError, match="no gkePolicy"):
        PlatformJudge(cloud_run)
