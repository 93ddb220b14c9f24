"""``kritis-sim webhook``: serve the admission webhook.

Policy, attestors and attestations come either from files (``--policy``,
``--attestors``, optionally ``--occurrences``) or from a running Grafeas /
Binary Authorization emulator (``--emulator URL --project P``), re-read at most
every ``--policy-ttl`` seconds. ``--platform-policy FILE`` enforces a GKE
platform policy instead (check sets, checks), reading VULNERABILITY,
DISCOVERY, BUILD and ATTESTATION occurrences from ``--occurrences`` files
and/or the emulator's Grafeas (``--emulator URL``), upload times from
``--image-metadata`` and SLSA roots of trust from ``--trusted-builders``. With ``--tls-cert`` and ``--tls-key`` the server
speaks HTTPS (the API server requires it); without them it serves plain HTTP
and says so on stderr. The base URL is printed on a line of its own once the
server accepts connections; SIGINT or SIGTERM stops it.

An UPDATE that changes no image (a scale, labels, finalizers) is admitted
without re-judging its images, and audited as such; ``--judge-updates all``
judges every UPDATE in full. A missing or mismatched certificate and key, an
unreadable policy or audit log, or a port in use ends the command with exit
status 2 and one line naming the file or port.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

from kritis_sim.admission.audit import AuditLog
from kritis_sim.admission.enforcer import (
    JudgeProvider,
    PolicyProvider,
    StaticPolicy,
)
from kritis_sim.admission.startup import (
    check_port,
    check_tls,
    listen_error,
    open_audit_log,
)
from kritis_sim.admission.updates import JUDGE_UPDATES
from kritis_sim.admission.webhook import WebhookConfig, create_app
from kritis_sim.cli._common import load_files
from kritis_sim.cli.common_flags import add_deploy_target, add_occurrences
from kritis_sim.cli.platform_inputs import (
    add_trusted_builders,
)
from kritis_sim.cli.target import TargetSettings, resolve_target
from kritis_sim.cli.webhook_platform import classic_only, platform_world
from kritis_sim.core.decide import DecisionOptions
from kritis_sim.core.source import AttestationSource, InMemorySource
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.errors import GrafeasError, InputError
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.policy import Policy

__all__ = ["CachedProvider", "register", "run"]


def register(sub: Any) -> None:
    """Add the ``webhook`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "webhook",
        help="serve the admission webhook (AdmissionReview and ImageReview)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_argument_group("policy and attestations")
    src.add_argument(
        "--semantics",
        choices=("gcp", "kritis"),
        default="gcp",
        help="decide as GKE Binary Authorization does (gcp, the default) or as "
        "Kritis admission does (kritis: --policy FILE|DIR holds Kritis "
        "resources, --occurrences ATTESTATION and VULNERABILITY occurrences; "
        "see docs/kritis.md)",
    )
    src.add_argument("--policy", metavar="FILE", help="Binary Authorization policy")
    src.add_argument("--attestors", metavar="FILE", help="Attestor resources")
    add_occurrences(
        src,
        reads="attestation occurrences (with --platform-policy, VULNERABILITY, "
        "DISCOVERY and BUILD occurrences too; with --semantics kritis, VULNERABILITY)",
    )
    src.add_argument("--emulator", metavar="URL", help="Grafeas/BinAuthz emulator")
    src.add_argument("--project", metavar="P", help="project in the emulator")
    src.add_argument(
        "--platform-policy",
        metavar="FILE",
        help="enforce this GKE platform policy (.json/.yaml/.yml with a "
        "gkePolicy) instead of --policy/--attestors",
    )
    src.add_argument(
        "--occurrences-project",
        metavar="projects/P",
        help="--platform-policy: the project of --occurrences entries that have "
        "no name projects/P/occurrences/ID (as evaluate)",
    )
    src.add_argument(
        "--image-metadata",
        metavar="FILE",
        help="--platform-policy: image upload times {images: {REF or "
        "sha256:DIGEST: {uploadTime: RFC3339}}} for imageFreshnessCheck",
    )
    add_trusted_builders(src)
    src.add_argument(
        "--platform-enforcement",
        choices=("enforce", "dry-run"),
        default="enforce",
        help="--platform-policy: enforce (default; AUDIT_AND_ENFORCE) or dry-run "
        "(AUDIT_AND_DRYRUN: admit what the policy denies, with warnings, the "
        "dry-run annotation and an audit record)",
    )
    src.add_argument(
        "--policy-ttl",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="emulator mode: reuse policy and attestors this long (default 5)",
    )
    add_deploy_target(p, cluster="the cluster the webhook guards")
    p.add_argument(
        "--check-docker-reference",
        action="store_true",
        help="also require the signed docker-reference to match (Kritis mode)",
    )
    p.add_argument("--tls-cert", metavar="FILE", help="PEM serving certificate")
    p.add_argument("--tls-key", metavar="FILE", help="PEM key of --tls-cert")
    p.add_argument("--host", default="127.0.0.1", help="bind address")
    p.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    p.add_argument("--audit-log", metavar="FILE|-", help="JSON-lines audit log")
    p.add_argument(
        "--workers", type=int, default=16, help="threads for store reads (default 16)"
    )
    p.add_argument(
        "--judge-updates",
        choices=JUDGE_UPDATES,
        default="changed",
        help="changed (default): an UPDATE that changes no image is admitted "
        "unjudged and audited; all: judge every UPDATE in full",
    )
    p.set_defaults(func=run)


class CachedProvider:
    """Wrap a provider so it is called at most once per ``ttl`` seconds.

    A failure is not cached: the next request tries again (and fails closed
    meanwhile).
    """

    def __init__(self, provider: PolicyProvider, ttl: float) -> None:
        self._provider, self._ttl = provider, ttl
        self._lock = threading.Lock()
        self._value: tuple[Policy, tuple[Attestor, ...]] | None = None
        self._expires = 0.0

    def __call__(self) -> tuple[Policy, Iterable[Attestor]]:
        with self._lock:
            if self._value is not None and time.monotonic() < self._expires:
                return self._value
        policy, attestors = self._provider()
        value = (policy, tuple(attestors))
        with self._lock:
            self._value, self._expires = value, time.monotonic() + self._ttl
        return value


def _files(args: argparse.Namespace) -> tuple[PolicyProvider, AttestationSource]:
    policy, attestors, occurrences = load_files(
        args.policy, args.attestors, args.occurrences
    )
    return StaticPolicy(policy, attestors), InMemorySource(occurrences)


def _emulator(args: argparse.Namespace) -> tuple[PolicyProvider, AttestationSource]:
    from kritis_sim.grafeas.client import (
        GrafeasAttestationSource,
        GrafeasRestClient,
        load_world,
    )

    url, project = args.emulator, args.project
    # Built without a request, so the webhook starts (and fails closed) even
    # while the emulator is down.
    source = GrafeasAttestationSource(GrafeasRestClient(url))

    def provider() -> tuple[Policy, Iterable[Attestor]]:
        policy, attestors, extra = load_world(url, project)
        if isinstance(extra, GrafeasAttestationSource):
            extra.client.close()  # this call only wants the policy
        return policy, attestors

    return CachedProvider(provider, args.policy_ttl), source


def _target(
    args: argparse.Namespace, provider: PolicyProvider | None
) -> TargetSettings:
    """Check --cluster/--istio-trust-domain against the policy at start-up (in
    emulator mode against the policy read now, if the emulator answers; a
    platform policy has no cluster or Istio rules, so only their form is
    checked)."""
    policy: Policy | None = None
    try:
        policy = provider()[0] if provider is not None else None
    except GrafeasError as exc:
        print(
            f"kritis-sim webhook: warning: cannot read the policy now ({exc}); "
            "the deploy target is not checked against it",
            file=sys.stderr,
        )
    target = resolve_target(policy, args.cluster, args.istio_trust_domain)
    for note in target.notes:
        print(f"kritis-sim webhook: note: {note}", file=sys.stderr)
    print(
        f"kritis-sim webhook: deploy target: cluster {args.cluster or 'not given'}, "
        f"istio trust domain {args.istio_trust_domain or 'not given'}; namespace "
        "and service account from each request",
        file=sys.stderr,
    )
    return target


def _config(args: argparse.Namespace, audit: AuditLog | None) -> WebhookConfig:
    provider: PolicyProvider | None = None
    judges: JudgeProvider | None = None
    interpret = None
    if args.semantics == "kritis":
        from kritis_sim.cli.kritis_inputs import webhook_judge

        judges, source, interpret = webhook_judge(args)
    elif args.platform_policy:
        judges, source = platform_world(args)
    elif args.emulator:
        if not args.project or args.policy or args.attestors:
            raise InputError(
                "--emulator needs --project and excludes --policy/--attestors",
                path="webhook",
            )
        provider, source = _emulator(args)
    elif args.policy and args.attestors:
        provider, source = _files(args)
    else:
        raise InputError(
            "give --policy and --attestors, or --emulator and --project, or "
            "--platform-policy",
            path="webhook",
        )
    if judges is None:
        classic_only(args)
    target = (
        _target(args, provider) if interpret is None else TargetSettings(None, None)
    )
    return WebhookConfig(
        policy_provider=provider,
        judge_provider=judges,
        source=source,
        cluster=target.cluster,
        istio_trust_domain=target.trust_domain,
        options=DecisionOptions(
            check_docker_reference=args.check_docker_reference,
            cache=VerificationCache(),
        ),
        audit_log=audit,
        workers=args.workers,
        judge_updates=args.judge_updates,
        interpret=interpret,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from kritis_sim.serving import serve

    if (args.tls_cert is None) != (args.tls_key is None):
        raise InputError("--tls-cert and --tls-key go together", path="webhook")
    check_port(args.port)
    if args.tls_cert is not None:
        check_tls(args.tls_cert, args.tls_key)
    else:
        print(
            "kritis-sim webhook: warning: no --tls-cert/--tls-key, serving plain "
            "HTTP; the Kubernetes API server only calls webhooks over HTTPS",
            file=sys.stderr,
        )
    audit = open_audit_log(args.audit_log) if args.audit_log else None
    try:
        app = create_app(_config(args, audit))
        # Policy, keys and caches live as long as the server: move them out of
        # the collector's reach so full collections stay short (tail latency).
        gc.collect()
        gc.freeze()
        try:
            serve(
                app,
                host=args.host,
                port=args.port,
                ssl_certfile=args.tls_cert,
                ssl_keyfile=args.tls_key,
                ready_message_stream=sys.stdout,
            )
        except (OSError, RuntimeError) as exc:  # a port in use, an unknown host
            app.state.webhook.enforcer.close()
            raise listen_error(args.host, args.port, exc) from None
        app.state.webhook.enforcer.close()
    finally:
        if audit is not None:
            audit.close()
    return 0
