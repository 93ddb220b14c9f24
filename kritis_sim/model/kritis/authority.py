"""Read an AttestationAuthority spec (see :mod:`kritis_sim.model.kritis.load`).

Kritis' quirks, kept: ``asciiArmoredPgpPublicKey`` is the **base64 of the
armored key** (Google's API takes the armor itself: given here, it is refused
with that hint); the id used is the computed upper-case V4 fingerprint (a
different ``keyId`` is a warning, as Kritis only logs it); ``keyType`` is
``PGP`` or ``PKIX`` exactly. PKIX keys load with a warning, since Kritis
admission skips them. A ``noteReference`` that is not
``projects/<p>/notes/<n>`` is refused with Kritis' own message.

Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kritis_sim._yaml import Path
from kritis_sim.crypto.pgp import pgp_fingerprint
from kritis_sim.errors import KeyFormatError
from kritis_sim.model.kritis.fields import SpecReader, suggest
from kritis_sim.model.kritis.resources import AttestationAuthority, KritisKey

__all__ = ["read_authority"]


def _note_reference(r: SpecReader, value: str, path: Path) -> str:
    parts = value.split("/")
    if (
        len(parts) != 4
        or parts[0] != "projects"
        or parts[2] != "notes"
        or not all(parts)
    ):
        r.fail(
            path,
            "invalid Note Reference, should be in format "
            f"projects/<project_id>/notes/<note_id>, actual: {value!r}",
        )
    return value


def _pgp_key(
    r: SpecReader, value: object, path: Path, key_id: str, kpath: Path
) -> KritisKey:
    text = r.f.string(value, path)
    if text.lstrip().startswith("-----BEGIN PGP"):
        r.fail(
            path,
            "Kritis expects the base64 of the armored key here, not the armor "
            "itself (unlike Google's API): base64 -w0 key.asc",
        )
    try:
        armored = base64.b64decode(
            text.replace("\r", "").replace("\n", ""), validate=True
        ).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        r.fail(
            path,
            "expected base64 (standard alphabet) of an ASCII-armored PGP "
            "public key (gpg --armor --export KEY | base64 -w0)",
        )
    try:
        fingerprint = pgp_fingerprint(armored)
    except KeyFormatError as exc:
        r.fail(path, f"the base64-decoded key: {exc.message}")
    if key_id and key_id != fingerprint:
        r.warn(
            kpath,
            f"keyId {key_id!r} is not this key's fingerprint; Kritis ignores "
            f"it and uses {fingerprint}",
        )
    return KritisKey("PGP", key_id=key_id, fingerprint=fingerprint, armored=armored)


def read_authority(
    r: SpecReader, spec: Any, path: Path, name: str, ns: str
) -> AttestationAuthority:
    s = r.fields(
        spec, path, ("noteReference", "publicKeys"), what="an AttestationAuthority spec"
    )
    if "noteReference" not in s:
        r.fail(path, "expected spec.noteReference (projects/<project>/notes/<note>)")
    note = _note_reference(r, r.string(s, "noteReference"), s["noteReference"][1])
    keys: list[KritisKey] = []
    kvalue, kpath = s.get("publicKeys", ([], (*path, "publicKeys")))
    for i, item in enumerate(r.f.sequence(kvalue, kpath)):
        ipath = (*kpath, i)
        k = r.fields(
            item,
            ipath,
            ("keyType", "keyId", "asciiArmoredPgpPublicKey", "pkixPublicKey"),
            what="a public key",
        )
        key_type = r.string(k, "keyType")
        if key_type not in ("PGP", "PKIX"):
            r.fail(
                (*ipath, "keyType"),
                f"expected keyType 'PGP' or 'PKIX', got "
                f"{key_type!r}{suggest(key_type, ('PGP', 'PKIX'))}",
            )
        want = "asciiArmoredPgpPublicKey" if key_type == "PGP" else "pkixPublicKey"
        other = "pkixPublicKey" if key_type == "PGP" else "asciiArmoredPgpPublicKey"
        if want not in k or other in k:
            r.fail(ipath, f"a {key_type} key needs {want} and no {other}")
        if key_type == "PGP":
            keys.append(
                _pgp_key(r, k[want][0], k[want][1], r.string(k, "keyId"), ipath)
            )
            continue
        p = r.fields(
            *k[want], ("publicKeyPem", "signatureAlgorithm"), what="pkixPublicKey"
        )
        r.warn(
            ipath,
            "Kritis admission uses PGP keys only; this PKIX key verifies nothing "
            "(kritis-behaviour.md 1.1)",
        )
        keys.append(
            KritisKey(
                "PKIX",
                key_id=r.string(k, "keyId"),
                pkix_public_key_pem=r.string(p, "publicKeyPem"),
                signature_algorithm=r.string(p, "signatureAlgorithm"),
            )
        )
    if not keys:
        r.warn(
            kpath, f"AttestationAuthority {name} has no public keys; it attests nothing"
        )
    return AttestationAuthority(name, ns, note, tuple(keys))
