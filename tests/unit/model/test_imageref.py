"""Unit tests for kritis_sim.model.imageref (vectors: wire-formats.md section 8.4)."""

from __future__ import annotations

import dataclasses
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kritis_sim.errors import ImageRefError, InputError
from kritis_sim.model import imageref
from kritis_sim.model.imageref import ImageRef

HEX64 = "0123456789abcdef" * 4
SHA256 = "sha256:" + HEX64
SHA384 = "sha384:" + "ab" * 48
SHA512 = "sha512:" + "cd" * 64


# --- wire-formats.md 8.4 vectors -------------------------------------------------


def test_parse_docker_hub_official_image() -> None:
    ref = ImageRef.parse("ubuntu")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (
        "docker.io",
        "library/ubuntu",
        None,
        None,
    )
    assert ref.normalized == "docker.io/library/ubuntu"
    assert ref.with_default_tag().normalized == "docker.io/library/ubuntu:latest"


def test_parse_localhost_with_port() -> None:
    ref = ImageRef.parse("localhost:5000/a/b:t")
    assert (ref.domain, ref.path, ref.tag) == ("localhost:5000", "a/b", "t")


def test_parse_docker_hub_user_repository() -> None:
    assert ImageRef.parse("foo/bar").normalized == "docker.io/foo/bar"


def test_parse_upper_case_path_refused() -> None:
    with pytest.raises(ImageRefError, match="repository name must be lowercase"):
        ImageRef.parse("example.com/Foo")


def test_parse_upper_case_domain_allowed() -> None:
    ref = ImageRef.parse("Example.com/foo")
    assert (ref.domain, ref.path) == ("Example.com", "foo")


def test_parse_ipv6_domain_with_port() -> None:
    ref = ImageRef.parse("[::1]:5000/x")
    assert (ref.domain, ref.path, ref.tag) == ("[::1]:5000", "x", None)


@pytest.mark.parametrize(
    "component", ["a__b", "a--b", "a.b", "a_b", "a---b", "a-b.c_d"]
)
def test_parse_valid_path_components(component: str) -> None:
    assert ImageRef.parse(f"gcr.io/{component}").path == component


@pytest.mark.parametrize("component", ["a___b", "a..b", "-a", "a-", "a._b", "_a", "a/"])
def test_parse_invalid_path_components(component: str) -> None:
    with pytest.raises(ImageRefError, match="path component"):
        ImageRef.parse(f"gcr.io/{component}")


def test_parse_tag_of_129_characters_refused() -> None:
    ImageRef.parse("gcr.io/p/i:" + "t" * 128)
    with pytest.raises(ImageRefError, match="tag is 129 characters; at most 128"):
        ImageRef.parse("gcr.io/p/i:" + "t" * 129)


def test_parse_tag_and_digest_both_kept() -> None:
    ref = ImageRef.parse(f"busybox:latest@{SHA256}")
    assert (ref.tag, ref.digest) == ("latest", SHA256)
    assert ref.normalized == f"docker.io/library/busybox:latest@{SHA256}"


def test_parse_upper_case_digest_refused() -> None:
    with pytest.raises(ImageRefError, match="must be 64 lower-case hex") as info:
        ImageRef.parse(f"gcr.io/p/i@sha256:{HEX64.upper()}")
    assert "upper case" in str(info.value)


# --- more edge cases ----------------------------------------------------------------


def test_parse_index_docker_io_becomes_docker_io() -> None:
    ref = ImageRef.parse("index.docker.io/nginx:1")
    assert ref.normalized == "docker.io/library/nginx:1"
    assert ref.has_explicit_domain


def test_parse_explicit_docker_io_single_component_gets_library() -> None:
    assert ImageRef.parse("docker.io/nginx").path == "library/nginx"
    assert ImageRef.parse("docker.io/a/b").path == "a/b"


def test_parse_upper_case_first_component_is_a_domain() -> None:
    ref = ImageRef.parse("Foo/bar")
    assert (ref.domain, ref.path) == ("Foo", "bar")


def test_parse_localhost_is_a_domain() -> None:
    assert ImageRef.parse("localhost/x").domain == "localhost"


def test_parse_localhost_port_without_slash_is_a_tag() -> None:
    ref = ImageRef.parse("localhost:5000")
    assert (ref.name, ref.tag) == ("docker.io/library/localhost", "5000")


def test_parse_ipv4_domain() -> None:
    ref = ImageRef.parse("127.0.0.1:443/a/b@" + SHA256)
    assert (ref.domain, ref.path, ref.digest) == ("127.0.0.1:443", "a/b", SHA256)


