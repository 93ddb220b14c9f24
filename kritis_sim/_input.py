"""Read user files and stdin as text within the input limits.

:func:`read_input` reads at most :data:`MAX_INPUT_BYTES` (plus one) bytes of a
file or stdin and refuses anything larger before decoding it;
:func:`decode_input` refuses text that is not UTF-8 or holds NUL bytes. Both
raise :class:`~kritis_sim.errors.InputError` (exit 2 in the CLI). This module
does not parse: :mod:`kritis_sim._yaml` turns the text into data.
"""

from __future__ import annotations

import os
import sys

from kritis_sim.errors import InputError

__all__ = ["MAX_INPUT_BYTES", "decode_input", "read_input"]

#: The largest file (or stdin) accepted, in bytes; also the most characters
#: :func:`load_documents` accepts. A 10,000-pattern, 10,000-rule policy is
#: about 2.4 MB.
MAX_INPUT_BYTES = 8 * 1024 * 1024


def decode_input(
    data: bytes, source: str = "<input>", *, limit: int = MAX_INPUT_BYTES
) -> str:
    """``data`` as text: UTF-8 (a leading BOM is dropped), no NUL bytes.
    ``limit`` is larger only for readers that bound their own items
    (:mod:`kritis_sim.cv.json_list`).

    Raises:
        InputError: too large, not UTF-8, or binary; names the byte offset.
    """
    if len(data) > limit:
        raise InputError(
            f"input is larger than the limit of {limit} bytes",
            source=source,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (binary file?): byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start} is not valid UTF-8",
            source=source,
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(
            f"not text (binary file?): NUL byte at character offset {nul}",
            source=source,
            line=text.count("\n", 0, nul) + 1,
        )
    return text.removeprefix("\ufeff")


def read_input(path: str | os.PathLike[str], *, limit: int = MAX_INPUT_BYTES) -> str:
    """Read the file ``path`` (``-`` is stdin) as text, within the limits.

    At most :data:`MAX_INPUT_BYTES` (or ``limit``) + 1 bytes are ever read,
    so a huge file is refused quickly and in little memory.

    Raises:
        InputError: the file is missing, unreadable, too large, or not text.
    """
    source = os.fspath(path)
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(source, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > limit:
                    raise InputError(
                        f"file is {size} bytes, larger than the limit of {limit} bytes",
                        source=source,
                    )
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", source=source) from None
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror or exc}", source=source
        ) from None
    return decode_input(data, source, limit=limit)
