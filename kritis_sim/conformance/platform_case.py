"""The platform model of a conformance case: ``platform.yaml`` and its checks.

A case of the ``platform`` model (``request.yaml``: ``target.model:
platform``) holds a GKE platform policy (a ``gkePolicy`` with a ``name``
``projects/P/platforms/gke/policies/ID``) in ``policy.yaml``, an empty
``attestors.yaml`` (``[]``), and ``platform.yaml``, what an enforcer of that
policy is configured with besides the policy::

    time: '2026-01-15T12:00:00Z'        # the case time: world.yaml's, exactly
    trustedBuilders: [...]              # as kritis-sim's --trusted-builders file
    imageMetadata:                      # as --image-metadata: upload times,
      images: {REF: {uploadTime: ...}}  #   relative to `time` like createTime

Adapters may read ``platform.yaml`` in ``setup`` (it is part of the
configuration: cases with another ``platform.yaml`` get another ``setup``).
Upload times are written at the case time; an adapter moves them by ``now -
time`` when it configures its enforcer (enforcers read their own clock), as the
suite moves occurrence times when it seeds the store.

This module reads and validates (errors name file, line and field); it neither
decides nor talks HTTP. :func:`platform_world` turns a case's occurrences into
the in-memory source the reference judge reads.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kritis_sim._yaml import load_one
from kritis_sim.conformance._fields import Fields, show
from kritis_sim.conformance.forms import shift_timestamp
from kritis_sim.errors import InputError
from kritis_sim.model.occurrence import parse_timestamp

if TYPE_CHECKING:  # pragma: no cover
    from kritis_sim.conformance.case import Case, World
    from kritis_sim.core.platform import BuilderRoots
    from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
    from kritis_sim.model.platform.checks import TrustedBuilder
    from kritis_sim.model.platform.policy import PlatformPolicy
    from kritis_sim.model.platform.results import ImageMetadata

__all__ = [
    "MODELS",
    "PLATFORM_TAG",
    "VERDICTS",
    "PlatformConfig",
    "check_platform_case",
    "image_metadata",
    "load_platform_config",
    "platform_policy",
    "platform_world",
    "read_model",
    "read_verdict",
    "shifted_metadata",
    "trusted_builders",
]

MODELS = ("classic", "platform")
VERDICTS = ("CONFORMANT", "NON_CONFORMANT", "ERROR")
#: The feature tag every platform case carries.
PLATFORM_TAG = "platform-policy"
_KEYS = ("time", "trustedBuilders", "imageMetadata")


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """``platform.yaml``, read and validated.

    Attributes:
        text: the file as written (part of the configuration key).
        source: the file name, for messages.
        time: the case time the upload times are written against.
        trusted_builders: the ``--trusted-builders`` document (``{}``: none).
        image_metadata: the ``--image-metadata`` document (``{}``: none).
    """

    text: str
    source: str
    time: datetime
    trusted_builders: Mapping[str, Any]
    image_metadata: Mapping[str, Any]


def load_platform_config(text: str, source: str) -> PlatformConfig:
    """Read ``platform.yaml`` (a text read before is not validated again:
    the catalogue's cases share one).

    Raises:
        InputError: a field is malformed (file, line and field named).
    """
    try:
        config = _cached_config(text)
    except InputError:
        return _load_config(text, source)  # raises, naming this file
    return dataclasses.replace(config, source=source)


@functools.lru_cache(maxsize=8)
def _cached_config(text: str) -> PlatformConfig:
    return _load_config(text, "platform.yaml")


def _load_config(text: str, source: str, *, validate: bool = True) -> PlatformConfig:
    data, locator = load_one(text, source)
    doc = Fields(data, locator, source)
    root = doc.root("platform")
    unknown = sorted(set(root) - set(_KEYS))
    if unknown:
        raise doc.error((unknown[0],), f"unknown field; expected {', '.join(_KEYS)}")
    try:
        when = parse_timestamp(doc.string(("time",)))
    except ValueError as exc:
        raise doc.error(("time",), str(exc)) from None
    builders: dict[str, Any] = {}
    if "trustedBuilders" in root:
        builders = {"trustedBuilders": doc.items(("trustedBuilders",))}
    config = PlatformConfig(
        text, source, when, builders, dict(doc.mapping(("imageMetadata",)))
    )
    if validate:  # a bad key or upload time is an error at load
        _builders(config)
        _metadata(config.image_metadata, source)
    return config


def trusted_builders(config: PlatformConfig) -> dict[TrustedBuilder, BuilderRoots]:
    """The roots of trust ``platform.yaml`` gives ``slsaCheck``."""
    try:
        return dict(_cached_builders(config.text))
    except InputError:
        return _builders(config)  # raises, naming this file


@functools.lru_cache(maxsize=8)
def _cached_builders(text: str) -> Mapping[TrustedBuilder, BuilderRoots]:
    return _builders(_load_config(text, "platform.yaml", validate=False))


def _builders(config: PlatformConfig) -> dict[TrustedBuilder, BuilderRoots]:
    from kritis_sim.admission.platform_inputs import trusted_builders_from_dict
    from kritis_sim.model._fields import FieldReader
    from kritis_sim.model.platform._reader import Reader

    if not config.trusted_builders:
        return {}
    _, locator = load_one(config.text, config.source)
    return trusted_builders_from_dict(
        config.trusted_builders, Reader(FieldReader(locator, InputError))
    )


def _metadata(doc: Mapping[str, Any], source: str) -> dict[str, ImageMetadata]:
    from kritis_sim.model.image_metadata import load_image_metadata

    if not doc:
        return {}
    return load_image_metadata(json.dumps(dict(doc)), source=f"{source}: imageMetadata")


def shifted_metadata(config: PlatformConfig, now: datetime) -> dict[str, Any]:
    """The ``--image-metadata`` document with upload times moved so that
    ``config.time`` is ``now`` (ages stay as written)."""
    delta: timedelta = now - config.time
    images = dict(config.image_metadata.get("images") or {})
    return {
        "images": {
            ref: {**entry, "uploadTime": shift_timestamp(entry["uploadTime"], delta)}
            for ref, entry in images.items()
        }
    }


def image_metadata(config: PlatformConfig) -> dict[str, ImageMetadata]:
    """Upload times as written (at the case time)."""
    return _metadata(config.image_metadata, config.source)


def platform_policy(case: Case) -> PlatformPolicy:
    """The case's platform policy.

    Raises:
        InputError: ``policy.yaml`` is not a valid platform policy.
    """
    try:
        return _cached_policy(case.policy_text)
    except InputError:
        return _load_policy(case.policy_text, str(case.path / "policy.yaml"))


def _load_policy(text: str, source: str) -> PlatformPolicy:
    from kritis_sim.model.platform.policy import load_platform_policy

    return load_platform_policy(text, source=source)


@functools.lru_cache(maxsize=8)
def _cached_policy(text: str) -> PlatformPolicy:
    """Parsed once per text (the catalogue's platform cases share two)."""
    return _load_policy(text, "policy.yaml")


def platform_world(world: World) -> InMemoryPlatformOccurrences:
    """The world's occurrences of every kind, each in its ``name``'s project
    (attestations: their note's project when unnamed), as written."""
    from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
    from kritis_sim.model.occurrence_mix import load_mixed_occurrences

    source = InMemoryPlatformOccurrences()
    for data in world.occurrences:
        (occ,) = load_mixed_occurrences(json.dumps(dict(data)), source="world.yaml")
        note = str(data.get("noteName", ""))
        source.add(occ, project=None if data.get("name") else note.split("/notes/")[0])
    return source


def read_model(doc: Fields) -> str:
    """``request.yaml``'s ``target.model`` (default ``classic``)."""
    model = doc.string(("target", "model"), "classic")
    if model not in MODELS:
        raise doc.error(
            ("target", "model"),
            f"expected one of {', '.join(MODELS)}, got {show(model)}",
        )
    return model


def read_verdict(doc: Fields, allowed: bool) -> str | None:
    """``expect.yaml``'s ``verdict`` (None when absent); it must agree with
    ``allowed`` (only CONFORMANT is admitted)."""
    verdict = doc.optional_string(("verdict",))
    if verdict is not None and verdict not in VERDICTS:
        raise doc.error(
            ("verdict",), f"expected one of {', '.join(VERDICTS)}, got {show(verdict)}"
        )
    if verdict is not None and (verdict == "CONFORMANT") != allowed:
        raise doc.error(("verdict",), f"{verdict} contradicts allowed: {allowed}")
    return verdict


def check_platform_case(case: Case) -> None:
    """The model's rules: a platform case has ``platform.yaml``, the
    ``platform-policy`` tag, a named platform policy and no attestors, and its
    ``platform.yaml`` time is the world's; a classic case has none of these.

    Raises:
        InputError: naming the case file that breaks a rule.
    """
    where = str(case.path)
    if case.target.model == "classic":
        if case.platform is not None:
            raise InputError("platform.yaml needs target.model: platform", source=where)
        if case.expect.verdict is not None:
            raise InputError(
                "expect.yaml: verdict is for platform cases only", source=where
            )
        return
    if case.platform is None:
        raise InputError("a platform case needs platform.yaml", source=where)
    if PLATFORM_TAG not in case.expect.features:
        raise InputError(
            f"expect.yaml: features: a platform case needs the {PLATFORM_TAG!r} tag",
            source=where,
        )
    if case.platform.time != case.world.time:
        raise InputError(
            "platform.yaml: time: must equal world.yaml's time", source=where
        )
    if case.attestors():
        raise InputError("attestors.yaml: a platform case has none ([])", source=where)
    policy = platform_policy(case)
    if not policy.name or "/platforms/gke/policies/" not in policy.name:
        raise InputError(
            "policy.yaml: name: expected projects/P/platforms/gke/policies/ID "
            "(the evaluate API is called by that name)",
            source=where,
        )
