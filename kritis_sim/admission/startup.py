"""Checks that the webhook can start, turned into one-line messages.

``kritis-sim webhook`` must fail with exit 2 and one line naming the file or
port, never a traceback: a certificate or key file that is missing,
unreadable, not PEM, encrypted, or not a pair; an audit log that cannot be
opened; an address that cannot be listened on. Each check raises
:class:`~kritis_sim.errors.InputError` with that line. (Policy and attestor
files already fail that way when they are read.)

This module checks and opens; it does not serve.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from kritis_sim.admission.audit import AuditLog
from kritis_sim.errors import InputError

__all__ = ["check_port", "check_tls", "listen_error", "open_audit_log"]


def _read(flag: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{flag} {path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{flag} {path}: cannot read: {exc.strerror or exc}") from None


def _der(public_key: object) -> bytes:
    to_bytes = getattr(public_key, "public_bytes", None)
    if not callable(to_bytes):
        return b""
    value: bytes = to_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return value


def check_tls(cert_file: str, key_file: str) -> None:
    """The certificate and key load, and belong together.

    Raises:
        InputError: naming the flag and file at fault.
    """
    cert_data, key_data = _read("--tls-cert", cert_file), _read("--tls-key", key_file)
    try:
        certs = x509.load_pem_x509_certificates(cert_data)
    except ValueError:
        raise InputError(
            f"--tls-cert {cert_file}: not a PEM certificate (expected "
            "'-----BEGIN CERTIFICATE-----')"
        ) from None
    try:
        key = serialization.load_pem_private_key(key_data, password=None)
    except TypeError:
        raise InputError(
            f"--tls-key {key_file}: the key is encrypted; give an unencrypted key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise InputError(
            f"--tls-key {key_file}: not a PEM private key (expected "
            "'-----BEGIN PRIVATE KEY-----' or an RSA/EC key block)"
        ) from None
    if _der(key.public_key()) != _der(certs[0].public_key()):
        raise InputError(
            f"--tls-key {key_file} does not match the certificate in "
            f"--tls-cert {cert_file} (their public keys differ)"
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert_file, key_file)
    except (ssl.SSLError, OSError) as exc:
        raise InputError(
            f"--tls-cert {cert_file} / --tls-key {key_file}: refused by OpenSSL: "
            f"{' '.join(str(exc).split())}"
        ) from None


def check_port(port: int) -> None:
    """A TCP port number (0 picks a free one).

    Raises:
        InputError: outside 0-65535.
    """
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: expected a port number from 0 to 65535")


def listen_error(host: str, port: int, exc: Exception) -> InputError:
    """The one-line error for a server that could not start: a failed bind
    (port in use, unknown host) or a server thread that died at startup."""
    cause = exc.__cause__ if isinstance(exc, RuntimeError) and exc.__cause__ else exc
    reason = getattr(cause, "strerror", None) or " ".join(str(cause).split())
    return InputError(f"--host {host} --port {port}: cannot listen there: {reason}")


def open_audit_log(target: str) -> AuditLog:
    """Open ``--audit-log`` (``-`` is stderr).

    Raises:
        InputError: the file cannot be opened for appending.
    """
    try:
        return AuditLog.open(target)
    except OSError as exc:
        raise InputError(
            f"--audit-log {target}: cannot open for appending: {exc.strerror or exc}"
        ) from None
