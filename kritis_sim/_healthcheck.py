"""The container image's HEALTHCHECK: ``GET /healthz`` on the webhook, over loopback.

``python -m kritis_sim._healthcheck [URL]`` exits 0 when the URL answers 200
and 1 otherwise (unreachable, another status, a timeout), which Docker reads as
healthy or unhealthy. The URL defaults to ``$KRITIS_SIM_HEALTHZ_URL``, else
``https://127.0.0.1:8443/healthz`` (the port ``kritis-sim manifests`` runs the
webhook on). Kubernetes ignores HEALTHCHECK and uses the Deployment's probes;
this serves ``docker run``.

The probe does not verify the serving certificate: it is issued for the
Service's DNS names, not for 127.0.0.1 inside the container, and the probe
sends nothing and reads only a status code. To keep that exception narrow, a
URL whose host is not a loopback address is refused (exit 2). Standard
library only, so the probe starts fast.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

__all__ = ["DEFAULT_URL", "ENV", "main", "probe"]

ENV = "KRITIS_SIM_HEALTHZ_URL"
DEFAULT_URL = "https://127.0.0.1:8443/healthz"
_TIMEOUT_S = 3.0


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe(url: str, timeout: float = _TIMEOUT_S) -> bool:
    """Whether ``url`` (on loopback) answers 200."""
    context = ssl.create_default_context()
    # Loopback only (checked by the caller): the certificate names the Service.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        # The URL is checked to be http(s) on loopback before this call.
        with urllib.request.urlopen(url, timeout=timeout, context=context) as reply:
            return bool(reply.status == 200)
    except (OSError, ValueError, urllib.error.URLError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Probe and return the exit status (0 healthy, 1 unhealthy, 2 bad URL)."""
    args = sys.argv[1:] if argv is None else argv
    url = args[0] if args else os.environ.get(ENV, DEFAULT_URL)
    if urlsplit(url).scheme not in ("http", "https") or not _loopback(url):
        print(f"healthcheck: expected an http(s) URL on loopback, got {url!r}")
        return 2
    return 0 if probe(url) else 1


if __name__ == "__main__":
    sys.exit(main())
