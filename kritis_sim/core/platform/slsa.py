"""``slsaCheck``: signed SLSA provenance from a trusted builder, from a trusted source.

The image is CONFORMANT when **any** rule is satisfied; a rule is satisfied
when **any** BUILD occurrence of the digest-pinned image, read from the rule's
``attestationSource.containerAnalysisAttestationProjects`` (none listed: the
image's own Container/Artifact Registry project), passes every step:

1. :func:`~kritis_sim.crypto.dsse.verify_build` with the rule's builder's
   roots of trust (:class:`~kritis_sim.core.platform.facts.BuilderRoots`,
   caller configuration: Binary Authorization fetches Cloud Build's keys
   itself): the DSSE envelope is signed by a trusted key, its payload is SLSA
   provenance whose subject has the image digest, and the decoded copy agrees;
2. the signed ``builder.id`` is one of the builder's ids
   (``GOOGLE_CLOUD_BUILD``: :data:`~kritis_sim.core.platform.facts.GOOGLE_CLOUD_BUILD_IDS`);
3. ``configBasedBuildRequired``: the provenance names a build config source
   (v0.2 ``invocation.configSource.uri``, v1
   ``buildDefinition.externalParameters.buildConfigSource.repository``);
4. ``trustedSourceRepoPatterns``: the config source matches a pattern (when
   there is none: some material / resolved dependency does). URIs are
   compared without scheme, user info, ``@ref`` suffix or ``.git`` suffix.

A rule with ``customConstraints`` (CEL, not evaluated) that passes the rest
is ERROR, as is a rule whose builder has no roots of trust configured or
whose project cannot be told. Across rules: CONFORMANT if one passes, else
ERROR if one could not be judged, else NON_CONFORMANT. A store that cannot be
read: ERROR. No I/O, no clock.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from kritis_sim.core.platform._common import (
    Outcome,
    Stop,
    judged,
    listing,
    occurrence_image,
    read,
    stops,
)
from kritis_sim.core.platform.facts import BuilderRoots, ImageFacts
from kritis_sim.core.platform.occurrences import image_project
from kritis_sim.core.platform.signing import key_id
from kritis_sim.crypto.dsse import DsseKey, Ed25519Key, verify_build
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.intoto import Statement
from kritis_sim.model.platform.checks import SlsaCheck, VerificationRule
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.provenance import SLSA_V1, BuildOccurrence, summarize

__all__ = ["config_source", "repository", "slsa_check"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def repository(uri: str) -> str:
    """``git+https://user@github.com/o/r.git@refs/heads/main`` -> ``github.com/o/r``."""
    bare = _SCHEME.sub("", uri, count=1)
    host, slash, path = bare.partition("/")
    host = host.rpartition("@")[2]
    path = path.partition("@")[0].partition("#")[0].partition("?")[0]
    return (host + slash + path).removesuffix(".git")


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def config_source(statement: Statement) -> str | None:
    """The repository of the build's top-level config, or None (not config-based)."""
    p = statement.predicate
    if statement.predicate_type == SLSA_V1:
        uri = _get(
            p,
            "buildDefinition",
            "externalParameters",
            "buildConfigSource",
            "repository",
        )
    else:
        uri = _get(p, "invocation", "configSource", "uri")
    return uri if isinstance(uri, str) and uri else None


def _label(key: DsseKey) -> str:
    if isinstance(key, Ed25519Key):
        return key.key_id or "<Ed25519 key>"
    return key_id(key)


def _source_problem(
    rule: VerificationRule, statement: Statement, sources: tuple[str, ...]
) -> str | None:
    config = config_source(statement)
    if rule.config_based_build_required and config is None:
        return (
            "configBasedBuildRequired, but the provenance names no build config source"
        )
    if not rule.trusted_source_repo_patterns:
        return None
    candidates = (config,) if config is not None else sources
    patterns = rule.trusted_source_repo_patterns
    for uri in candidates:
        if any(p.matches(repository(uri)) for p in patterns):
            return None
    wanted = f"trustedSourceRepoPatterns {listing([repr(p.text) for p in patterns])}"
    if not candidates:
        return f"the provenance names no source repository to match {wanted}"
    what = "config source" if config is not None else "sources"
    return f"{what} {listing([repr(u) for u in candidates])} match none of {wanted}"


