"""Platform case files: located errors for bad input, and times that move."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kritis_sim.conformance.case import CATALOGUE, load_case
from kritis_sim.conformance.features import ALL_FEATURES
from kritis_sim.conformance.platform_case import (
    platform_policy,
    platform_world,
    shifted_metadata,
)
from kritis_sim.conformance.runner import judge
from kritis_sim.conformance.world import shifted_occurrences
from kritis_sim.core.judges import PlatformJudge
from kritis_sim.core.target import DeployTarget
from kritis_sim.errors import InputError
from kritis_sim.model.image_metadata import load_image_metadata
from kritis_sim.model.occurrence import format_timestamp, parse_timestamp

CASE = "platform_fresh_one_day"


def _copy(tmp_path: Path, name: str = CASE) -> Path:
    copy = tmp_path / name
    shutil.copytree(CATALOGUE / name, copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("request.yaml", "model: platform", "model: plaform",
         r"request.yaml:\d+: target.model: expected one of classic, platform"),
        ("expect.yaml", "verdict: CONFORMANT", "verdict: CONFORMING",
         r"expect.yaml:\d+: verdict: expected one of CONFORMANT"),
        ("expect.yaml", "allowed: true", "allowed: false",
         r"verdict: CONFORMANT contradicts allowed: False"),
        ("platform.yaml", "imageMetadata:", "imageMetadta:",
         r"platform.yaml:\d+: imageMetadta: unknown field"),
        ("platform.yaml", "trustedBuilder: GOOGLE_CLOUD_BUILD",
         "trustedBuilder: GOOGLE_CLOUD_BILD", r"platform.yaml:\d+: trustedBuilders\[0\]"),
        ("platform.yaml", "time: '2026-01-15T12:00:00Z'", "time: '2026-01-15T13:00:00Z'",
         r"platform.yaml: time: must equal world.yaml's time"),
        ("expect.yaml", "- platform-policy\n", "",
         r"needs the 'platform-policy' tag"),
        ("policy.yaml", "name: projects/conformance/platforms/gke/policies/checks\n", "",
         r"policy.yaml: name: expected projects/P/platforms/gke/policies/ID"),
    ],
)  # fmt: skip
def test_bad_platform_case_is_a_located_error(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    copy = _copy(tmp_path)
    _edit(copy / file, old, new)
    with pytest.raises(InputError, match=message):
        load_case(copy)


def test_platform_yaml_without_platform_model_is_refused(tmp_path: Path) -> None:
    copy = _copy(tmp_path, "default_always_allow")
    shutil.copyfile(CATALOGUE / CASE / "platform.yaml", copy / "platform.yaml")
    with pytest.raises(
        InputError, match=r"platform\.yaml needs target\.model: platform"
    ):
        load_case(copy)


def test_platform_case_without_platform_yaml_is_refused(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "platform.yaml").unlink()
    with pytest.raises(InputError, match=r"a platform case needs platform\.yaml"):
        load_case(copy)


def test_upload_times_and_scan_times_keep_their_age() -> None:
    case = load_case(CATALOGUE / CASE)
    assert case.platform is not None
    now = datetime(2030, 6, 1, 8, 30, tzinfo=UTC)
    moved = shifted_metadata(case.platform, now)["images"]
    written = case.platform.image_metadata["images"]
    image = next(iter(written))
    age = case.platform.time - parse_timestamp(written[image]["uploadTime"])
    assert now - parse_timestamp(moved[image]["uploadTime"]) == age
    scan = load_case(CATALOGUE / "platform_vuln_scan_archived_error_deny")
    (occ,) = shifted_occurrences(scan.world, now)
    archived = parse_timestamp(occ["discovery"]["archiveTime"])
    assert now - archived == timedelta(hours=1)  # still archived an hour ago


@pytest.mark.parametrize(
    ("age", "allowed"),
    [(timedelta(days=30), True), (timedelta(days=30, seconds=1), False)],
)
def test_freshness_exactly_at_the_limit_in_process(
    age: timedelta, allowed: bool
) -> None:
    """Over the wire the enforcer's clock runs on, so the catalogue tests the
    limit one minute inside; the reference at the case time is exact: an image
    exactly maxUploadAgeDays old conforms, one second older does not."""
    case = load_case(CATALOGUE / "platform_fresh_at_limit")
    image = case.request.obj["spec"]["containers"][0]["image"]
    when = format_timestamp(case.world.time - age)
    metadata = load_image_metadata(
        json.dumps({"images": {image: {"uploadTime": when}}})
    )
    judge = PlatformJudge(platform_policy(case), image_metadata=metadata)
    target = DeployTarget(namespace="fresh", service_account="default")
    decision = judge.judge([image], target, platform_world(case.world), case.world.time)
    assert decision.allowed is allowed


def test_adapter_without_platform_policy_skips_platform_cases_with_reason() -> None:
    """Skipped (counted, shown, with the reason), never passed; no adapter is
    asked (the session is not touched)."""
    case = load_case(CATALOGUE / "platform_vuln_high_clean_scan")
    classic_caps = frozenset(ALL_FEATURES - {"platform-policy", "vulnerability-check"})
    result = judge(None, case, classic_caps, {})  # type: ignore[arg-type]
    assert result.outcome == "skipped"
    assert result.detail == "adapter lacks platform-policy, vulnerability-check"
