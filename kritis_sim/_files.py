"""Writing key and certificate files so that nobody else can read a key.

:func:`write_file` writes the bytes to a new temporary file next to the target,
created with ``O_CREAT | O_EXCL`` and the final permission bits from the start
(0600 for a private key), flushes it to disk and then renames it over the
target. So:

- a key is never readable by others, not even for an instant, and an
  existing file that was 0644 is *replaced* by a 0600 one (its old inode, with
  its old permissions and any other hard link to it, is not written to);
- a symbolic link at the target is replaced by the new file, never written
  through (the file it pointed to is left as it was);
- a reader sees the old content or the new one, never half of it.

With ``replace=False`` the target must not exist (a dangling symlink counts as
existing): the new file is hard-linked into place, which fails atomically if
something is already there. This module knows nothing about keys or PEM.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_file"]


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse it
        pass
    finally:
        os.close(fd)


def write_file(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int = 0o600,
    replace: bool = True,
) -> Path:
    """Write ``data`` to ``path`` with permission bits ``mode``, atomically.

    Args:
        path: the file to create or replace (its directory must exist).
        data: the content.
        mode: permission bits of the new file, set exactly (the umask does
            not apply).
        replace: replace an existing file or symlink; when False an existing
            one raises :class:`FileExistsError` and is left untouched.

    Returns:
        The path written.

    Raises:
        FileExistsError: ``replace`` is False and ``path`` exists.
        OSError: the directory is missing or not writable.
    """
    target = Path(path)
    directory = target.parent
    # mkstemp opens with O_CREAT | O_EXCL and mode 0600: a fresh inode that
    # nobody else can have opened, readable by the owner only.
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=directory
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, target)  # replaces a symlink itself, not its target
        else:
            os.link(tmp, target)  # fails if anything, even a symlink, is there
            tmp.unlink()
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(directory)
    return target
