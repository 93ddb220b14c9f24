"""Platform-guarded environments, builds with provenance, scans, uploads and CV over time.

Bad input is a located ScenarioError; each bundled platform and CV scenario
fails when the behaviour it tells about is broken (one mutation each); CV
expectations become pytest items and JUnit test cases.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kritis_sim.errors import ScenarioError
from kritis_sim.scenarios import cv_world, world_platform
from kritis_sim.scenarios.junit import junit_xml
from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario, load_scenario_file
from kritis_sim.scenarios.result import RunSummary
from kritis_sim.scenarios.schema import Outcome
from kritis_sim.scenarios.simulator import simulate
from kritis_sim.scenarios.world import World

ROOT = Path(__file__).resolve().parents[3] / "scenarios"
KEYS = KeyFactory()

PLATFORM = (  # indented as a whole: still one YAML block mapping
    """\
    scenario: tiny-platform
    builders:
      ci: {}
    environments:
      prod:
        namespace: prod
        platformPolicy:
          gkePolicy:
            checkSets:
              - displayName: prod
                checks:
                  - displayName: scanned
                    vulnerabilityCheck: {maximumFixableSeverity: HIGH, maximumUnfixableSeverity: HIGH}
    artifacts:
      web: {repository: us-docker.pkg.dev/tiny-project/apps/web}
    cv: {every: 24h}
    events:
      - build: {artifact: web, builder: ci, source: https://github.com/tiny/web}
      - scan: {artifact: web}
      - deploy: {to: prod, artifact: web, expect: allowed}
      - advance: 25h
      - expect: {cv: {pod: web, verdict: none}}
    """
)


def _load(text: str, tmp_path: Path | None = None) -> Any:
    return load_scenario(text, source="s.yaml", base_dir=tmp_path)


def test_a_platform_scenario_loads_and_holds() -> None:
    scenario = _load(PLATFORM)
    assert scenario.policy is None
    assert scenario.environments["prod"].platform_policy is not None
    result = simulate(scenario, keys=KEYS)
    assert result.ok, result.failures
    assert result.cv_passes == 1 and result.cv_entries == ()


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("      - build: {artifact: web, builder: ci,", "      - build: {artifact: web, builder: cd,", 18,
         "events[0].build.builder: undefined builder 'cd'; defined: ci"),
        ("builder: ci, source: https://github.com/tiny/web}", "source: https://github.com/tiny/web}", 18,
         "events[0].build.source: 'source' needs a 'builder'"),
        ("      - scan: {artifact: web}", "      - scan: {artifact: web, vulnerabilities: [{cve: CVE-1, severity: SEVERE}]}", 19,
         "severity: expected one of CRITICAL, HIGH, LOW, MEDIUM, MINIMAL, got 'SEVERE'"),
        ("expect: allowed}", "expect: allowed, check: scanned}\n      - deploy: {to: prod, artifact: web, checkSet: x, reason: y}", 20,
         ""),
        ("                checks:", "                scope: {kubernetesNamespace: prod}\n                checks:", 11,
         "gkePolicy.checkSets[0].scope"),
        ("    cv: {every: 24h}", "    cv: {every: 10s}", 16, "cv.every: a CV period must be at least 1m"),
        ("    cv: {every: 24h}", "    cv: {style: cron}", 16, "cv.style: expected one of gke, kritis-cron, got 'cron'"),
        ("      - expect: {cv: {pod: web, verdict: none}}", "      - expect: {cv: {pod: web}}", 22,
         "a CV expectation needs 'verdict', 'check', 'labels' or 'annotations'"),
        ("      - expect: {cv: {pod: web, verdict: none}}", "      - expect: {cv: {pod: web, verdict: none, check: x}}", 22,
         "'check' needs a violation"),
        ("      - expect: {cv: {pod: web, verdict: none}}", "      - undeploy: {from: qa, name: web}", 22,
         "undefined environment 'qa'"),
    ],
)
def test_bad_platform_input_is_located(old: str, new: str, line: int, message: str) -> None:
    text = PLATFORM.replace(old, new)
    assert text != PLATFORM
    if message == "":  # the second deploy is fine: 'check' and 'checkSet' load
        _load(text)
        return
    with pytest.raises(ScenarioError) as caught:
        _load(text)
    assert str(caught.value).startswith(f"s.yaml:{line}:"), str(caught.value)
    assert message in str(caught.value)


def test_classic_only_fields_refused_on_platform_and_back() -> None:
    classic = PLATFORM.replace("        platformPolicy:\n", "        unused:\n")
    with pytest.raises(ScenarioError, match=r"unknown field 'unused'"):
        _load(classic)
    mixed = PLATFORM.replace(
        "      prod:\n", "      dev: {namespace: dev}\n      prod:\n"
    )
    with pytest.raises(ScenarioError, match=r"needs the field 'policy' \(environment 'dev' has no platformPolicy\)"):
        _load(mixed)
    check_on_classic = mixed.replace("    artifacts:", "    policy: {defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}}\n    artifacts:").replace(
        "expect: allowed}", "expect: allowed}\n      - deploy: {to: dev, artifact: web, check: scanned}"
    )
    with pytest.raises(ScenarioError, match=r"s.yaml:23: events\[3\].deploy.check: 'check' applies to environments guarded by a platformPolicy; 'dev' is not"):
        _load(check_on_classic)


def test_platform_policy_file_is_confined(tmp_path: Path) -> None:
    inner = tmp_path / "team"
    inner.mkdir()
    (tmp_path / "p.yaml").write_text("gkePolicy: {}\n")
    text = PLATFORM.replace(
        "        platformPolicy:\n", "        platformPolicy: {file: ../p.yaml}\n        x:\n"
    )
    text = text.split("        x:\n")[0] + "    artifacts:" + text.split("    artifacts:")[1]
    with pytest.raises(ScenarioError, match=r"s.yaml:7: environments.prod.platformPolicy.file: .*leads out of the scenario root"):
        load_scenario(text, source="s.yaml", base_dir=inner)


def test_expectation_failures_are_reported_counted_and_in_junit() -> None:
    text = PLATFORM.replace(
        "      - expect: {cv: {pod: web, verdict: none}}",
        "      - expect: {cv: {pod: web, verdict: VIOLATES_POLICY}}\n"
        "      - expect: {cv: {pod: api, verdict: none}}",
    ).replace("      - advance: 25h\n", "      - expect: {cv: {pod: web, verdict: none}}\n      - advance: 25h\n")
    result = simulate(_load(text), keys=KEYS)
    assert not result.ok
    failures = "\n".join(result.failures)
    assert "s.yaml:21: CV of web: none" in failures
    assert "no CV pass has run yet (the first is at 2024-05-02T09:00:00Z)" in failures
    assert "Pod web: expected VIOLATES_POLICY in the CV pass at 2024-05-02T09:00:00Z, got no entry" in failures
    assert "no running Pod 'api' (running: prod/web)" in failures
    summary = RunSummary([result])
    assert summary.tally() == (1, 3, 0)
    xml = junit_xml(summary)
    assert xml.count("<failure") == 3 and 'name="CV of api: none"' in xml


def test_a_denied_redeploy_keeps_the_old_pod_and_undeploy_stops_it() -> None:
    text = PLATFORM.replace(
        "      - expect: {cv: {pod: web, verdict: none}}",
        "      - scan: {artifact: web, vulnerabilities: [{cve: CVE-2024-1, severity: CRITICAL}]}\n"
        "      - deploy: {to: prod, artifact: web, expect: denied, check: scanned, checkSet: prod}\n"
        "      - advance: 24h\n"
        "      - expect: {cv: {pod: web, verdict: VIOLATES_POLICY, check: VulnerabilityCheck}}\n"
        "      - undeploy: {from: prod, name: web}\n"
        "      - expect: {cv: {pod: web, verdict: none}}",
    )
    result = simulate(_load(text), keys=KEYS)
    assert [e.ok for e in result.expectations] == [True, False]
    assert "no running Pod 'web'" in result.failures[0]
    entry = result.cv_entries[0]["jsonPayload"]["podEvent"]
    assert entry["verdict"] == "VIOLATES_POLICY" and entry["pod"] == "web"
    assert entry["images"][0]["checkResults"][0]["checkType"] == "VulnerabilityCheck"


def _no_build(self: Any, image: str, provenance: Any) -> Any:
    return type("Occ", (), {"header": type("H", (), {"name": "(not stored)"})})()


def _scan_ignores_status(original: Callable[..., None]) -> Callable[..., None]:
    def scan(self: Any, image: str, project: str, status: str, findings: Any) -> None:
        original(self, image, project, "FINISHED_SUCCESS", findings)

    return scan


def _never_replace(original: Callable[..., None]) -> Callable[..., None]:
    def admitted(self: Any, environment: str, request: Any, pods: Any, where: str) -> None:
        before = {k: list(v) for k, v in self.running.items()}
        original(self, environment, request, pods, where)
        for key, old in before.items():
            if self.running.get(key) is not old:
                self.running[key] = old + [p for p in self.running[key] if p not in old]

    return admitted


def _clear_on_fix(pod: Any, judgement: Any) -> None:
    cv_world_mark(pod, judgement)
    if judgement.conforms:
        pod.labels.pop(cv_world.INVALID, None)


cv_world_mark = cv_world._mark
_target = World.target
MUTATIONS: list[tuple[str, Any, str, Callable[[], Any]]] = [
    ("platform-trusted-builder", world_platform.PlatformState, "record_build", lambda: _no_build),
    ("platform-cve-after-release", world_platform.PlatformState, "set_platform_policy", lambda: lambda *a: None),
    ("platform-image-freshness", world_platform.PlatformState, "upload", lambda: lambda *a: None),
    ("platform-scan-states", world_platform.PlatformState, "record_scan",
     lambda: _scan_ignores_status(world_platform.PlatformState.record_scan)),
    ("platform-scoped-check-sets", World, "target",
     lambda: lambda self, env, ns=None, sa=None: _target(self, env, ns, "default")),
    ("platform-signed-releases", world_platform.PlatformState, "resolve_policy",
     lambda: lambda self, policy, keyed: policy),
    ("cv-attestation-ages-out", cv_world.CvRunner, "due", lambda: lambda self, until: []),
    ("cv-cve-after-deploy", cv_world.CvRunner, "admitted", lambda: _never_replace(cv_world.CvRunner.admitted)),
    ("cv-key-rotation", World, "change_keys", lambda: lambda *a, **k: None),
    ("cv-kritis-cron", cv_world, "_mark", lambda: _clear_on_fix),
]


@pytest.mark.parametrize(("name", "owner", "attr", "make"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_bundled_story_fails_when_its_behaviour_breaks(
    name: str, owner: Any, attr: str, make: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario_file(ROOT / f"{name}.yaml")
    assert simulate(scenario, keys=KEYS).ok
    monkeypatch.setattr(owner, attr, make())
    broken = simulate(scenario, keys=KEYS)
    assert not broken.ok, f"{name} still holds with {attr} broken"


SIGNED = PLATFORM.replace(
    "    builders:\n",
    "    attestors:\n      qa: {}\n    builders:\n",
).replace(
    "                  - displayName: scanned\n"
    "                    vulnerabilityCheck: {maximumFixableSeverity: HIGH, maximumUnfixableSeverity: HIGH}\n",
    "                  - simpleSigningAttestationCheck:\n"
    "                      containerAnalysisAttestationProjects: [projects/kritis-sim]\n"
    "                      attestationAuthenticators:\n"
    "                        - pkixPublicKeySet: {pkixPublicKeys: [{scenarioKey: qa/default}]}\n",
).replace("      - scan: {artifact: web}\n", "      - attest: {artifact: web, attestor: qa}\n")


def test_scenario_keys_in_a_platform_policy_are_the_runs_keys() -> None:
    result = simulate(_load(SIGNED), keys=KEYS)
    assert result.ok, result.failures
    unsigned = SIGNED.replace("      - attest: {artifact: web, attestor: qa}\n", "")
    assert not simulate(_load(unsigned), keys=KEYS).ok


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("{scenarioKey: qa/other}", "undefined scenario key 'qa/other' (attestor/key); defined: qa/default"),
        ("{scenarioKey: qa/default, keyId: x}", "a scenario key reference is {scenarioKey: attestor/key} and nothing else"),
    ],
)
def test_bad_scenario_key_references_are_located(ref: str, message: str) -> None:
    text = SIGNED.replace("{scenarioKey: qa/default}", ref)
    with pytest.raises(ScenarioError) as caught:
        _load(text)
    assert str(caught.value).startswith("s.yaml:17: "), str(caught.value)
    assert "pkixPublicKeys[0]" in str(caught.value) and message in str(caught.value)


def test_platform_deploys_go_through_the_webhook() -> None:
    from kritis_sim.scenarios.webhook import ViaWebhook

    text = PLATFORM.replace(
        "      - advance: 25h\n",
        "      - scan: {artifact: web, vulnerabilities: [{cve: CVE-2024-9, severity: CRITICAL}]}\n"
        "      - deploy: {to: prod, artifact: web, expect: denied, check: scanned, checkSet: prod}\n"
        "      - advance: 25h\n",
    ).replace("verdict: none", "verdict: VIOLATES_POLICY")
    with ViaWebhook() as hook:
        result = simulate(_load(text), keys=KEYS, deployer=hook, via="webhook")
    assert result.ok, result.failures
    assert hook.requests == 2
    assert all(d.reply.decision is None and d.reply.evaluation is None for d in result.deploys)
    assert "check 0 VulnerabilityCheck 'scanned': NON_CONFORMANT" in result.deploys[1].reply.text


def test_a_pod_that_cannot_be_evaluated_is_logged_unspecified_never_conformant() -> None:
    text = PLATFORM.replace(
        "      - expect: {cv: {pod: web, verdict: none}}",
        "      - scan: {artifact: web, status: FINISHED_FAILED}\n"
        "      - advance: 24h\n"
        "      - expect: {cv: {pod: web, verdict: POLICY_CONFORMANCE_VERDICT_UNSPECIFIED, check: scanned}}\n"
        "      - expect: {cv: {pod: web, verdict: none}}",
    )
    result = simulate(_load(text), keys=KEYS)
    assert [e.ok for e in result.expectations] == [True, False]
    event = result.cv_entries[-1]["jsonPayload"]["podEvent"]
    assert event["verdict"] == "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED"
    assert event["images"][0]["checkResults"][0]["verdict"] == "CHECK_VERDICT_UNSPECIFIED"


def test_a_builder_signs_with_its_key_file(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "ci.pem").write_bytes(pem)
    text = PLATFORM.replace(
        "      ci: {}\n",
        "      ci: {algorithm: ECDSA_P384_SHA384, privateKeyFile: ci.pem}\n",
    )
    scenario = load_scenario(text, source="s.yaml", base_dir=tmp_path)
    assert scenario.builders["ci"].key.private_key_pem == pem
    result = simulate(scenario, keys=KEYS)
    assert result.ok, result.failures
    build = [o for o in _occurrences(result) if o.get("kind") == "BUILD"]
    assert build and build[0]["envelope"]["signatures"][0]["keyid"].startswith("ni:///sha-256;")
    wrong = text.replace("ECDSA_P384_SHA384", "ECDSA_P256_SHA256")
    with pytest.raises(ScenarioError, match=r"s.yaml:3: builders.ci.privateKeyFile: "):
        load_scenario(wrong, source="s.yaml", base_dir=tmp_path)


def _occurrences(result: Any) -> list[dict[str, Any]]:
    world = World(result.scenario, keys=KEYS)
    world.record_build(
        result.scenario.artifacts["web"].by_digest,
        next(e.provenance for e in result.scenario.events if getattr(e, "provenance", None)),
    )
    from kritis_sim.grafeas.store import Scan

    return list(world.store.list_all("occurrences", Scan(parent="projects/tiny-project")))


def test_a_policy_cv_cannot_monitor_is_a_config_error_each_pass() -> None:
    text = PLATFORM.replace(
        "                  - displayName: scanned\n",
        "                  - slsaCheck: {rules: [{trustedBuilder: GOOGLE_CLOUD_BUILD}]}\n"
        "                    imageAllowlist: {allowPattern: ['us-docker.pkg.dev/tiny-project/apps/*']}\n"
        "                  - displayName: scanned\n",
    ).replace("    builders:\n      ci: {}\n", "    builders:\n      ci: {trustedBuilder: null}\n")
    result = simulate(_load(text), keys=KEYS)
    assert result.ok, result.failures
    (entry,) = result.cv_entries
    assert "needs the roots of trust of GOOGLE_CLOUD_BUILD" in entry["jsonPayload"]["configErrorEvent"]["description"]


_SEVERITY = st.sampled_from(["MINIMAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"])
_FINDING = st.tuples(_SEVERITY, st.booleans())


@settings(max_examples=15)
@given(
    fixable=st.sampled_from(["BLOCK_ALL", "LOW", "HIGH", "ALLOW_ALL"]),
    unfixable=st.sampled_from(["BLOCK_ALL", "MEDIUM", "CRITICAL", "ALLOW_ALL"]),
    first=st.lists(_FINDING, max_size=3),
    later=st.lists(_FINDING, max_size=3),
    scanned=st.booleans(),
)
def test_cv_says_what_admission_says_at_the_same_moment(
    fixable: str, unfixable: str, first: list[tuple[str, bool]], later: list[tuple[str, bool]], scanned: bool
) -> None:
    """A Pod CV flags is exactly one a deploy at the pass's instant would refuse
    (same policy, same occurrences, same time), whatever the findings."""

    def scan(findings: list[tuple[str, bool]]) -> str:
        items = ", ".join(
            f"{{cve: CVE-2024-{i}, severity: {sev}, fixable: {str(fix).lower()}}}"
            for i, (sev, fix) in enumerate(findings)
        )
        return f"      - scan: {{artifact: web, vulnerabilities: [{items}]}}\n"

    text = PLATFORM.replace(
        "{maximumFixableSeverity: HIGH, maximumUnfixableSeverity: HIGH}",
        f"{{maximumFixableSeverity: {fixable}, maximumUnfixableSeverity: {unfixable}}}",
    ).replace("      - scan: {artifact: web}\n", scan(first) if scanned else "")
    text = text.replace(
        "      - deploy: {to: prod, artifact: web, expect: allowed}\n"
        "      - advance: 25h\n"
        "      - expect: {cv: {pod: web, verdict: none}}\n",
        "      - deploy: {to: prod, artifact: web, breakglass: true}\n"
        + scan(later)
        + "      - advance: 24h\n"
        "      - deploy: {name: same moment, to: prod, artifact: web, workload: probe}\n",
    )
    result = simulate(_load(text), keys=KEYS)
    assert result.cv_passes == 1
    probe = result.deploys[-1].reply
    entries = [e for e in result.cv_entries if e["jsonPayload"]["podEvent"]["pod"] == "web"]
    if probe.outcome is Outcome.ALLOWED:
        assert entries == []
    else:
        (entry,) = entries
        want = "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED" if "ERROR" in probe.text and "NON_CONFORMANT" not in probe.text else "VIOLATES_POLICY"
        assert entry["jsonPayload"]["podEvent"]["verdict"] == want
