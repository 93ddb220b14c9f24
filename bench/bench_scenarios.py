"""Benchmark: simulating deploy events vs the same number of direct Core decisions.

Builds one scenario with 10,000 deploy events (20 artifacts, two attestors,
two environments, a mix of admitted and refused deploys), then measures, in
one run:

* ``simulate``: the whole scenario through the simulator (emulator store,
  expectations, timeline), excluding YAML loading and key generation;
* ``direct``: 10,000 calls of :func:`kritis_sim.core.decide.decide` with the
  same policy, attestors, images and targets over an in-memory source holding
  the same occurrences, sharing one verification cache.

Both sides are timed in process CPU time, interleaved, best of ``--repeat``,
so that other load on the machine affects them alike. Prints both timings and
their ratio; exits 1 when the ratio exceeds 1.5.
Run: ``python bench/bench_scenarios.py [--deploys N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.schema import Deploy, Scenario
from kritis_sim.scenarios.simulator import simulate
from kritis_sim.scenarios.world import World

LIMIT = 1.5


def scenario_text(deploys: int, artifacts: int = 20) -> str:
    """A scenario whose events end in ``deploys`` deploy events."""
    lines = [
        "scenario: bench",
        "environments:",
        "  qa: {cluster: us-east1.qa, namespace: shop}",
        "  prod: {cluster: us-east1.prod, namespace: shop}",
        "attestors:",
        "  tested: {}",
        "  approved: {}",
        "artifacts:",
    ]
    lines += [f"  app{i}: {{repository: gcr.io/bench-project/app{i}}}" for i in range(artifacts)]
    lines += [
        "policy:",
        "  defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}",
        "  clusterAdmissionRules:",
        "    us-east1.qa: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [tested]}",
        "    us-east1.prod: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [tested, approved]}",
        "events:",
    ]
    for i in range(artifacts):
        lines.append(f"  - build: app{i}")
        lines.append(f"  - attest: {{artifact: app{i}, attestor: tested}}")
        if i % 2 == 0:
            lines.append(f"  - attest: {{artifact: app{i}, attestor: approved}}")
    for n in range(deploys):
        i = n % artifacts
        env = "prod" if n % 3 else "qa"
        expect = "allowed" if env == "qa" or i % 2 == 0 else "denied"
        lines.append(f"  - deploy: {{to: {env}, artifact: app{i}, expect: {expect}}}")
    return "\n".join(lines) + "\n"


def direct(scenario: Scenario, occurrences: list[AttestationOccurrence]) -> float:
    """Seconds for one direct Core decision per deploy event."""
    world = World(scenario, keys=KEYS)
    # By name, as the simulator passes them (a tuple would make decide() build
    # the mapping on every call, flattering the simulator).
    attestors = {a.name: a for a in world.attestors()}
    source = InMemorySource(occurrences)
    options = DecisionOptions(cache=VerificationCache())
    calls = []
    for event in scenario.deploys:
        env = scenario.environments[event.environment]
        calls.append((DeployTarget(env.cluster, env.namespace, env.service_account), event.images))
    now = scenario.start
    start = time.process_time()
    for target, images in calls:
        decide(scenario.policy, attestors, source, target, images, now=now, options=options)
    return time.process_time() - start


KEYS = KeyFactory()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 when the ratio is within the limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deploys", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each side")
    args = parser.parse_args(argv)
    scenario = load_scenario(scenario_text(args.deploys), source="<bench>")
    assert len(scenario.deploys) == args.deploys
    simulate(scenario, keys=KEYS)  # warm-up: keys, imports, caches
    # The same occurrences the simulation stored, parsed, for the direct run.
    world = World(scenario, keys=KEYS)
    for event in scenario.events:
        if not isinstance(event, Deploy) and hasattr(event, "attestor"):
            world.attest(event.image, event.attestor, event.key)  # type: ignore[union-attr]
    occurrences = [AttestationOccurrence.from_dict(d) for d in world.occurrences()]
    # Interleave the two measurements and keep the best of each, so that load
    # from other processes on the machine affects both alike.
    simulated = direct_s = float("inf")
    for _ in range(args.repeat):
        start = time.process_time()
        result = simulate(scenario, keys=KEYS)
        simulated = min(simulated, time.process_time() - start)
        assert result.ok, result.failures[:3]
        del result  # free the timeline outside the timed region
        direct_s = min(direct_s, direct(scenario, occurrences))
    ratio = simulated / direct_s
    print(f"deploy events:          {args.deploys}")
    print(f"simulate (whole run):   {simulated:.3f} s  ({simulated / args.deploys * 1e6:.1f} us/deploy)")
    print(f"direct Core decisions:  {direct_s:.3f} s  ({direct_s / args.deploys * 1e6:.1f} us/decision)")
    print(f"ratio simulate/direct:  {ratio:.2f} (limit {LIMIT})")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
