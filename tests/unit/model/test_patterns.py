"""Unit tests for kritis_sim.model.patterns (semantics: wire-formats.md 1.5)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.errors import InputError, PatternError
from kritis_sim.model import patterns
from kritis_sim.model.patterns import Allowlist, NamePattern

SHA256 = "sha256:" + "0123456789abcdef" * 4


def matches(pattern: str, image: str, *, any_version: bool = False) -> bool:
    return NamePattern.parse(pattern).matches(
        image, wildcard_free_matches_any_version=any_version
    )


# --- documented examples ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "image", "expected"),
    [
        ("gcr.io/my-project/nginx*", "gcr.io/my-project/nginx:latest", True),
        ("gcr.io/my-project/nginx*", "gcr.io/my-project/nginx", True),
        ("gcr.io/my-project/nginx*", "gcr.io/my-project/nginx-1", True),
        ("gcr.io/my-project/nginx*", "gcr.io/my-project/nginx-images/nginx", False),
        (
            "gcr.io/my-project/nginx**",
            "gcr.io/my-project/nginx-1.14.2/image:latest",
            True,
        ),
        ("gcr.io/my-project/nginx**", "gcr.io/my-project/nginx", True),
        ("gcr.io/nginx*", "gcr.io/nginx@latest", True),
        ("gcr.io/my-project/*", "gcr.io/my-project/anything:1", True),
        ("gcr.io/my-project/*", "gcr.io/my-project/a/b", False),
        ("gcr.io/my-project/**", "gcr.io/my-project/a/b", True),
        ("gcr.io/my-project/**", "gcr.io/my-project-evil/a", False),
        ("gcr.io/p/nginx:*", "gcr.io/p/nginx:1.25", True),
        ("gcr.io/p/nginx:*", "gcr.io/p/nginx", False),
        ("gcr.io/p/nginx:*", f"gcr.io/p/nginx@{SHA256}", False),
        ("gcr.io/p/nginx@sha256:*", f"gcr.io/p/nginx@{SHA256}", True),
        ("gcr.io/p/nginx@sha256:*", "gcr.io/p/nginx:1", False),
    ],
)
def test_matches_documented_examples(pattern: str, image: str, expected: bool) -> None:
    assert matches(pattern, image) is expected


# --- look-alikes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "gcr.io/my-project/nginx-evil",
        "gcr.io/my-project.evil.com/nginx",
        "gcr.io/my-project/nginx/evil",
        "gcr.io/my-project/nginx:latest",
        "gcr.io/my-project/nginxx",
        "evil.com/gcr.io/my-project/nginx",
        "gcr.io/my-project/nginx ",
        "GCR.IO/my-project/nginx",
    ],
)
def test_matches_wildcard_free_refuses_look_alikes(image: str) -> None:
    assert not matches("gcr.io/my-project/nginx", image)


@pytest.mark.parametrize(
    "image",
    [
        "gcr.io/my-project/nginx-evil",
        "gcr.io/my-project.evil.com/nginx",
        "gcr.io/my-project/nginx/evil",
        "gcr.io/my-project/nginx:1/evil",
        "gcr.io/my-project/nginx:",
        "gcr.io/my-project/nginx@",
        "gcr.io/my-project/nginx@sha256:xyz",
        "gcr.io/my-project/nginx:-bad",
    ],
)
def test_matches_any_version_refuses_longer_names(image: str) -> None:
    assert not matches("gcr.io/my-project/nginx", image, any_version=True)


def test_matches_wildcard_free_is_strict_equality_by_default() -> None:
    assert matches("gcr.io/p/nginx", "gcr.io/p/nginx")
    assert not matches("gcr.io/p/nginx", "gcr.io/p/nginx:1")
    assert not matches("gcr.io/p/nginx", f"gcr.io/p/nginx@{SHA256}")


@pytest.mark.parametrize(
    "image",
    [
        "gcr.io/p/nginx",
        "gcr.io/p/nginx:1.25",
        f"gcr.io/p/nginx@{SHA256}",
        f"gcr.io/p/nginx:1.25@{SHA256}",
    ],
)
def test_matches_any_version_accepts_tags_and_digests(image: str) -> None:
    assert matches("gcr.io/p/nginx", image, any_version=True)


def test_matches_any_version_respects_a_pinned_tag_or_digest() -> None:
    assert matches("gcr.io/p/i:1", f"gcr.io/p/i:1@{SHA256}", any_version=True)
    assert not matches("gcr.io/p/i:1", "gcr.io/p/i:1.1", any_version=True)
    assert not matches("gcr.io/p/i:1", "gcr.io/p/i:1:2", any_version=True)
    assert not matches(
        f"gcr.io/p/i@{SHA256}", f"gcr.io/p/i@{SHA256}0", any_version=True
    )


def test_matches_any_version_with_registry_port() -> None:
    assert matches("localhost:5000/i", "localhost:5000/i:t", any_version=True)
    assert not matches("localhost", "localhost:5000/i", any_version=True)


# --- Docker Hub short names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "image"),
    [
        ("docker.io/library/nginx*", "nginx:1"),
        ("docker.io/library/nginx:1", "nginx:1"),
        ("docker.io/library/**", "nginx"),
        ("docker.io/bitnami/*", "bitnami/redis:7"),
    ],
)
def test_matches_docker_hub_short_names_in_normal_form(
    pattern: str, image: str
) -> None:
    assert matches(pattern, image)
    assert Allowlist([NamePattern.parse(pattern)]).match(image) is not None


def test_matches_does_not_normalise_explicit_registries() -> None:
    assert not matches("docker.io/library/nginx*", "docker.io/nginx:1")
    assert not matches("docker.io/library/nginx*", "index.docker.io/library/nginx")


def test_matches_raw_image_that_does_not_parse() -> None:
    assert matches("gcr.io/p/*", "gcr.io/p/UPPER")
    assert matches("gcr.io/p/Bad__Name", "gcr.io/p/Bad__Name")
    assert not matches("gcr.io/p/*", "NGINX")


# --- invalid patterns ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty name pattern"),
        ("*", "wildcard before 'registry/'"),
        ("**", "wildcard before 'registry/'"),
        ("gcr.i*", "wildcard before 'registry/'"),
        ("gcr.io**", "wildcard before 'registry/'"),
        ("/nginx*", "wildcard before 'registry/'"),
        ("gcr.io/p/n*x", "'\\*' at position 10"),
        ("gcr.io/*/nginx", "'\\*' at position 7"),
        ("*.gcr.io/p/*", "'\\*' at position 0"),
        ("gcr.io/p/***", "'\\*' at position 9"),
        ("gcr.io/p/ x", "' ' at position 9"),
        ("gcr.io/p/x\n", "'\\\\n' at position 10"),
    ],
)
def test_parse_refuses_invalid_patterns(text: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        NamePattern.parse(text)


def test_parse_error_is_an_input_error() -> None:
    with pytest.raises(InputError):
        NamePattern("gcr.io/p/n*x")


@pytest.mark.parametrize(
    ("text", "prefix", "wildcard"),
    [
        ("gcr.io/p/i", "gcr.io/p/i", ""),
        ("gcr.io/p/*", "gcr.io/p/", "*"),
        ("gcr.io/p/**", "gcr.io/p/", "**"),
        ("gcr.io/p/i:*", "gcr.io/p/i:", "*"),
        ("nginx", "nginx", ""),
    ],
)
def test_parse_splits_prefix_and_wildcard(
    text: str, prefix: str, wildcard: str
) -> None:
    pattern = NamePattern.parse(text)
    assert (pattern.text, pattern.prefix, pattern.wildcard) == (text, prefix, wildcard)
    assert str(pattern) == text


def test_namepattern_is_frozen_slotted_and_compares_by_text() -> None:
    pattern = NamePattern.parse("gcr.io/p/*")
    assert pattern == NamePattern("gcr.io/p/*")
    assert hash(pattern) == hash(NamePattern("gcr.io/p/*"))
    assert not hasattr(pattern, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pattern.text = "x"  # type: ignore[misc]


# --- Allowlist ---------------------------------------------------------------------------


def _allowlist(*texts: str, any_version: bool = False) -> Allowlist:
    return Allowlist(
        (NamePattern.parse(t) for t in texts),
        wildcard_free_matches_any_version=any_version,
    )


def test_allowlist_prefers_exact_then_longest_prefix() -> None:
    allowlist = _allowlist(
        "gcr.io/**", "gcr.io/p/*", "gcr.io/p/nginx*", "gcr.io/p/nginx"
    )
    assert allowlist.match("gcr.io/p/nginx") == NamePattern("gcr.io/p/nginx")
    assert allowlist.match("gcr.io/p/nginx:1") == NamePattern("gcr.io/p/nginx*")
    assert allowlist.match("gcr.io/p/redis") == NamePattern("gcr.io/p/*")
    assert allowlist.match("gcr.io/p/a/b") == NamePattern("gcr.io/**")
    assert allowlist.match("docker.io/x") is None


def test_allowlist_prefers_single_star_on_equal_prefix() -> None:
    allowlist = _allowlist("gcr.io/p/**", "gcr.io/p/*")
    assert allowlist.match("gcr.io/p/x") == NamePattern("gcr.io/p/*")
    assert allowlist.match("gcr.io/p/x/y") == NamePattern("gcr.io/p/**")


def test_allowlist_any_version_switch() -> None:
    strict = _allowlist("gcr.io/p/nginx")
    loose = _allowlist("gcr.io/p/nginx", any_version=True)
    assert strict.match("gcr.io/p/nginx:1") is None
    assert loose.match("gcr.io/p/nginx:1") == NamePattern("gcr.io/p/nginx")
    assert loose.match(f"gcr.io/p/nginx:1@{SHA256}") == NamePattern("gcr.io/p/nginx")
    assert loose.match("gcr.io/p/nginx-evil") is None
    assert loose.wildcard_free_matches_any_version


def test_allowlist_single_star_does_not_cross_a_slash() -> None:
    allowlist = _allowlist("gcr.io/my-project/nginx*", "gcr.io/my-project/nginx")
    assert allowlist.match("gcr.io/my-project/nginx-images/nginx") is None
    assert allowlist.match("gcr.io/my-project/nginx/x") is None
    assert allowlist.match("gcr.io/my-project.evil.com/nginx") is None


def test_allowlist_any_version_digest_only() -> None:
    loose = _allowlist("gcr.io/p/nginx", "gcr.io/p/i:1", any_version=True)
    assert loose.match(f"gcr.io/p/nginx@{SHA256}") == NamePattern("gcr.io/p/nginx")
    assert loose.match(f"gcr.io/p/i:1@{SHA256}") == NamePattern("gcr.io/p/i:1")
    assert loose.match("gcr.io/p/i:2") is None


def test_allowlist_empty_matches_nothing() -> None:
    allowlist = Allowlist([])
    assert allowlist.match("gcr.io/p/i") is None
    assert len(allowlist) == 0
    assert list(allowlist) == []


def test_allowlist_keeps_patterns_in_order() -> None:
    allowlist = _allowlist("b.io/x", "a.io/*", "b.io/x")
    assert [p.text for p in allowlist] == ["b.io/x", "a.io/*", "b.io/x"]
    assert allowlist.patterns == tuple(allowlist)
    assert "3 patterns" in repr(allowlist)


def test_allowlist_ten_thousand_patterns() -> None:
    texts = [f"gcr.io/project-{i}/image-{i}" for i in range(5000)]
    texts += [f"gcr.io/project-{i}/*" for i in range(2500)]
    texts += [f"us-docker.pkg.dev/project-{i}/**" for i in range(2500)]
    allowlist = _allowlist(*texts)
    assert allowlist.match("gcr.io/project-4999/image-4999").text == texts[4999]
    assert allowlist.match("gcr.io/project-7/x:1") == NamePattern("gcr.io/project-7/*")
    assert allowlist.match("us-docker.pkg.dev/project-9/a/b:c") is not None
    assert allowlist.match("gcr.io/project-4999/image-4999/x") is None
    for i in range(0, 5000, 7):
        expected = NamePattern(f"gcr.io/project-{i}/*") if i < 2500 else None
        assert allowlist.match(f"gcr.io/project-{i}/image-{i}x") == expected


def test_module_all() -> None:
    assert set(patterns.__all__) == {"Allowlist", "NamePattern"}


# --- Hypothesis ---------------------------------------------------------------------------

_CHARS = "ab-./:@*"
_segments = st.text("ab-.", min_size=1, max_size=3)


@st.composite
def pattern_texts(draw: st.DrawFn) -> str:
    """Valid pattern texts over a small alphabet, so that collisions are common."""
    registry = draw(
        st.sampled_from(["r.io", "s.io", "r.io:5", "docker.io", "docker.io/library"])
    )
    parts = draw(st.lists(_segments, min_size=0, max_size=2))
    body = "/".join([registry, *parts])
    version = draw(st.sampled_from(["", "", ":", ":a", "@", "@sha256:"]))
    if version and draw(st.booleans()):
        body += version
    wildcard = draw(st.sampled_from(["", "*", "**"]))
    if wildcard and not parts:
        body += "/"
    return body + wildcard


@st.composite
def image_texts(draw: st.DrawFn) -> str:
    """Image-like strings (mostly not valid references) near the patterns."""
    registry = draw(st.sampled_from(["r.io", "s.io", "r.io:5", "a", "b-a", "ab"]))
    parts = draw(st.lists(_segments, min_size=0, max_size=3))
    suffix = draw(st.sampled_from(["", ":a", ":a-b", ":b@sha256:" + "a" * 64, "@x"]))
    return "/".join([registry, *parts]) + suffix


@given(
    st.sampled_from(["gcr.io/p/", "gcr.io/p/i", "gcr.io/p/i:", "r/"]),
    st.text("ab-.:@", max_size=4),
    st.text("ab-.:@/", max_size=4),
)
def test_single_star_never_crosses_a_slash(prefix: str, head: str, tail: str) -> None:
    pattern = NamePattern.parse(prefix + "*")
    image = prefix + head + "/" + tail
    assert not pattern.matches(image)
    assert not pattern.matches(image, wildcard_free_matches_any_version=True)
    assert pattern.matches(prefix + head)
    assert NamePattern.parse(prefix + "**").matches(image)


@given(st.lists(pattern_texts(), max_size=12), st.booleans(), st.data())
def test_allowlist_agrees_with_brute_force(
    texts: list[str], any_version: bool, data: st.DataObject
) -> None:
    near = [t.rstrip("*") for t in texts]
    derived = st.tuples(st.sampled_from(near), st.text("ab-/:@", max_size=4)).map(
        "".join
    )
    image = data.draw(image_texts() | derived if near else image_texts(), "image")
    pats = [NamePattern.parse(t) for t in texts]
    allowlist = Allowlist(pats, wildcard_free_matches_any_version=any_version)
    expected = [
        p
        for p in pats
        if p.matches(image, wildcard_free_matches_any_version=any_version)
    ]
    found = allowlist.match(image)
    if not expected:
        assert found is None
    else:
        assert found in expected
        if any(p.text == image for p in expected):
            assert found is not None
            assert found.text == image


@given(st.text(_CHARS, max_size=12))
def test_parse_accepts_or_raises_patternerror(text: str) -> None:
    try:
        pattern = NamePattern.parse(text)
    except PatternError:
        assert "*" in text or text == ""
        return
    assert "*" not in pattern.prefix
    assert pattern.matches(pattern.prefix) or not pattern.wildcard
