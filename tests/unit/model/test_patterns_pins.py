"""Allowlist behaviours mutation testing found unpinned (issue 16.2): the
default of the any-version switch, which version suffixes a wildcard-free
pattern leaves open, and Docker Hub normal forms under the switch."""

from __future__ import annotations

import pytest

from kritis_sim.errors import PatternError
from kritis_sim.model.patterns import Allowlist, NamePattern

SHA256 = "sha256:" + "0123456789abcdef" * 4


def test_wildcard_free_patterns_match_exactly_by_default() -> None:
    pattern = NamePattern.parse("gcr.io/p/web")
    assert not pattern.matches("gcr.io/p/web:1")
    assert Allowlist([pattern]).match("gcr.io/p/web:1") is None
    assert not Allowlist([pattern]).wildcard_free_matches_any_version
    assert pattern.matches("gcr.io/p/web:1", wildcard_free_matches_any_version=True)


@pytest.mark.parametrize(
    ("pattern", "image", "expected"),
    [
        # a bare name (no ':' and no '/') leaves tag and digest open
        ("nginx", "nginx:1", True),
        ("nginx", f"nginx:1@{SHA256}", True),
        # a tag pinned after a registry port still leaves only a digest open
        ("localhost:5000/a:1", f"localhost:5000/a:1@{SHA256}", True),
        ("localhost:5000/a:1", "localhost:5000/a:1:2", False),
        # a ':' before the last '/' is not a tag: the pattern is a bare name
        ("gcr.io/p:x/web", "gcr.io/p:x/web:2", True),
        ("gcr.io/p/web@" + SHA256, f"gcr.io/p/web@{SHA256}:1", False),
        # a pinned digest leaves nothing open, not even a second digest
        ("gcr.io/p/web@" + SHA256, f"gcr.io/p/web@{SHA256}@{SHA256}", False),
    ],
)
def test_version_suffixes_left_open(pattern: str, image: str, expected: bool) -> None:
    compiled = NamePattern.parse(pattern)
    assert compiled.matches(image, wildcard_free_matches_any_version=True) is expected
    found = Allowlist([compiled], wildcard_free_matches_any_version=True).match(image)
    assert (found == compiled) is expected


def test_any_version_applies_to_the_docker_hub_normal_form() -> None:
    pattern = NamePattern.parse("docker.io/library/nginx")
    assert pattern.matches("nginx:1.25", wildcard_free_matches_any_version=True)
    assert not pattern.matches("nginx:1.25")
    allowlist = Allowlist([pattern], wildcard_free_matches_any_version=True)
    assert allowlist.match("nginx:1.25") == pattern


def test_docker_hub_form_looks_only_at_the_first_component() -> None:
    # a '.' in a later component does not name a registry
    pattern = NamePattern.parse("docker.io/team/app.v2/web")
    assert pattern.matches("team/app.v2/web")
    assert Allowlist([pattern]).match("team/app.v2/web") == pattern


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty name pattern; expected 'registry/path[*|**]'"),
        (
            "gcr.io/a b",
            "name pattern 'gcr.io/a b' contains ' ' at position 8; "
            "image names never contain whitespace or control characters",
        ),
        (
            "gcr.io/*/x",
            "name pattern 'gcr.io/*/x' has '*' at position 7; a wildcard is "
            "allowed only as the trailing '*' or '**'",
        ),
        (
            "gcr.io/*/*/x",
            "name pattern 'gcr.io/*/*/x' has '*' at position 7; a wildcard is "
            "allowed only as the trailing '*' or '**'",
        ),
        (
            "/a/b*",
            "name pattern '/a/b*' has a wildcard before 'registry/'; expected "
            "e.g. 'gcr.io/my-project/*' (a wildcard may only follow 'registry/')",
        ),
        (
            "gcr*",
            "name pattern 'gcr*' has a wildcard before 'registry/'; expected "
            "e.g. 'gcr.io/my-project/*' (a wildcard may only follow 'registry/')",
        ),
    ],
)
def test_pattern_errors_are_spelled_exactly(text: str, message: str) -> None:
    with pytest.raises(PatternError) as info:
        NamePattern.parse(text)
    assert info.value.message == message