@pytest.mark.parametrize("digest", [SHA256, SHA384, SHA512])
def test_parse_registered_digest_algorithms(digest: str) -> None:
    assert ImageRef.parse("gcr.io/p/i@" + digest).digest == digest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty image reference"),
        (HEX64, "bare 64-character hex"),
        ("ubuntu:", "empty tag"),
        ("ubuntu@", "empty digest"),
        (f"ubuntu@{SHA256}@{SHA256}", "more than one '@'"),
        ("ubuntu:-x", "invalid tag"),
        ("ubuntu:a+b", "invalid tag"),
        ("gcr.io/p/i@md5:" + "a" * 32, "algorithm 'md5' is not supported"),
        ("gcr.io/p/i@sha256:" + "a" * 63, "must be 64 lower-case hex"),
        ("gcr.io/p/i@sha256:" + "a" * 65, "must be 64 lower-case hex"),
        ("gcr.io/p/i@sha512:" + HEX64, "must be 128 lower-case hex"),
        ("gcr.io/p/i@sha256:abc", "digest 'sha256:abc' is malformed"),
        ("gcr.io/p/i@sha256", "is malformed"),
        ("gcr.io//i", "empty path component"),
        ("gcr.io/", "empty path component"),
        ("/i", "empty path component"),
        ("bad_domain.io/x", "invalid registry domain"),
        ("gcr.io:port/x", "invalid registry domain"),
        ("-gcr.io/x", "invalid registry domain"),
        ("[::1%eth0]:5000/x", "invalid registry domain"),
        ("UBUNTU", "must be lowercase"),
        ("ubuntu ", "invalid path component"),
        ("ubuntu\n", "invalid path component"),
        ("gcr.io/p/\u00e9", "invalid path component"),
    ],
)
def test_parse_invalid_references(text: str, message: str) -> None:
    with pytest.raises(ImageRefError, match=message):
        ImageRef.parse(text)


def test_parse_error_is_an_input_and_value_error() -> None:
    with pytest.raises(InputError):
        ImageRef.parse("")
    with pytest.raises(ValueError, match="empty"):
        ImageRef.parse("")


def test_parse_tag_allows_upper_case_and_non_leading_dots() -> None:
    assert ImageRef.parse("gcr.io/p/i:V1.2_rc-3").tag == "V1.2_rc-3"
    assert ImageRef.parse("gcr.io/p/i:_x").tag == "_x"


def test_parse_remote_name_length_limit() -> None:
    ok = "gcr.io/" + "/".join(["a" * 127, "b" * 127])  # 255 characters of path
    assert len(ImageRef.parse(ok).path) == 255
    with pytest.raises(ImageRefError, match="256 characters; at most 255"):
        ImageRef.parse(ok + "c")


def test_parse_length_limit_counts_library_prefix() -> None:
    ImageRef.parse("a" * 247)  # library/ + 247 = 255
    with pytest.raises(ImageRefError, match="256 characters"):
        ImageRef.parse("a" * 248)


def test_parse_hex_with_tag_is_not_bare() -> None:
    assert ImageRef.parse(HEX64 + ":t").path == "library/" + HEX64


def test_properties_for_docker_hub_short_name() -> None:
    ref = ImageRef.parse(f"nginx:1.25@{SHA256}")
    assert ref.name == "docker.io/library/nginx"
    assert ref.familiar == f"nginx:1.25@{SHA256}"
    assert ref.has_sha256_digest
    assert not ref.has_explicit_domain
    assert ref.resource_url == f"https://nginx:1.25@{SHA256}"
    assert ref.resource_urls() == (
        f"https://nginx:1.25@{SHA256}",
        f"https://docker.io/library/nginx@{SHA256}",
    )


def test_familiar_keeps_user_and_nested_paths() -> None:
    assert ImageRef.parse("docker.io/foo/bar:t").familiar == "foo/bar:t"
    assert ImageRef.parse("docker.io/library/a/b").familiar == "library/a/b"
    assert ImageRef.parse("gcr.io/p/i").familiar == "gcr.io/p/i"


def test_resource_urls_single_when_already_by_digest() -> None:
    ref = ImageRef.parse("gcr.io/p/i@" + SHA256)
    assert ref.resource_urls() == ("https://gcr.io/p/i@" + SHA256,)


def test_resource_urls_without_digest() -> None:
    assert ImageRef.parse("gcr.io/p/i:t").resource_urls() == ("https://gcr.io/p/i:t",)


def test_has_sha256_digest_false_for_other_algorithms_and_tags() -> None:
    assert not ImageRef.parse("gcr.io/p/i@" + SHA512).has_sha256_digest
    assert not ImageRef.parse("gcr.io/p/i:t").has_sha256_digest


