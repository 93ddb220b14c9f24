"""How an install enforces: a first, dry-run install or an enforcing one.

:class:`Rollout` is the choice ``kritis-sim manifests --rollout`` asks for:

- ``dry-run``: the webhook configuration says ``failurePolicy: Ignore`` (a
  webhook that is down, slow or unreachable admits) and the policy shipped in
  the ConfigMap has every rule's ``enforcementMode`` set to
  ``DRYRUN_AUDIT_LOG_ONLY`` (:func:`dry_run_policy_yaml`), so the webhook
  admits everything while answering, as for any dry-run rule, with a warning
  and the ``dry-run`` audit annotation for what it would have refused. This is
  Binary Authorization's own dry-run mechanism, so the audit log of a first
  install shows exactly what enforcement would block.
- ``enforce``: ``failurePolicy: Fail`` and the policy as written.

Evaluation modes, attestors and allowlists are kept: only enforcement
changes. This module rewrites policy text; it writes no files.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

import yaml

from kritis_sim.model.policy import (
    AdmissionRule,
    EnforcementMode,
    Policy,
    load_policy,
)

__all__ = ["DRY_RUN_HEADER", "Rollout", "dry_run_policy", "dry_run_policy_yaml"]

#: First line of a policy rewritten for a dry-run install.
DRY_RUN_HEADER = (
    "# kritis-sim manifests --rollout dry-run: every rule's enforcementMode is\n"
    "# DRYRUN_AUDIT_LOG_ONLY (admitted, with a warning and an audit record).\n"
)


class Rollout(enum.Enum):
    """``--rollout``: how the installed webhook enforces."""

    DRY_RUN = "dry-run"
    ENFORCE = "enforce"

    @property
    def failure_policy(self) -> str:
        """The webhook's ``failurePolicy``: Ignore for a dry run, else Fail."""
        return "Ignore" if self is Rollout.DRY_RUN else "Fail"


def _dry(rule: AdmissionRule) -> AdmissionRule:
    return dataclasses.replace(
        rule, enforcement_mode=EnforcementMode.DRYRUN_AUDIT_LOG_ONLY
    )


def _dry_map(rules: Mapping[str, AdmissionRule]) -> dict[str, AdmissionRule]:
    return {key: _dry(rule) for key, rule in rules.items()}


def dry_run_policy(policy: Policy) -> Policy:
    """``policy`` with every rule (default and specific) in dry-run."""
    return dataclasses.replace(
        policy,
        default_admission_rule=_dry(policy.default_admission_rule),
        cluster_admission_rules=_dry_map(policy.cluster_admission_rules),
        kubernetes_namespace_admission_rules=_dry_map(
            policy.kubernetes_namespace_admission_rules
        ),
        kubernetes_service_account_admission_rules=_dry_map(
            policy.kubernetes_service_account_admission_rules
        ),
        istio_service_identity_admission_rules=_dry_map(
            policy.istio_service_identity_admission_rules
        ),
    )


def dry_run_policy_yaml(text: str, *, source: str = "<policy>") -> str:
    """The policy document ``text`` with every rule in dry-run, as YAML.

    Raises:
        InputError: ``text`` is not a valid policy (file, line and field).
    """
    policy = dry_run_policy(load_policy(text, source=source))
    return DRY_RUN_HEADER + yaml.safe_dump(policy.to_dict(), sort_keys=False)
