"""What the checks of a platform policy know about one image.

:class:`ImageFacts` bundles the image as written, its parsed reference (None
when it does not parse), the caller-supplied registry metadata and the
occurrence source, so that every check has the same pure signature
``(check, facts, now) -> (verdict, explanation)``. Nothing here reads a store or
a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kritis_sim.core.source import AttestationSource
from kritis_sim.errors import ImageRefError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.platform.results import ImageMetadata

__all__ = ["ImageFacts", "facts_for"]


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """Everything a check may use about one image.

    Attributes:
        image: the image exactly as in the workload.
        ref: the parsed reference, or None when ``image`` does not parse.
        parse_error: why it does not parse (None when it does).
        metadata: the registry metadata the caller supplied, if any.
        occurrences: where occurrences would be read from (checks that need
            them are not evaluated yet).
    """

    image: str
    ref: ImageRef | None
    parse_error: str | None
    metadata: ImageMetadata | None
    occurrences: AttestationSource | None


def facts_for(
    image: str,
    image_metadata: Mapping[str, ImageMetadata],
    occurrences: AttestationSource | None,
) -> ImageFacts:
    """The facts of ``image``; metadata is looked up by the image as written,
    then by its normalised form, then by its digest (``sha256:...``)."""
    try:
        ref: ImageRef | None = ImageRef.parse(image)
        problem = None
    except ImageRefError as exc:
        ref, problem = None, exc.message
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
    )
