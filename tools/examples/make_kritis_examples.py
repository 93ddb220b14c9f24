"""Write examples/kritis/: Kritis' documented example resources, made runnable.

The resources are those of Kritis' documentation (the reference
``kritis-crds.md`` sections 2.1-2.4: ``qa-attestor``, ``my-gap``, ``my-isp``,
``kritis-config``), with two real PGP keys in place of the truncated one
(base64 of the armored key, as Kritis wants it), a ``build-attestor`` that
``my-gap`` names, a full digest in ``my-isp``'s allowlist, Pods, and
occurrences (PGP-signed attestations and vulnerabilities). The two secret
keys are written to ``keys/*.TEST-ONLY.sec.asc`` so that ``scenario.yaml``
can sign new attestations with them: they are test keys, published, and
protect nothing. Re-running makes new keys and signatures (the decisions
stay the same).

Run: python3 tools/examples/make_kritis_examples.py
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from kritis_sim.crypto import pgp
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.occurrence import encode_bytes

OUT = Path(__file__).resolve().parents[2] / "examples" / "kritis"
API = "kritis.grafeas.io/v1beta1"
APP = "gcr.io/example-project/app@sha256:" + "1" * 64
OTHER = "gcr.io/example-project/other@sha256:" + "2" * 64
_TEST_ONLY = (
    "TEST-ONLY key of kritis-sim's examples/kritis (published; protects nothing).\n"
    "Made by tools/examples/make_kritis_examples.py. Never trust it outside tests.\n\n"
)


def _authority(name: str, public: str) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "AttestationAuthority",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "noteReference": f"projects/my-proj/notes/{name}",
            "publicKeys": [
                {
                    "keyType": "PGP",
                    "keyId": pgp.pgp_fingerprint(public),
                    "asciiArmoredPgpPublicKey": base64.b64encode(
                        public.encode()
                    ).decode(),
                }
            ],
        },
    }


def _attestation(image: str, note: str, secret: str, public: str) -> dict[str, Any]:
    payload = make_payload(image)
    return {
        "kind": "ATTESTATION",
        "resourceUri": f"https://{image}",
        "noteName": note,
        "attestation": {
            "serializedPayload": encode_bytes(payload),
            "signatures": [
                {
                    "publicKeyId": pgp.pgp_fingerprint(public),
                    "signature": encode_bytes(pgp.sign_pgp(secret, payload)),
                }
            ],
        },
    }


def _vulnerability(image: str, cve: str, severity: str, fix: str) -> dict[str, Any]:
    return {
        "kind": "VULNERABILITY",
        "resourceUri": f"https://{image}",
        "noteName": f"projects/goog-vulnz/notes/{cve}",
        "vulnerability": {
            "effectiveSeverity": severity,
            "packageIssue": [
                {
                    "affectedPackage": "openssl",
                    "fixedVersion": {"kind": fix, "name": "3.0.8"},
                }
            ],
        },
    }


def _pod(
    name: str, image: str, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "main", "image": image}]},
    }


def _write(name: str, docs: list[dict[str, Any]], header: str) -> None:
    text = yaml.safe_dump_all(docs, sort_keys=False, width=1000)
    (OUT / name).write_text(f"# {header}\n" + text)


def main() -> None:
    (OUT / "resources").mkdir(parents=True, exist_ok=True)
    qa = pgp.generate_pgp_key("qa-attestor TEST ONLY <qa-attestor@example.com>")
    build = pgp.generate_pgp_key("build-attestor TEST ONLY <build-attestor@example.com>")
    (OUT / "keys").mkdir(exist_ok=True)
    for name, (secret, _) in (("qa-attestor", qa), ("build-attestor", build)):
        (OUT / "keys" / f"{name}.TEST-ONLY.sec.asc").write_text(
            f"{_TEST_ONLY}{secret}"
        )
    _write(
        "resources/attestation-authorities.yaml",
        [_authority("qa-attestor", qa[1]), _authority("build-attestor", build[1])],
        "kritis-crds.md 2.1, with real keys (base64 of gpg --armor --export)",
    )
    _write("resources/generic-attestation-policy.yaml", [{
        "apiVersion": API, "kind": "GenericAttestationPolicy",
        "metadata": {"name": "my-gap", "namespace": "default"},
        "spec": {
            "attestationAuthorityNames": ["qa-attestor", "build-attestor"],
            "admissionAllowlistPatterns": [
                {"namePattern": "gcr.io/kritis_containers/*"},
                {"namePattern": "gcr.io/example-project/helloworld"},
            ],
        },
    }], "kritis-crds.md 2.2, as documented")  # fmt: skip
    _write("resources/image-security-policy.yaml", [{
        "apiVersion": API, "kind": "ImageSecurityPolicy",
        "metadata": {"name": "my-isp", "namespace": "default"},
        "spec": {
            "imageAllowlist": ["gcr.io/my/image@sha256:" + "0123" * 16],
            "packageVulnerabilityRequirements": {
                "maximumSeverity": "HIGH",
                "maximumFixUnavailableSeverity": "ALLOW_ALL",
                "allowlistCVEs": ["projects/goog-vulnz/notes/CVE-2017-1000082"],
            },
            "attestationAuthorityName": "qa-attestor",
            "privateKeySecretName": "qa-attestor-key",
        },
    }], "kritis-crds.md 2.3, as documented (the digest written out in full)")  # fmt: skip
    _write("resources/kritis-config.yaml", [{
        "apiVersion": API, "kind": "KritisConfig", "metadata": {"name": "kritis-config"},
        "spec": {"metadataBackend": "containerAnalysis", "cronInterval": "1h",
                 "serverAddr": ":443"},
    }], "kritis-crds.md 2.4, as documented")  # fmt: skip
    _write("pods.yaml", [
        _pod("attested", APP),
        _pod("unattested", OTHER),
        _pod("breakglass", OTHER, {"kritis.grafeas.io/breakglass": "incident 42"}),
        _pod("helloworld", "gcr.io/example-project/helloworld"),
    ], "one Pod per outcome; see README.md")  # fmt: skip
    _write("occurrences.yaml", [
        _attestation(APP, "projects/my-proj/notes/qa-attestor", *qa),
        _attestation(APP, "projects/my-proj/notes/build-attestor", *build),
        _vulnerability(APP, "CVE-2023-0286", "CRITICAL", "NORMAL"),
        _vulnerability(OTHER, "CVE-2017-1000082", "CRITICAL", "NORMAL"),
        _vulnerability(OTHER, "CVE-2022-4450", "HIGH", "NORMAL"),
    ], "PGP-signed attestations of APP by both authorities; vulnerabilities")  # fmt: skip


if __name__ == "__main__":
    main()
