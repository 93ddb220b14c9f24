"""Scenario environments guarded by Kritis resources (kritis_sim/scenarios/kritis.py).

The bundled Kritis scenarios hold (test_bundled.py); here each one is mutated
once to show its expectations fail when the behaviour breaks, and the
loader's refusals are located.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kritis_sim.errors import InputError
from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.simulator import simulate
from kritis_sim.scenarios.world import World

pytest.importorskip("pysequoia")

ROOT = Path(__file__).resolve().parents[3] / "scenarios"
KEYS = KeyFactory()


def _run(name: str, old: str = "", new: str = "") -> list[str]:
    text = (ROOT / name).read_text()
    assert old in text
    scenario = load_scenario(text.replace(old, new, 1), source=name, base_dir=ROOT, root=ROOT)
    return list(simulate(scenario, keys=KEYS).failures)


def test_merchant_isp_threshold_matters() -> None:
    # CRITICAL allowed: the vulnerable search would be admitted, its expectation fails.
    assert not _run("kritis-online-merchant.yaml")
    text = (ROOT / "kritis" / "merchant-prod.yaml").read_text()
    assert "maximumSeverity: HIGH" in text
    fails = _run_with_prod(text.replace("maximumSeverity: HIGH", "maximumSeverity: CRITICAL"))
    assert any("vulnerable search -> prod" in f for f in fails)


def _run_with_prod(prod_text: str) -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "kritis").mkdir()
        (base / "kritis" / "merchant-prod.yaml").write_text(prod_text)
        text = (ROOT / "kritis-online-merchant.yaml").read_text()
        scenario = load_scenario(text, source="m.yaml", base_dir=base, root=base)
        return list(simulate(scenario, keys=KEYS).failures)


def test_merchant_gap_needs_all_authorities() -> None:
    text = (ROOT / "kritis" / "merchant-prod.yaml").read_text()
    fails = _run_with_prod(text.replace("[tested, prod-approved]", "[tested]"))
    assert any("unapproved checkout -> prod" in f for f in fails)


def test_kritis_breakglass_annotation_admits() -> None:
    # Without the marker the breakglass deploy is refused: its expectation fails.
    fails = _run("kritis-online-merchant.yaml", "      breakglass: true\n", "")
    assert any("breakglass" in f for f in fails)


def test_cron_marks_vulnerable_pod() -> None:
    fails = _run("kritis-cron.yaml", "severity: HIGH, fixable: true", "severity: MEDIUM, fixable: true")
    assert any("cart" in f for f in fails)


def test_unfixable_compared_with_fix_unavailable_threshold() -> None:
    # Unfixable HIGH is within maximumFixUnavailableSeverity HIGH: nothing to mark.
    fails = _run("kritis-cron.yaml", "severity: HIGH, fixable: true", "severity: HIGH, fixable: false")
    assert fails


def test_allowlist_pattern_and_namespaces() -> None:
    fails = _run("kritis-allowlists.yaml", "gcr.io/fin-platform/base/*", "gcr.io/fin-platform/*")
    assert any("allowlisted base image" in f for f in fails)
    # An AA with the intruder's key listed: the forged image would be admitted.
    fails = _run(
        "kritis-allowlists.yaml",
        "publicKeys: [{scenarioKey: release/default}]",
        "publicKeys: [{scenarioKey: release/default}, {scenarioKey: intruder/default}]",
    )
    assert any("unlisted PGP key" in f for f in fails)


def test_only_kritis_kinds_are_judged() -> None:
    fails = _run("kritis-allowlists.yaml", "kind: StatefulSet, expect: allowed", "kind: StatefulSet, expect: denied")
    assert any("StatefulSet" in f for f in fails)


def test_misspelled_field_in_kritis_file_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text(
        "apiVersion: kritis.grafeas.io/v1beta1\nkind: ImageSecurityPolicy\nmetadata: {name: i}\n"
        "spec:\n  packageVulnerabilityRequirements:\n    maximumSeverty: HIGH\n"
    )
    text = _ENV.replace("%s", "      {file: k.yaml}")
    with pytest.raises(InputError) as err:
        load_scenario(text, source="s.yaml", base_dir=tmp_path, root=tmp_path)
    assert "k.yaml:6" in str(err.value) and "maximumSeverity" in str(err.value)


def test_attestations_are_pgp_signed_with_fingerprint_id() -> None:
    scenario = load_scenario((ROOT / "kritis-allowlists.yaml").read_text(), base_dir=ROOT, root=ROOT)
    world = World(scenario, keys=KEYS)
    key = next(iter(world.pgp_keys.values()))
    occ = world.attest("gcr.io/x/y@sha256:" + "a" * 64, "release", key.ref)
    assert occ.signatures[0].public_key_id == key.key_id and len(key.key_id) == 40
    assert occ.signatures[0].signature.startswith(b"-----BEGIN PGP MESSAGE-----")
    aa = world.kritis["payments"].authority("payments", "release")
    assert aa is not None and [k.key_id for k in aa.pgp_keys] == [key.key_id]


_ENV = """
scenario: s
attestors:
  a: {algorithm: PGP}
  p: {}
