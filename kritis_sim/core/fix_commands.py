"""The pieces of an actionable fix: allowlist patterns and ready-to-run commands.

Pure string building for :mod:`kritis_sim.core.fixes`:

* :func:`repository_pattern`: the narrowest useful allowlist pattern that
  exempts one image, never broader than that image's repository
  (``registry/path/repo@*`` for an image written with a digest,
  ``registry/path/repo:*`` for one written with a tag and a digest). The
  trailing ``*`` never crosses a ``/``, so sibling repositories
  (``repo2``, ``repo/sub``) and look-alike registries stay outside it. A tag-only
  image gets no pattern (deploy it by digest instead).
* :func:`attest_commands`: for one attestor key, the ``kritis-sim sign`` line
  (our own ``sign`` flags) and the equivalent gcloud lines: ``gcloud beta
  container binauthz attestations sign-and-create --keyversion=...`` for a
  Cloud KMS key id (``//cloudkms.googleapis.com/v1/...``, as gcloud's
  ``GetKeyUri`` writes it; the command is in the beta and alpha tracks only),
  else ``create-signature-payload``, a local signing step (``openssl`` for PKIX,
  ``gpg`` for PGP) and ``attestations create --signature-file=...
  --public-key-id=...``.

Both are memoised (their inputs are immutable values), so a webhook
answering the same denial again pays for them once.

Placeholders the simulator cannot know are upper case: ``PRIVATE_KEY.pem``,
``SECRET_KEY.asc``. Not here: deciding anything (see ``core.decide``).
"""

from __future__ import annotations

import functools
import shlex

from kritis_sim.errors import ImageRefError, PatternError
from kritis_sim.model.attestor import Attestor, AttestorPublicKey
from kritis_sim.model.imageref import ImageRef
from kritis_sim.model.patterns import NamePattern

__all__ = [
    "KMS_PREFIX",
    "artifact_url",
    "attest_commands",
    "project_attest_commands",
    "repository_pattern",
]

#: How gcloud names a Cloud KMS key version as a public key id.
KMS_PREFIX = "//cloudkms.googleapis.com/v1/"


def _q(text: str) -> str:
    return shlex.quote(text)


def artifact_url(image: ImageRef) -> str:
    """``registry/path@sha256:...``: the artifact URL gcloud signs for ``image``
    (one of the resource URLs a decision looks attestations up under)."""
    return f"{image.name}@{image.digest}"


@functools.lru_cache(maxsize=4096)
def repository_pattern(image: str) -> str | None:
    """An allowlist pattern exempting ``image`` and nothing outside its repository.

    None when the image is tag-only (never allowlist a tag: deploy by digest),
    does not parse, or no valid pattern can name it.
    """
    try:
        ref = ImageRef.parse(image)
    except ImageRefError:
        return None
    if ref.digest is None:
        return None
    # Match as written when the image names its registry; else the Docker
    # Hub normal form (a wildcard needs 'registry/' before it).
    written = image if ref.has_explicit_domain else ref.normalized
    head = written.rpartition("@")[0]
    text = f"{head.rpartition(':')[0] if ref.tag is not None else head}"
    text += ":*" if ref.tag is not None else "@*"
    try:
        pattern = NamePattern.parse(text)
    except PatternError:  # pragma: no cover - parsed images always fit
        return None
    return pattern.text if pattern.matches(image) else None


def _gcloud_attestor(attestor: Attestor) -> list[str]:
    project, _, name = attestor.name.removeprefix("projects/").partition("/attestors/")
    if not name:
        return [f"--attestor={_q(attestor.name)}"]
    return [f"--attestor={_q(name)}", f"--attestor-project={_q(project)}"]


def _openssl(key: AttestorPublicKey) -> str:
    alg = key.pkix_public_key.signature_algorithm.value if key.pkix_public_key else ""
    digest = "sha512" if alg.endswith("SHA512") else "sha384"
    if not alg.endswith(("SHA384", "SHA512")):
        digest = "sha256"
    pss = (
        " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1"
        if "PSS" in alg
        else ""
    )
    return (
        f"openssl dgst -{digest} -sign PRIVATE_KEY.pem{pss} "
        "-out signature.bin payload.json"
    )


@functools.lru_cache(maxsize=4096)
def attest_commands(
    attestor: Attestor, key: AttestorPublicKey, image: ImageRef
) -> tuple[str, ...]:
    """Commands that would create an attestation by ``attestor`` with ``key``
    for ``image`` (which has a sha256 digest)."""
    return _commands(image, attestor.note_reference, _gcloud_attestor(attestor), key)


def project_attest_commands(
    project: str, key: AttestorPublicKey, image: ImageRef
) -> tuple[str, ...]:
    """Commands that would create an attestation for ``image`` signed with
    ``key`` in ``project`` (``projects/P`` or ``P``), as a platform policy's
    ``simpleSigningAttestationCheck`` reads them: any note of that project
    (``NOTE`` is a placeholder). The occurrence must belong to the project:
    gcloud's ``--project``; for kritis-sim files, ``--occurrences-project``."""
    bare = project.removeprefix("projects/")
    who = ["--note=NOTE", f"--note-project={_q(bare)}", f"--project={_q(bare)}"]
    return _commands(image, f"projects/{bare}/notes/NOTE", who, key)


def _commands(
    image: ImageRef, note: str, who: list[str], key: AttestorPublicKey
) -> tuple[str, ...]:
    url = artifact_url(image)
    if key.pkix_public_key is None:
        sign = [
            "kritis-sim sign",
            f"--image {_q(url)}",
            "--pgp-key SECRET_KEY.asc",
            f"--note {_q(note)}",
            f"--key-id {_q(key.id)}",
            "--append OCCURRENCES.json",
        ]
        local = f"gpg --local-user {_q(key.id)} --armor --output signature.pgp --sign payload.json"
        sig = "signature.pgp"
    else:
        sign = [
            "kritis-sim sign",
            f"--image {_q(url)}",
            "--key PRIVATE_KEY.pem",
            f"--note {_q(note)}",
            f"--key-id {_q(key.id)}",
        ]
        alg = key.pkix_public_key.signature_algorithm.value
        if alg.startswith("RSA"):
            sign.append(f"--algorithm {_q(alg)}")
        sign.append("--append OCCURRENCES.json")
        local = _openssl(key)
        sig = "signature.bin"
    out = [" ".join(sign)]
    if key.id.startswith(KMS_PREFIX):
        out.append(
            " ".join(
                [
                    "gcloud beta container binauthz attestations sign-and-create",
                    f"--artifact-url={_q(url)}",
                    *who,
                    f"--keyversion={_q(key.id.removeprefix(KMS_PREFIX))}",
                ]
            )
        )
        return tuple(out)
    out.append(
        "gcloud container binauthz create-signature-payload "
        f"--artifact-url={_q(url)} > payload.json"
    )
    out.append(local)
    create = [
        "gcloud container binauthz attestations create",
        f"--artifact-url={_q(url)}",
        *who,
        f"--signature-file={sig}",
        f"--public-key-id={_q(key.id)}",
    ]
    if key.pkix_public_key is not None:
        create.append("--payload-file=payload.json")
    out.append(" ".join(create))
    return tuple(out)
