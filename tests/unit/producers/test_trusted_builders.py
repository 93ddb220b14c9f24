"""``--trusted-builders FILE``: slsaCheck's roots of trust from the command line.

A BUILD occurrence made by ``kritis-sim provenance`` is CONFORMANT under
``kritis-sim evaluate`` only when the file names the key that signed it; without
the file the check is ERROR ("no roots of trust"); a bad file is exit 2 naming
file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.cli.main import main

from .keys import trusted
from .test_provenance import IMAGE, PROJECT, produce

NOW = "2026-11-29T12:00:00Z"
POLICY = {
    "gkePolicy": {
        "checkSets": [
            {
                "checks": [
                    {
                        "displayName": "built by us",
                        "slsaCheck": {
                            "rules": [
                                {
                                    "trustedBuilder": "GOOGLE_CLOUD_BUILD",
                                    "attestationSource": {
                                        "containerAnalysisAttestationProjects": [
                                            PROJECT
                                        ]
                                    },
                                    "trustedSourceRepoPatterns": [
                                        "github.com/my-org/*"
                                    ],
                                }
                            ]
                        },
                    }
                ]
            }
        ]
    }
}


def _key_doc(kind: str, label: str = "builder") -> dict[str, Any]:
    key = trusted(kind, label)
    doc: dict[str, Any] = {"publicKeyPem": key.public_key_pem}
    alg = getattr(key, "signature_algorithm", None)
    if alg is not None:
        doc["signatureAlgorithm"] = alg.value
    return doc


def _run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    builders: Any | None,
) -> tuple[int, Any, str]:
    occ = tmp_path / "build.json"
    occ.write_text(produce(tmp_path, capsys, kind))
    pol = tmp_path / "policy.yaml"
    pol.write_text(yaml.safe_dump(POLICY))
    args = ["evaluate", "--image", IMAGE, "--platform-policy", str(pol), "--now", NOW]
    args += ["--occurrences", str(occ), "--occurrences-project", PROJECT]
    if builders is not None:
        path = tmp_path / "builders.yaml"
        path.write_text(
            builders if isinstance(builders, str) else yaml.safe_dump(builders)
        )
        args += ["--trusted-builders", str(path)]
    code = main(args)
    out = capsys.readouterr()
    data = json.loads(out.out) if out.out.startswith("{") else None
    return code, data, out.err


def _verdict(data: Any) -> str:
    check = data["results"][0]["imageResults"][0]["checkSetResult"]["checkResults"]
    return str(check["results"][0]["evaluationResult"]["verdict"])


@pytest.mark.parametrize("kind", ["ecdsa", "ed25519"])
def test_evaluate_trusted_builders_file_makes_slsa_conformant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    doc = {
        "trustedBuilders": [
            {"trustedBuilder": "GOOGLE_CLOUD_BUILD", "publicKeys": [_key_doc(kind)]}
        ]
    }
    code, data, err = _run(tmp_path, capsys, kind, doc)
    assert code == 0, err
    assert data["verdict"] == "CONFORMANT"


def test_evaluate_without_trusted_builders_is_error_and_other_key_non_conformant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, _ = _run(tmp_path, capsys, "ecdsa", None)
    assert code == 1 and _verdict(data) == "ERROR"
    other = {
        "trustedBuilders": [
            {
                "trustedBuilder": "GOOGLE_CLOUD_BUILD",
                "publicKeys": [_key_doc("ecdsa", "someone-else")],
            }
        ]
    }
    # ``trusted`` caches per (kind, label): a different label is a different key.
    code, data, _ = _run(tmp_path, capsys, "ecdsa", other)
    assert code == 1 and _verdict(data) == "NON_CONFORMANT"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            "trustedBuilders: []\n",
            "builders.yaml:1: trustedBuilders: expected at least one",
        ),
        (
            "trustedBuilders:\n- trustedBuilder: GOOGLE_CLOUD_BUILD\n  publicKey: []\n",
            "trustedBuilders[0].publicKey: unknown field 'publicKey'; did you mean 'publicKeys'?",
        ),
        (
            "trustedBuilders:\n- trustedBuilder: JENKINS\n  publicKeys: []\n",
            "builders.yaml:2: trustedBuilders[0].trustedBuilder",
        ),
        (
            "trustedBuilders:\n- trustedBuilder: GOOGLE_CLOUD_BUILD\n"
            "  publicKeys: [{publicKeyPem: nope}]\n",
            "trustedBuilders[0].publicKeys[0]",
        ),
        ("", "the trusted builders file is empty"),
    ],
)
def test_bad_trusted_builders_file_is_exit_2_naming_file_line_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: str, expected: str
) -> None:
    code, _, err = _run(tmp_path, capsys, "ecdsa", doc)
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in err
