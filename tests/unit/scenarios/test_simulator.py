"""The simulator's in-process deployer and run loop: reply sharing and the collector.

:class:`InProcess` decides every request and shares the recorded reply among
equal requests in one world state; these tests pin down that sharing never
changes a result (compared with a deployer that keeps every reply), that it
ends when the state or the world changes, that fail-closed replies are never
shared, and that :func:`simulate` leaves the cyclic garbage collector as it
found it.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterable
from typing import Any

from kritis_sim.core.decide import decide
from kritis_sim.errors import GrafeasError
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.store import Scan
from kritis_sim.scenarios.keys import KeyFactory
from kritis_sim.scenarios.loader import load_scenario
from kritis_sim.scenarios.result import Reply
from kritis_sim.scenarios.schema import Deploy, KeyRef, Outcome, Request, Scenario
from kritis_sim.scenarios.simulator import InProcess, simulate
from kritis_sim.scenarios.world import World

KEYS = KeyFactory()

SCENARIO = load_scenario(
    """\
scenario: sharing
environments:
  qa: {cluster: us-east1.qa, namespace: shop}
  prod: {cluster: us-east1.prod, namespace: shop}
attestors:
  tested: {}
artifacts:
  web: {repository: gcr.io/sharing/web}
  api: {repository: gcr.io/sharing/api}
policy:
  defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
  clusterAdmissionRules:
    us-east1.qa: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [tested]}
events:
  - build: web
  - build: api
  - deploy: {to: qa, artifact: web, expect: denied}
  - deploy: {to: qa, artifact: web, expect: denied}
  - attest: {artifact: web, attestor: tested}
  - deploy: {to: qa, artifact: web, expect: allowed}
  - deploy: {to: qa, artifact: web, expect: allowed}
  - deploy: {to: qa, artifact: web, breakglass: true, expect: allowed}
  - deploy: {to: qa, artifact: api, expect: denied}
  - deploy: {to: prod, artifact: web, expect: denied}
  - advance: 1h
  - deploy: {to: qa, artifact: web, expect: allowed}
  - deploy: {to: qa, artifact: web, kind: Deployment, pods: 2, expect: allowed}
""",
    source="<sharing>",
)


class _EveryReply:
    """A deployer that records a fresh reply for every request (no sharing)."""

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        decision = world.decide(
            environment,
            request.images,
            namespace=request.namespace,
            service_account=request.service_account,
            breakglass=request.breakglass,
        )
        return Reply.from_decision(request.kind, request.name, decision)


def _replies(scenario: Scenario, deployer: Any = None) -> list[Reply]:
    result = simulate(scenario, keys=KEYS, deployer=deployer)
    assert result.ok, result.failures
    return [r for d in result.deploys for r in (d.reply, *d.pods)]


def test_sharing_never_changes_a_result() -> None:
    shared = simulate(SCENARIO, keys=KEYS)
    fresh = simulate(SCENARIO, keys=KEYS, deployer=_EveryReply())
    assert shared.timeline == fresh.timeline
    assert shared.to_dict() | {"seconds": 0} == fresh.to_dict() | {"seconds": 0}


def test_equal_requests_in_one_state_share_their_reply() -> None:
    replies = _replies(SCENARIO)
    # The two deploys before the attestation, and the two after it.
    assert replies[0] is replies[1]
    assert replies[2] is replies[3]
    # Another state (the attestation, the clock), environment, artifact or
    # breakglass marker: a reply of its own.
    assert replies[1] is not replies[2]
    assert len({id(r) for r in replies[3:7]}) == 4
    assert replies[7] is not replies[2] and replies[7] == replies[2]
    # A controller's Pods have names of their own, so replies of their own.
    deployment, pod1, pod2 = replies[8:]
    assert deployment.kind == "Deployment" and pod1.kind == pod2.kind == "Pod"
    assert pod1.name != pod2.name and pod1.decision == pod2.decision


def test_a_deployer_shares_nothing_between_worlds() -> None:
    deployer = InProcess()
    first = _replies(SCENARIO, deployer)
    second = _replies(SCENARIO, deployer)
    assert first == second
    assert not {id(r) for r in first} & {id(r) for r in second}


def test_the_deployer_does_not_keep_a_world_alive() -> None:
    deployer = InProcess()
    world = World(SCENARIO, keys=KEYS)
    deploy = SCENARIO.deploys[0]
    deployer.submit(world, deploy.environment, deploy.request)
    ref = weakref.ref(world)
    del world
    gc.collect()
    assert ref() is None


class _FlakyStore(MemoryStore):
    """A store whose reads fail while ``down`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def list_all(self, collection: Any, where: Scan) -> Iterable[dict[str, Any]]:
        if self.down:
            raise GrafeasError("store unavailable")
        return super().list_all(collection, where)


def test_a_fail_closed_reply_is_never_shared() -> None:
    store = _FlakyStore()
    world = World(SCENARIO, keys=KEYS, store=store)
    image = SCENARIO.artifacts["web"].by_digest
    world.attest(image, "tested", KeyRef("tested", "default"))
    deploy = next(
        d for d in SCENARIO.deploys if d.images == (image,) and d.environment == "qa"
    )
    deployer = InProcess()
    store.down = True
    failed = deployer.submit(world, "qa", deploy.request)
    assert failed.decision is not None and failed.decision.failed_closed
    assert failed.outcome is Outcome.DENIED
    store.down = False
    allowed = deployer.submit(world, "qa", deploy.request)
    assert allowed.outcome is Outcome.ALLOWED
    assert deployer.submit(world, "qa", deploy.request) is allowed


def test_every_request_is_decided(monkeypatch: Any) -> None:
    import kritis_sim.scenarios.deployers as simulator

    calls: list[object] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return decide(*args, **kwargs)

    monkeypatch.setattr(simulator, "decide", counting)
    result = simulate(SCENARIO, keys=KEYS)
    requests = sum(1 + len(d.pods) for d in SCENARIO.events if isinstance(d, Deploy))
    assert len(calls) == requests == sum(1 + len(d.pods) for d in result.deploys)


def test_simulate_leaves_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    simulate(SCENARIO, keys=KEYS)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        simulate(SCENARIO, keys=KEYS)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_frozen_by_the_process_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        simulate(SCENARIO, keys=KEYS)
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()
