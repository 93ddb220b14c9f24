"""Key loading never crashes (issue 10.7): garbage, binary, mutated and huge
PEM input either loads or raises KeyFormatError with a one-line message."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kritis_sim.crypto import keys
from kritis_sim.crypto.keys import (
    MAX_PEM_CHARS,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from kritis_sim.errors import KeyFormatError

_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC = public_key_pem(_KEY)
PRIVATE = private_key_pem(_KEY).decode("ascii")

_LOADERS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "public": (PUBLIC, load_public_key),
    "private": (PRIVATE, load_private_key),
}
_PIECES = st.sampled_from(
    ["\n", "\r\n", " ", "=", "-----", "BEGIN ", "END ", "PUBLIC KEY", "PRIVATE KEY",
     "-----BEGIN PUBLIC KEY-----\n", "-----END PRIVATE KEY-----", "MII", "\x00", "é"]
)  # fmt: skip
_SETTINGS = settings(
    max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None
)


def _check(load: Callable[[Any], Any], data: str | bytes) -> None:
    start = time.perf_counter()
    try:
        load(data)
    except KeyFormatError as exc:
        assert exc.message and "\n" not in str(exc)
    assert time.perf_counter() - start < 5


@st.composite
def _mutated(draw: st.DrawFn, valid: str) -> str:
    text = valid
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        text = text[:at] + draw(_PIECES | st.text(max_size=3)) + text[at + cut :]
    return text


@_SETTINGS
@given(st.sampled_from(sorted(_LOADERS)), st.data())
def test_mutated_pem_loads_or_is_refused(name: str, data: st.DataObject) -> None:
    valid, load = _LOADERS[name]
    text = data.draw(_mutated(valid))
    _check(load, text)
    _check(load, text.encode("utf-8", "surrogatepass"))


@_SETTINGS
@given(st.sampled_from(sorted(_LOADERS)), st.binary(max_size=400))
def test_random_bytes_are_refused(name: str, raw: bytes) -> None:
    _check(_LOADERS[name][1], raw)


@pytest.mark.parametrize("load", [load_public_key, load_private_key])
def test_huge_and_binary_key_input_is_refused_in_one_line(
    load: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Huge input is refused by its length, before any PEM scanning or parsing
    # (checked by making the scan fail, not by a clock: no timed tests).
    def never(text: str) -> list[tuple[str, int, int]]:
        raise AssertionError("huge input reached the PEM scanner")

    with monkeypatch.context() as patch:
        patch.setattr(keys, "_blocks", never)
        with pytest.raises(KeyFormatError, match="more than the limit"):
            load("-----BEGIN PUBLIC KEY-----\n" * (MAX_PEM_CHARS // 10))
        with pytest.raises(KeyFormatError, match="more than the limit"):
            load(b"\x00" * (100 * 1024 * 1024))
    with pytest.raises(KeyFormatError, match=r"not ASCII text \(binary file\?\)"):
        load(b"\x7fELF\x02\x01\x01\x00\xff")


def test_non_ascii_inside_a_pem_block_is_refused() -> None:
    lines = PUBLIC.splitlines()
    lines[1] = "é" + lines[1][1:]
    with pytest.raises(KeyFormatError, match="non-ASCII"):
        load_public_key("\n".join(lines))
