"""Generated worlds become valid cases whose name agrees with the reference."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings

from kritis_sim.conformance.differential import world_case
from kritis_sim.conformance.generated import case_data, config_yaml
from kritis_sim.conformance.reference import reference_result
from kritis_sim.conformance.writer import dump_yaml
from kritis_sim.strategies import GeneratedWorld, world_batches, worlds


# Half the profile's examples, at least 25 (ci 50, thorough 1000): each
# example writes a case directory and runs the reference on it.
@settings(max_examples=max(25, settings().max_examples // 2))
@given(worlds())
def test_generated_world_is_a_consistent_case(world: GeneratedWorld) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        case = world_case(world, Path(tmp))
        got = reference_result(case).observed
        assert got.allowed == case.expect.allowed
        assert case.must_deny == (not got.allowed)


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@settings(max_examples=20)
@given(world_batches(max_size=6))
def test_worlds_of_a_batch_share_no_digest(batch: list[GeneratedWorld]) -> None:
    """So their reviews can go out concurrently (conformance waves)."""
    seen: set[str] = set()
    for world in batch:
        digests = set(_DIGEST.findall(json.dumps(world.workload)))
        assert seen.isdisjoint(digests)
        seen |= digests


@settings(max_examples=20)
@given(worlds())
def test_configuration_files_are_written_as_dump_yaml_writes_them(
    world: GeneratedWorld,
) -> None:
    """The differential mode's fast emitter writes the catalogue's text."""
    data = case_data(world, "generated", True)
    for part in (
        dict(data.policy),
        [dict(a) for a in data.attestors],
        dict(data.request),
    ):
        assert config_yaml(part) == dump_yaml(part)
