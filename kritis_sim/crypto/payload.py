"""The simple-signing payload that Binary Authorization attestations sign.

:func:`make_payload` writes the bytes ``gcloud container binauthz
create-signature-payload --artifact-url=IMAGE`` prints, byte for byte::

    json.dumps(d, ensure_ascii=True, indent=2, separators=(",", ": "), sort_keys=True) + "\\n"

where ``critical.identity.docker-reference`` is the image name exactly as
written (scheme, tag and digest removed, *no* Docker Hub normalisation:
``docker.io/nginx`` stays ``docker.io/nginx``) and
``critical.image.docker-manifest-digest`` is the ``sha256:`` digest.

Like gcloud, it refuses an image without a digest ("must be fully qualified")
and an image without an explicit registry domain (``nginx@sha256:...``; as
in gcloud's name parser, the first component is a domain only when it
contains ``.`` or ``:``, so ``localhost/foo`` is refused too). One
documented difference: gcloud's URL parsing mistakes ``host:port/...`` for a
URL scheme and refuses ``localhost:5000/a/b@sha256:...``; kritis-sim accepts it
and writes ``localhost:5000/a/b`` (what gcloud's own name parser would give).

:func:`parse_payload` reads any simple-signing payload (gcloud's, Kritis'
compact one, Red Hat's with ``optional``). It checks shape only: it does not
require a particular ``type`` and does not compare the digest with an image;
that is the decision core's job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kritis_sim.errors import ImageRefError, OccurrenceError
from kritis_sim.model.imageref import ImageRef

__all__ = [
    "GCLOUD_PAYLOAD_TYPE",
    "SigningPayload",
    "artifact_url",
    "make_payload",
    "parse_payload",
]

#: The ``critical.type`` gcloud writes.
GCLOUD_PAYLOAD_TYPE = "Google cloud binauthz container signature"

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://", re.ASCII)


@dataclass(frozen=True, slots=True)
class SigningPayload:
    """The fields of a simple-signing payload.

    Attributes:
        docker_reference: ``critical.identity.docker-reference``.
        manifest_digest: ``critical.image.docker-manifest-digest``.
        type: ``critical.type``, or ``None`` when absent (never required).
        optional: the top-level ``optional`` object, when present.
    """

    docker_reference: str
    manifest_digest: str
    type: str | None = None
    optional: Mapping[str, Any] | None = field(default=None, hash=False)


def artifact_url(image: ImageRef | str) -> str:
    """``image`` without a URL scheme, as gcloud's ``RemoveArtifactUrlScheme`` does."""
    text = image.original if isinstance(image, ImageRef) else image
    match = _SCHEME_RE.match(text)
    return text[match.end() :] if match else text


def make_payload(image: ImageRef | str) -> bytes:
    """The payload gcloud's ``create-signature-payload`` makes for ``image``.

    ``image`` may carry an ``http(s)://`` scheme and a tag; both are dropped.

    Raises:
        ImageRefError: the reference does not parse, has no ``sha256`` digest
            (tag-only images cannot be attested), or names no registry domain.
    """
    url = artifact_url(image)
    ref = ImageRef.parse(url)
    if ref.digest is None:
        raise ImageRefError(
            "Docker image name must be fully qualified (e.g. registry/repository@digest) "
            f"saw: {url}; an image referenced by tag cannot be attested"
        )
    if not ref.has_sha256_digest:
        raise ImageRefError(
            f"Invalid digest: {ref.digest}; expected 'sha256:' and 64 lower-case hex "
            "characters (Binary Authorization attests sha256 digests only)"
        )
    first, slash, _ = url.partition("/")
    if not (slash and ("." in first or ":" in first)):  # gcloud's registry rule
        raise ImageRefError(
            f"A Docker registry domain must be specified (saw: {url}); "
            f"write it in full, e.g. {ref.name}@{ref.digest}"
        )
    name = url.partition("@")[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        name = name[:colon]
    document = {
        "critical": {
            "identity": {"docker-reference": name},
            "image": {"docker-manifest-digest": ref.digest},
            "type": GCLOUD_PAYLOAD_TYPE,
        }
    }
    text = json.dumps(
        document, ensure_ascii=True, indent=2, separators=(",", ": "), sort_keys=True
    )
    return (text + "\n").encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _member(data: Mapping[str, Any], key: str, path: str, kind: type) -> Any:
    where = f"{path}.{key}" if path else key
    if key not in data:
        raise OccurrenceError(f"payload is missing {where}", path="serializedPayload")
    value = data[key]
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a string"
        raise OccurrenceError(
            f"payload {where} must be {expected}, got {type(value).__name__}",
            path="serializedPayload",
        )
    return value


def parse_payload(data: bytes) -> SigningPayload:
    """Read a simple-signing payload.

    Duplicate keys and the non-JSON constants ``NaN``/``Infinity`` are refused:
    two parsers must never see different values in one signed payload.

    Raises:
        OccurrenceError: not UTF-8, not JSON, not an object, or a required
            field (``critical.identity.docker-reference``,
            ``critical.image.docker-manifest-digest``) missing or not a string.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OccurrenceError(
            f"payload is not UTF-8: {exc}", path="serializedPayload"
        ) from None
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants
        )
    except ValueError as exc:
        raise OccurrenceError(
            f"payload is not valid JSON: {exc}", path="serializedPayload"
        ) from None
    if not isinstance(document, dict):
        raise OccurrenceError(
            f"payload must be a JSON object, got {type(document).__name__}",
            path="serializedPayload",
        )
    critical = _member(document, "critical", "", dict)
    identity = _member(critical, "identity", "critical", dict)
    image = _member(critical, "image", "critical", dict)
    reference = _member(identity, "docker-reference", "critical.identity", str)
    digest = _member(image, "docker-manifest-digest", "critical.image", str)
    kind = _member(critical, "type", "critical", str) if "type" in critical else None
    optional = (
        _member(document, "optional", "", dict) if "optional" in document else None
    )
    return SigningPayload(reference, digest, kind, optional)
