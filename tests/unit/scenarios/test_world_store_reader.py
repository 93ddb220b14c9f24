"""A scenario's world reads platform occurrences with the emulator's own store
reader (:class:`kritis_sim.grafeas.platform_source.StorePlatformOccurrences`),
cached, so it sees what a client of the emulator would see."""

from __future__ import annotations

from kritis_sim.grafeas.platform_source import StorePlatformOccurrences
from kritis_sim.grafeas.store import Record
from kritis_sim.scenarios import world_platform
from kritis_sim.scenarios.world import World
from tests.unit.scenarios.test_scenario_platform import KEYS, PLATFORM, _load

PROJECT = "projects/tiny-project"
IMAGE = "us-docker.pkg.dev/tiny-project/apps/web@sha256:" + "1" * 64


def test_the_world_reads_bare_uris_as_the_emulator_does() -> None:
    assert world_platform.StorePlatformOccurrences is StorePlatformOccurrences
    world = World(_load(PLATFORM), keys=KEYS)
    world.record_scan(IMAGE, PROJECT, "FINISHED_SUCCESS", ())
    (discovery,) = world.platform_source.discoveries(PROJECT, "https://" + IMAGE)
    bare = {**discovery.to_dict(), "name": f"{PROJECT}/occurrences/bare", "resourceUri": IMAGE}
    world.store.insert("occurrences", [Record.for_occurrence(PROJECT, bare)])
    world.platform_source.forget()
    assert len(world.platform_source.discoveries(PROJECT, "https://" + IMAGE)) == 2


def test_a_write_through_the_world_is_read_at_once() -> None:
    world = World(_load(PLATFORM), keys=KEYS)
    assert world.platform_source.discoveries(PROJECT, "https://" + IMAGE) == ()  # now cached
    world.record_scan(IMAGE, PROJECT, "FINISHED_SUCCESS", ())
    assert len(world.platform_source.discoveries(PROJECT, "https://" + IMAGE)) == 1
