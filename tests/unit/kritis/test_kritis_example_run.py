"""``kritis-sim run examples/kritis/``: Kritis' documented resources as a
scenario (a resources directory, seeded occurrences, the user's own PGP keys,
Pods from a multi-document manifest), and every bad input of that kind
refused with exit 2 and ``file:line: field``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kritis_sim.cli.main import main

pytest.importorskip("pysequoia")

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "kritis"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_documented_run_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Exactly what examples/kritis/README.md shows, from the repository root.
    monkeypatch.chdir(REPO)
    code, out, err = _run(capsys, "run", "examples/kritis/")
    assert code == 0, out + err
    assert out.rstrip().endswith("6 passed, 0 failed, 0 skipped")
    assert "kritis-documentation-example" in out


def test_documented_run_via_webhook(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key revocation reaches the Kritis webhook too (it reads the AAs as they stand).
    monkeypatch.chdir(REPO)
    code, out, err = _run(capsys, "run", "examples/kritis/", "--via", "webhook")
    assert code == 0, out + err


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of examples/kritis/ to break."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "kritis"))


def _edit(example: Path, old: str, new: str, name: str = "scenario.yaml") -> None:
    text = (example / name).read_text()
    assert old in text, old
    (example / name).write_text(text.replace(old, new, 1))


def _line(example: Path, needle: str) -> int:
    lines = (example / "scenario.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_expectations_fail_without_the_seeded_occurrences(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    _edit(example, "occurrences: {file: occurrences.yaml}", "")
    code, out, _ = _run(capsys, "run", str(example))
    assert code == 1
    assert "deploy 'attested'" in out


def test_expectations_fail_without_the_users_keys(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    # A generated key instead of the key file: the AA does not list it, so the
    # attestation the scenario signs counts for nothing.
    _edit(example, "keys: [{name: test-only, privateKeyFile: keys/qa-attestor.TEST-ONLY.sec.asc}]",
          "keys: [{name: test-only}]")  # fmt: skip
    code, _, err = _run(capsys, "run", str(example))
    assert code == 2  # and the revokeKey step of that attestor no longer changes any AA
    assert re.search(r"scenario\.yaml:\d+: events\[\d+\]\.revokeKey\.attestor: revokeKey changes attestor "
                     r"'qa-attestor'.*would change nothing", err), err  # fmt: skip


def test_resource_files_listed_one_by_one(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    files = sorted(p.name for p in (example / "resources").iterdir())
    _edit(
        example,
        "kritis: {file: resources}",
        "kritis: {file: [" + ", ".join(f"resources/{f}" for f in files) + "]}",
    )
    code, out, err = _run(capsys, "run", str(example))
    assert code == 0, out + err


def _refused(
    capsys: pytest.CaptureFixture[str],
    example: Path,
    line: int,
    field: str,
    message: str,
) -> None:
    code, out, err = _run(capsys, "run", str(example))
    assert code == 2, out + err
    assert out == ""
    want = f"{example / 'scenario.yaml'}:{line}: {field}: "
    assert want in err, err
    assert re.search(message, err), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "kritis: {file: resources}",
            "kritis: {file: nothere}",
            "environments.cluster.kritis.file",
            r"cannot read 'nothere'",
        ),
        (
            "kritis: {file: resources}",
            "kritis: {file: keys}",
            "environments.cluster.kritis.file",
            r"directory 'keys' holds no \*\.yaml, \*\.yml, \*\.json files",
        ),
        (
            "kritis: {file: resources}",
            "kritis: {file: []}",
            "environments.cluster.kritis.file",
            r"non-empty list",
        ),
        (
            "kritis: {file: resources}",
            "kritis: {file: /etc}",
            "environments.cluster.kritis.file",
            r"absolute path",
        ),
        (
            "kritis: {file: resources}",
            "kritis: {file: ../..}",
            "environments.cluster.kritis.file",
            r"leads out of the scenario root",
        ),
        (
            "occurrences: {file: occurrences.yaml}",
            "occurrences: {file: missing.yaml}",
            "occurrences.file",
            r"cannot read 'missing.yaml'",
        ),
        (
            "occurrences: {file: occurrences.yaml}",
            "occurrences: occurrences.yaml",
            "occurrences",
            r"expected the occurrences the world starts with \(\{file: PATH\}\)",
        ),
        (
            "manifest: {file: pods.yaml, name: attested}",
            "manifest: {file: pods.yaml, name: atested}",
            "events[0].deploy.manifest.name",
            r"holds no object named 'atested' \(names: attested, unattested",
        ),
        (
            "manifest: {file: pods.yaml, name: attested}",
            "manifest: pods.yaml",
            "events[0].deploy.manifest",
            r"holds 4 documents; name one",
        ),
    ],
)
def test_bad_paths_refused(
    capsys: pytest.CaptureFixture[str],
    example: Path,
    old: str,
    new: str,
    field: str,
    message: str,
) -> None:
    _edit(example, old, new)
    _refused(capsys, example, _line(example, new), field, message)


def test_directory_of_empty_files_refused(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    (example / "empty").mkdir()
    (example / "empty" / "nothing.yaml").write_text("# no resources here\n")
    _edit(example, "kritis: {file: resources}", "kritis: {file: empty}")
    _refused(capsys, example, _line(example, "kritis: {file: empty}"), "environments.cluster.kritis.file",
             r"expected at least one Kritis resource")  # fmt: skip


def test_bad_resource_located_in_its_file(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    _edit(
        example,
        "maximumSeverity: HIGH",
        "maximumSeverity: SEVERE",
        "resources/image-security-policy.yaml",
    )
    code, _, err = _run(capsys, "run", str(example))
    assert code == 2
    assert re.search(
        r"resources/image-security-policy\.yaml:\d+: .*maximumSeverity.*SEVERE", err
    ), err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("public", r"expected an OpenPGP secret key; this is a public key"),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
            r"this is a PEM key",
        ),
        ("hello\n", r"not a usable OpenPGP secret key"),
    ],
)
def test_key_file_not_a_pgp_secret_key(
    capsys: pytest.CaptureFixture[str], example: Path, content: str, message: str
) -> None:
    if content == "public":
        from kritis_sim.crypto.pgp import secret_key_certificate

        content = secret_key_certificate(
            (example / "keys" / "qa-attestor.TEST-ONLY.sec.asc").read_text()
        )
    (example / "keys" / "qa-attestor.TEST-ONLY.sec.asc").write_text(content)
    line = _line(example, "privateKeyFile: keys/qa-attestor")
    _refused(
        capsys,
        example,
        line,
        "attestors['qa-attestor'].keys[0].privateKeyFile",
        message,
    )


def test_public_key_file_verifies_but_cannot_sign(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    from kritis_sim.crypto.pgp import secret_key_certificate

    public = secret_key_certificate(
        (example / "keys" / "qa-attestor.TEST-ONLY.sec.asc").read_text()
    )
    (example / "keys" / "qa.pub.asc").write_text(public)
    _edit(
        example,
        "privateKeyFile: keys/qa-attestor.TEST-ONLY.sec.asc",
        "publicKeyFile: keys/qa.pub.asc",
    )
    _refused(capsys, example, _line(example, "attest: {artifact: other, attestor: qa-attestor}"),
             "events[5].attest.key", r"has only a public key file; it cannot sign")  # fmt: skip


def test_bad_occurrence_located_in_its_file(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    _edit(
        example,
        "effectiveSeverity: CRITICAL",
        "effectiveSeverity: SEVERE",
        "occurrences.yaml",
    )
    code, _, err = _run(capsys, "run", str(example))
    assert code == 2
    assert re.search(r"occurrences\.yaml:\d+: .*effectiveSeverity", err), err


def test_occurrence_of_another_project_refused(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    _edit(example, "kind: ATTESTATION\n", "kind: ATTESTATION\nname: projects/elsewhere/occurrences/a1\n",
          "occurrences.yaml")  # fmt: skip
    _refused(
        capsys,
        example,
        _line(example, "occurrences: {file"),
        "occurrences.file",
        r"occurrence 1 is named 'projects/elsewhere/occurrences/a1', outside the scenario's project 'my-proj'",
    )


def test_example_matches_the_editor_schema() -> None:
    import json

    import yaml

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "schema" / "scenario.schema.json").read_text())
    jsonschema.validate(
        yaml.safe_load((EXAMPLES / "scenario.yaml").read_text()), schema
    )


def test_passphrase_protected_key_refused(
    capsys: pytest.CaptureFixture[str], example: Path
) -> None:
    # gpg's usual export is protected: kritis-sim cannot sign with it and says so
    # (data/protected.TEST-ONLY.sec.asc was made by gpg, see its header).
    protected = Path(__file__).resolve().parent / "data" / "protected.TEST-ONLY.sec.asc"
    shutil.copyfile(protected, example / "keys" / "qa-attestor.TEST-ONLY.sec.asc")
    line = _line(example, "privateKeyFile: keys/qa-attestor")
    _refused(capsys, example, line, "attestors['qa-attestor'].keys[0].privateKeyFile",
             r"an unprotected key with a signing-capable key is needed\): .*encrypted")  # fmt: skip
