"""Grafeas **v1beta1** occurrences, as Kritis reads and writes them.

Kritis speaks only the Grafeas v1beta1 API (``metadata.go``). A user's export
of a Kritis store therefore holds v1beta1 occurrences::

    {"resource": {"uri": "https://gcr.io/p/i@sha256:..."}, "noteName": "...",
     "kind": "ATTESTATION",
     "attestation": {"attestation": {"pgpSignedAttestation": {
         "signature": "-----BEGIN PGP MESSAGE-----...", "pgpKeyId": "<FPR>",
         "contentType": "SIMPLE_SIGNING_JSON"}}}}

:func:`read_v1beta1` turns one into the v1 values the profile judges:

- ``pgpSignedAttestation``: the payload is only inside the signed message, so
  it is taken from the message when it verifies with the AA key whose
  fingerprint is ``pgpKeyId`` (``keys``); otherwise the payload is empty and
  the attestation verifies nothing (the decision says why);
- ``genericSignedAttestation``: ``serializedPayload`` and ``signatures`` as in v1
  (what Kritis' ``signer`` writes);
- ``VULNERABILITY``: ``details.effectiveSeverity``/``severity`` and each
  ``packageIssue[].fixedLocation.version.kind`` (all Kritis reads).

Anything else (another kind or detail, an unknown field, a bad value) is an
:class:`~kritis_sim.errors.OccurrenceError` naming file, line and field.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Locator, Path, load_documents
from kritis_sim.crypto.pgp import signed_content
from kritis_sim.errors import OccurrenceError
from kritis_sim.model._fields import FieldReader
from kritis_sim.model._shapes import enum_field, or_default
from kritis_sim.model.envelope import OccurrenceHeader
from kritis_sim.model.occurrence import (
    AttestationOccurrence,
    Signature,
    decode_bytes,
    parse_timestamp,
)
from kritis_sim.model.vulnerability import (
    PackageIssue,
    Severity,
    Version,
    VersionKind,
    VulnerabilityOccurrence,
)

__all__ = ["is_v1beta1", "read_v1beta1", "read_v1beta1_text"]

_FIELDS = ("name", "resource", "noteName", "kind", "remediation", "createTime",
           "updateTime", "attestation", "vulnerability")  # fmt: skip
_VULN_FIELDS = ("type", "severity", "cvssScore", "packageIssue", "shortDescription",
                "longDescription", "relatedUrls", "effectiveSeverity")  # fmt: skip


def is_v1beta1(entry: object) -> bool:
    """An occurrence in v1beta1 shape (``resource.uri``, nested details)."""
    if not isinstance(entry, dict):
        return False
    att = entry.get("attestation")
    return "resource" in entry or (isinstance(att, dict) and "attestation" in att)


def _bytes(r: FieldReader, value: object, path: Path) -> bytes:
    try:
        return decode_bytes(r.string(value, path))
    except ValueError as exc:
        r.fail(path, f"expected base64 bytes: {exc}")


def _time(r: FieldReader, data: Mapping[str, Any], key: str, path: Path) -> Any:
    text = r.optional_string(data, key, path)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        r.fail((*path, key), str(exc))


def _attestation(r: FieldReader, data: Mapping[str, Any], path: Path, header: OccurrenceHeader,
                 keys: Mapping[str, str]) -> AttestationOccurrence:  # fmt: skip
    apath = (*path, "attestation")
    outer = r.mapping(
        data["attestation"], apath, known=("attestation",), what="details"
    )
    ipath = (*apath, "attestation")
    inner = r.mapping(or_default(outer, "attestation", {}), ipath,
                      known=("pgpSignedAttestation", "genericSignedAttestation"),
                      what="an attestation")  # fmt: skip
    if len(inner) != 1:
        r.fail(ipath, "expected one of pgpSignedAttestation, genericSignedAttestation")
    kind, body = next(iter(inner.items()))
    bpath = (*ipath, kind)
    if kind == "pgpSignedAttestation":
        b = r.mapping(
            body, bpath, known=("signature", "contentType", "pgpKeyId"), what=kind
        )
        message = r.string(b.get("signature"), (*bpath, "signature")).encode()
        key_id = r.optional_string(b, "pgpKeyId", bpath) or ""
        armored = keys.get(key_id)
        payload = signed_content(armored, message) if armored else None
        sigs: tuple[Signature, ...] = (Signature(message, key_id),)
    else:
        b = r.mapping(body, bpath, known=("contentType", "serializedPayload", "signatures"),
                      what=kind)  # fmt: skip
        payload = _bytes(r, b.get("serializedPayload"), (*bpath, "serializedPayload"))
        spath = (*bpath, "signatures")
        items = r.sequence(or_default(b, "signatures", []), spath)
        found = []
        for i, item in enumerate(items):
            s = r.mapping(item, (*spath, i), known=("publicKeyId", "signature"),
                          what="a signature")  # fmt: skip
            found.append(Signature(
                _bytes(r, s.get("signature"), (*spath, i, "signature")),
                r.optional_string(s, "publicKeyId", (*spath, i)) or "",
            ))  # fmt: skip
        sigs = tuple(found)
    return AttestationOccurrence(
        resource_uri=header.resource_uri, note_name=header.note_name,
        serialized_payload=payload or b"", signatures=sigs, name=header.name,
        create_time=header.create_time, update_time=header.update_time,
    )  # fmt: skip


def _vulnerability(r: FieldReader, data: Mapping[str, Any], path: Path,
                   header: OccurrenceHeader) -> VulnerabilityOccurrence:  # fmt: skip
    vpath = (*path, "vulnerability")
    v = r.mapping(
        data["vulnerability"], vpath, known=_VULN_FIELDS, what="vulnerability details"
    )
    issues = []
    ipath = (*vpath, "packageIssue")
    for i, item in enumerate(r.sequence(or_default(v, "packageIssue", []), ipath)):
        p = r.mapping(item, (*ipath, i), what="a package issue",
                      known=("affectedLocation", "fixedLocation", "severityName"))  # fmt: skip
        fixed = None
        if p.get("fixedLocation") is not None:
            fpath = (*ipath, i, "fixedLocation")
            f = r.mapping(p["fixedLocation"], fpath, known=("cpeUri", "package", "version"),
                          what="a location")  # fmt: skip
            ver = r.mapping(or_default(f, "version", {}), (*fpath, "version"),
                            known=("epoch", "name", "revision", "kind", "inclusive"),
                            what="a version")  # fmt: skip
            fixed = Version(
                kind=enum_field(r, ver, "kind", (*fpath, "version"), VersionKind),
                name=r.optional_string(ver, "name", (*fpath, "version")) or "",
            )
        issues.append(PackageIssue(fixed_version=fixed))
    return VulnerabilityOccurrence(
        header=header,
        severity=enum_field(r, v, "severity", vpath, Severity),
        effective_severity=enum_field(r, v, "effectiveSeverity", vpath, Severity),
        package_issues=tuple(issues),
        short_description=r.optional_string(v, "shortDescription", vpath) or "",
    )


def read_v1beta1(
    r: FieldReader, value: object, path: Path, keys: Mapping[str, str]
) -> AttestationOccurrence | VulnerabilityOccurrence:
    """One v1beta1 occurrence at ``path``; ``keys``: fingerprint -> armored
    PGP key of the loaded AAs (to open ``pgpSignedAttestation`` messages).

    Raises:
        OccurrenceError: not an ATTESTATION or VULNERABILITY occurrence in
            v1beta1 shape (located at the field).
    """
    data = r.mapping(value, path, known=_FIELDS, what="a v1beta1 occurrence")
    details = [k for k in ("attestation", "vulnerability") if data.get(k) is not None]
    kind = data.get("kind")
    if len(details) != 1 or kind not in (None, "ATTESTATION", "VULNERABILITY"):
        r.fail(path, "expected a v1beta1 ATTESTATION or VULNERABILITY occurrence "
               "(kind and one of the attestation, vulnerability details)")  # fmt: skip
    if kind is not None and kind.lower() != details[0]:
        r.fail(
            (*path, "kind"), f"kind {kind!r} does not match the {details[0]} details"
        )
    rpath = (*path, "resource")
    res = r.mapping(or_default(data, "resource", {}), rpath, what="a resource",
                    known=("uri", "name", "contentHash"))  # fmt: skip
    uri = r.optional_string(res, "uri", rpath)
    note = r.optional_string(data, "noteName", path)
    if not uri or not note:
        r.fail(path, "expected resource.uri and noteName")
    header = OccurrenceHeader(
        resource_uri=uri, note_name=note, name=r.optional_string(data, "name", path),
        create_time=_time(r, data, "createTime", path),
        update_time=_time(r, data, "updateTime", path),
        remediation=r.optional_string(data, "remediation", path),
    )  # fmt: skip
    if details[0] == "attestation":
        return _attestation(r, data, path, header, keys)
    return _vulnerability(r, data, path, header)


def read_v1beta1_text(
    text: str, shown: str, keys: Mapping[str, str]
) -> list[AttestationOccurrence | VulnerabilityOccurrence] | None:
    """The occurrences of a file of Grafeas v1beta1 occurrences (documents,
    a list, or ``{occurrences: [...]}``), or None when the file holds v1
    occurrences; ``keys`` maps AA fingerprints to armored keys (for
    ``pgpSignedAttestation``).

    Raises:
        OccurrenceError: a v1 entry among v1beta1 ones, or a bad entry (located).
    """
    found: list[AttestationOccurrence | VulnerabilityOccurrence] = []
    entries: list[tuple[Any, Locator, tuple[str | int, ...]]] = []
    for doc, locator in load_documents(text, shown):
        if isinstance(doc, dict) and isinstance(doc.get("occurrences"), list):
            entries += [(e, locator, ("occurrences", i)) for i, e in enumerate(doc["occurrences"])]
        elif isinstance(doc, list):
            entries += [(e, locator, (i,)) for i, e in enumerate(doc)]
        elif doc is not None:
            entries.append((doc, locator, ()))
    if not any(is_v1beta1(e) for e, _, _ in entries):
        return None
    for entry, locator, path in entries:
        reader = FieldReader(locator, OccurrenceError)
        if not is_v1beta1(entry):
            reader.fail(path, "a v1 occurrence in a file of v1beta1 occurrences; "
                        "keep each API version in its own file")  # fmt: skip
        found.append(read_v1beta1(reader, entry, path, keys))
    return found
