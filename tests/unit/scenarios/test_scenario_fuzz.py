"""Fuzzing the scenario loader: mutated scenarios and manifests load or fail with one located line.

Each example starts from a bundled scenario (or a bundled manifest the
deployment-refused scenario names), changes values, keys and types in its YAML
tree (and sometimes the text itself), writes it next to a copy of the bundled
manifests, and loads it. The loader must return a scenario or
raise :class:`~kritis_sim.errors.ScenarioError` naming a file under the
scenario's directory; ``kritis-sim run`` on a refused file must exit 2 with
that one line and no traceback. Examples are bounded by the Hypothesis
profile; nothing is simulated.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.cli.main import main
from kritis_sim.errors import ScenarioError
from kritis_sim.scenarios.loader import load_scenario_file

ROOT = Path(__file__).resolve().parents[3]
BASES = {
    name: yaml.safe_load((ROOT / "scenarios" / name).read_text())
    for name in (
        "online-merchant.yaml",
        "deployment-refused.yaml",
        "key-rotation.yaml",
        "attestation-freshness.yaml",
        "forged-attestation.yaml",
        "five-stage-pipeline.yaml",
    )
}
MANIFESTS = {
    name: yaml.safe_load((ROOT / "scenarios" / "manifests" / name).read_text())
    for name in ("checkout-deployment.yaml", "report-cronjob.yaml")
}
NASTY = st.sampled_from([
    "../x.yaml", "/etc/hostname", "/dev/zero", "manifests", "manifests/checkout-deployment.yaml",
    "manifests/../../x.yaml", "nope.yaml", "\0", "", " ", "${web}", "${nope:1}", "*", "&a", "!!binary",
    "ECDSA_P256_SHA256", "RSA_SIGN_PKCS1_4096_SHA512", "ED25519", "25h", "-1h", "0s", "1e9d", "99999999999d",
    "sha256:" + "a" * 64, "sha256:" + "A" * 64, "gcr.io/p/x:tag", "gcr.io/p/x@sha256:" + "0" * 64, "Pod",
    "CronJob", "allowed", "denied", "dry-run", "breakglass", "[", "(?P<", "a" * 300, "x/y", "true",
    "2024-13-01T00:00:00Z", "2024-05-01T09:00:00", "ALWAYS_DENY", "REQUIRE_ATTESTATION", "prod", "qa",
])
LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12), NASTY,
)
VALUE = st.recursive(
    LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.text(max_size=8), NASTY), inner, max_size=3)
    ),
    max_leaves=6,
)
TEXT_NOISE = st.sampled_from([":", "{", "}", "[", "]", "&a ", "*a", "!!python/object ", "|", ">", "- ", "#",
                              "'", '"', "\t", "\n", "  ", "\x00", "\ufeff", "<<: *a", "%YAML 1.1\n", "---\n"])


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _mutate(draw: st.DrawFn, tree: Any) -> bytes:
    """``tree`` with 1-3 changes of values, keys and types, as YAML (sometimes damaged)."""
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(tree))))
        if not path:
            continue
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "delete", "add-key", "rename", "wrap", "duplicate"]))
        if op == "replace":
            parent[last] = draw(VALUE)
        elif op == "delete":
            del parent[last]
        elif op == "add-key" and isinstance(parent, dict):
            parent[draw(st.one_of(st.text(max_size=8), NASTY))] = draw(VALUE)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.one_of(st.text(max_size=8), NASTY))] = parent.pop(last)
        elif op == "wrap":
            parent[last] = [parent[last]]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    data = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True).encode()
    if draw(st.integers(0, 3)) == 0:  # text-level damage too
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 20))
        noise = draw(st.lists(TEXT_NOISE, max_size=3))
        data = data[:at] + "".join(noise).encode() + data[at + cut:]
    if draw(st.integers(0, 19)) == 0:
        data = data[: draw(st.integers(1, len(data)))]  # truncated
    return data


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A bundled scenario's name and a mutation of it."""
    name = draw(st.sampled_from(sorted(BASES)))
    return name, _mutate(draw, copy.deepcopy(BASES[name]))


@st.composite
def mutated_manifest(draw: st.DrawFn) -> tuple[str, bytes]:
    """A bundled manifest's name and a mutation of it."""
    name = draw(st.sampled_from(sorted(MANIFESTS)))
    return name, _mutate(draw, copy.deepcopy(MANIFESTS[name]))


def _check(path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Loads, or fails with one line naming a file under ``workdir``; run exits 2."""
    try:
        load_scenario_file(path)
    except ScenarioError as exc:
        text = str(exc)
        assert exc.source is not None and text.startswith(str(workdir)), text
        assert "\n" not in text and "Traceback" not in text
        capsys.readouterr()
        assert main(["run", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.err == f"kritis-sim: error: {text}\n" and captured.out == ""


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kritis-sim-fuzz-") as tmp:
        base = Path(tmp) / "scenarios"
        shutil.copytree(ROOT / "scenarios" / "manifests", base / "manifests")
        (Path(tmp) / "x.yaml").write_text("outside the root\n")
        yield base


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(example=mutated())
def test_mutated_scenarios_load_or_fail_with_one_located_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], example: tuple[str, bytes]
) -> None:
    name, data = example
    path = workdir / name
    path.write_bytes(data)
    _check(path, workdir, capsys)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(example=mutated_manifest())
def test_mutated_manifests_load_or_fail_with_one_located_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], example: tuple[str, bytes]
) -> None:
    name, data = example
    manifest = workdir / "manifests" / name
    original = manifest.read_bytes()
    manifest.write_bytes(data)
    try:
        scenario = workdir / "deployment-refused.yaml"
        shutil.copy(ROOT / "scenarios" / "deployment-refused.yaml", scenario)
        _check(scenario, workdir, capsys)
    finally:
        manifest.write_bytes(original)
