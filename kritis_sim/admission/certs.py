"""A throwaway CA and a serving certificate for the webhook, built with cryptography.

The API server calls webhooks over HTTPS only and checks the serving
certificate against the configuration's ``caBundle``. :func:`make_certs` builds
an ECDSA P-256 CA and a leaf certificate whose subjectAltName lists the given
DNS names plus ``localhost`` and the IP address ``127.0.0.1`` (so the same
files serve a Service inside a cluster and tests on loopback); both carry the
key identifiers strict verifiers (Python 3.13's ``VERIFY_X509_STRICT``) expect.
:func:`write_certs` stores them as ``ca.crt``, ``tls.crt`` and ``tls.key``.
:func:`check_serving_certs` checks user-supplied files the same way the API
server will (chain, name, validity, key), before an install relies on them.

These are development certificates: the CA key is not kept, nothing rotates
them, and they are not meant for a production cluster.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kritis_sim._files import write_file

__all__ = [
    "CertBundle",
    "check_serving_certs",
    "make_certs",
    "service_dns_names",
    "write_certs",
]

_BACKDATE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CertBundle:
    """PEM bytes of the CA certificate, the leaf certificate and the leaf key."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


def service_dns_names(service: str, namespace: str) -> tuple[str, ...]:
    """The names a Service is reached by inside a cluster."""
    return (
        service,
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.cluster.local",
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kritis-sim"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signs_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certs,
        crl_sign=signs_certs,
        encipher_only=False,
        decipher_only=False,
    )


def make_certs(
    dns_names: Sequence[str],
    *,
    ip_addresses: Sequence[str] = ("127.0.0.1",),
    valid_days: int = 365,
    now: datetime | None = None,
) -> CertBundle:
    """Build a CA and a serving certificate valid for the names.

    Args:
        dns_names: DNS subjectAltNames (``localhost`` is always added).
        ip_addresses: IP subjectAltNames.
        valid_days: validity of both certificates.
        now: start of validity (backdated 5 minutes for clock skew).
    """
    start = (now or datetime.now(UTC)) - _BACKDATE
    end = start + timedelta(days=valid_days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("kritis-sim webhook CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certs=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    names = list(dict.fromkeys([*dns_names, "localhost"]))
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certs=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return CertBundle(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def write_certs(bundle: CertBundle, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``ca.crt``, ``tls.crt`` (mode 0644) and ``tls.key`` (0600) into ``out_dir``.

    Each file is written to a new temporary file and renamed into place, so an
    existing ``tls.key`` (whatever its mode) is replaced by a 0600 file and a
    symlink in its place is replaced rather than written through.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "ca.crt": write_file(out / "ca.crt", bundle.ca_pem, mode=0o644),
        "tls.crt": write_file(out / "tls.crt", bundle.cert_pem, mode=0o644),
        "tls.key": write_file(out / "tls.key", bundle.key_pem, mode=0o600),
    }


def _matches(pattern: str, name: str) -> bool:
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


def check_serving_certs(
    ca_pem: bytes,
    cert_pem: bytes,
    key_pem: bytes,
    dns_name: str,
    *,
    now: datetime | None = None,
) -> None:
    """Check that the API server would accept this serving certificate.

    Args:
        ca_pem: the ``caBundle`` (one or more PEM certificates).
        cert_pem: the serving certificate (the first PEM certificate counts).
        key_pem: its unencrypted PEM private key.
        dns_name: the name the API server calls, ``<service>.<namespace>.svc``.
        now: the time to check validity at (default: the current time).

    Raises:
        ValueError: naming the file role and what is wrong.
    """
    try:
        cas = x509.load_pem_x509_certificates(ca_pem)
    except ValueError as exc:
        raise ValueError(f"CA: not a PEM certificate ({exc})") from None
    try:
        leaf = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise ValueError(f"certificate: not a PEM certificate ({exc})") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"key: not an unencrypted PEM private key ({exc})") from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, spki) != leaf.public_key().public_bytes(
        der, spki
    ):
        raise ValueError("key: does not belong to the certificate")
    if not any(_issued_by(leaf, ca) for ca in cas):
        raise ValueError("certificate: not signed by the CA given for caBundle")
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    if not any(_matches(n, dns_name) for n in names):
        raise ValueError(
            f"certificate: its DNS names {sorted(names)} do not include "
            f"{dns_name!r}, the name the API server calls"
        )
    at = now or datetime.now(UTC)
    if not leaf.not_valid_before_utc <= at <= leaf.not_valid_after_utc:
        raise ValueError(
            f"certificate: valid {leaf.not_valid_before_utc:%Y-%m-%d} to "
            f"{leaf.not_valid_after_utc:%Y-%m-%d}, not now ({at:%Y-%m-%d})"
        )


def _issued_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