def test_with_default_tag_leaves_pinned_references_alone() -> None:
    ref = ImageRef.parse("gcr.io/p/i@" + SHA256)
    assert ref.with_default_tag() is ref
    assert ImageRef.parse("ubuntu").with_default_tag().original == "ubuntu:latest"


def test_imageref_is_frozen_and_slotted() -> None:
    ref = ImageRef.parse("gcr.io/p/i")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.tag = "x"  # type: ignore[misc]
    assert not hasattr(ref, "__dict__")
    assert str(ref) == "gcr.io/p/i"


def test_module_all_lists_public_names() -> None:
    public = {n for n in vars(imageref) if not n.startswith("_")}
    assert set(imageref.__all__) <= public
    assert "ImageRef" in imageref.__all__


# --- Hypothesis -------------------------------------------------------------------

_ALNUM = string.ascii_lowercase + string.digits


@st.composite
def path_components(draw: st.DrawFn, *, dotted: bool = True) -> str:
    """One valid path component: alpha-numeric runs joined by separators."""
    separators = [".", "_", "__", "-", "--"] if dotted else ["_", "__", "-", "---"]
    parts = draw(
        st.lists(st.text(_ALNUM, min_size=1, max_size=6), min_size=1, max_size=3)
    )
    out = parts[0]
    for part in parts[1:]:
        out += draw(st.sampled_from(separators)) + part
    return out


@st.composite
def domains(draw: st.DrawFn) -> str:
    fixed = [
        "gcr.io",
        "docker.io",
        "index.docker.io",
        "localhost",
        "localhost:5000",
        "[::1]:5000",
        "[fe80::1]",
        "127.0.0.1:443",
        "Example.COM",
        "us-docker.pkg.dev",
    ]
    component = st.from_regex(
        r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,5}[a-zA-Z0-9])?", fullmatch=True
    )
    generated = st.lists(component, min_size=2, max_size=3).map(".".join)
    host = draw(st.one_of(st.sampled_from(fixed), generated))
    if draw(st.booleans()) and not host.endswith(("5000", "443")):
        host += ":" + str(draw(st.integers(0, 65535)))
    return host


@st.composite
def image_refs(draw: st.DrawFn) -> str:
    """A valid image reference string, with or without a registry."""
    domain = draw(st.one_of(st.none(), domains()))
    count = draw(st.integers(1, 3))
    if domain is None:
        # Without a registry the first component must not look like one.
        first = draw(path_components(dotted=count == 1))
        rest = [draw(path_components()) for _ in range(count - 1)]
        name = "/".join([first, *rest])
    else:
        name = domain + "/" + "/".join(draw(path_components()) for _ in range(count))
    tag_re = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"
    tag = draw(st.one_of(st.none(), st.from_regex(tag_re, fullmatch=True)))
    digest = draw(st.one_of(st.none(), st.sampled_from([SHA256, SHA384, SHA512])))
    text = (
        name
        + ("" if tag is None else ":" + tag)
        + ("" if digest is None else "@" + digest)
    )
    assume(not (len(text) == 64 and set(text) <= set("0123456789abcdef")))
    return text


@given(image_refs())
def test_parse_round_trips_through_str(text: str) -> None:
    ref = ImageRef.parse(text)
    assert str(ref) == text
    assert ImageRef.parse(str(ref)) == ref


@given(image_refs())
def test_parse_normalized_is_a_fixed_point(text: str) -> None:
    ref = ImageRef.parse(text)
    again = ImageRef.parse(ref.normalized)
    assert (again.name, again.tag, again.digest) == (ref.name, ref.tag, ref.digest)
    assert again.normalized == ref.normalized
    assert again.has_explicit_domain


@given(image_refs())
def test_parse_familiar_names_the_same_image(text: str) -> None:
    ref = ImageRef.parse(text)
    again = ImageRef.parse(ref.familiar)
    assert (again.name, again.tag, again.digest) == (ref.name, ref.tag, ref.digest)


@given(st.text(max_size=40))
def test_parse_never_raises_anything_but_imagereferror(text: str) -> None:
    try:
        ref = ImageRef.parse(text)
    except ImageRefError:
        return
    assert ImageRef.parse(ref.normalized).normalized == ref.normalized


def test_familiar_keeps_docker_io_when_path_looks_like_a_registry() -> None:
    ref = ImageRef.parse("docker.io/a.b/c")
    assert ref.familiar == "docker.io/a.b/c"
    assert ImageRef.parse(ref.familiar).name == ref.name
