"""JSON lines, read one line at a time: the streaming half of the audit-log
readers.

An audit log can be far larger than the 8 MiB a whole-file input may be
(:data:`kritis_sim._input.MAX_INPUT_BYTES`), so :func:`file_lines` reads a
file line by line instead, holding one line in memory; the limits apply per
line (a line longer than :data:`MAX_LINE_BYTES`, or not UTF-8 text, is
refused naming the file and line). :func:`json_lines` turns lines into
``(line number, value)`` pairs and tells a truncated last line (a log still
being written) from a broken one. This module reads; it knows nothing of
what the values mean.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from kritis_sim._input import MAX_INPUT_BYTES, decode_input
from kritis_sim.cv.items import Skip
from kritis_sim.errors import InputError

__all__ = [
    "MAX_LINE_BYTES",
    "Lines",
    "file_byte_lines",
    "file_lines",
    "first_line",
    "json_lines",
]

#: A whole text, its lines, or a file's lines as bytes (``file_byte_lines``).
Lines = str | Iterable[str] | Iterable[bytes]

#: The longest line accepted in a streamed file (the whole-file limit).
MAX_LINE_BYTES = MAX_INPUT_BYTES


def _open(path: str) -> Any:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError("file not found", source=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", source=path) from None
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror or exc}", source=path
        ) from None


def file_byte_lines(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The lines of a file (newlines kept) as bytes, one at a time, each
    within the length limit; :func:`json_lines` checks that a line is
    UTF-8 text as it reads it (orjson reads bytes, saving a decode).

    Raises:
        InputError: the file is missing or unreadable, or a line is longer
            than :data:`MAX_LINE_BYTES` (file:line named).
    """
    source = os.fspath(path)
    with _open(source) as fh:
        number = 0
        readline = fh.readline
        while True:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise InputError(
                    f"line is longer than the limit of {MAX_LINE_BYTES} bytes",
                    source=source,
                    line=number,
                )
            yield raw


def file_lines(path: str | os.PathLike[str]) -> Iterator[str]:
    """The lines of a file (newlines kept), one at a time, each within the
    input limits.

    Raises:
        InputError: the file is missing or unreadable, or a line is longer
            than :data:`MAX_LINE_BYTES` or not UTF-8 text (file:line named).
    """
    source = os.fspath(path)
    for number, raw in enumerate(file_byte_lines(source), 1):
        try:
            text = decode_input(raw, source)
        except InputError as exc:
            raise InputError(exc.message, source=source, line=number) from None
        yield text


def first_line(path: str) -> str:
    """The first non-blank line of a file, or "" for an empty file; a line
    longer than :data:`MAX_LINE_BYTES` (minified JSON, say) is cut there
    (telling what the file is needs no more).

    Raises:
        InputError: the file is missing or unreadable.
    """
    with _open(path) as fh:
        while True:
            raw: bytes = fh.readline(MAX_LINE_BYTES)
            if not raw:
                return ""
            if raw.strip():
                return raw.decode("utf-8", errors="replace")


def _loads(raw: str | bytes, source: str, number: int) -> Any:
    """A line's JSON value. Bytes are read by orjson directly; only when
    that fails is the line decoded (:func:`decode_input`: not UTF-8, NUL
    bytes and a leading BOM are told apart as for text lines)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        if isinstance(raw, str):
            raise
    try:
        text = decode_input(raw, source)
    except InputError as exc:
        raise InputError(exc.message, source=source, line=number) from None
    return orjson.loads(text)


def json_lines(
    lines: str | Iterable[str] | Iterable[bytes], source: str
) -> Iterator[tuple[int, Any] | Skip]:
    """``(line number, value)`` of each non-blank line; a truncated last line
    (no newline, not JSON) is a :class:`Skip`. ``lines`` is the whole text
    or its lines with their newlines (:func:`file_lines`, or bytes from
    :func:`file_byte_lines`).

    Raises:
        InputError: a line that is not JSON (other than a truncated last
            one), or a bytes line that is not UTF-8 text.
    """
    it: Iterator[str | bytes] = iter(
        lines.splitlines(keepends=True) if isinstance(lines, str) else lines
    )
    raw = next(it, None)
    number = 0
    while raw is not None:
        number += 1
        following = next(it, None)
        if raw.strip():
            try:
                value = _loads(raw, source, number)
            except orjson.JSONDecodeError as exc:
                ends = (
                    raw.endswith(b"\n")
                    if isinstance(raw, bytes)
                    else raw.endswith("\n")
                )
                if following is None and not ends:
                    yield Skip("truncated last line", f"{source}:{number}")
                    return
                raise InputError(
                    f"not a JSON line ({exc}); expected one JSON object per line",
                    source=source,
                    line=number,
                ) from None
            yield number, value
        raw = following
