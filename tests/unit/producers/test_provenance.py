"""``kritis-sim provenance``: its BUILD occurrence loads with the model's
occurrence loader and satisfies (or fails, with the reason) a ``slsaCheck``
evaluated by ``evaluate_platform_policy``, for ECDSA, RSA and Ed25519 keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kritis_sim.cli.main import main
from kritis_sim.core.platform import evaluate_platform_policy
from kritis_sim.core.platform.facts import BuilderRoots
from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.crypto.dsse import verify_build
from kritis_sim.model.occurrence import parse_timestamp
from kritis_sim.model.occurrence_mix import load_mixed_occurrences
from kritis_sim.model.platform import PlatformPolicy
from kritis_sim.model.platform.checks import TrustedBuilder
from kritis_sim.model.platform.results import Verdict
from kritis_sim.model.provenance import BuildOccurrence

from .keys import ALGORITHM, KINDS, private_pem, trusted

DIGEST = "sha256:" + "ab" * 32
IMAGE = f"us-docker.pkg.dev/shop/repo/app@{DIGEST}"
PROJECT = "projects/shop"
BUILDER = "https://cloudbuild.googleapis.com/GoogleHostedWorker"
REPO = "https://github.com/my-org/app"
NOW = parse_timestamp("2026-11-29T12:00:00Z")


def produce(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str = "ecdsa",
    *extra: str,
    image: str = IMAGE,
    repo: str = REPO,
    builder: str = BUILDER,
) -> str:
    key = tmp_path / f"{kind}.pem"
    key.write_bytes(private_pem(kind))
    words = ["provenance", "--image", image, "--source-repo", repo]
    words += ["--builder", builder, "--key", str(key)]
    words += [
        "--note",
        "projects/builder/notes/slsa",
        "--built-at",
        "2026-11-29T10:00:00Z",
    ]
    if ALGORITHM[kind]:
        words += ["--algorithm", str(ALGORITHM[kind])]
    assert main([*words, *extra]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def policy(**rule: Any) -> PlatformPolicy:
    return PlatformPolicy.from_dict(policy_doc(**rule))


def policy_doc(**rule: Any) -> dict[str, Any]:
    body = {
        "trustedBuilder": "GOOGLE_CLOUD_BUILD",
        "attestationSource": {"containerAnalysisAttestationProjects": [PROJECT]},
        "configBasedBuildRequired": True,
        "trustedSourceRepoPatterns": ["github.com/my-org/*"],
        **rule,
    }
    return {
        "gkePolicy": {"checkSets": [{"checks": [{"slsaCheck": {"rules": [body]}}]}]}
    }


def judge(
    text: str,
    pol: PlatformPolicy | None = None,
    *,
    kind: str = "ecdsa",
    key_label: str = "builder",
    builder_ids: tuple[str, ...] = (BUILDER,),
) -> tuple[Verdict, str]:
    occurrences = load_mixed_occurrences(text, source="provenance.json")
    assert [type(o) for o in occurrences] == [BuildOccurrence]
    roots = BuilderRoots((trusted(kind, key_label),), builder_ids)
    response = evaluate_platform_policy(
        pol or policy(),
        [IMAGE],
        namespace="shop",
        service_account="deployer",
        now=NOW,
        occurrences=InMemoryPlatformOccurrences(occurrences, project=PROJECT),
        trusted_builders={TrustedBuilder.GOOGLE_CLOUD_BUILD: roots},
    )
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    assert response.verdict is result.check_results[0].verdict
    return result.check_results[0].verdict, result.check_results[0].explanation or ""


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_is_conformant(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = produce(tmp_path, capsys, kind, "--config-based")
    verdict, why = judge(text, kind=kind)
    assert verdict is Verdict.CONFORMANT, why
    assert "verified" in why and BUILDER in why


def test_wire_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    doc = json.loads(
        produce(tmp_path, capsys, "ecdsa", "--config-based", "--source-commit", commit)
    )
    assert sorted(doc) == [
        "build", "createTime", "envelope", "kind", "noteName", "resourceUri",
    ]  # fmt: skip
    assert doc["kind"] == "BUILD" and doc["resourceUri"] == "https://" + IMAGE
    assert doc["createTime"] == "2026-11-29T10:00:00Z"
    statement = doc["build"]["inTotoSlsaProvenanceV1"]
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"] == [
        {"name": "us-docker.pkg.dev/shop/repo/app", "digest": {"sha256": "ab" * 32}}
    ]
    definition = statement["predicate"]["buildDefinition"]
    assert definition["resolvedDependencies"] == [
        {"uri": REPO, "digest": {"gitCommit": commit}}
    ]
    assert definition["externalParameters"]["buildConfigSource"]["repository"] == REPO
    run = statement["predicate"]["runDetails"]
    assert run == {
        "builder": {"id": BUILDER},
        "metadata": {"finishedOn": "2026-11-29T10:00:00Z"},
    }
    envelope = doc["envelope"]
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    [signature] = envelope["signatures"]
    assert signature["keyid"].startswith("ni:///sha-256;")
    # The decoded copy is the signed payload, and the signature verifies.
    occ = BuildOccurrence.from_dict(doc)
    checked = verify_build(occ, [trusted("ecdsa")], image_digest=DIGEST)
    assert checked, checked.reason


def test_key_id_is_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(produce(tmp_path, capsys, "ed25519", "--key-id", "kms://k/1"))
    assert doc["envelope"]["signatures"][0]["keyid"] == "kms://k/1"


def test_other_repository_is_non_conformant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = produce(
        tmp_path, capsys, "ecdsa", "--config-based", repo="https://github.com/evil/app"
    )
    verdict, why = judge(text)
    assert verdict is Verdict.NON_CONFORMANT
    assert (
        "'https://github.com/evil/app' match none of trustedSourceRepoPatterns" in why
    )


def test_other_builder_is_non_conformant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = produce(
        tmp_path, capsys, "rsa", "--config-based", builder="https://ci.example/x"
    )
    verdict, why = judge(text, kind="rsa")
    assert verdict is Verdict.NON_CONFORMANT
    assert "builder id 'https://ci.example/x' is not GOOGLE_CLOUD_BUILD" in why


@pytest.mark.parametrize("kind", ["ecdsa", "ed25519"])
def test_other_key_is_non_conformant(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = produce(tmp_path, capsys, kind, "--config-based")
    verdict, why = judge(text, kind=kind, key_label="someone else")
    assert verdict is Verdict.NON_CONFORMANT
    assert "does not verify with any trusted key" in why


def test_not_config_based_fails_config_based_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = produce(tmp_path, capsys, "ecdsa")
    verdict, why = judge(text)
    assert verdict is Verdict.NON_CONFORMANT
    assert "names no build config source" in why
    # Without the requirement the resolved dependency is matched instead.
    assert judge(text, policy(configBasedBuildRequired=False))[0] is Verdict.CONFORMANT


def test_other_digest_is_non_conformant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = IMAGE.replace("ab" * 32, "cd" * 32)
    text = produce(tmp_path, capsys, "ecdsa", "--config-based", image=other)
    # Stored under the evaluated image's URL: the signed subject still differs.
    text = text.replace(other, IMAGE)
    verdict, why = judge(text)
    assert verdict is Verdict.NON_CONFORMANT
    assert f"no subject has digest {DIGEST}" in why


def test_evaluate_command_reads_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """provenance | evaluate through the command line: the occurrence loads;
    without a way to give Cloud Build's roots of trust there, slsaCheck is
    ERROR (never CONFORMANT)."""
    occurrences = tmp_path / "build.json"
    occurrences.write_text(produce(tmp_path, capsys, "ecdsa", "--config-based"))
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(policy_doc()))
    code = main(
        ["evaluate", "--image", IMAGE, "--platform-policy", str(policy),
         "--occurrences", str(occurrences), "--occurrences-project", PROJECT,
         "--now", "2026-11-29T12:00:00Z"]
    )  # fmt: skip
    response = json.loads(capsys.readouterr().out)
    assert code == 1 and response["verdict"] == "ERROR"
    [check] = response["results"][0]["imageResults"][0]["checkSetResult"][
        "checkResults"
    ]["results"]
    assert "no roots of trust are configured" in check["explanation"]
