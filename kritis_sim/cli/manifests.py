"""``kritis-sim manifests``: print the YAML that installs the webhook in a cluster.

Namespace, ConfigMap (policy and attestors, unless ``--emulator``), Secret
(with ``--tls-cert/--tls-key``), Deployment (2 replicas), Service,
PodDisruptionBudget (unless ``--no-pdb``) and ValidatingWebhookConfiguration
(``caBundle`` from ``--ca-file``), as one multi-document YAML stream on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from kritis_sim.admission.manifests import ManifestOptions, webhook_manifests
from kritis_sim.cli._common import read_text
from kritis_sim.cli.target import resolve_target
from kritis_sim.errors import InputError
from kritis_sim.model.policy import load_policy

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``manifests`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "manifests",
        help="print Kubernetes manifests that install the webhook",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--namespace", default="kritis-sim")
    p.add_argument("--name", default="kritis-sim-webhook", help="object names")
    p.add_argument("--image", default="kritis-sim:latest", help="webhook image")
    p.add_argument("--webhook-name", default="admission.kritis-sim.dev")
    p.add_argument("--ca-file", metavar="ca.crt", help="CA for the caBundle")
    p.add_argument("--tls-cert", metavar="FILE", help="include a TLS Secret")
    p.add_argument("--tls-key", metavar="FILE")
    p.add_argument("--policy", metavar="FILE", help="policy for the ConfigMap")
    p.add_argument("--attestors", metavar="FILE", help="attestors for the ConfigMap")
    p.add_argument("--emulator", metavar="URL", help="read from an emulator instead")
    p.add_argument("--project", metavar="P")
    p.add_argument(
        "--cluster",
        metavar="LOCATION.NAME",
        help="the cluster the webhook guards, passed to its --cluster; 'none' "
        "for a cluster the policy does not name. Required when --policy has "
        "clusterAdmissionRules",
    )
    p.add_argument(
        "--istio-trust-domain",
        metavar="DOMAIN",
        help="passed to the webhook's --istio-trust-domain ('none': no mesh); "
        "required when --policy has istioServiceIdentityAdmissionRules",
    )
    p.add_argument("--timeout-seconds", type=int, default=10)
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--no-pdb", action="store_true", help="omit the PodDisruptionBudget")
    p.set_defaults(func=run)


def _bytes(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc}", source=path) from None


def run(args: argparse.Namespace) -> int:
    """Build and print the manifests."""
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InputError("--tls-cert and --tls-key go together", path="manifests")
    policy_yaml = read_text(args.policy) if args.policy else None
    policy = load_policy(policy_yaml, source=args.policy) if policy_yaml else None
    target = resolve_target(policy, args.cluster, args.istio_trust_domain)
    for note in target.notes:
        print(f"kritis-sim manifests: note: {note}", file=sys.stderr)
    attestors_yaml = read_text(args.attestors) if args.attestors else None
    ca_pem, cert_pem, key_pem = (
        _bytes(args.ca_file),
        _bytes(args.tls_cert),
        _bytes(args.tls_key),
    )
    try:
        opts = ManifestOptions(
            namespace=args.namespace,
            name=args.name,
            image=args.image,
            webhook_name=args.webhook_name,
            ca_pem=ca_pem,
            cluster=args.cluster,
            istio_trust_domain=args.istio_trust_domain,
            emulator_url=args.emulator,
            project=args.project,
            policy_yaml=policy_yaml,
            attestors_yaml=attestors_yaml,
            tls_cert_pem=cert_pem,
            tls_key_pem=key_pem,
            timeout_seconds=args.timeout_seconds,
            replicas=args.replicas,
            pdb=not args.no_pdb,
        )
    except ValueError as exc:
        raise InputError(str(exc), path="manifests") from None
    if opts.ca_pem is None:
        print(
            "kritis-sim manifests: warning: no --ca-file; the webhook "
            "configuration has no caBundle",
            file=sys.stderr,
        )
    yaml.safe_dump_all(webhook_manifests(opts), sys.stdout, sort_keys=False)
    return 0
