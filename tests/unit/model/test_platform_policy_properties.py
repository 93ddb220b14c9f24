"""Properties of the platform-policy loader: exact camelCase round trip over generated
policies, and fuzzing: mutated valid policies (as text and as structure) either load
or raise an InputError naming the source (a PolicyError also the line and field path);
never another exception."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.errors import InputError, PolicyError
from kritis_sim.model.platform import PlatformPolicy, load_platform_policy
from kritis_sim.strategies import platform_policies

_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(platform_policies())
def test_round_trip_is_exact(doc: dict[str, Any]) -> None:
    policy = load_platform_policy(yaml.safe_dump(doc), source="p.yaml")
    assert policy.to_dict() == doc
    again = load_platform_policy(json.dumps(policy.to_dict()), source="p.json")
    assert again == policy and hash(again) == hash(policy)
    assert PlatformPolicy.from_dict(policy.to_dict()) == policy


#: Values a fuzzed field may take: wrong types, wrong enums, bad patterns, empties.
_JUNK = st.sampled_from(
    [
        None, True, False, 0, -1, 2**40, 1.5, "", "x", "NOPE", "*", "gcr.io/*/x",
        "projects/123", "projects/Bad", "https://x.io/a", "CVE-1", [], [None], {},
        {"zzz": 1}, {"kubernetesNamespace": "a"}, {"kubernetesServiceAccount": "a:b"},
        "ALWAYS_ALLOW", "BLOCK_ALL", "GOOGLE_CLOUD_BUILD", "a:b", "gcr.io/a/**",
    ]
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(draw(platform_policies()))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(("replace", "delete", "rename", "swap")))
        last = path[-1]
        if action == "replace":
            parent[last] = draw(_JUNK)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[str(last)[:-1] or "x"] = parent.pop(last)
        elif action == "swap" and isinstance(parent, list) and len(parent) > 1:
            parent.reverse()
    return doc


def _check(text: str) -> None:
    try:
        load_platform_policy(text, source="f.yaml")
    except PolicyError as exc:
        assert exc.source == "f.yaml", exc
        assert exc.line is not None, exc
        # Every error names a field, except the two about the document as a
        # whole (not a mapping; neither or both sub-policies), which have no
        # field to name: the line locates them.
        assert (
            exc.path is not None
            or "exactly one of" in exc.message
            or exc.message.startswith("expected a PlatformPolicy (a mapping)")
        ), exc
        assert "\n" not in str(exc)
    except InputError as exc:
        assert exc.source == "f.yaml", exc


@_SETTINGS
@given(_mutated())
def test_structural_mutations_fail_located(doc: dict[str, Any]) -> None:
    _check(yaml.safe_dump(doc))


_PIECES = st.sampled_from(
    ["\n", "\n  ", "\n- ", ": ", "[", "]", "{", "}", ",", "---\n", "&a ", "*a",
     "!foo ", "~", "null", "'", '"', "\t", "#", "\x00", "1e999", "? ", "é"]
)  # fmt: skip


@st.composite
def _text_mutated(draw: st.DrawFn) -> str:
    text = yaml.safe_dump(draw(platform_policies()))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        text = text[:at] + draw(_PIECES | st.text(max_size=3)) + text[at + cut :]
    return text


# Half the profile's examples, at least 25 (ci 50, thorough 1000): a
# generated policy, dumped, mutated and loaded by the located loader is one
# of the slowest examples in the unit suite.
@settings(
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=max(25, settings().max_examples // 2),
)
@given(_text_mutated())
def test_text_mutations_fail_located(text: str) -> None:
    _check(text)


def test_reordered_check_sets_are_refused() -> None:
    """Reversing a valid scoped list moves the catch-all to the front: refused."""
    doc = {
        "gkePolicy": {
            "checkSets": [
                {"scope": {"kubernetesServiceAccount": "a:b"}},
                {"scope": {"kubernetesNamespace": "a"}},
                {},
            ]
        }
    }
    load_platform_policy(json.dumps(doc))
    doc["gkePolicy"]["checkSets"].reverse()
    try:
        load_platform_policy(json.dumps(doc), source="f.json")
    except PolicyError as exc:
        assert exc.path == "gkePolicy.checkSets[0]"
    else:
        raise AssertionError("a reversed check-set list loaded")
