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
