"""The scenario loader: valid files load; bad ones fail with file:line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kritis_sim.errors import ScenarioError
from kritis_sim.scenarios.loader import load_scenario, load_scenario_file
from kritis_sim.scenarios.schema import Attest, Build, Deploy, Outcome, RunStage

BASE = textwrap.dedent(
    """\
    scenario: tiny
    environments:
      dev: {cluster: us-east1-b.dev, namespace: web}
      prod: {cluster: us-east1.prod}
    attestors:
      qa:
        keys:
          - name: k1
          - name: k2
            trusted: false
    stages:
      - {name: qa, environment: dev, attestor: qa}
      - {name: prod, environment: prod}
    artifacts:
      web:
        repository: gcr.io/tiny-project/web
        tags: ["1.0"]
    policy:
      defaultAdmissionRule:
        evaluationMode: REQUIRE_ATTESTATION
        enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        requireAttestationsBy: [qa]
    events:
      - build: web
      - deploy: {to: prod, artifact: web, expect: denied}
    """
)


def _load(text: str, tmp_path: Path | None = None) -> object:
    return load_scenario(text, source="s.yaml", base_dir=tmp_path)


def test_loader_reads_sections_and_derives_digest() -> None:
    scenario = load_scenario(BASE, source="s.yaml")
    web = scenario.artifacts["web"]
    assert web.digest.startswith("sha256:") and len(web.digest) == 71
    assert load_scenario(BASE, source="other.yaml").artifacts["web"].digest == web.digest
    assert scenario.policy.default_admission_rule.require_attestations_by == (
        "projects/kritis-sim/attestors/qa",
    )
    assert scenario.attestors["qa"].note == "projects/kritis-sim/notes/qa"
    (deploy,) = scenario.deploys
    assert deploy.images == (web.by_digest,)
    assert deploy.expect is not None and deploy.expect.outcome is Outcome.DENIED
    assert deploy.where.line == 25


def test_pipeline_shorthand_expands_trip() -> None:
    text = BASE.replace(
        "  - build: web\n  - deploy: {to: prod, artifact: web, expect: denied}\n",
        "  - pipeline: {artifact: web, reaches: dev}\n",
    )
    events = load_scenario(text, source="s.yaml").events
    assert [type(e) for e in events] == [Build, Deploy, RunStage, Deploy]
    first, last = events[1], events[3]
    assert isinstance(first, Deploy) and isinstance(last, Deploy)
    assert first.expect is not None and first.expect.outcome is Outcome.ALLOWED
    assert last.expect is not None and last.expect.outcome is Outcome.DENIED
    assert all(e.where.line == 24 for e in events)


def test_attest_defaults_to_first_trusted_key() -> None:
    text = BASE.replace("  - build: web\n", "  - build: web\n  - attest: {artifact: web, attestor: qa}\n")
    attest = load_scenario(text, source="s.yaml").events[1]
    assert isinstance(attest, Attest) and str(attest.key) == "qa/k1"


def test_manifest_placeholders_resolve(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n"
        "spec: {template: {spec: {containers: [{name: a, image: '${web}'}, {name: b, image: '${web:1.0}'}]}}}\n"
    )
    text = BASE.replace(
        "  - deploy: {to: prod, artifact: web, expect: denied}\n",
        "  - deploy: {to: prod, manifest: m.yaml, pods: 2}\n",
    )
    (deploy,) = load_scenario(text, source="s.yaml", base_dir=tmp_path).deploys
    assert deploy.kind == "Job"
    assert deploy.images == (
        "gcr.io/tiny-project/web@" + deploy.images[0].split("@")[1],
        "gcr.io/tiny-project/web:1.0",
    )
    assert len(deploy.pods) == 2 and deploy.pods[0].kind == "Pod"


# (id, old text, new text, text on the line the error must name, message part)
BAD = [
    ("unknown top-level key", "scenario: tiny\n", "scenario: tiny\nstagse: []\n", "stagse", "did you mean 'stages'"),
    ("unknown nested key", "      - name: k1\n", "      - name: k1\n        trustd: true\n", "trustd", "trustd"),
    ("wrong type", '    tags: ["1.0"]', "    tags: {a: 1}", "tags:", "expected a list"),
    ("undefined stage env", "environment: dev, attestor", "environment: qa, attestor", "environment: qa", "undefined environment 'qa'"),
    ("undefined attestor in policy", "requireAttestationsBy: [qa]", "requireAttestationsBy: [qa, sec]", "sec]", "undefined attestor 'sec'"),
    ("undefined artifact", "  - build: web\n", "  - build: api\n", "build: api", "undefined artifact 'api'"),
    ("used before built", "  - build: web\n", "", "deploy:", "before a 'build'"),
    ("duplicate yaml key", "  prod: {cluster: us-east1.prod}\n", "  prod: {cluster: us-east1.prod}\n  prod: {}\n", "prod: {}", "duplicate key"),
    ("duplicate stage", "  - {name: prod, environment: prod}\n", "  - {name: qa, environment: prod}\n", "name: qa, environment: prod", "duplicate stage name"),
    ("bad expect", "expect: denied}", "expect: refused}", "refused", "expected one of"),
    ("bad regex", "expect: denied}", "expect: denied, reason: '('}", "reason", "regular expression"),
    ("unknown tag", "artifact: web, expect", "artifact: web, tag: '2.0', expect", "tag: '2.0'", "not a tag"),
    ("bad duration", "  - build: web\n", "  - build: web\n  - advance: 3\n", "advance", "duration"),
    ("rotate trusted", "  - build: web\n", "  - build: web\n  - rotateKey: {attestor: qa, add: k1}\n", "rotateKey", "already trusts"),
    ("revoke untrusted", "  - build: web\n", "  - build: web\n  - revokeKey: {attestor: qa, key: k2}\n", "revokeKey", "does not trust"),
    ("undefined key", "  - build: web\n", "  - build: web\n  - attest: {artifact: web, attestor: qa, key: k9}\n", "k9", "undefined key 'k9'"),
    ("two verbs", "  - build: web\n", "  - {build: web, advance: 1h}\n", "advance: 1h", "exactly one key"),
    ("bad policy enum", "evaluationMode: REQUIRE_ATTESTATION", "evaluationMode: MAYBE", "MAYBE", "MAYBE"),
    ("no deploys", "  - deploy: {to: prod, artifact: web, expect: denied}\n", "", "build: web", "at least one deploy"),
]


@pytest.mark.parametrize(("old", "new", "marker", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_scenarios_name_file_line_and_field(old: str, new: str, marker: str, message: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if marker in t)
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, source="s.yaml")
    err = info.value
    assert err.source == "s.yaml"
    assert err.line == line, str(err)
    assert message in str(err)
    assert str(err).startswith(f"s.yaml:{line}")


def test_alias_bomb_is_refused() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 7):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    with pytest.raises(ScenarioError, match=r"s\.yaml:\d+: .*expands to more than"):
        load_scenario("scenario: bomb\n" + bomb, source="s.yaml")


def test_missing_files_are_scenario_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario"):
        load_scenario_file(tmp_path / "nope.yaml")
    text = BASE.replace("policy:\n", "policy: {file: missing.yaml}\nx:\n")
    with pytest.raises(ScenarioError):
        load_scenario(text, source="s.yaml", base_dir=tmp_path)


def test_policy_file_errors_point_into_the_policy_file(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMod: X\n"
    )
    start = BASE.index("policy:\n")
    end = BASE.index("events:\n")
    text = BASE[:start] + "policy: {file: policy.yaml}\n" + BASE[end:]
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, source="s.yaml", base_dir=tmp_path)
    assert info.value.source is not None and info.value.source.endswith("policy.yaml")
    assert info.value.line == 3


def test_pem_key_files_sign_and_verify(tmp_path: Path) -> None:
    from kritis_sim.crypto.keys import (
        generate_private_key,
        private_key_pem,
        public_key_pem,
    )
    from kritis_sim.model.attestor import SignatureAlgorithm
    from kritis_sim.scenarios.simulator import simulate

    key = generate_private_key(SignatureAlgorithm.ECDSA_P256_SHA256)
    (tmp_path / "qa.pem").write_bytes(private_key_pem(key))
    (tmp_path / "qa.pub").write_text(public_key_pem(key))
    text = BASE.replace("      - name: k1\n", "      - name: k1\n        privateKeyFile: qa.pem\n").replace(
        "  - deploy: {to: prod, artifact: web, expect: denied}\n",
        "  - attest: {artifact: web, attestor: qa}\n  - deploy: {to: prod, artifact: web, expect: allowed}\n",
    )
    result = simulate(load_scenario(text, source="s.yaml", base_dir=tmp_path))
    assert result.ok, result.failures
    verify_only = text.replace("privateKeyFile: qa.pem", "publicKeyFile: qa.pub")
    with pytest.raises(ScenarioError, match="cannot sign"):
        load_scenario(verify_only, source="s.yaml", base_dir=tmp_path)
    wrong_alg = text.replace("privateKeyFile: qa.pem", "privateKeyFile: qa.pem\n        algorithm: RSA_PSS_2048_SHA256")
    with pytest.raises(ScenarioError, match=r"s\.yaml|qa\.pem"):
        load_scenario(wrong_alg, source="s.yaml", base_dir=tmp_path)


@pytest.mark.parametrize(
    ("manifest", "line", "field"),
    [
        ("apiVersion: apps/v1\nkind: []\n", 2, "kind: expected a Kubernetes object of kind"),
        ("kind: Pod\nmetadata: [x]\n", 2, "metadata: expected a mapping, got list"),
        ("kind: Pod\nmetadata:\n  labels: yes\n", 3, "metadata.labels: expected a mapping, got boolean"),
        ("kind: Deployment\nspec: 3\n", 2, "spec: expected a mapping, got number"),
        ("kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n"
         "          annotations: [a]\n", 7,
         "spec.jobTemplate.spec.template.metadata.annotations: expected a mapping, got list"),
    ],
)
def test_manifest_shapes_are_checked_where_the_manifest_says_them(
    tmp_path: Path, manifest: str, line: int, field: str
) -> None:
    (tmp_path / "m.yaml").write_text(manifest)
    text = BASE.replace("{to: prod, artifact: web, expect: denied}", "{to: prod, manifest: m.yaml, breakglass: true}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, source="s.yaml", base_dir=tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'm.yaml'}:{line}: {field}"), str(info.value)
