"""Signed SLSA v1 provenance as a Grafeas ``BUILD`` occurrence (``kritis-sim provenance``).

:func:`make_provenance` builds an in-toto Statement v1 whose subject is the
image digest and whose predicate is SLSA provenance v1 (``builder.id``, a
build type, the source repository as a resolved dependency and, for a
config-based build, as ``externalParameters.buildConfigSource``), serializes
it once, signs the DSSE PAE of those bytes, and returns the occurrence:
``build.inTotoSlsaProvenanceV1`` (the decoded copy, equal to the signed
payload) and ``envelope`` (``payloadType`` ``application/vnd.in-toto+json``).
The result is read back through :meth:`BuildOccurrence.from_dict`, so it
always has the exact shape the loaders and ``slsaCheck`` accept.

:func:`load_signer` reads the PEM private key: ECDSA (algorithm inferred from
the curve), RSA (the algorithm must be given: PSS or PKCS#1 cannot be told
from the key) or Ed25519 (DSSE only).

Not here: file reading, the clock, other predicate versions (v0.2), several
signers. Bad input raises :class:`~kritis_sim.errors.InputError` (or a
subclass) saying which value is wrong.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kritis_sim.crypto.algorithms import spec
from kritis_sim.crypto.dsse import Signer, sign_envelope
from kritis_sim.crypto.keys import (
    check_key_matches,
    default_key_id,
    load_private_key,
    public_key_pem,
)
from kritis_sim.errors import ImageRefError, InputError
from kritis_sim.model.attestor import SignatureAlgorithm
from kritis_sim.model.envelope import IN_TOTO_PAYLOAD_TYPE
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.intoto import STATEMENT_V1
from kritis_sim.model.occurrence import format_timestamp
from kritis_sim.model.provenance import SLSA_V1, BuildOccurrence

__all__ = [
    "DEFAULT_BUILD_TYPE",
    "LoadedSigner",
    "image_by_digest",
    "load_signer",
    "make_provenance",
]

#: The buildType written by default (Cloud Build's, from the reference's
#: worked example).
DEFAULT_BUILD_TYPE = "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1"

_CURVES = {
    "secp256r1": SignatureAlgorithm.ECDSA_P256_SHA256,
    "secp384r1": SignatureAlgorithm.ECDSA_P384_SHA384,
    "secp521r1": SignatureAlgorithm.ECDSA_P521_SHA512,
}
_NOTE = re.compile(r"projects/[^/\s]+/notes/[^/\s]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/]+(?:/\S*)?")
_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class LoadedSigner:
    """A private key ready for :func:`~kritis_sim.crypto.dsse.sign_envelope`.

    Attributes:
        signer: what ``sign_envelope`` takes.
        key_id: the default ``keyid``: the RFC 6920 id of the public key.
        public_key_pem: the public half, for trust configuration.
        algorithm: the PKIX algorithm, or None for Ed25519.
    """

    signer: Signer
    key_id: str
    public_key_pem: str
    algorithm: SignatureAlgorithm | None


def _ed25519_id(key: ed25519.Ed25519PrivateKey) -> tuple[str, str]:
    public = key.public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    digest = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=")
    return "ni:///sha-256;" + digest.decode("ascii"), pem


def load_signer(pem: str, algorithm: str | None = None) -> LoadedSigner:
    """The signer of a PEM private key (PKCS#8, SEC 1 or PKCS#1).

    Args:
        pem: the private key text.
        algorithm: a ``signatureAlgorithm`` name or alias; required for RSA,
            optional for ECDSA (checked against the curve), refused for
            Ed25519.

    Raises:
        KeyFormatError: not exactly one private key, encrypted, of another
            type, or not fitting ``algorithm``.
        InputError: ``algorithm`` is not a known name, is missing for RSA,
            or does not fit the key (``path`` ``"algorithm"``).
    """
    try:
        raw = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raw = None
    if isinstance(raw, ed25519.Ed25519PrivateKey):
        if algorithm:
            raise InputError(
                "an Ed25519 key signs with Ed25519; an algorithm applies to "
                "ECDSA and RSA keys only",
                path="algorithm",
            )
        key_id, public = _ed25519_id(raw)
        return LoadedSigner(raw, key_id, public, None)
    key = load_private_key(pem)  # EC or RSA, with its own precise errors
    if algorithm:
        try:
            alg = SignatureAlgorithm.parse(algorithm)
        except InputError as exc:
            raise InputError(exc.message, path="algorithm") from None
        except ValueError as exc:  # an unknown name
            raise InputError(str(exc), path="algorithm") from None
    elif isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _CURVES:
        alg = _CURVES[key.curve.name]
    else:
        raise InputError(
            "cannot infer the algorithm of an RSA key (PSS or PKCS#1); give "
            "one, e.g. RSA_SIGN_PKCS1_2048_SHA256",
            path="algorithm",
        )
    try:
        check_key_matches(spec(alg).algorithm, key)
    except InputError as exc:
        raise InputError(exc.message, path="algorithm") from None
    return LoadedSigner((key, alg), default_key_id(key), public_key_pem(key), alg)


def image_by_digest(image: str) -> ImageRef:
    """``image`` parsed; it must be pinned by a ``sha256`` digest.

    Raises:
        ImageRefError: it does not parse or has no ``sha256`` digest
            (``path`` ``"image"``).
    """
    try:
        ref = ImageRef.parse(image.removeprefix("https://"))
    except ImageRefError as exc:
        raise ImageRefError(exc.message, path="image") from None
    if not ref.has_sha256_digest:
        raise ImageRefError(
            f"image {image!r} is not pinned by a sha256 digest; provenance and "
            "scan results are bound to digests (use registry/repo@sha256:<64 hex>)",
            path="image",
        )
    return ref


def _checked(
    value: str, pattern: re.Pattern[str], field: str, what: str, example: str
) -> str:
    if not pattern.fullmatch(value):
        raise InputError(
            f"{value!r} is not {what}; expected e.g. {example}", path=field
        )
    return value


def make_provenance(
    image: str,
    *,
    source_repo: str,
    builder_id: str,
    signer: LoadedSigner,
    note_name: str,
    config_based: bool = False,
    key_id: str | None = None,
    built_at: datetime.datetime | None = None,
    source_commit: str | None = None,
    build_type: str = DEFAULT_BUILD_TYPE,
    config_path: str = "cloudbuild.yaml",
) -> BuildOccurrence:
    """A BUILD occurrence with DSSE-signed SLSA v1 provenance for ``image``.

    Args:
        image: ``registry/repo@sha256:<hex>`` (``https://`` allowed).
        source_repo: the source repository URL (with a scheme, e.g.
            ``https://github.com/o/r`` or ``git+https://github.com/o/r``).
        builder_id: ``runDetails.builder.id``.
        signer: from :func:`load_signer`.
        note_name: ``projects/P/notes/N``.
        config_based: also name the repository as the build config source
            (``externalParameters.buildConfigSource``), as Cloud Build does
            for a build from a config file in the repository.
        key_id: the envelope signature's ``keyid`` (default: the key's id).
        built_at: ``runDetails.metadata.finishedOn`` and the occurrence's
            ``createTime`` (timezone-aware), if given.
        source_commit: the 40-hex git commit of the source (``gitCommit``).
        build_type: ``buildDefinition.buildType``.
        config_path: the config file's path in the repository.

    Raises:
        InputError: a value is malformed; ``path`` is the parameter's name.
    """
    ref = image_by_digest(image)
    _checked(
        source_repo,
        _URL,
        "source_repo",
        "a repository URL with a scheme",
        "https://github.com/my-org/app",
    )
    _checked(
        note_name, _NOTE, "note_name", "a note name", "projects/my-proj/notes/build"
    )
    for value, field in ((builder_id, "builder_id"), (build_type, "build_type")):
        if not value or any(c.isspace() for c in value):
            raise InputError(
                f"{value!r} must be a non-empty URI without spaces", path=field
            )
    if built_at is not None and built_at.utcoffset() is None:
        raise InputError(f"{built_at!r} has no timezone", path="built_at")
    dependency: dict[str, Any] = {"uri": source_repo}
    if source_commit is not None:
        commit = _checked(
            source_commit, _COMMIT, "source_commit", "a git commit", "40 lower-case hex"
        )
        dependency["digest"] = {"gitCommit": commit}
    external: dict[str, Any] = {}
    if config_based:
        external["buildConfigSource"] = {"repository": source_repo, "path": config_path}
    run: dict[str, Any] = {"builder": {"id": builder_id}}
    if built_at is not None:
        run["metadata"] = {"finishedOn": format_timestamp(built_at)}
    assert ref.digest is not None
    statement = {
        "_type": STATEMENT_V1,
        "subject": [{"name": ref.name, "digest": {"sha256": ref.digest[7:]}}],
        "predicateType": SLSA_V1,
        "predicate": {
            "buildDefinition": {
                "buildType": build_type,
                "externalParameters": external,
                "resolvedDependencies": [dependency],
            },
            "runDetails": run,
        },
    }
    payload = json.dumps(statement, separators=(",", ":"), sort_keys=True).encode()
    envelope = sign_envelope(
        payload,
        [signer.signer],
        payload_type=IN_TOTO_PAYLOAD_TYPE,
        keyids=[signer.key_id if key_id is None else key_id],
    )
    doc: dict[str, Any] = {
        "resourceUri": "https://" + ref.original,
        "noteName": note_name,
        "kind": "BUILD",
        "build": {"inTotoSlsaProvenanceV1": statement},
        "envelope": envelope.to_dict(),
    }
    if built_at is not None:
        doc["createTime"] = format_timestamp(built_at)
    return BuildOccurrence.from_dict(doc)
