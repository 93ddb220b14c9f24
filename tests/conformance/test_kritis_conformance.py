"""The Kritis profile of the conformance kit over the wire: the reference
adapter passes every Kritis-profile and PGP case (``kritis_*``, ``pgp_*``,
``both_*``), translating each configuration to Kritis resources, and each
Kritis defect is caught by its named case.

One adapter session (a persistent adapter that takes each case's defect
from a ``# defect: NAME`` first line of its ``policy.yaml``), as in
test_platform_conformance.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from kritis_sim.conformance.case import CATALOGUE, Case, load_case
from kritis_sim.conformance.defects_kritis import KRITIS_DEFECTS
from kritis_sim.conformance.kritis_case import KRITIS_FEATURE
from kritis_sim.conformance.runner import run_cases

pytest.importorskip("pysequoia")

_PER_CASE_DEFECT = """
import sys
from kritis_sim.conformance import reference_adapter as ref
def setup(case, grafeas, out, _defect):
    first = case.joinpath("policy.yaml").read_text().splitlines()[1]
    defect = first.split()[-1] if first.startswith("# defect: ") else None
    ref.setup(case, grafeas, out, defect)
from kritis_sim.conformance.reference_serve import serve
sys.exit(serve(setup=setup) if sys.argv[1] == "serve" else ref.main(sys.argv[1:]))
"""


def kritis_cases() -> list[Case]:
    dirs = [d for p in ("kritis_*", "pgp_*", "both_*") for d in CATALOGUE.glob(p)]
    return [load_case(d) for d in sorted(dirs)]


def test_at_least_40_kritis_and_pgp_cases_and_8_defects() -> None:
    cases = kritis_cases()
    assert len(cases) >= 40
    kritis = [c for c in cases if c.target.semantics == "kritis"]
    assert len(kritis) >= 30 and all(KRITIS_FEATURE in c.expect.features for c in kritis)
    assert {c.target.semantics for c in cases} == {"gcp", "kritis", "both"}
    assert len(KRITIS_DEFECTS) >= 8
    names = {c.name for c in cases}
    for defect in KRITIS_DEFECTS.values():
        assert set(defect.caught_by) <= names, defect.name


def test_both_cases_hold_under_the_kritis_profile_too() -> None:
    import dataclasses

    from kritis_sim.conformance.reference import reference_result

    for case in kritis_cases():
        if case.target.semantics == "both":
            as_kritis = dataclasses.replace(case, target=dataclasses.replace(case.target, semantics="kritis"))
            assert reference_result(as_kritis).observed.allowed == case.expect.allowed, case.name


#: The command docs/conformance.md and docs/kritis.md give a Kritis user
#: (``kritis-sim conformance-adapter`` run as a module here, same code).
PROFILE_COMMAND = [
    "conformance", "--entrypoint", "kritis-sim conformance-adapter",
    "--select", "kritis_*", "--select", "pgp_*", "--select", "both_*", "--quiet",
]  # fmt: skip


def test_documented_kritis_profile_command_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from kritis_sim.cli.main import main

    docs = Path(__file__).resolve().parents[2] / "docs"
    for page in ("conformance.md", "kritis.md"):
        assert " ".join(PROFILE_COMMAND[:3]) in (docs / page).read_text().replace('"', "")
    argv = [*PROFILE_COMMAND, "--json", str(tmp_path / "r.json")]
    argv[2] = f"{sys.executable} -m kritis_sim.conformance.reference_adapter"
    assert main(argv) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["passed"] == len(kritis_cases())
    assert report["summary"]["failed"] == report["summary"]["skipped"] == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(f"{len(kritis_cases())} passed, 0 failed")


def test_every_kritis_defect_is_caught_by_its_case(tmp_path: Path) -> None:
    script = tmp_path / "adapter.py"
    script.write_text(_PER_CASE_DEFECT, encoding="utf-8")
    copies, defect_of = [], {}
    for name, defect in sorted(KRITIS_DEFECTS.items()):
        for case in defect.caught_by:
            copy_name = f"{name}__{case}"
            copy = tmp_path / "cases" / copy_name
            shutil.copytree(CATALOGUE / case, copy)
            policy = copy / "policy.yaml"
            head, _, rest = policy.read_text().partition("\n")
            policy.write_text(f"{head}\n# defect: {name}\n{rest}", "utf-8")
            copies.append(load_case(copy))
            defect_of[copy_name] = name
    result = run_cases(f"{sys.executable} {script}", copies)
    outcomes = {r.name: r for r in result.results}
    missed = [
        f"{d} ({n}): {outcomes[n].outcome} {outcomes[n].detail}"
        for n, d in defect_of.items()
        if outcomes[n].outcome != "failed" or not outcomes[n].detail.startswith("expected ")
    ]
    assert missed == []


_NO_KRITIS = """
import json, sys
from kritis_sim.conformance.features import ALL_FEATURES
if sys.argv[1] == "capabilities":
    print(json.dumps(sorted(ALL_FEATURES - {"kritis-semantics"})))
