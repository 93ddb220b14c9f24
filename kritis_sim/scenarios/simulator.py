"""Run a scenario's events against a :class:`~.world.World` and record a timeline.

Events happen in order at the virtual clock's current time: builds, stage runs
(a pass makes the stage's attestor attest), hand-made attestations (good,
forged, stale), clock advances, key rotations and revocations, attestation
deletions, policy changes, and deploys. A deploy's admission requests go to a
:class:`Deployer`: :class:`InProcess` calls the Core decision directly;
:class:`kritis_sim.scenarios.webhook.ViaWebhook` posts AdmissionReviews to the
real webhook over HTTPS. Each deploy is checked against its expectation as it
happens; pipeline expectations (``expect.reached``) are checked at the end.

A failed expectation is data in the :class:`~.result.ScenarioResult`, never an
exception. This module does not render anything.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from kritis_sim.core.decide import decide
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.scenarios.keys import DEFAULT_FACTORY, KeyFactory
from kritis_sim.scenarios.result import (
    DeployResult,
    Reply,
    ScenarioResult,
    TimelineEntry,
    check_deploy,
)
from kritis_sim.scenarios.schema import (
    Advance,
    Attest,
    Build,
    ChangePolicy,
    DeleteAttestation,
    Deploy,
    Event,
    KeyChange,
    KeyRef,
    Outcome,
    Request,
    RunStage,
    Scenario,
)
from kritis_sim.scenarios.world import World

__all__ = ["Deployer", "InProcess", "simulate"]


class Deployer(Protocol):
    """Something that answers admission requests for a world."""

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        """Admit or refuse ``request`` in ``environment`` now."""
        ...


class InProcess:
    """Answers with :func:`kritis_sim.core.decide.decide`, in this thread.

    Every deploy is decided afresh. When the same request meets the same world
    state (same :attr:`World.generation`, same instant) again, the Core, being
    a pure function of its inputs, returns an equal decision; the reply
    recorded the first time is then kept instead of a second copy, so a long
    scenario's timeline does not grow with duplicates (which also keeps the
    simulation fast: memory is reused instead of grown).
    """

    def __init__(self) -> None:
        self._replies: dict[tuple[int, str, int, datetime.datetime], Reply] = {}

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        """See :meth:`Deployer.submit`."""
        now = world.clock.now()
        decision = decide(
            world.policy,
            world.attestors_by_name(),
            world.source,
            world.target(environment, request.namespace, request.service_account),
            request.images,
            now=now,
            breakglass=request.breakglass,
            options=world.options,
        )
        key = (id(request), environment, world.generation, now)
        known = self._replies.get(key)
        if known is not None:
            return known
        reply = self._replies[key] = Reply.from_decision(request.kind, request.name, decision)
        return reply


_VERBS: dict[type, str] = {
    Build: "build",
    RunStage: "run",
    Attest: "attest",
    Deploy: "deploy",
    Advance: "advance",
    KeyChange: "keys",
    DeleteAttestation: "deleteAttestation",
    ChangePolicy: "changePolicy",
}


class _Run:
    def __init__(self, world: World, deployer: Deployer) -> None:
        self.world = world
        self.deployer = deployer
        self.reached: dict[str, set[str]] = {a: set() for a in world.scenario.artifacts}
        self.timeline: list[TimelineEntry] = []

    def step(self, event: Event) -> None:
        world = self.world
        at = world.clock.now()
        if type(event) is Deploy:  # the hot path: most events are deploys
            result = self.deploy(event, at)
            self.timeline.append(TimelineEntry(at, event.where, "deploy", event.label, result))
            return
        label = event.label
        deploy = None
        if isinstance(event, RunStage):
            stage = next(s for s in world.scenario.stages if s.name == event.stage)
            if event.passed and stage.attestor is not None:
                key = world.trusted[stage.attestor][0] if world.trusted[stage.attestor] else None
                if key is None:
                    label += f"; {stage.attestor} trusts no key, so no attestation"
                else:
                    image = world.scenario.artifacts[event.artifact].by_digest
                    world.attest(image, stage.attestor, KeyRef(stage.attestor, key))
                    label += f"; {stage.attestor} attests with key {stage.attestor}/{key}"
        elif isinstance(event, Attest):
            world.attest(
                event.image,
                event.attestor,
                event.key,
                payload_image=event.payload_image,
                claim_key=event.claim_key,
                age=event.age,
            )
        elif isinstance(event, Advance):
            world.clock.advance(event.by)
        elif isinstance(event, KeyChange):
            world.change_keys(event.attestor, event.add, event.remove)
        elif isinstance(event, DeleteAttestation):
            image = world.scenario.artifacts[event.artifact].by_digest
            label += f" ({world.delete_attestations(image, event.attestor)} deleted)"
        elif isinstance(event, ChangePolicy):
            world.set_policy(event.policy)
        entry = TimelineEntry(at, event.where, _VERBS[type(event)], label, deploy)
        if isinstance(event, RunStage):
            entry = TimelineEntry(
                at, event.where, "run", label, None, event.stage, event.artifact, event.passed
            )
        self.timeline.append(entry)

    def deploy(self, event: Deploy, at: datetime.datetime) -> DeployResult:
        reply = self.deployer.submit(self.world, event.environment, event.request)
        pods = (
            tuple(self.deployer.submit(self.world, event.environment, p) for p in event.pods)
            if event.pods
            else ()
        )
        if reply.outcome is not Outcome.DENIED:
            for artifact in event.artifacts:
                self.reached[artifact].add(event.environment)
        expect = event.expect
        if expect is None or (expect.outcome is reply.outcome and expect.reason is None and not pods):
            return DeployResult(event, at, reply, pods)  # holds; no text needed
        return DeployResult(event, at, reply, pods, check_deploy(event, reply, pods))

    def reached_failures(self) -> tuple[str, ...]:
        expect = self.world.scenario.reached
        if expect is None:
            return ()
        out = []
        for artifact, want in sorted(expect.reached.items()):
            got = self.reached[artifact]
            if got != want:
                out.append(
                    f"expect.reached.{artifact}: expected exactly [{', '.join(sorted(want))}], "
                    f"reached [{', '.join(sorted(got))}]"
                )
        return tuple(out)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while events run.

    A long scenario keeps every decision in its timeline, so the heap grows
    steadily and each full collection re-walks all of it, which made a 10,000
    deploy run several times slower than the decisions themselves. The
    timeline holds no reference cycles (reference counting frees everything
    else), so nothing accumulates while the collector waits; it is re-enabled
    afterwards only if it was enabled before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def simulate(
    scenario: Scenario,
    *,
    deployer: Deployer | None = None,
    keys: KeyFactory = DEFAULT_FACTORY,
    cache: VerificationCache | None = None,
    via: str = "inprocess",
    on_event: Callable[[TimelineEntry], None] | None = None,
) -> ScenarioResult:
    """Simulate ``scenario`` from its start and return the result.

    Args:
        scenario: a validated scenario (see :func:`.loader.load_scenario_file`).
        deployer: who answers deploys (default :class:`InProcess`).
        keys: where generated keys come from; share one per run.
        cache: a verification cache to share across scenarios.
        via: the label recorded in the result (``inprocess`` or ``webhook``).
        on_event: called after each event (progress displays).
    """
    started = time.perf_counter()
    world = World(scenario, keys=keys, cache=cache)
    run = _Run(world, deployer or InProcess())
    with _cyclic_gc_paused():
        for event in scenario.events:
            run.step(event)
            if on_event is not None:
                on_event(run.timeline[-1])
    return ScenarioResult(
        scenario=scenario,
        via=via,
        timeline=tuple(run.timeline),
        reached={a: frozenset(e) for a, e in run.reached.items()},
        reached_failures=run.reached_failures(),
        seconds=time.perf_counter() - started,
    )
