"""Validate attestor documents and build :class:`~kritis_sim.model.attestor.Attestor` values.

The rules follow the ``binaryauthorization/v1`` Attestor resource (see
``docs/policy.md``): known camelCase fields only, ``projects/P/attestors/A``
names, a required ``projects/P/notes/N`` note reference using the project ID,
exactly one of ``asciiArmoredPgpPublicKey`` and ``pkixPublicKey`` per key,
loadable PEMs whose key matches ``signatureAlgorithm``, URI key ids, default
PKIX ids (RFC 6920 ``ni:///sha-256;...``), PGP ids as the V4 fingerprint
(computed by :mod:`kritis_sim.crypto.pgp`, overwriting any supplied id as the API
does), and no duplicate key ids or attestor names. Errors name file, line and
field path. A PGP key without the ``kritis-sim[pgp]`` extra installed is a
``KeyFormatError`` saying so.

PEM loading, key/algorithm agreement and default PKIX ids come from
:mod:`kritis_sim.crypto.keys`, so there is one definition of each. This module
does not verify signatures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Locator, Path, load_documents
from kritis_sim.crypto.keys import default_key_id, key_mismatch, load_public_key
from kritis_sim.crypto.pgp import pgp_fingerprint
from kritis_sim.errors import AttestorError, KeyFormatError
from kritis_sim.model._fields import FieldReader, check_resource_name
from kritis_sim.model.attestor import (
    UNSUPPORTED_ALGORITHMS,
    Attestor,
    AttestorPublicKey,
    PkixPublicKey,
    SignatureAlgorithm,
)

__all__ = ["attestor_from_dict", "attestors_from_text"]

_ATTESTOR_FIELDS = frozenset(
    {"name", "description", "updateTime", "etag", "userOwnedGrafeasNote"}
)
_NOTE_FIELDS = frozenset(
    {"noteReference", "delegationServiceAccountEmail", "publicKeys"}
)
_KEY_FIELDS = frozenset({"id", "comment", "asciiArmoredPgpPublicKey", "pkixPublicKey"})
_PKIX_FIELDS = frozenset({"publicKeyPem", "signatureAlgorithm", "keyId"})
_LIST_FIELDS = frozenset({"attestors", "nextPageToken"})
#: RFC 3986: a scheme, ':', then only characters a URI may hold.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


def attestor_from_dict(data: Any, *, locator: Locator | None = None) -> Attestor:
    """Validate one attestor document and build the :class:`Attestor`.

    Raises:
        AttestorError: naming the file, line and field path of the problem.
        KeyFormatError: when a PKIX PEM cannot be loaded.
    """
    return _AttestorReader(locator or Locator("<attestor>")).attestor(data, ())


def attestors_from_text(
    text: str, *, source: str = "<attestors>"
) -> tuple[Attestor, ...]:
    """Load every attestor in ``text`` (see :func:`kritis_sim.model.attestor.load_attestors`)."""
    out: list[Attestor] = []
    seen: set[str] = set()
    for data, locator in load_documents(text, source):
        reader = _AttestorReader(locator)
        for attestor, path in reader.collection(data):
            if attestor.name in seen:
                reader.f.fail(
                    (*path, "name"), f"duplicate attestor name {attestor.name!r}"
                )
            seen.add(attestor.name)
            out.append(attestor)
    return tuple(out)


class _AttestorReader:
    def __init__(self, locator: Locator) -> None:
        self.f = FieldReader(locator, AttestorError)

    def collection(self, data: Any) -> list[tuple[Attestor, Path]]:
        if isinstance(data, dict) and "attestors" in data:
            doc = self.f.mapping(data, (), known=_LIST_FIELDS, what="an attestor list")
            items = self.f.sequence(doc["attestors"], ("attestors",))
            return [
                (self.attestor(item, ("attestors", i)), ("attestors", i))
                for i, item in enumerate(items)
            ]
        if isinstance(data, list):
            return [(self.attestor(item, (i,)), (i,)) for i, item in enumerate(data)]
        return [(self.attestor(data, ()), ())]

    def attestor(self, data: Any, path: Path) -> Attestor:
        doc = self.f.mapping(data, path, known=_ATTESTOR_FIELDS, what="an Attestor")
        name = self.required_string(doc, path, "name")
        problem = check_resource_name(name, "attestors")
        if problem:
            self.f.fail((*path, "name"), problem)
        if "userOwnedGrafeasNote" not in doc:
            self.f.fail(path, "missing required field 'userOwnedGrafeasNote'")
        note_path: Path = (*path, "userOwnedGrafeasNote")
        note = self.f.mapping(
            doc["userOwnedGrafeasNote"],
            note_path,
            known=_NOTE_FIELDS,
            what="a UserOwnedGrafeasNote",
        )
        note_reference = self.required_string(note, note_path, "noteReference")
        problem = check_resource_name(
            note_reference, "notes", allow_project_number=False
        )
        if problem:
            self.f.fail((*note_path, "noteReference"), problem)
        keys: list[AttestorPublicKey] = []
        if "publicKeys" in note:
            base: Path = (*note_path, "publicKeys")
            seen: dict[str, int] = {}
            for i, item in enumerate(self.f.sequence(note["publicKeys"], base)):
                key = self.public_key(item, (*base, i))
                if key.id in seen:
                    self.f.fail(
                        (*base, i, "id"),
                        f"duplicate key id {key.id!r} (already used by publicKeys[{seen[key.id]}])",
                    )
                seen[key.id] = i
                keys.append(key)
        return Attestor(
            name=name,
            note_reference=note_reference,
            public_keys=tuple(keys),
            description=self.f.optional_string(doc, "description", path),
            update_time=self.f.optional_string(doc, "updateTime", path),
            etag=self.f.optional_string(doc, "etag", path),
            delegation_service_account_email=self.f.optional_string(
                note, "delegationServiceAccountEmail", note_path
            ),
        )

    def required_string(self, doc: Mapping[str, Any], path: Path, key: str) -> str:
        value = self.f.optional_string(doc, key, path)
        if not value:
            self.f.fail(path, f"missing required field {key!r}")
        return value

    def public_key(self, data: Any, path: Path) -> AttestorPublicKey:
        doc = self.f.mapping(data, path, known=_KEY_FIELDS, what="an AttestorPublicKey")
        given_id = self.f.optional_string(doc, "id", path) or None
        comment = self.f.optional_string(doc, "comment", path)
        kinds = [k for k in ("asciiArmoredPgpPublicKey", "pkixPublicKey") if k in doc]
        if len(kinds) != 1:
            found = "both" if kinds else "neither"
            self.f.fail(
                path,
                "expected exactly one of 'asciiArmoredPgpPublicKey' and "
                f"'pkixPublicKey', found {found}",
            )
        if kinds[0] == "asciiArmoredPgpPublicKey":
            armored = self.f.string(doc["asciiArmoredPgpPublicKey"], (*path, kinds[0]))
            try:
                fingerprint = pgp_fingerprint(armored)
            except KeyFormatError as exc:
                raise self.f.locator.error(
                    KeyFormatError, (*path, kinds[0]), exc.message
                ) from None
            # As the API does: the id is always the V4 fingerprint; a supplied
            # id (even a different one) is overwritten, not refused.
            return AttestorPublicKey(
                id=fingerprint, ascii_armored_pgp_public_key=armored, comment=comment
            )
        pkix = self.pkix(doc["pkixPublicKey"], (*path, "pkixPublicKey"))
        if given_id is None:
            given_id = pkix.key_id
        elif pkix.key_id is not None and pkix.key_id != given_id:
            self.f.fail(
                (*path, "pkixPublicKey", "keyId"),
                f"pkixPublicKey.keyId {pkix.key_id!r} differs from the key's id "
                f"{given_id!r}; it must be equal or blank",
            )
        if given_id is None:
            key_id = default_key_id(pkix.public_key_pem)
        elif _URI.fullmatch(given_id):
            key_id = given_id
        else:
            self.f.fail(
                (*path, "id"),
                f"a PKIX key id must be an RFC 3986 URI (with a scheme, e.g. "
                f"'ni:///sha-256;...'), got {given_id!r}; leave it blank for the default",
            )
        return AttestorPublicKey(id=key_id, pkix_public_key=pkix, comment=comment)

    def pkix(self, data: Any, path: Path) -> PkixPublicKey:
        doc = self.f.mapping(data, path, known=_PKIX_FIELDS, what="a PkixPublicKey")
        pem = self.required_string(doc, path, "publicKeyPem")
        if "signatureAlgorithm" not in doc:
            self.f.fail(path, "missing required field 'signatureAlgorithm'")
        alg_path: Path = (*path, "signatureAlgorithm")
        alg = self.f.enum_value(doc["signatureAlgorithm"], alg_path, SignatureAlgorithm)
        if alg in UNSUPPORTED_ALGORITHMS:
            self.f.fail(
                alg_path,
                f"{alg.value} is not supported by kritis-sim; expected one of the RSA "
                "or ECDSA algorithms",
            )
        try:
            key = load_public_key(pem)
        except KeyFormatError as exc:
            raise self.f.locator.error(
                KeyFormatError, (*path, "publicKeyPem"), exc.message
            ) from None
        mismatch = key_mismatch(alg, key)
        if mismatch:
            self.f.fail(alg_path, f"{mismatch}; the algorithm must match the key")
        key_id = self.f.optional_string(doc, "keyId", path) or None
        return PkixPublicKey(public_key_pem=pem, signature_algorithm=alg, key_id=key_id)
