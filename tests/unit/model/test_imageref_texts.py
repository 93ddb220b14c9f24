"""Error texts of ImageRef.parse that quote the input, asserted exactly: long
input is cut to 80 characters (77 and '...') so a message stays one line."""

from __future__ import annotations

import pytest

from kritis_sim.errors import ImageRefError
from kritis_sim.model.imageref import ImageRef


def _message(text: str) -> str:
    with pytest.raises(ImageRefError) as info:
        ImageRef.parse(text)
    return info.value.message


def test_input_of_80_characters_is_quoted_whole() -> None:
    path = "A" * 71
    text = "gcr.io/p/" + path
    assert len(text) == 80
    assert _message(text) == (
        f"repository name must be lowercase: got {path!r} in {text!r}"
    )


def test_longer_input_is_cut_to_80_characters() -> None:
    path = "A" * 72
    text = "gcr.io/p/" + path
    cut = text[:77] + "..."
    assert _message(text) == (
        f"repository name must be lowercase: got {path!r} in {cut!r}"
    )


def test_digest_is_cut_to_40_characters() -> None:
    digest = "sha256:" + "A" * 64
    assert _message(f"gcr.io/p/x@{digest}") == (
        f"digest {digest[:37] + '...'!r} must be 64 lower-case hex characters "
        "after 'sha256:'; got 64 characters including upper case"
    )


def test_malformed_digest_text() -> None:
    assert _message("gcr.io/p/x@sha256:zz") == (
        "digest 'sha256:zz' is malformed; expected '<algorithm>:<hex>', "
        "e.g. 'sha256:' followed by 64 lower-case hex characters"
    )


def test_unsupported_digest_algorithm_text() -> None:
    assert _message("gcr.io/p/x@md5:" + "a" * 32) == (
        "digest algorithm 'md5' is not supported; expected one of "
        "sha256, sha384, sha512"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "gcr.io/p//x",
            "empty path component in 'gcr.io/p//x'; "
            "expected components separated by single '/'",
        ),
        (
            "gcr.io/p/x@a@b",
            "image reference 'gcr.io/p/x@a@b' contains more than one '@'; "
            "expected name[:tag][@digest]",
        ),
        (
            "gcr.io/p/x!y",
            "invalid path component 'x!y' in 'gcr.io/p/x!y'; expected lower-case "
            "letters and digits joined by '.', '_', '__' or runs of '-'",
        ),
        ("gcr.io/p/x@", "empty digest after '@' in 'gcr.io/p/x@'"),
        ("gcr.io/p/x:", "empty tag after ':' in 'gcr.io/p/x:'"),
    ],
)
def test_reference_errors_are_spelled_exactly(text: str, message: str) -> None:
    assert _message(text) == message


def test_name_length_text_quotes_40_characters() -> None:
    path = "p/" + "a" * 254
    assert _message("gcr.io/" + path) == (
        "repository name is 256 characters; at most 255 allowed "
        f"(got {path[:37] + '...'!r})"
    )


_HEX64 = "0123456789abcdef" * 4
_A63 = "a" * 63

#: Known answers: a bad reference and the exact message ImageRef.parse gives
#: for it, one row per error of the grammar (written out, not computed, so a
#: changed word, quote or cut is a deliberate change of this table).
KNOWN_ANSWERS = [
    ("", "empty image reference; expected name[:tag][@digest]"),
    (
        _HEX64,
        "cannot use a bare 64-character hex string '0123456789abcdef0...' as an "
        "image reference; expected a repository name, e.g. name@sha256:<hex>",
    ),
    ("ubuntu:" + "t" * 129, "tag is 129 characters; at most 128 allowed"),
    (
        "ubuntu:-x",
        "invalid tag '-x'; expected a letter, digit or '_' followed by letters, "
        "digits, '_', '.' or '-'",
    ),
    (
        "ubuntu:" + "-" * 129,
        "tag is 129 characters; at most 128 allowed",
    ),
    (
        "gcr.io/p/i@sha256:" + _A63,
        "digest 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' must be 64 lower-case hex "
        "characters after 'sha256:'; got 63 characters",
    ),
    (
        "gcr.io/p/i@sha512:" + _HEX64,
        "digest 'sha512:0123456789abcdef0123456789abcd...' must be 128 lower-case hex "
        "characters after 'sha512:'; got 64 characters",
    ),
    (
        "gcr.io/p/i@sha384:" + "B" * 96,
        "digest 'sha384:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB...' must be 96 lower-case hex "
        "characters after 'sha384:'; got 96 characters including upper case",
    ),
    (
        "gcr.io/p/i@sha256",
        "digest 'sha256' is malformed; expected '<algorithm>:<hex>', "
        "e.g. 'sha256:' followed by 64 lower-case hex characters",
    ),
    (
        "bad_domain.io/x",
        "invalid registry domain 'bad_domain.io' in 'bad_domain.io/x'; "
        "expected host[:port] with a DNS name, IPv4 address or [IPv6]",
    ),
    (
        "gcr.io:port/x:v1",
        "invalid registry domain 'gcr.io:port' in 'gcr.io:port/x:v1'; "
        "expected host[:port] with a DNS name, IPv4 address or [IPv6]",
    ),
    (
        # 128 characters, not too long: the grammar is what is wrong
        "ubuntu:-" + "t" * 127,
        "invalid tag '-" + "t" * 76 + "...'; expected a letter, digit or '_' "
        "followed by letters, digits, '_', '.' or '-'",
    ),
    (
        # a ':' before the last '/' is not a tag separator
        "gcr.io/p:x/y",
        "invalid path component 'p:x' in 'gcr.io/p:x/y'; expected lower-case "
        "letters and digits joined by '.', '_', '__' or runs of '-'",
    ),
    ("UBUNTU", "repository name must be lowercase: got 'UBUNTU' in 'UBUNTU'"),
    (
        "/i",
        "empty path component in '/i'; expected components separated by single '/'",
    ),
    (
        "gcr.io/p/a b",
        "invalid path component 'a b' in 'gcr.io/p/a b'; expected lower-case "
        "letters and digits joined by '.', '_', '__' or runs of '-'",
    ),
]


@pytest.mark.parametrize(("text", "message"), KNOWN_ANSWERS)
def test_known_bad_references_give_exact_messages(text: str, message: str) -> None:
    assert _message(text) == message
