"""Binary Authorization platform policies (check-based GKE policies) as values.

* :mod:`~kritis_sim.model.platform.policy`: :class:`PlatformPolicy`,
  :class:`GkePolicy`, :class:`CheckSet`, :class:`Scope`, the Cloud Run
  sub-policy, and the loaders;
* :mod:`~kritis_sim.model.platform.checks`: one value per check type;
* :mod:`~kritis_sim.model.platform.patterns`: trusted-directory and
  source-repository pattern grammars;
* :mod:`~kritis_sim.model.platform.load` and ``load_checks``: validation with
  located :class:`~kritis_sim.errors.PolicyError` messages.

Evaluation is not here; see :mod:`kritis_sim.core.platform`. ``docs/platform-policy.md``
lists the rules and the choices made where the API documentation is silent.
"""

from __future__ import annotations

from kritis_sim.model.platform.checks import (
    AlwaysDeny,
    AttestationAuthenticator,
    Check,
    ImageAllowlist,
    ImageFreshnessCheck,
    Severity,
    SigstoreAuthority,
    SigstoreSignatureCheck,
    SimpleSigningAttestationCheck,
    SlsaCheck,
    TrustedBuilder,
    TrustedDirectoryCheck,
    VerificationRule,
    VulnerabilityCheck,
)
from kritis_sim.model.platform.patterns import SourceRepoPattern, TrustedDirPattern
from kritis_sim.model.platform.policy import (
    CheckSet,
    CloudRunPolicy,
    EvaluationRule,
    GkePolicy,
    InlineAttestor,
    PlatformPolicy,
    Scope,
    load_platform_policy,
    load_platform_policy_file,
)

__all__ = [
    "AlwaysDeny",
    "AttestationAuthenticator",
    "Check",
    "CheckSet",
    "CloudRunPolicy",
    "EvaluationRule",
    "GkePolicy",
    "ImageAllowlist",
    "ImageFreshnessCheck",
    "InlineAttestor",
    "PlatformPolicy",
    "Scope",
    "Severity",
    "SigstoreAuthority",
    "SigstoreSignatureCheck",
    "SimpleSigningAttestationCheck",
    "SlsaCheck",
    "SourceRepoPattern",
    "TrustedBuilder",
    "TrustedDirPattern",
    "TrustedDirectoryCheck",
    "VerificationRule",
    "VulnerabilityCheck",
    "load_platform_policy",
    "load_platform_policy_file",
]
