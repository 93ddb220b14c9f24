"""The late-reply retry of the differential mode: only a reply whose sole
problem is its lateness is sent again, at most N times, and every resend is
counted; with N = 0 (the default) a late reply fails its case."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from kritis_sim.conformance import generated_judge
from kritis_sim.conformance.generated_judge import BatchJudge, GeneratedCases, only_late
from kritis_sim.conformance.results import CaseResult, late
from kritis_sim.strategies import GeneratedWorld, worlds

LATE = late(10.4, 10) or ""


def test_only_a_lateness_alone_counts_as_late() -> None:
    assert LATE and only_late(LATE)
    assert not only_late("")
    assert not only_late(f"expected allowed=false, got allowed=true; {LATE}")
    assert not only_late(
        "protocol: no reply within 15 s (the request's ?timeout=10s plus 5 s of grace)"
    )


def _world() -> GeneratedWorld:
    found: list[GeneratedWorld] = []

    @settings(max_examples=1, database=None, suppress_health_check=list(HealthCheck))
    @given(worlds())
    def one(world: GeneratedWorld) -> None:
        found.append(world)

    one()
    return found[0]


def _scripted(monkeypatch: pytest.MonkeyPatch, details: list[str]) -> list[int]:
    """judge_all answers with ``details`` in turn; returns the batch sizes asked."""
    asked: list[int] = []

    def judge_all(_session: Any, cases: list[Any], *_: Any) -> list[CaseResult]:
        asked.append(len(cases))
        out = []
        for case in cases:
            detail = details.pop(0)
            out.append(CaseResult(case.name, "failed" if detail else "passed", detail))
        return out

    monkeypatch.setattr(generated_judge, "judge_all", judge_all)
    return asked


@pytest.mark.parametrize(
    ("retries", "answers", "problems", "resent"),
    [
        (0, [LATE, ""], [LATE, ""], 0),  # the default: exact
        (2, [LATE, "", ""], ["", ""], 1),  # in time when sent again
        (2, [LATE, "", LATE, LATE], [LATE, ""], 2),  # late every time: fails
        (2, ["expected allowed=false", ""], ["expected allowed=false", ""], 0),
    ],
)
def test_late_replies_are_sent_again_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    retries: int,
    answers: list[str],
    problems: list[str],
    resent: int,
) -> None:
    asked = _scripted(monkeypatch, answers)
    world = _world()
    judge = BatchJudge(
        None,  # type: ignore[arg-type]  # judge_all is scripted
        frozenset(), GeneratedCases(tmp_path), late_retries=retries,
    )  # fmt: skip
    assert judge([(world, True), (world, False)]) == problems
    assert judge.late_resent == resent
    assert asked == [2] + [1] * resent  # the batch, then the late case alone


def _pod(world: GeneratedWorld, image: str) -> GeneratedWorld:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "gen", "namespace": "prod"},
        "spec": {"containers": [{"name": "c0", "image": image}]},
    }
    return replace(world, workload=pod, occurrences=[], sub_resource=None)


def test_cases_that_may_share_a_wave_go_first_and_answers_keep_their_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    world = _world()
    alone = _pod(world, "gcr.io/gen/app:1.0")  # no digest: a wave of its own
    digest = "sha256:" + "a" * 64
    shared = _pod(world, f"gcr.io/gen/app@{digest}")
    names: list[str] = []

    def judge_all(_session: Any, cases: list[Any], *_: Any) -> list[CaseResult]:
        names.extend(c.request.obj["spec"]["containers"][0]["image"] for c in cases)
        return [
            CaseResult(c.name, "failed", f"problem {i}") for i, c in enumerate(cases)
        ]

    monkeypatch.setattr(generated_judge, "judge_all", judge_all)
    judge = BatchJudge(None, frozenset(), GeneratedCases(tmp_path))  # type: ignore[arg-type]
    assert judge([(alone, False), (shared, False)]) == ["problem 1", "problem 0"]
    assert names == [f"gcr.io/gen/app@{digest}", "gcr.io/gen/app:1.0"]


def test_only_recent_configurations_keep_their_files(tmp_path: Path) -> None:
    world = _world()
    rules = [
        {"evaluationMode": mode, "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}
        for mode in ("ALWAYS_ALLOW", "ALWAYS_DENY")
    ]
    configs = [
        replace(world, policy={"defaultAdmissionRule": rule}, cluster=cluster)
        for rule in rules
        for cluster in (None, "us-east1-b.gen")
    ][:3]
    cases = GeneratedCases(tmp_path)
    cases.KEEP = 2
    first = cases.case(configs[0], True).path
    assert cases.case(configs[0], True).path == first  # written once
    cases.case(configs[1], True)
    cases.case(configs[2], True)
    assert not first.exists()  # the oldest of three went
    again = cases.case(configs[0], True)
    assert again.path != first and (again.path / "policy.yaml").is_file()
