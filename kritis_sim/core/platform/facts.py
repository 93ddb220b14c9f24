"""What the checks of a platform policy know about one image.

:class:`ImageFacts` bundles the image as written, its parsed reference (None
when it does not parse), the caller-supplied registry metadata, the
occurrence source and the roots of trust of SLSA builders
(:class:`BuilderRoots`), so that every check has the same pure signature
``(check, facts, now) -> (verdict, explanation)``. Nothing here reads a store or
a clock.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from kritis_sim.core.platform.occurrences import PlatformOccurrences
from kritis_sim.crypto.dsse import DsseKey
from kritis_sim.errors import ImageRefError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.results import ImageMetadata

__all__ = ["GOOGLE_CLOUD_BUILD_IDS", "BuilderRoots", "ImageFacts", "facts_for"]

#: The SLSA ``builder.id`` of Cloud Build's hosted workers (the value the
#: reference's worked example shows; Google documents no list).
GOOGLE_CLOUD_BUILD_IDS: tuple[str, ...] = (
    "https://cloudbuild.googleapis.com/GoogleHostedWorker",
)


@dataclass(frozen=True, slots=True)
class BuilderRoots:
    """The roots of trust of one ``trustedBuilder`` (configuration, not policy).

    Binary Authorization fetches Cloud Build's provenance keys itself; the
    simulator is given them.

    Attributes:
        keys: keys whose signature on the provenance envelope is trusted.
        builder_ids: accepted ``builder.id`` values of the provenance.
    """

    keys: tuple[DsseKey, ...]
    builder_ids: tuple[str, ...] = GOOGLE_CLOUD_BUILD_IDS


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """Everything a check may use about one image.

    Attributes:
        image: the image exactly as in the workload.
        ref: the parsed reference, or None when ``image`` does not parse.
        parse_error: why it does not parse (None when it does).
        metadata: the registry metadata the caller supplied, if any.
        occurrences: where occurrences are read from (None: none given).
        builders: roots of trust per trusted builder, for ``slsaCheck``.
    """

    image: str
    ref: ImageRef | None
    parse_error: str | None
    metadata: ImageMetadata | None
    occurrences: PlatformOccurrences | None
    builders: Mapping[TrustedBuilder, BuilderRoots]


def _parse_image(image: str) -> ImageRef | str:
    """The parsed reference, or why ``image`` does not parse."""
    try:
        return ImageRef.parse(image)
    except ImageRefError as exc:
        return exc.message


# Memoised by wrapping rather than decorating: mutmut mutates only undecorated
# functions (docs/mutation.md).
_parse = functools.lru_cache(maxsize=4096)(_parse_image)


def facts_for(
    image: str,
    image_metadata: Mapping[str, ImageMetadata],
    occurrences: PlatformOccurrences | None,
    builders: Mapping[TrustedBuilder, BuilderRoots] | None = None,
) -> ImageFacts:
    """The facts of ``image``; metadata is looked up by the image as written,
    then by its normalised form, then by its digest (``sha256:...``)."""
    parsed = _parse(image)
    ref, problem = (None, parsed) if isinstance(parsed, str) else (parsed, None)
    metadata = image_metadata.get(image)
    if metadata is None and ref is not None:
        metadata = image_metadata.get(ref.normalized)
        if metadata is None and ref.digest is not None:
            metadata = image_metadata.get(ref.digest)
    return ImageFacts(
        image=image,
        ref=ref,
        parse_error=problem,
        metadata=metadata,
        occurrences=occurrences,
        builders=builders or {},
    )
