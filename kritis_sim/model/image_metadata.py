"""Image metadata files: what the registry knows about images (upload times).

``imageFreshnessCheck`` judges an image by when it was uploaded to the
registry; that is registry metadata (Artifact Registry's
``DockerImage.uploadTime``), not a Grafeas occurrence. kritis-sim reads it from
a YAML or JSON file of this shape (``docs/platform-policy.md``)::

    images:
      "us-docker.pkg.dev/p/repo/app@sha256:<64 hex>": {uploadTime: "2026-11-01T08:00:00Z"}
      "gcr.io/p/tool:1.2":                            {uploadTime: "2026-10-01T00:00:00+02:00"}
      "sha256:<64 hex>":                              {uploadTime: "2026-09-01T00:00:00Z"}

Each key is an image reference (it must parse; it is stored normalised, so
``nginx:1`` and ``docker.io/library/nginx:1`` are the same key) or a bare
``sha256:`` digest, which covers every image with that digest. Each value
holds ``uploadTime``, an RFC 3339 timestamp with ``Z`` or an offset. Unknown
fields, two keys naming the same image, and an empty file are refused with the
file, line and field named (:class:`~kritis_sim.errors.InputError`).

:func:`load_image_metadata` returns the mapping that
:func:`~kritis_sim.core.platform.evaluate_platform_policy` takes. This module
reads and validates only; it decides nothing. The file is read by the caller
(:func:`load_image_metadata_file` is the CLI's convenience).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Locator, load_documents, load_one, read_input
from kritis_sim.errors import ImageRefError, InputError
from kritis_sim.model._fields import FieldReader
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.model.platform.results import ImageMetadata

__all__ = ["load_image_metadata", "load_image_metadata_file"]

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_TOP = ("images",)
_ENTRY = ("uploadTime",)


def _key(reader: FieldReader, key: str, path: tuple[str, ...]) -> str:
    """The lookup key of one entry: a digest, or the normalised reference."""
    if _DIGEST.fullmatch(key):
        return key
    if key.startswith("sha256:"):
        reader.fail(
            path,
            f"a digest key must be 'sha256:' and 64 lowercase hex digits, got {key!r}",
        )
    try:
        return ImageRef.parse(key).normalized
    except ImageRefError as exc:
        reader.fail(
            path,
            "expected an image reference or a sha256: digest as the key, "
            f"got {key!r}: {exc.message}",
        )


def _entry(reader: FieldReader, value: Any, path: tuple[str, ...]) -> ImageMetadata:
    data = reader.mapping(value, path, known=_ENTRY, what="image metadata")
    if "uploadTime" not in data:
        reader.fail(path, "missing required field 'uploadTime' (RFC 3339)")
    text = data["uploadTime"]
    if not isinstance(text, str):
        reader.fail(
            (*path, "uploadTime"),
            "expected an RFC 3339 timestamp string such as "
            f"'2026-11-01T08:00:00Z', got {type(text).__name__}",
        )
    try:
        return ImageMetadata(upload_time=parse_timestamp(text))
    except ValueError as exc:
        reader.fail((*path, "uploadTime"), str(exc))


def image_metadata_from_dict(
    data: Any, locator: Locator | None = None
) -> dict[str, ImageMetadata]:
    """Validate parsed data (see the module doc) into metadata by image key.

    Raises:
        InputError: naming the line and field of the first problem.
    """
    reader = FieldReader(locator or Locator(), InputError)
    top = reader.mapping(data, (), known=_TOP, what="an image metadata document")
    images = top.get("images")
    if not isinstance(images, Mapping) or not images:
        reader.fail(
            ("images",),
            "expected a non-empty mapping of image reference or sha256: digest "
            "to {uploadTime: RFC3339}",
        )
    out: dict[str, ImageMetadata] = {}
    first: dict[str, str] = {}
    for raw, value in images.items():
        path = ("images", str(raw))
        if not isinstance(raw, str):
            reader.fail(path, f"expected an image reference as the key, got {raw!r}")
        key = _key(reader, raw, path)
        if key in out:
            reader.fail(
                path,
                f"{raw!r} names the same image as {first[key]!r}; give each image once",
            )
        first[key] = raw
        out[key] = _entry(reader, value, path)
    return out


def load_image_metadata(text: str, source: str = "<input>") -> dict[str, ImageMetadata]:
    """Load one image metadata document from YAML or JSON ``text``.

    Raises:
        InputError: not one YAML/JSON document, or invalid (file, line, field).
    """
    if not any(data is not None for data, _ in load_documents(text, source=source)):
        raise InputError(
            "the image metadata file is empty; expected {images: {REF: {uploadTime: ...}}}",
            source=source,
        )
    data, locator = load_one(text, source=source)
    return image_metadata_from_dict(data, locator)


def load_image_metadata_file(path: str | os.PathLike[str]) -> dict[str, ImageMetadata]:
    """Read and load an image metadata file (``-`` is stdin)."""
    name = os.fspath(path)
    return load_image_metadata(read_input(name), source=name)