else:
    sys.exit("this adapter should not be asked to configure a skipped case")
"""


def test_adapter_without_kritis_semantics_gets_kritis_cases_skipped(tmp_path: Path) -> None:
    script = tmp_path / "adapter.py"
    script.write_text(_NO_KRITIS, encoding="utf-8")
    cases = [load_case(CATALOGUE / "kritis_namespace_without_policy")]
    result = run_cases(f"{sys.executable} {script}", cases)
    assert [r.outcome for r in result.results] == ["skipped"]
    assert "kritis-semantics" in result.results[0].detail
    assert result.summary["skipped"] == 1 and result.summary["passed"] == 0


@pytest.mark.parametrize(
    ("target", "features", "message"),
    [
        ({"semantics": "kritis"}, [], "needs the kritis-semantics feature"),
        ({"semantics": "Kritis"}, ["kritis-semantics"], "expected one of gcp, kritis, both"),
        ({"semantics": "kritis", "model": "platform"}, ["kritis-semantics"], "gcp only for the platform model"),
        ({"semantics": "kritis", "kritisNamespace": "Team_B"}, ["kritis-semantics"], "expected a namespace name"),
        ({"semantics": "gcp", "kritisNamespace": "team-b"}, [], "with semantics kritis"),
    ],
)
def test_bad_semantics_is_refused_at_load(target: dict[str, str], features: list[str], message: str) -> None:
    import yaml

    from kritis_sim.conformance.case import case_from_documents
    from kritis_sim.errors import InputError

    src = CATALOGUE / "kritis_attested_pod"
    request = yaml.safe_load((src / "request.yaml").read_text())
    request["target"] = target
    with pytest.raises(InputError, match=message):
        case_from_documents(
            src, policy_text=(src / "policy.yaml").read_text(), attestors_text=(src / "attestors.yaml").read_text(),
            world=yaml.safe_load((src / "world.yaml").read_text()), request=request,
            expect={"allowed": True, "features": features},
        )  # fmt: skip


def test_untranslatable_configuration_is_refused() -> None:
    from kritis_sim.conformance.kritis_case import TranslationError, translate
    from kritis_sim.model.policy import load_policy

    policy = load_policy("defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, "
                         "enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n")
    with pytest.raises(TranslationError, match="ALWAYS_DENY has no Kritis form"):
        translate(policy, [])


def test_kritis_namespace_places_the_translated_resources() -> None:
    # target.kritisNamespace: every translated resource goes there, so a case
    # can show that Kritis resources judge their own namespace only.
    from kritis_sim.conformance.kritis_case import translate

    case = load_case(CATALOGUE / "kritis_namespaced_policy_deny")
    assert case.target.kritis_namespace == "team-b"
    assert case.target.to_dict()["kritisNamespace"] == "team-b"
    docs = translate(case.policy(), case.attestors(), None, case.target.kritis_namespace)
    assert {d["metadata"]["namespace"] for d in docs} == {"team-b"}
    assert {d["metadata"]["namespace"] for d in translate(case.policy(), case.attestors())} == {"default"}