environments:
  e:
    namespace: ns
    kritis:
%s
artifacts: {x: {repository: gcr.io/p/x}}
events: [{build: x}]
"""


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ("      - {apiVersion: kritis.grafeas.io/v1beta1, kind: AttestationAuthority, metadata: {name: a},"
         " spec: {noteReference: projects/p/notes/a, publicKeys: [{scenarioKey: p/default}]}}",
         "is not a PGP key"),
        ("      - {apiVersion: kritis.grafeas.io/v1beta1, kind: AttestationAuthority, metadata: {name: a},"
         " spec: {noteReference: projects/p/notes/a, publicKeys: [{scenarioKey: a/nope}]}}",
         "undefined scenario key"),
        ("      - {apiVersion: kritis.grafeas.io/v1beta1, kind: ImageSecurityPolicy, metadata: {name: i},"
         " spec: {packageVulnerabilityRequirement: {maximumSeverity: HIGH}}}",
         "packageVulnerabilityRequirement"),
        ("      {file: ../outside.yaml}", "outside"),
        ("      []", "at least one Kritis resource"),
    ],
)
def test_bad_kritis_environment_is_refused_with_location(resources: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        load_scenario(_ENV % resources, source="s.yaml", base_dir=ROOT, root=ROOT)
    assert message in str(err.value)
    assert "s.yaml" in str(err.value)


def test_pgp_key_in_platform_policy_or_with_file_is_refused() -> None:
    text = _ENV.replace("    kritis:\n%s\n", "    platformPolicy: {gkePolicy: {checkSets: [{checks: [{simpleSigningAttestationCheck: "
                        "{attestationAuthenticators: [{pkixPublicKeySet: {pkixPublicKeys: [{scenarioKey: a/default}]}}],"
                        " containerAnalysisAttestationProjects: [projects/p]}}]}]}}\n")
    with pytest.raises(InputError, match="PGP key"):
        load_scenario(text, source="s.yaml")


def test_kritis_environments_through_the_webhook() -> None:
    from kritis_sim.scenarios.runner import run_scenarios

    text = (ROOT / "kritis-online-merchant.yaml").read_text()
    scenario = load_scenario(text, source="m.yaml", base_dir=ROOT, root=ROOT)
    summary = run_scenarios([scenario], via="webhook", keys=KEYS)
    assert summary.ok, summary.results[0].failures
    # The webhook reads Kritis' annotation from the object: without it, refused.
    broken = load_scenario(text.replace("      breakglass: true\n", "", 1), source="m.yaml", base_dir=ROOT, root=ROOT)
    failures = run_scenarios([broken], via="webhook", keys=KEYS).results[0].failures
    assert any("breakglass" in f for f in failures)


_PGP_CLASSIC = """scenario: pgp-classic
description: PGP attestor in a classic policy.
project: shop-platform
attestors:
  qa:
    keys: [{name: k1, algorithm: PGP}, {name: k2, algorithm: PGP, trusted: false}]
environments:
  prod: {namespace: shop}
policy:
  defaultAdmissionRule:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
    requireAttestationsBy: [qa]
artifacts:
  a: {repository: us-docker.pkg.dev/shop-platform/apps/a}
  b: {repository: us-docker.pkg.dev/shop-platform/apps/b}
events:
  - build: a
  - build: b
  - attest: {artifact: a, attestor: qa, key: k1}
  - attest: {artifact: b, attestor: qa, key: k2}
  - deploy: {to: prod, artifact: a, expect: allowed}
  - deploy: {to: prod, artifact: b, expect: denied}
  - rotateKey: {attestor: qa, add: k2, remove: k1}
  - deploy: {name: a after rotation, to: prod, artifact: a, expect: denied}
  - deploy: {name: b after rotation, to: prod, artifact: b, expect: allowed}
"""


def test_pgp_attestor_keys_in_a_classic_policy() -> None:
    # PGP scenario keys under the GCP profile: attestors list the armored key
    # (asciiArmoredPgpPublicKey, id = fingerprint); rotation is seen at once.
    assert not simulate(load_scenario(_PGP_CLASSIC), keys=KEYS).failures
    # The signature by the untrusted PGP key k2 attests nothing before the rotation.
    wrong = _PGP_CLASSIC.replace("artifact: b, expect: denied}", "artifact: b, expect: allowed}")
    failures = simulate(load_scenario(wrong), keys=KEYS).failures
    assert len(failures) == 1 and "expected allowed" in failures[0]
