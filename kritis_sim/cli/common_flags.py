"""The options several CLI commands share, declared once.

``--occurrences``, ``--cluster`` with ``--istio-trust-domain``, ``--now`` and
``--format`` mean the same on ``review``, ``cv``, ``evaluate``, ``whatif`` and
``webhook``, so each is added here with one spelling, metavar and help. A
command passes only what really differs for it:

* :func:`add_occurrences`: which occurrence kinds it reads (attestations;
  ``evaluate`` the platform kinds; ``cv`` and ``whatif`` both), the file and
  directory rules are the same everywhere;
* :func:`add_deploy_target`: which cluster it means (deployed to, the
  snapshot's, the admissions') and which of its policies name clusters (a
  platform policy never does);
* :func:`add_format`: which formats it writes, what each is, and the default.

``--now`` is the same everywhere (:func:`add_now`). Nothing here reads the
values: :func:`kritis_sim.cli.target.resolve_target` turns ``--cluster`` and
``--istio-trust-domain`` into a deploy target,
:func:`kritis_sim.cli._common.parse_now` reads ``--now``.
``tests/unit/cli/test_flag_consistency.py`` checks every command's parser
against these texts. ``manifests`` and ``kind check`` have their own
``--cluster`` (passed on to a webhook, with a default): another meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kritis_sim.cli.occurrence_files import OCCURRENCE_FILES_HELP
from kritis_sim.cli.target import CLUSTER_FLAG, NONE, TRUST_DOMAIN_FLAG

__all__ = [
    "CLUSTER_HELP",
    "NOW_HELP",
    "TRUST_DOMAIN_HELP",
    "add_deploy_target",
    "add_format",
    "add_now",
    "add_occurrences",
    "format_help",
]

#: What ``--cluster`` says after the command's own "the cluster ...".
CLUSTER_HELP = (
    "as clusterAdmissionRules keys name it (e.g. us-east1-b.prod); "
    f"'{NONE}' for a cluster {{policy}} does not name. Required when {{policy}} "
    "has clusterAdmissionRules"
)
#: The help of ``--istio-trust-domain`` (``{policy}``: which policies).
TRUST_DOMAIN_HELP = (
    "the Istio trust domain: istioServiceIdentityAdmissionRules match "
    f"spiffe://DOMAIN/ns/NS/sa/SA; '{NONE}' for workloads outside the mesh. "
    "Required when {policy} has istioServiceIdentityAdmissionRules"
)
#: The help of ``--now``.
NOW_HELP = (
    "the time every item is judged at, read once (default: the current time)"
)


def add_occurrences(p: Any, *, reads: str = "attestation occurrences", note: str = "") -> None:
    """``--occurrences FILE|DIR`` (repeatable) to a parser or argument group.

    ``reads``: the occurrences the command reads; ``note``: one more sentence.
    """
    text = f"{reads}; {OCCURRENCE_FILES_HELP}" + (f". {note}" if note else "")
    p.add_argument("--occurrences", metavar="FILE|DIR", action="append", help=text)


def add_deploy_target(
    p: Any, *, cluster: str, policy: str = "the policy", note: str = ""
) -> None:
    """``--cluster`` and ``--istio-trust-domain`` to a parser or argument group.

    ``cluster``: which cluster the command means ("the cluster deployed to");
    ``policy``: the policies that name clusters ("the policy", "a classic
    policy"); ``note``: one more sentence for ``--cluster``.
    """
    text = f"{cluster}, {CLUSTER_HELP.format(policy=policy)}" + (f"; {note}" if note else "")
    p.add_argument(CLUSTER_FLAG, metavar="LOCATION.NAME", help=text)
    p.add_argument(TRUST_DOMAIN_FLAG, metavar="DOMAIN", help=TRUST_DOMAIN_HELP.format(policy=policy))


def add_now(p: Any) -> None:
    """``--now RFC3339`` to a parser or argument group."""
    p.add_argument("--now", metavar="RFC3339", help=NOW_HELP)


def format_help(formats: Mapping[str, str], default: str) -> str:
    """``NAME: what it writes`` for each format, in order, the default marked."""
    return "; ".join(
        f"{name}: {what}" + (" (default)" if name == default else "")
        for name, what in formats.items()
    )


def add_format(p: Any, formats: Mapping[str, str], *, default: str) -> None:
    """``--format`` choosing one of ``formats`` (name: what it writes)."""
    p.add_argument(
        "--format", choices=tuple(formats), default=default, help=format_help(formats, default)
    )
