"""Platform-policy inputs read from files: trusted builders and a GKE policy.

* :func:`load_trusted_builders`: the ``--trusted-builders`` file, the roots
  of trust of ``slsaCheck``'s ``trustedBuilder`` (Binary Authorization fetches
  Cloud Build's provenance keys itself; the simulator must be told them). A
  YAML or JSON document::

      trustedBuilders:
      - trustedBuilder: GOOGLE_CLOUD_BUILD      # the policy's enum (name or number)
        builderIds:                             # optional; default Cloud Build's
        - https://cloudbuild.googleapis.com/GoogleHostedWorker
        publicKeys:                             # at least one
        - publicKeyPem: "-----BEGIN PUBLIC KEY-----\\n..."
          signatureAlgorithm: ECDSA_P256_SHA256 # RSA/ECDSA keys; left out for Ed25519
          keyId: "//cloudkms.googleapis.com/..."  # optional URI

  Each ``trustedBuilder`` once; keys load and fit their algorithm. Errors name
  the file, line and field. :func:`trusted_builders_from_dict` checks an
  already parsed document (the conformance platform cases use it).
* :func:`load_gke_policy`: a platform policy file that holds a ``gkePolicy``.

These loaders sit below ``cli/`` so that the webhook wiring of the CLI and the
conformance adapters share them; :mod:`kritis_sim.cli.platform_inputs`
re-exports them. They read files and raise the one exception tree; they do not
decide and do not print.
"""

from __future__ import annotations

from typing import Any

from kritis_sim._input import read_input
from kritis_sim._yaml import load_documents, load_one
from kritis_sim.core.platform import GOOGLE_CLOUD_BUILD_IDS, BuilderRoots
from kritis_sim.crypto.dsse import DsseKey, Ed25519Key
from kritis_sim.crypto.keys import load_ed25519_public_key
from kritis_sim.errors import InputError, KeyFormatError, PolicyError
from kritis_sim.model._fields import FieldReader
from kritis_sim.model.platform._reader import Reader
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.policy import PlatformPolicy, load_platform_policy_file

__all__ = ["load_gke_policy", "load_trusted_builders", "trusted_builders_from_dict"]

_KEY = ("keyId", "publicKeyPem", "signatureAlgorithm")
_TOP = ("trustedBuilders",)
_ENTRY = ("trustedBuilder", "builderIds", "publicKeys")


def _key(reader: Reader, value: Any, path: tuple[str | int, ...]) -> DsseKey:
    doc = reader.f.mapping(value, path, known=_KEY, what="a public key")
    if "signatureAlgorithm" in doc:
        return reader.pkix_key(doc, path)
    pem = reader.non_empty_string(
        reader.field(doc, path, "publicKeyPem"), (*path, "publicKeyPem")
    )
    try:
        load_ed25519_public_key(pem)
    except KeyFormatError as exc:
        reader.f.fail(
            (*path, "signatureAlgorithm"),
            f"missing signatureAlgorithm, which only an Ed25519 key may leave "
            f"out ({exc.message})",
        )
    key_id = reader.f.optional_string(doc, "keyId", path)
    return Ed25519Key(pem, key_id or None)


def trusted_builders_from_dict(
    data: Any, reader: Reader
) -> dict[TrustedBuilder, BuilderRoots]:
    """Validate a parsed ``--trusted-builders`` document."""
    top = reader.f.mapping(data, (), known=_TOP, what="a trusted builders document")
    entries = reader.items(
        top, (), "trustedBuilders", lambda v, p: (v, p), required=True
    )
    out: dict[TrustedBuilder, BuilderRoots] = {}
    for value, path in entries:
        doc = reader.f.mapping(value, path, known=_ENTRY, what="a trusted builder")
        where = (*path, "trustedBuilder")
        builder = reader.enum(doc, path, "trustedBuilder", TrustedBuilder)
        if builder in out:
            reader.f.fail(
                where, f"{builder.name} is given twice; give each builder once"
            )
        keys = reader.items(doc, path, "publicKeys", lambda v, p: _key(reader, v, p),
                            required=True)  # fmt: skip
        ids = reader.items(doc, path, "builderIds", reader.non_empty_string)
        out[builder] = BuilderRoots(tuple(keys), tuple(ids) or GOOGLE_CLOUD_BUILD_IDS)
    return out


def load_trusted_builders(path: str | None) -> dict[TrustedBuilder, BuilderRoots]:
    """The ``--trusted-builders`` file (``{}`` when not given)."""
    if path is None:
        return {}
    text = read_input(path)
    if not any(data is not None for data, _ in load_documents(text, source=path)):
        raise InputError(
            "the trusted builders file is empty; expected {trustedBuilders: [...]}",
            source=path,
        )
    data, locator = load_one(text, source=path)
    return trusted_builders_from_dict(data, Reader(FieldReader(locator, InputError)))


def load_gke_policy(path: str) -> PlatformPolicy:
    """A platform policy file holding a ``gkePolicy`` (else exit 2, as gcloud)."""
    policy = load_platform_policy_file(path)
    if policy.gke_policy is None:
        raise PolicyError(
            "the platform policy has no gkePolicy; only GKE platform policies "
            "can be evaluated (gcloud: \"Currently only 'gke' platform policies "
            'are supported")',
            source=path,
        )
    return policy
