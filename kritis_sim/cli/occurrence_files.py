"""Attestation occurrence files for the CLI: many files, directories, append.

``--occurrences`` may be given several times; each value is a file or a
directory. A file holds YAML or JSON: one occurrence, a list of them, a Grafeas
list reply ``{"occurrences": [...]}``, or several such YAML documents. A
directory contributes every ``*.json``, ``*.yaml`` and ``*.yml`` file directly
inside it, in sorted name order; a directory with none is an error (nothing is
skipped silently). Everything read is merged, in the order given.

:func:`append_occurrence` adds one occurrence to an existing file (``sign
--append``), keeping it a valid occurrences file: it is read with the same
loader, the new entry added, and the whole rewritten through a temporary file
renamed over the original, under an exclusive lock (``flock``) so that
concurrent appends are serialised.

CLI-only; the model's :func:`~kritis_sim.model.occurrence.load_occurrences`
does the validating.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from kritis_sim._yaml import load_documents
from kritis_sim.errors import InputError, OccurrenceError
from kritis_sim.model.occurrence import AttestationOccurrence, load_occurrences

__all__ = [
    "OCCURRENCES_HELP",
    "OCCURRENCE_FILES_HELP",
    "OCCURRENCE_SUFFIXES",
    "append_occurrence",
    "occurrence_texts",
    "read_occurrences",
]

#: File name endings read from an ``--occurrences`` directory.
OCCURRENCE_SUFFIXES = (".json", ".yaml", ".yml")

#: How every command's ``--occurrences FILE|DIR`` (action "append") is read,
#: so the option reads and means the same everywhere
#: (:func:`kritis_sim.cli.common_flags.add_occurrences`).
OCCURRENCE_FILES_HELP = (
    "repeatable. A file (- for stdin) holds "
    "YAML/JSON: one occurrence, a list, {occurrences: [...]}, or several "
    "YAML documents of these. A directory contributes every "
    + ", ".join(f"*{s}" for s in OCCURRENCE_SUFFIXES)
    + " file in it (sorted by name; none is an error). All are merged"
)
#: The help of an ``--occurrences`` that reads attestations.
OCCURRENCES_HELP = "attestation occurrences; " + OCCURRENCE_FILES_HELP


def _text(path: Path, shown: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", source=shown) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=shown) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise OccurrenceError(
            "not a JSON/YAML occurrences file (it is not UTF-8 text)", source=shown
        ) from None


def _files(value: str) -> list[tuple[Path, str]]:
    path = Path(value)
    if not path.is_dir():
        return [(path, value)]
    found = sorted(
        p for p in path.iterdir() if p.is_file() and p.suffix in OCCURRENCE_SUFFIXES
    )
    if not found:
        raise InputError(
            "the directory holds no *.json, *.yaml or *.yml occurrence files",
            source=value,
        )
    return [(p, str(p)) for p in found]


def _load(text: str, shown: str) -> tuple[AttestationOccurrence, ...]:
    try:
        return load_occurrences(text, source=shown)
    except OccurrenceError as exc:
        if exc.path is None and exc.message.startswith("expected a list"):
            raise OccurrenceError(
                f"not a JSON/YAML occurrences file: {exc.message}",
                source=exc.source,
                line=exc.line,
            ) from None
        raise
    except InputError as exc:
        if exc.message.startswith("not valid YAML/JSON"):
            raise InputError(
                exc.message.replace("not valid YAML/JSON", "not a JSON/YAML file", 1),
                source=exc.source,
                line=exc.line,
            ) from None
        raise


def read_occurrences(values: Iterable[str]) -> tuple[AttestationOccurrence, ...]:
    """Every occurrence in the given files and directories, merged.

    Raises:
        InputError: a missing file, an empty directory, or a file that is not
            a JSON/YAML occurrences document (file and line named).
    """
    out: list[AttestationOccurrence] = []
    for text, shown in occurrence_texts(values):
        out.extend(_load(text, shown))
    return tuple(out)


def occurrence_texts(values: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(text, name shown in messages)`` of every file of the given files and
    directories (``-`` is stdin), in order; the reading rules of
    :func:`read_occurrences`, for loaders of other occurrence kinds.

    Raises:
        InputError: a missing or unreadable file, or an empty directory.
    """
    for value in values:
        if value == "-":
            yield sys.stdin.read(), "<stdin>"
            continue
        for path, shown in _files(value):
            yield _text(path, shown), shown


def _entries(text: str, shown: str) -> tuple[list[Any], bool]:
    """The raw occurrence entries of a file and whether it is a Grafeas reply."""
    docs = [data for data, _ in load_documents(text, source=shown) if data is not None]
    if not docs:
        return [], False
    if len(docs) > 1:
        return [e for d in docs for e in (d if isinstance(d, list) else [d])], False
    doc = docs[0]
    if isinstance(doc, dict) and "occurrences" in doc:
        return list(doc["occurrences"] or []), True
    return (doc if isinstance(doc, list) else [doc]), False


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file now at ``path`` (created if missing).

    The file is replaced by rename, so after the lock is granted the path must
    still name the locked file; otherwise the lock is taken again.
    """
    while True:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)


def _render(path: Path, text: str, doc: Any) -> str:
    first = text.lstrip()[:1]
    if path.suffix == ".json" or (
        path.suffix not in (".yaml", ".yml") and first in ("[", "{")
    ):
        return json.dumps(doc, indent=2) + "\n"
    return yaml.safe_dump(doc, sort_keys=False)


def _replace(path: Path, out: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(out)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_occurrence(path_text: str, occurrence: dict[str, Any]) -> int:
    """Add ``occurrence`` to the file at ``path_text``; returns the new count.

    A missing or empty file becomes a list of one. The file keeps its kind of
    content (a list, or a ``{"occurrences": [...]}`` reply; several YAML
    documents become one list) and its syntax (JSON for ``*.json``, YAML
    otherwise). The existing content must load as occurrences first. The file
    is locked while it is read and rewritten, so concurrent appends are
    serialised rather than lost.

    Raises:
        InputError: the existing file is not a valid occurrences file, or the
            file cannot be written.
    """
    path = Path(path_text)
    try:
        with _locked(path):
            text = _text(path, path_text)
            _load(text, path_text)  # refuse to extend a file that is not valid
            entries, is_reply = _entries(text, path_text)
            entries.append(occurrence)
            doc: Any = {"occurrences": entries} if is_reply else entries
            _replace(path, _render(path, text, doc))
    except OSError as exc:
        raise InputError(
            f"cannot write the occurrences file: {exc.strerror}", source=path_text
        ) from None
    return len(entries)
