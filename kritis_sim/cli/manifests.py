"""``kritis-sim manifests``: print the YAML that installs the webhook in a cluster.

Namespace, ConfigMap (policy and attestors, unless ``--emulator``), TLS
Secret, Deployment, Service, PodDisruptionBudget (unless ``--no-pdb``) and
ValidatingWebhookConfiguration, as one multi-document YAML stream on stdout.
Apply it with ``kubectl apply --server-side -f -`` (client-side apply would
copy the Secret, private key included, into its last-applied annotation).

Never an install that blocks a cluster: it refuses (exit 2, naming the flag)
to print one without ``--rollout``, without a policy and attestors (or an
emulator), without the serving certificate, key and CA (or ``--certs-out
DIR`` to generate them), or with a certificate the API server would reject.
Start with ``--rollout dry-run`` (failurePolicy Ignore, every rule
DRYRUN_AUDIT_LOG_ONLY), read the audit log, then ``--rollout enforce``.
Defaults: timeoutSeconds 5, 2 replicas spread over nodes, namespaces
kube-system, kube-public, kube-node-lease and the webhook's own never sent to
it (``--exclude-namespace`` adds more), no service-account token, image
pulled IfNotPresent.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from kritis_sim import __version__
from kritis_sim.admission.certs import (
    check_serving_certs,
    make_certs,
    service_dns_names,
    write_certs,
)
from kritis_sim.admission.manifests import (
    DEFAULT_EXCLUDED_NAMESPACES,
    DEFAULT_TIMEOUT_SECONDS,
    ManifestOptions,
    Rollout,
    webhook_manifests,
)
from kritis_sim.admission.updates import JUDGE_UPDATES
from kritis_sim.cli._common import read_text
from kritis_sim.cli.target import resolve_target
from kritis_sim.errors import InputError
from kritis_sim.model.attestor import load_attestors
from kritis_sim.model.policy import load_policy

__all__ = ["register", "run"]

_MIN_REPLICAS = 2
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def register(sub: Any) -> None:
    """Add the ``manifests`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "manifests",
        help="print Kubernetes manifests that install the webhook",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--rollout",
        choices=[r.value for r in Rollout],
        help="required: dry-run for a first install (failurePolicy Ignore, every "
        "rule DRYRUN_AUDIT_LOG_ONLY) or enforce (failurePolicy Fail, the policy "
        "as written)",
    )
    p.add_argument(
        "--namespace",
        default="kritis-sim",
        help="where the webhook runs; never enforced (default kritis-sim)",
    )
    p.add_argument(
        "--exclude-namespace",
        action="append",
        default=[],
        metavar="NS",
        help="also never send this namespace to the webhook (repeatable); always "
        f"excluded: {', '.join(DEFAULT_EXCLUDED_NAMESPACES)} and --namespace",
    )
    p.add_argument("--name", default="kritis-sim-webhook", help="object names")
    p.add_argument(
        "--image",
        default=f"kritis-sim:{__version__}",
        help="webhook image, built from the repository's Dockerfile (default "
        f"kritis-sim:{__version__}); pulled IfNotPresent",
    )
    p.add_argument(
        "--webhook-name",
        default="admission.kritis-sim.dev",
        help="the webhook's name in the configuration",
    )
    p.add_argument("--ca-file", metavar="ca.crt", help="CA for the caBundle")
    p.add_argument("--tls-cert", metavar="FILE", help="serving certificate (Secret)")
    p.add_argument("--tls-key", metavar="FILE", help="its private key (Secret)")
    p.add_argument(
        "--certs-out",
        metavar="DIR",
        help="generate a CA and serving certificate for the Service into DIR "
        "(instead of --ca-file/--tls-cert/--tls-key)",
    )
    p.add_argument("--policy", metavar="FILE", help="policy for the ConfigMap")
    p.add_argument("--attestors", metavar="FILE", help="attestors for the ConfigMap")
    p.add_argument("--emulator", metavar="URL", help="read from an emulator instead")
    p.add_argument("--project", metavar="P", help="the emulator's project")
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
    p.add_argument(
        "--judge-updates",
        choices=JUDGE_UPDATES,
        default="changed",
        help="passed to the webhook: changed (default) admits an UPDATE that "
        "changes no image unjudged; all judges every UPDATE",
    )
    p.add_argument(
        "--timeout-seconds",
        type=int,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"webhook call timeout, 1 to 30 (default {DEFAULT_TIMEOUT_SECONDS})",
    )
    p.add_argument(
        "--replicas",
        type=int,
        default=_MIN_REPLICAS,
        help=f"webhook replicas, at least {_MIN_REPLICAS} (default {_MIN_REPLICAS})",
    )
    p.add_argument("--no-pdb", action="store_true", help="omit the PodDisruptionBudget")
    p.set_defaults(func=run)


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the policy and attestors in the ConfigMap) as
    readable ``|`` blocks; PyYAML falls back to quoting where a block cannot
    hold the text exactly."""


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _str)


def _bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc}", source=path) from None


def _note(message: str) -> None:
    print(f"kritis-sim manifests: note: {message}", file=sys.stderr)


def _rollout(args: argparse.Namespace) -> Rollout:
    if args.rollout is None:
        raise InputError(
            "required: dry-run for a first install (failurePolicy Ignore, every "
            "rule DRYRUN_AUDIT_LOG_ONLY) or enforce",
            path="--rollout",
        )
    return Rollout(args.rollout)


def _sources(args: argparse.Namespace, rollout: Rollout) -> tuple[str | None, ...]:
    """Check where policy and attestors come from; (policy, attestors) text."""
    if args.emulator is not None:
        if args.project is None:
            raise InputError("--emulator needs --project", path="--project")
        if args.policy or args.attestors:
            raise InputError(
                "--emulator serves the policy and attestors; drop --policy and "
                "--attestors",
                path="--emulator",
            )
        if rollout is Rollout.DRY_RUN:
            raise InputError(
                "dry-run rewrites the policy in the ConfigMap; with --emulator, "
                "set the emulator's rules to DRYRUN_AUDIT_LOG_ONLY and use enforce",
                path="--rollout",
            )
        return None, None
    if args.policy is None:
        raise InputError(
            "required: the policy the webhook enforces (or --emulator)",
            path="--policy",
        )
    if args.attestors is None:
        raise InputError(
            "required: the attestors the policy names (a file with [] if none)",
            path="--attestors",
        )
    policy_yaml, attestors_yaml = read_text(args.policy), read_text(args.attestors)
    load_attestors(attestors_yaml, source=args.attestors)
    return policy_yaml, attestors_yaml


def _certs(args: argparse.Namespace) -> tuple[bytes, bytes, bytes]:
    """(CA, certificate, key) PEM, read or generated into ``--certs-out``."""
    given = [f for f in ("ca_file", "tls_cert", "tls_key") if getattr(args, f)]
    if args.certs_out is not None:
        if given:
            raise InputError(
                "generates the certificates; do not combine with --ca-file, "
                "--tls-cert or --tls-key",
                path="--certs-out",
            )
        bundle = make_certs(service_dns_names(args.name, args.namespace))
        try:
            paths = write_certs(bundle, args.certs_out)
        except OSError as exc:
            raise InputError(f"cannot write: {exc}", path="--certs-out") from None
        _note(f"wrote {', '.join(str(p) for p in paths.values())}")
        return bundle.ca_pem, bundle.cert_pem, bundle.key_pem
    for flag, what in (
        ("tls_cert", "the webhook's serving certificate"),
        ("tls_key", "the serving certificate's private key"),
        ("ca_file", "the CA that signed it, for the caBundle"),
    ):
        if getattr(args, flag) is None:
            raise InputError(
                f"required: {what} (or --certs-out DIR to generate them)",
                path="--" + flag.replace("_", "-"),
            )
    return _bytes(args.ca_file), _bytes(args.tls_cert), _bytes(args.tls_key)


def run(args: argparse.Namespace) -> int:
    """Check every input, then build and print the manifests."""
    rollout = _rollout(args)
    policy_yaml, attestors_yaml = _sources(args, rollout)
    policy = load_policy(policy_yaml, source=args.policy) if policy_yaml else None
    target = resolve_target(policy, args.cluster, args.istio_trust_domain)
    for note in target.notes:
        _note(note)
    if not 1 <= args.timeout_seconds <= 30:
        raise InputError(
            f"timeoutSeconds must be 1 to 30 (Kubernetes' limits), got "
            f"{args.timeout_seconds}",
            path="--timeout-seconds",
        )
    for ns in args.exclude_namespace:
        if not _DNS_LABEL.fullmatch(ns):
            raise InputError(
                f"expected a namespace name (a DNS label), got {ns!r}",
                path="--exclude-namespace",
            )
    if args.replicas < _MIN_REPLICAS:
        raise InputError(
            f"expected at least {_MIN_REPLICAS} (one replica being replaced "
            f"would leave the webhook unreachable), got {args.replicas}",
            path="--replicas",
        )
    ca_pem, cert_pem, key_pem = _certs(args)
    try:
        check_serving_certs(
            ca_pem, cert_pem, key_pem, f"{args.name}.{args.namespace}.svc"
        )
    except ValueError as exc:
        flag = "--certs-out" if args.certs_out else "--tls-cert"
        raise InputError(str(exc), path=flag) from None
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
            rollout=rollout,
            judge_updates=args.judge_updates,
            exclude_namespaces=tuple(args.exclude_namespace),
            timeout_seconds=args.timeout_seconds,
            replicas=args.replicas,
            pdb=not args.no_pdb,
        )
    except ValueError as exc:
        raise InputError(str(exc), path="manifests") from None
    if rollout is Rollout.DRY_RUN:
        _note(
            "dry-run rollout: failurePolicy Ignore and every rule "
            "DRYRUN_AUDIT_LOG_ONLY; read the audit log, then install with "
            "--rollout enforce"
        )
    yaml.dump_all(
        webhook_manifests(opts), sys.stdout, Dumper=_BlockDumper, sort_keys=False
    )
    return 0
