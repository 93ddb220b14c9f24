"""Reading the files a scenario names, confined to the scenario's root.

A scenario names supporting files: policy files, Kubernetes manifests, PEM key
files. Every such name goes through :func:`read_confined`, which checks it
*before* reading a byte:

* it is a relative path (an absolute path is refused, so scenarios move with
  their directory) without NUL characters;
* it exists, and resolved (``..`` and every symbolic link followed) it lies
  inside the *root*: the scenario file's directory unless a wider root is given
  (``kritis-sim run --root DIR``, the pytest ini option
  ``kritis_sim_scenario_root``). ``..`` and symbolic links are fine while they
  stay inside the root;
* it is a regular file (no device, FIFO, socket or directory);
* it is at most :data:`MAX_FILE_BYTES` long (checked with ``stat`` first, and
  again while reading, in case the file grows in between);
* it is UTF-8 text.

A name may also be a directory where a reader accepts one
(:func:`confined_directory`: the Kritis resources of an environment, the
occurrences a world starts with): its files with the given suffixes are
listed, sorted, and each goes through :func:`read_confined` (so a link out of
the root is refused there); a directory with none of them is refused.

The scenario file itself goes through :func:`read_scenario_text` (regular file,
size limit, UTF-8; it is named by the user, so no root applies). Problems are
:class:`FileRefused` with a one-line message; the loader adds the scenario
file, line and field. This module parses nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "MAX_FILE_BYTES", "FileRefused", "confined_directory", "read_confined", "read_scenario_text", "resolve_root",
]

#: The largest scenario, policy, manifest or key file read (1 MiB).
MAX_FILE_BYTES = 1 << 20


class FileRefused(Exception):
    """A named file that may not or cannot be read (message only, no location)."""


def resolve_root(root: str | os.PathLike[str]) -> Path:
    """``root`` resolved; it must be an existing directory.

    Raises:
        FileRefused: it does not exist or is not a directory.
    """
    try:
        resolved = Path(root).resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:
        raise FileRefused(f"scenario root {os.fspath(root)!r} does not exist: {_why(exc)}") from None
    if not resolved.is_dir():
        raise FileRefused(f"scenario root {os.fspath(root)!r} is not a directory")
    return resolved


def _why(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _read_regular(path: Path, shown: str) -> str:
    """The UTF-8 text of ``path`` after the regular-file and size checks.

    ``shown`` names the file in messages (``'policy.yaml'``, ``scenario``).
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise FileRefused(f"cannot read {shown}: {_why(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "a device, FIFO or socket"
        raise FileRefused(f"{shown} is {what}, not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise FileRefused(
            f"{shown} is {info.st_size} bytes; the limit is {MAX_FILE_BYTES} bytes"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileRefused(f"cannot read {shown}: {_why(exc)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"{shown} grew past the limit of {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{shown} is not UTF-8 text (byte {exc.start})") from None


def read_scenario_text(path: str | os.PathLike[str]) -> str:
    """The text of a scenario file (regular file, size limit, UTF-8).

    Raises:
        FileRefused: the file is missing, special, too large or not UTF-8.
    """
    return _read_regular(Path(path), "scenario")


def read_confined(name: str, base_dir: Path, root: Path) -> tuple[Path, str]:
    """``(path, text)`` of ``name`` (relative to ``base_dir``), confined to ``root``.

    Args:
        name: the file name as the scenario writes it.
        base_dir: the scenario file's directory.
        root: the resolved root every file must resolve inside.

    Raises:
        FileRefused: the name is absolute, leads out of the root (by ``..`` or
            a symbolic link), is missing, special, too large or not UTF-8.
    """
    if "\0" in name:
        raise FileRefused(f"file name {name!r} contains a NUL character")
    if os.path.isabs(name):
        raise FileRefused(
            f"absolute path {name!r} is not allowed; name files relative to the scenario's directory"
        )
    full = base_dir / name
    try:
        resolved = full.resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:
        raise FileRefused(f"cannot read {name!r}: {_why(exc)}") from None
    if not resolved.is_relative_to(root):
        lexical = Path(os.path.normpath(os.path.abspath(full)))
        how = "through a symbolic link " if lexical.is_relative_to(root) else ""
        raise FileRefused(
            f"{name!r} leads {how}out of the scenario root {os.fspath(root)!r} "
            f"(to {os.fspath(resolved)!r}); files must stay inside it (widen it with --root)"
        )
    return full, _read_regular(resolved, repr(name))


def confined_directory(
    name: str, base_dir: Path, root: Path, suffixes: tuple[str, ...]
) -> list[str] | None:
    """The files (names relative to ``base_dir``, sorted) of the directory
    ``name`` whose suffix is one of ``suffixes``, or None when ``name`` is not
    a directory (read it with :func:`read_confined`).

    Raises:
        FileRefused: the name is absolute or leads out of the root, or the
            directory holds none of those files.
    """
    if "\0" in name or os.path.isabs(name):
        return None  # read_confined says why
    full = base_dir / name
    try:
        resolved = full.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not resolved.is_dir():
        return None
    if not resolved.is_relative_to(root):
        read_confined(name, base_dir, root)  # raises: out of the root
    files = sorted(p.name for p in resolved.iterdir() if p.suffix in suffixes and not p.is_dir())
    if not files:
        raise FileRefused(
            f"directory {name!r} holds no {', '.join('*' + s for s in suffixes)} files"
        )
    return [os.path.join(name, f) for f in files]