def _rule(index: int, rule: VerificationRule, facts: ImageFacts) -> tuple[Verdict, str]:
    image, source = occurrence_image(facts, Verdict.NON_CONFORMANT)
    builder = rule.trusted_builder
    roots = facts.builders.get(builder)
    name = f"rules[{index}] ({builder.value})"
    if roots is None or not roots.keys:
        return (
            Verdict.ERROR,
            f"{name}: no roots of trust are configured for {builder.value}, so its "
            "provenance cannot be verified",
        )
    projects = rule.attestation_projects or ()
    if not projects:
        own = image_project(image)
        if own is None:
            return (
                Verdict.ERROR,
                f"{name}: no attestationSource projects are listed and "
                f"{image.name!r} is not a Container Registry or Artifact Registry "
                "image, so there is no project to read provenance from",
            )
        projects = (own,)
    where = ", ".join(projects)
    builds = read("BUILD", source.builds, projects, image)
    if not builds:
        return (
            Verdict.NON_CONFORMANT,
            f"{name}: no BUILD occurrence for {image.original} in {where}",
        )
    reasons: list[str] = []
    for occ in builds:
        passed, why = judged(
            "slsa",
            (rule, roots, occ),
            image.digest,
            functools.partial(_build, rule, roots, occ, image),
        )
        if not passed:
            reasons.append(why)
            continue
        if rule.custom_constraints:
            return (
                Verdict.ERROR,
                f"{name}: {why}, but customConstraints (CEL) are not evaluated by "
                "kritis-sim",
            )
        return Verdict.CONFORMANT, f"{name}: {why}"
    return (
        Verdict.NON_CONFORMANT,
        f"{name}: no provenance in {where} passes: {listing(reasons)}; key ids "
        f"tried: {listing([_label(k) for k in roots.keys])}",
    )


def _build(
    rule: VerificationRule, roots: BuilderRoots, occ: BuildOccurrence, image: ImageRef
) -> tuple[bool, str]:
    """Whether ``occ`` passes ``rule`` for ``image`` (apart from CEL), and why."""
    label = occ.header.name or occ.header.resource_uri
    assert image.digest is not None
    checked = verify_build(occ, roots.keys, image_digest=image.digest)
    if not checked:
        return False, f"{label}: {checked.reason}"
    assert checked.statement is not None  # verify_build returns it when verified
    summary = summarize(checked.statement)
    assert summary is not None  # verify_build accepts SLSA predicates only
    if summary.builder_id not in roots.builder_ids:
        return False, (
            f"{label}: builder id {summary.builder_id!r} is not "
            f"{rule.trusted_builder.value} "
            f"({listing([repr(i) for i in roots.builder_ids])})"
        )
    problem = _source_problem(rule, checked.statement, summary.source_uris)
    if problem is not None:
        return False, f"{label}: {problem}"
    return True, (
        f"{label} verified ({checked.reason}), builder {summary.builder_id!r}"
    )


def _slsa_check(check: SlsaCheck, facts: ImageFacts) -> Outcome:
    """Evaluate ``check`` for one image (see the module docstring)."""
    outcomes = []
    for index, rule in enumerate(check.rules):
        try:
            outcome = _rule(index, rule, facts)
        except Stop as stop:
            if stop.outcome[0] is Verdict.ERROR:
                raise
            outcome = stop.outcome
        if outcome[0] is Verdict.CONFORMANT:
            return outcome
        outcomes.append(outcome)
    verdict = (
        Verdict.ERROR
        if any(v is Verdict.ERROR for v, _ in outcomes)
        else Verdict.NON_CONFORMANT
    )
    return verdict, "; ".join(why for _, why in outcomes)


# Wrapped rather than decorated: mutmut mutates only undecorated functions.
slsa_check = stops(_slsa_check)
