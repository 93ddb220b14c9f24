"""Waves: which cases of one configuration are reviewed at the same time, and
whose store requests are whose (kritis_sim.conformance.waves)."""

from __future__ import annotations

from functools import cache

from kritis_sim.conformance.case import CATALOGUE, Case, load_catalogue
from kritis_sim.conformance.waves import attribute, case_keys, plan_waves


@cache
def _ordered() -> tuple[Case, ...]:
    cases = load_catalogue(CATALOGUE)
    return tuple(sorted(cases, key=lambda c: (c.config_key, c.name)))


def test_waves_keep_order_and_configuration_and_never_share_keys() -> None:
    cases = _ordered()
    waves = plan_waves(cases, 4)
    assert [c for wave in waves for c in wave] == list(cases)  # order kept
    assert max(len(w) for w in waves) == 4  # bounded, and concurrency happens
    for wave in waves:
        assert len({c.config_key for c in wave}) == 1
        if len(wave) > 1:
            seen: set[str] = set()
            for case in wave:
                keys = case_keys(case)
                assert keys is not None and seen.isdisjoint(keys)
                seen |= keys
    assert all(len(w) == 1 for w in plan_waves(cases, 1))


def test_store_faults_and_tag_only_images_run_alone() -> None:
    cases = _ordered()
    alone = [c for c in cases if c.world.fault is not None]
    alone += [c for c in cases if c.name == "tag_only_always_allow_allowed"]
    assert len(alone) > 2
    for case in alone:
        assert case_keys(case) is None
    waves = plan_waves(cases, 8)
    for wave in waves:
        assert len(wave) == 1 or not any(c in alone for c in wave)


def test_cases_sharing_a_digest_are_not_in_one_wave() -> None:
    cases = [c for c in _ordered() if c.name.startswith("attestors_two_")]
    assert len(cases) >= 3 and len({c.config_key for c in cases}) == 1
    # Catalogue cases have digests of their own, so these share a wave...
    assert len(plan_waves(cases, 4)[0]) > 1
    # ...but a case whose image another one judges waits for the next wave.
    twice = [cases[0], cases[1], cases[0]]
    assert [[c.name for c in w] for w in plan_waves(twice, 4)] == [
        [cases[0].name, cases[1].name],
        [cases[0].name],
    ]


def test_store_requests_are_attributed_by_digest() -> None:
    wave = next(w for w in plan_waves(_ordered(), 4) if len(w) >= 2)
    first, second = wave[0], wave[1]
    digest = next(k for k in case_keys(first) or () if len(k) == 64 and ":" not in k)
    other = next(k for k in case_keys(second) or () if len(k) == 64 and ":" not in k)
    log = [
        (
            "GET",
            "/v1/projects/p/notes/n/occurrences",
            f"filter=x%40sha256%3A{digest}",
            200,
        ),
        (
            "GET",
            "/v1/projects/p/notes/m/occurrences",
            f"filter=x%40sha256%3A{digest}",
            200,
        ),
        (
            "GET",
            "/v1/projects/p/notes/n/occurrences",
            f"filter=y%40sha256%3A{other}",
            200,
        ),
        ("GET", "/v1/projects/p/notes", "", 200),  # names no case: nobody's
    ]
    counts = attribute(wave, log)
    assert counts[:2] == [2, 1] and sum(counts) == 3
    assert attribute([first], log) == [4]  # alone, every request is its own


def test_shards_hold_whole_configurations_evenly_in_run_order() -> None:
    from kritis_sim.conformance.runner import shard

    cases = _ordered()
    parts = shard(cases, 2)
    assert len(parts) == 2
    assert sorted(c.name for p in parts for c in p) == sorted(c.name for c in cases)
    keys = [{c.config_key for c in p} for p in parts]
    assert keys[0].isdisjoint(keys[1])  # a configuration is never split
    assert abs(len(parts[0]) - len(parts[1])) <= max(
        sum(1 for c in cases if c.config_key == k) for k in keys[0] | keys[1]
    )
    rank = {c.name: i for i, c in enumerate(cases)}
    for part in parts:
        assert [rank[c.name] for c in part] == sorted(rank[c.name] for c in part)
    assert shard(cases, 1) == [list(cases)]
    assert shard([], 3) == [[]]
