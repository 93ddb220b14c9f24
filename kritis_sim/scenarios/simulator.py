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
from collections.abc import Callable, Iterable, Iterator

from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.scenarios.cv_world import CvRunner
from kritis_sim.scenarios.deployers import Deployer, InProcess
from kritis_sim.scenarios.keys import DEFAULT_FACTORY, KeyFactory
from kritis_sim.scenarios.result import (
    DeployResult,
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
    RunStage,
    Scenario,
)
from kritis_sim.scenarios.schema_world import (
    ChangePlatformPolicy,
    CvExpect,
    Scan,
    Undeploy,
    Upload,
    WorldEvent,
)
from kritis_sim.scenarios.world import World

__all__ = ["Deployer", "InProcess", "simulate"]

_VERBS: dict[type, str] = {
    Build: "build",
    RunStage: "run",
    Attest: "attest",
    Deploy: "deploy",
    Advance: "advance",
    KeyChange: "keys",
    DeleteAttestation: "deleteAttestation",
    ChangePolicy: "changePolicy",
    Scan: "scan",
    Upload: "upload",
    ChangePlatformPolicy: "changePlatformPolicy",
    Undeploy: "undeploy",
    CvExpect: "expect",
}


class _Run:
    def __init__(self, world: World, deployer: Deployer) -> None:
        self.world = world
        self.submit = deployer.submit
        self.reached: dict[str, set[str]] = {a: set() for a in world.scenario.artifacts}
        self.timeline: list[TimelineEntry] = []
        cv = world.scenario.cv
        self.cv = CvRunner(world, cv) if cv is not None else None

    def run(
        self,
        events: Iterable[Event | WorldEvent],
        on_event: Callable[[TimelineEntry], None] | None,
    ) -> None:
        """Apply ``events`` in order, recording one timeline entry each (and
        one per CV pass the clock reaches)."""
        timeline = self.timeline
        for event in events:
            if type(event) is Deploy:  # the hot path: most events are deploys
                timeline.append(self.deploy(event))
            elif type(event) is Advance and self.cv is not None:
                entries = self.advance_with_cv(event)
                timeline.extend(entries[:-1])
                if on_event is not None:
                    for entry in entries[:-1]:
                        on_event(entry)
                timeline.append(entries[-1])
            else:
                timeline.append(self.step(event))
            if on_event is not None:
                on_event(timeline[-1])

    def advance_with_cv(self, event: Advance) -> list[TimelineEntry]:
        """Move the clock, running each CV pass it reaches at its own time."""
        assert self.cv is not None
        clock = self.world.clock
        start = clock.now()
        out = [TimelineEntry(start, event.where, "advance", event.label)]
        for at in self.cv.due(start + event.by):
            clock.advance(at - clock.now())
            done = self.cv.run_pass()
            bad = sum(1 for _, j in done.judged if not j.conforms or j.error is not None)
            out.append(TimelineEntry(
                at, event.where, "cv",
                f"CV pass: {len(done.judged)} running Pod(s), {bad} violating",
            ))
        clock.advance(start + event.by - clock.now())
        return out

    def world_step(self, event: WorldEvent | Build) -> tuple[str, tuple[str, ...] | None]:
        """Apply a world event; the label and, for an expectation, its failures."""
        world = self.world
        label = event.label
        if isinstance(event, Build):
            image = world.scenario.artifacts[event.artifact].by_digest
            world.upload(image, datetime.timedelta(0))
            if event.provenance is not None:
                occ = world.record_build(image, event.provenance)
                label += f"; {occ.header.name} signed by {event.provenance.builder}"
        elif isinstance(event, Scan):
            world.record_scan(event.image, event.project, event.status, event.findings)
        elif isinstance(event, Upload):
            world.upload(event.image, event.age)
        elif isinstance(event, ChangePlatformPolicy):
            world.set_platform_policy(event.environment, event.policy, event.keyed)
        elif isinstance(event, Undeploy):
            stopped = self.cv.undeploy(event.environment, event.name) if self.cv else 0
            label += f" ({stopped} Pod(s) stopped)"
        elif isinstance(event, CvExpect):
            assert self.cv is not None  # the loader enables CV for expectations
            return label, self.cv.check(event)
        return label, None

    def step(self, event: Event | WorldEvent) -> TimelineEntry:
        """Apply a non-deploy event to the world."""
        world = self.world
        at = world.clock.now()
        label = event.label
        if isinstance(event, RunStage):
            stage = next(s for s in world.scenario.stages if s.name == event.stage)
            if event.passed and stage.attestor is not None:
                key = (
                    world.trusted[stage.attestor][0]
                    if world.trusted[stage.attestor]
                    else None
                )
                if key is None:
                    label += f"; {stage.attestor} trusts no key, so no attestation"
                else:
                    image = world.scenario.artifacts[event.artifact].by_digest
                    world.attest(image, stage.attestor, KeyRef(stage.attestor, key))
                    label += (
                        f"; {stage.attestor} attests with key {stage.attestor}/{key}"
                    )
            return TimelineEntry(
                at,
                event.where,
                "run",
                label,
                None,
                event.stage,
                event.artifact,
                event.passed,
            )
        if isinstance(event, (Build, Scan, Upload, ChangePlatformPolicy, Undeploy, CvExpect)):
            label, failures = self.world_step(event)
            return TimelineEntry(at, event.where, _VERBS[type(event)], label, failures=failures)
        if isinstance(event, Attest):
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
        return TimelineEntry(at, event.where, _VERBS[type(event)], label)

    def deploy(self, event: Deploy) -> TimelineEntry:
        """Submit a deploy's requests and check its expectation."""
        world = self.world
        at = world.clock.now()
        environment = event.environment
        reply = self.submit(world, environment, event.request)
        pods = (
            tuple(self.submit(world, environment, p) for p in event.pods)
            if event.pods
            else ()
        )
        if reply.outcome is not _DENIED:
            for artifact in event.artifacts:
                self.reached[artifact].add(environment)
        if self.cv is not None and (reply.outcome is not _DENIED or pods):
            admitted = [p for p, r in zip(event.pods, pods, strict=True) if r.outcome is not _DENIED]
            if reply.outcome is not _DENIED or admitted:
                self.cv.admitted(environment, event.request, admitted, str(event.where))
        expect = event.expect
        if expect is None or (
            expect.outcome is reply.outcome
            and expect.reason is None
            and expect.check is None
            and not pods
        ):
            result = DeployResult(event, at, reply, pods)  # holds; no text needed
        else:
            result = DeployResult(
                event, at, reply, pods, check_deploy(event, reply, pods)
            )
        return TimelineEntry(at, event.where, "deploy", event.label, result)

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


