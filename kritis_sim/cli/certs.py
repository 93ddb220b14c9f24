"""``kritis-sim certs``: a development CA and a serving certificate for the webhook.

Writes ``ca.crt``, ``tls.crt`` and ``tls.key`` into ``--out``. The certificate
is valid for every ``--dns`` name, ``localhost`` and ``127.0.0.1``; with
``--service NAME --namespace NS`` the in-cluster Service names are added.
Existing files are replaced (each written to a new file and renamed into
place: ``tls.key`` is always 0600, a symlink is never written through).
"""

from __future__ import annotations

import argparse
from typing import Any

from kritis_sim.admission.certs import make_certs, service_dns_names, write_certs
from kritis_sim.errors import InputError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``certs`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "certs",
        help="write a development CA and webhook serving certificate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--dns", nargs="*", default=[], metavar="NAME", help="DNS names to certify"
    )
    p.add_argument("--service", metavar="NAME", help="add this Service's DNS names")
    p.add_argument("--namespace", default="kritis-sim", help="namespace of --service")
    p.add_argument("--days", type=int, default=365, help="validity (default 365)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate and write the files; print their paths."""
    if args.days < 1:
        raise InputError(f"expected at least 1 day, got {args.days}", path="--days")
    names = list(args.dns)
    if args.service:
        names += service_dns_names(args.service, args.namespace)
    try:
        paths = write_certs(make_certs(names, valid_days=args.days), args.out)
    except OSError as exc:
        raise InputError(f"cannot write: {exc}", path="--out") from None
    for path in paths.values():
        print(path)
    return 0
