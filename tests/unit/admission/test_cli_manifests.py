"""``kritis-sim manifests`` never prints an install that blocks a cluster.

Every missing input is exit 2 with one line naming the flag; a dry-run
install really admits with an audit record when its webhook is started from
the printed objects, and an enforcing one really denies.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from kritis_sim.cli.main import main, parser

from .conftest import Scenario, call, fixture


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """policy.json (requires qa and build), attestors.json, certs for the Service."""
    scenario = Scenario()
    (tmp_path / "policy.json").write_text(json.dumps(scenario.policy.to_dict()))
    (tmp_path / "attestors.json").write_text(
        json.dumps([a.to_dict() for a in scenario.attestors.values()])
    )
    assert (
        main(["certs", "--out", str(tmp_path), "--service", "kritis-sim-webhook"]) == 0
    )
    return tmp_path


def _flags(world: Path, *, rollout: str | None = "enforce") -> list[str]:
    flags = [
        "--policy", str(world / "policy.json"),
        "--attestors", str(world / "attestors.json"),
        "--ca-file", str(world / "ca.crt"),
        "--tls-cert", str(world / "tls.crt"),
        "--tls-key", str(world / "tls.key"),
    ]  # fmt: skip
    return [*flags, "--rollout", rollout] if rollout else flags


def _without(flags: list[str], flag: str) -> list[str]:
    i = flags.index(flag)
    return flags[:i] + flags[i + 2 :]


def _printed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(capsys.readouterr().out) if d]


@pytest.mark.parametrize(
    ("drop", "extra", "flag"),
    [
        ("--rollout", [], "--rollout"),
        ("--policy", [], "--policy"),
        ("--attestors", [], "--attestors"),
        ("--tls-cert", [], "--tls-cert"),
        ("--tls-key", [], "--tls-key"),
        ("--ca-file", [], "--ca-file"),
        (None, ["--certs-out", "{world}/generated"], "--certs-out"),
        (None, ["--replicas", "1"], "--replicas"),
        (None, ["--timeout-seconds", "31"], "--timeout-seconds"),
        (None, ["--exclude-namespace", "Not_A_Namespace"], "--exclude-namespace"),
        (None, ["--namespace", "elsewhere"], "--tls-cert"),  # not its Service name
    ],
)
def test_manifests_refuse_a_missing_or_unsafe_input_in_one_line(
    world: Path,
    capsys: pytest.CaptureFixture[str],
    drop: str | None,
    extra: list[str],
    flag: str,
) -> None:
    capsys.readouterr()
    flags = _flags(world)
    if drop is not None:
        flags = _without(flags, drop)
    extra = [e.format(world=world) for e in extra]
    assert main(["manifests", *flags, *extra]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert f"{flag}:" in err


def test_manifests_write_no_certificate_for_an_install_they_refuse(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = world / "generated"
    flags = [*_flags(world)[:4], "--rollout", "enforce", "--certs-out", str(out)]
    for bad in (["--timeout-seconds", "0"], ["--replicas", "1"]):
        assert main(["manifests", *flags, *bad]) == 2
    assert not out.exists()
    assert "wrote" not in capsys.readouterr().err


def test_manifests_refuse_a_dry_run_rollout_from_an_emulator(
    capsys: pytest.CaptureFixture[str], world: Path
) -> None:
    capsys.readouterr()
    certs = _flags(world, rollout=None)[4:]
    code = main(
        ["manifests", "--emulator", "http://grafeas:8080", "--project", "p",
         "--rollout", "dry-run", *certs]
    )  # fmt: skip
    assert code == 2
    assert "--rollout:" in capsys.readouterr().err


def test_manifests_generate_certs_with_certs_out(
    tmp_path: Path, world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "generated"
    flags = [*_flags(world)[:4], "--rollout", "enforce", "--certs-out", str(out)]
    capsys.readouterr()
    assert main(["manifests", *flags, "--exclude-namespace", "monitoring"]) == 0
    docs = _printed(capsys)
    for doc in docs:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)
    assert stat.S_IMODE((out / "tls.key").stat().st_mode) == 0o600
    (hook,) = docs[-1]["webhooks"]
    assert hook["namespaceSelector"]["matchExpressions"][0]["values"] == [
        "kube-system", "kube-public", "kube-node-lease", "kritis-sim", "monitoring"
    ]  # fmt: skip


def _webhook_from(docs: list[dict[str, Any]], world: Path, make_app: Any) -> Any:
    """The webhook app started with the Deployment's args and the ConfigMap's
    files (paths moved from the pod's mounts into ``world``)."""
    from kritis_sim.cli import webhook as webhook_cli

    by_kind = {d["kind"]: d for d in docs}
    config = world / "configmap"
    config.mkdir(exist_ok=True)
    for name, text in by_kind["ConfigMap"]["data"].items():
        (config / name).write_text(text)
    (container,) = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"]
    args = [
        a.replace("/etc/kritis-sim-tls", str(world)).replace(
            "/etc/kritis-sim", str(config)
        )
        for a in container["args"]
        if a != "-"
    ]
    args = [a for a in args if a != "--audit-log"]
    parsed = parser("webhook").parse_args(args)
    return make_app(webhook_cli._config(parsed, None))


@pytest.mark.parametrize("rollout", ["dry-run", "enforce"])
def test_manifests_rollout_is_what_the_started_webhook_does(
    world: Path, capsys: pytest.CaptureFixture[str], make_app: Any, rollout: str
) -> None:
    capsys.readouterr()
    assert main(["manifests", *_flags(world, rollout=rollout)]) == 0
    text = capsys.readouterr().out
    if rollout == "dry-run":  # the rewritten policy stays readable
        assert "  policy.yaml: |\n    # kritis-sim manifests --rollout dry-run" in text
    docs = [d for d in yaml.safe_load_all(text) if d]
    (hook,) = docs[-1]["webhooks"]
    app = _webhook_from(docs, world, make_app)
    review = fixture("pod-create-v1.json")  # images not attested here
    response = call(app, "/validate?timeout=5s", review).json()["response"]
    if rollout == "dry-run":
        assert hook["failurePolicy"] == "Ignore"
        assert response["allowed"] is True
        assert any("dry-run" in w for w in response["warnings"])
        assert "dry-run" in response["auditAnnotations"]
    else:
        assert hook["failurePolicy"] == "Fail"
        assert response["allowed"] is False
        assert response["status"]["code"] == 403


def test_manifests_pass_judge_updates_to_the_webhook(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["manifests", *_flags(world), "--judge-updates", "all"]) == 0
    deploy = next(d for d in _printed(capsys) if d["kind"] == "Deployment")
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[args.index("--judge-updates") + 1] == "all"
    assert parser("webhook").parse_args(args).judge_updates == "all"
