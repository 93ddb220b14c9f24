"""Stateful property: the simulator admits exactly what a simple model says.

A random pipeline (stage passes and failures, deploy attempts with and without
breakglass, clock advances, key revocations and re-trusts, signatures with
untrusted keys) runs against the real World (emulator store, real signatures,
Core decision) next to a dict model. Invariant after every deploy: the policy
verdict is "allow" exactly when every attestor the environment's rule requires
has an attestation signed by a key it trusts now and young enough; breakglass
and dry-run never change that verdict, only whether the workload runs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.schema import KeyRef, Scenario
from kritis_sim.scenarios.world import World

STAGES = 3
ARTIFACTS = ("web", "api", "worker")
KEYS = ("k0", "k1", "k2")
#: environment -> (required attestors, max age, dry-run)
ENVIRONMENTS: dict[str, tuple[tuple[str, ...], datetime.timedelta | None, bool]] = {
    "e0": (("a0",), None, False),
    "e1": (("a0", "a1"), datetime.timedelta(hours=48), False),
    "e2": (("a0", "a1", "a2"), datetime.timedelta(hours=24), True),
}
FACTORY = KeyFactory()


def _scenario() -> Scenario:
    lines = ["scenario: random-pipeline", "environments:"]
    lines += [f"  {e}: {{cluster: us-east1.{e}}}" for e in ENVIRONMENTS]
    lines.append("attestors:")
    for i in range(STAGES):
        lines.append(f"  a{i}:\n    keys:")
        lines += [f"      - {{name: {k}, trusted: {str(k == 'k0').lower()}}}" for k in KEYS]
    lines.append("stages:")
    lines += [f"  - {{name: s{i}, attestor: a{i}}}" for i in range(STAGES)]
    lines.append("artifacts:")
    lines += [f"  {a}: {{repository: gcr.io/random-pipeline/{a}}}" for a in ARTIFACTS]
    lines += [
        "policy:",
        "  defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}",
        "  clusterAdmissionRules:",
    ]
    for env, (required, age, dry) in ENVIRONMENTS.items():
        mode = "DRYRUN_AUDIT_LOG_ONLY" if dry else "ENFORCED_BLOCK_AND_AUDIT_LOG"
        lines.append(f"    us-east1.{env}:")
        lines.append("      evaluationMode: REQUIRE_ATTESTATION")
        lines.append(f"      enforcementMode: {mode}")
        lines.append(f"      requireAttestationsBy: [{', '.join(required)}]")
        if age is not None:
            lines.append(f"      kritisSimMaxAttestationAge: {int(age.total_seconds() // 3600)}h")
    lines += ["events:", "  - build: web", "  - deploy: {to: e0, artifact: web}"]
    return load_scenario("\n".join(lines) + "\n", source="<random>")


SCENARIO = _scenario()


@dataclass
class _Signed:
    key: str
    at: datetime.datetime


class PipelineMachine(RuleBasedStateMachine):
    """The real world beside a model of trust, attestations and time."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World(SCENARIO, keys=FACTORY)
        self.trusted = {f"a{i}": {"k0"} for i in range(STAGES)}
        self.signed: dict[tuple[str, str], list[_Signed]] = {}
        self.deploys = 0

    def _image(self, artifact: str) -> str:
        return SCENARIO.artifacts[artifact].by_digest

    def _sign(self, artifact: str, attestor: str, key: str) -> None:
        self.world.attest(self._image(artifact), attestor, KeyRef(attestor, key))
        self.signed.setdefault((artifact, attestor), []).append(_Signed(key, self.world.clock.now()))

    @rule(artifact=st.sampled_from(ARTIFACTS), stage=st.integers(0, STAGES - 1), passed=st.booleans())
    def run_stage(self, artifact: str, stage: int, passed: bool) -> None:
        attestor = f"a{stage}"
        trusted = self.world.trusted[attestor]
        if passed and trusted:
            self._sign(artifact, attestor, trusted[0])

    @rule(artifact=st.sampled_from(ARTIFACTS), stage=st.integers(0, STAGES - 1), key=st.sampled_from(KEYS))
    def attest_with_any_key(self, artifact: str, stage: int, key: str) -> None:
        self._sign(artifact, f"a{stage}", key)

    @rule(hours=st.integers(1, 40))
    def advance(self, hours: int) -> None:
        self.world.clock.advance(datetime.timedelta(hours=hours))

    @rule(stage=st.integers(0, STAGES - 1), key=st.sampled_from(KEYS))
    def revoke(self, stage: int, key: str) -> None:
        attestor = f"a{stage}"
        self.world.change_keys(attestor, remove=[key])
        self.trusted[attestor].discard(key)

    @rule(stage=st.integers(0, STAGES - 1), key=st.sampled_from(KEYS))
    def trust(self, stage: int, key: str) -> None:
        attestor = f"a{stage}"
        self.world.change_keys(attestor, add=[key])
        self.trusted[attestor].add(key)

    def _model_allows(self, artifact: str, env: str) -> bool:
        required, max_age, _ = ENVIRONMENTS[env]
        now = self.world.clock.now()
        return all(
            any(
                s.key in self.trusted[a] and (max_age is None or now - s.at <= max_age)
                for s in self.signed.get((artifact, a), [])
            )
            for a in required
        )

    @rule(artifact=st.sampled_from(ARTIFACTS), env=st.sampled_from(sorted(ENVIRONMENTS)), breakglass=st.booleans())
    def deploy(self, artifact: str, env: str, breakglass: bool) -> None:
        decision = self.world.decide(env, [self._image(artifact)], breakglass=breakglass)
        plain = self.world.decide(env, [self._image(artifact)])
        expected = self._model_allows(artifact, env)
        dry_run = ENVIRONMENTS[env][2]
        assert decision.verdict_allowed is expected, decision.message
        assert plain.verdict_allowed is expected
        assert decision.allowed is (expected or breakglass or dry_run)
        assert plain.allowed is (expected or dry_run)
        self.deploys += 1

    @invariant()
    def attestor_keys_match_model(self) -> None:
        for attestor in self.world.attestors():
            short = attestor.name.rsplit("/", 1)[-1]
            assert len(attestor.public_keys) == len(self.trusted[short])


TestPipelineMachine = PipelineMachine.TestCase