_DENIED = Outcome.DENIED


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while events run.

    A long scenario keeps every deploy in its timeline, so the heap grows
    steadily and each collection re-walks the growing part of it, which made
    a 10,000 deploy run several times slower than the decisions themselves.
    The timeline holds no reference cycles (reference counting frees
    everything else), so nothing accumulates while the collector waits.

    Afterwards, when the collector was enabled before, the young objects
    (mostly the run's timeline, which the result keeps) are moved straight to
    the oldest generation: ``gc.freeze()`` moves every tracked object to the
    permanent generation and ``gc.unfreeze()`` moves them all back into the
    oldest one, each in constant time. Otherwise the first young collection
    after the run would walk the whole timeline (about half a microsecond per
    deploy) only to find it alive. Full collections still examine these
    objects, so a cycle among them is still freed. This is skipped when the
    process has frozen objects of its own (``gc.freeze()`` before forking
    workers), which ``gc.unfreeze()`` would release.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
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
        run.run(scenario.events, on_event)
    return ScenarioResult(
        scenario=scenario,
        via=via,
        timeline=tuple(run.timeline),
        reached={a: frozenset(e) for a, e in run.reached.items()},
        reached_failures=run.reached_failures(),
        seconds=time.perf_counter() - started,
        cv_entries=tuple(run.cv.entries) if run.cv is not None else (),
        cv_passes=run.cv.passes if run.cv is not None else 0,
    )
