"""Grafeas v1beta1 occurrences (Kritis' own API) under --semantics kritis:
pgpSignedAttestation (payload inside the message), genericSignedAttestation,
VULNERABILITY; located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.cli.main import main
from kritis_sim.crypto import pgp
from kritis_sim.crypto.payload import make_payload
from kritis_sim.model.occurrence import encode_bytes
from tests.unit.kritis.world import IMAGE, NOTE, aa, gap, isp, key


def _pgp(key_id: str | None = None) -> dict[str, Any]:
    secret, public = key()
    message = pgp.sign_pgp(secret, make_payload(IMAGE)).decode()
    return {
        "resource": {"uri": f"https://{IMAGE}"},
        "noteName": NOTE,
        "kind": "ATTESTATION",
        "attestation": {
            "attestation": {
                "pgpSignedAttestation": {
                    "signature": message,
                    "contentType": "SIMPLE_SIGNING_JSON",
                    "pgpKeyId": key_id or pgp.pgp_fingerprint(public),
                }
            }
        },
    }


def _vuln(kind: str) -> dict[str, Any]:
    return {
        "resource": {"uri": f"https://{IMAGE}"},
        "kind": "VULNERABILITY",
        "noteName": "projects/goog-vulnz/notes/CVE-1",
        "vulnerability": {
            "effectiveSeverity": "CRITICAL",
            "packageIssue": [
                {
                    "affectedLocation": {"package": "x"},
                    "fixedLocation": {"package": "x", "version": {"kind": kind}},
                }
            ],
        },
    }


def _review(
    tmp: Path,
    capsys: pytest.CaptureFixture[str],
    occ: list[dict[str, Any]],
    *docs: dict[str, Any],
) -> tuple[int, str]:
    (tmp / "res.yaml").write_text(yaml.safe_dump_all(docs or (aa(), gap())))
    (tmp / "occ.json").write_text(json.dumps({"occurrences": occ}))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": IMAGE}]},
    }
    (tmp / "pod.yaml").write_text(yaml.safe_dump(pod))
    code = main(
        [
            "review",
            "--semantics",
            "kritis",
            "--policy",
            str(tmp / "res.yaml"),
            "--occurrences",
            str(tmp / "occ.json"),
            str(tmp / "pod.yaml"),
        ]
    )
    return code, capsys.readouterr().err


def test_pgp_signed_attestation_as_kritis_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _review(tmp_path, capsys, [_pgp()])[0] == 0
    code, err = _review(tmp_path, capsys, [_pgp("0" * 40)])
    assert code == 1 and "no key with that id" in err


def test_generic_signed_attestation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret, public = key()
    payload = make_payload(IMAGE)
    occ = {
        "resource": {"uri": f"https://{IMAGE}"},
        "noteName": NOTE,
        "kind": "ATTESTATION",
        "attestation": {
            "attestation": {
                "genericSignedAttestation": {
                    "contentType": "SIMPLE_SIGNING_JSON",
                    "serializedPayload": encode_bytes(payload),
                    "signatures": [
                        {
                            "publicKeyId": pgp.pgp_fingerprint(public),
                            "signature": encode_bytes(pgp.sign_pgp(secret, payload)),
                        }
                    ],
                }
            }
        },
    }
    assert _review(tmp_path, capsys, [occ])[0] == 0


def test_v1beta1_vulnerability_fixability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = isp(maximumSeverity="HIGH")
    assert _review(tmp_path, capsys, [_vuln("NORMAL")], strict)[0] == 1
    assert (
        _review(tmp_path, capsys, [_vuln("MAXIMUM")], strict)[0] == 0
    )  # unfixable: ALLOW_ALL


def test_bad_v1beta1_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _pgp()
    bad["attestation"]["attestation"]["pgpSignedAttestation"]["keyid"] = "x"
    code, err = _review(tmp_path, capsys, [bad])
    assert code == 2 and "occ.json:" in err and "keyid" in err
    v1 = {
        "resourceUri": f"https://{IMAGE}",
        "noteName": NOTE,
        "kind": "ATTESTATION",
        "attestation": {"serializedPayload": "", "signatures": []},
    }
    code, err = _review(tmp_path, capsys, [_pgp(), v1])
    assert code == 2 and "own file" in err
