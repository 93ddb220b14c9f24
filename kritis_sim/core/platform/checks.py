"""The checks of a GKE platform policy, each a pure function of one image's facts.

``run_check(body, facts, now)`` returns ``(verdict, explanation)``:

* ``alwaysDeny``: NON_CONFORMANT;
* ``trustedDirectoryCheck``: the image's repository, or one of its ancestor
  directories, matches a pattern (``docs/platform-policy.md``);
* ``imageFreshnessCheck``: uploaded at most ``maxUploadAgeDays`` days before
  ``now`` (upload time from caller-supplied image metadata);
* ``vulnerabilityCheck`` (:mod:`~kritis_sim.core.platform.vulnerability`),
  ``simpleSigningAttestationCheck`` (:mod:`~kritis_sim.core.platform.signing`)
  and ``slsaCheck`` (:mod:`~kritis_sim.core.platform.slsa`) read occurrences
  from the facts' :class:`~kritis_sim.core.platform.occurrences.PlatformOccurrences`;
* ``sigstoreSignatureCheck`` is **not evaluated**: it needs an OCI registry
  source; ERROR saying so, never CONFORMANT.

Allowlists, scope selection and precedence are not here: they live once, in
:mod:`kritis_sim.core.platform.evaluate`. No I/O, no clock.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from kritis_sim.core.platform.facts import ImageFacts
from kritis_sim.core.platform.signing import simple_signing_check
from kritis_sim.core.platform.slsa import slsa_check
from kritis_sim.core.platform.vulnerability import vulnerability_check
from kritis_sim.model.platform.checks import (
    AlwaysDeny,
    CheckBody,
    ImageFreshnessCheck,
    SigstoreSignatureCheck,
    SimpleSigningAttestationCheck,
    SlsaCheck,
    TrustedDirectoryCheck,
    VulnerabilityCheck,
)
from kritis_sim.model.platform.results import Verdict

__all__ = ["NOT_EVALUATED", "directories", "run_check"]

Outcome = tuple[Verdict, str]

#: Check types kritis-sim does not evaluate yet, and what they would need.
NOT_EVALUATED: dict[type[CheckBody], str] = {
    SigstoreSignatureCheck: "an OCI registry source for Cosign signatures",
}


def run_check(body: CheckBody, facts: ImageFacts, now: datetime) -> Outcome:
    """Evaluate one check for one image."""
    if isinstance(body, AlwaysDeny):
        return Verdict.NON_CONFORMANT, "alwaysDeny: this check denies every image"
    if isinstance(body, TrustedDirectoryCheck):
        return trusted_directory(body, facts)
    if isinstance(body, ImageFreshnessCheck):
        return freshness(body, facts, now)
    if isinstance(body, VulnerabilityCheck):
        return vulnerability_check(body, facts, now)
    if isinstance(body, SimpleSigningAttestationCheck):
        return simple_signing_check(body, facts)
    if isinstance(body, SlsaCheck):
        return slsa_check(body, facts)
    needs = NOT_EVALUATED[type(body)]
    return (
        Verdict.ERROR,
        f"{body.TYPE} is not evaluated by kritis-sim yet (it needs {needs}); "
        "reported as ERROR, never as conformant",
    )


def _directories(name: str) -> tuple[str, ...]:
    """``registry/a/b/c`` and its ancestors: ``registry/a/b``, ``registry/a``, ``registry``."""
    parts = name.split("/")
    return tuple("/".join(parts[:end]) for end in range(len(parts), 0, -1))


# Memoised by wrapping rather than decorating: mutmut mutates only undecorated
# functions (docs/mutation.md).
directories = functools.lru_cache(maxsize=4096)(_directories)


def trusted_directory(check: TrustedDirectoryCheck, facts: ImageFacts) -> Outcome:
    """CONFORMANT when the image's repository or an ancestor matches a pattern."""
    if facts.ref is None:
        return (
            Verdict.ERROR,
            f"image {facts.image!r} does not parse ({facts.parse_error}); its "
            "directory cannot be told",
        )
    name = facts.ref.name
    for pattern in check.trusted_dir_patterns:
        for directory in directories(name):
            if pattern.matches_directory(directory):
                return (
                    Verdict.CONFORMANT,
                    f"{name!r} is in trusted directory {directory!r} "
                    f"(pattern {pattern.text!r})",
                )
    listed = ", ".join(repr(p.text) for p in check.trusted_dir_patterns)
    return (
        Verdict.NON_CONFORMANT,
        f"Image isn't in a trusted directory: {name!r} matches none of {listed}",
    )


def freshness(check: ImageFreshnessCheck, facts: ImageFacts, now: datetime) -> Outcome:
    """CONFORMANT when uploaded no more than ``max_upload_age_days`` before ``now``."""
    upload = facts.metadata.upload_time if facts.metadata is not None else None
    if upload is None:
        return (
            Verdict.ERROR,
            f"no upload time is known for {facts.image!r} (supply image metadata); "
            "its freshness cannot be judged",
        )
    age = now - upload
    limit = timedelta(days=check.max_upload_age_days)
    if age < timedelta(0):
        return (
            Verdict.ERROR,
            f"the upload time {upload.isoformat()} is after the evaluation time "
            f"{now.isoformat()}; the clocks disagree",
        )
    if age > limit:
        return (
            Verdict.NON_CONFORMANT,
            f"Image is too old: uploaded {upload.isoformat()}, {age} before "
            f"{now.isoformat()}, more than {check.max_upload_age_days} days",
        )
    return _fresh(upload, check.max_upload_age_days)


def _fresh_outcome(upload: datetime, days: int) -> Outcome:
    return Verdict.CONFORMANT, f"uploaded {upload.isoformat()}, within {days} days"


_fresh = functools.lru_cache(maxsize=4096)(_fresh_outcome)
