"""The container image: its Dockerfile, pinned dependencies and HEALTHCHECK.

The Dockerfile is read as text (no Docker engine needed); the build itself is
``tests/integration/test_image_build.py``. The HEALTHCHECK probe runs against
the real webhook over TLS on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from packaging.utils import canonicalize_name

from kritis_sim import _healthcheck
from kritis_sim.admission.certs import make_certs, write_certs
from kritis_sim.admission.enforcer import StaticPolicy
from kritis_sim.admission.manifests import ManifestOptions, webhook_manifests
from kritis_sim.admission.webhook import WebhookConfig, create_app
from kritis_sim.core.source import InMemorySource
from kritis_sim.harness._commands import KindSettings
from kritis_sim.harness.kind import IMAGE_INPUTS
from kritis_sim.model.policy import load_policy
from kritis_sim.serving import ServerThread

ROOT = Path(__file__).resolve().parents[3]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pin_runtime_deps", ROOT / "tools" / "pin_runtime_deps.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pin_runtime_deps = _load_tool()

ALLOW = (
    "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, "
    "enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
)


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _one(instruction: str) -> str:
    (value,) = [rest for word, rest in _instructions() if word == instruction]
    return value


def test_dockerfile_starts_from_slim_python_311() -> None:
    assert _one("ARG") == "BASE_IMAGE=python:3.11-slim"
    assert _one("FROM") == "${BASE_IMAGE}"
    assert KindSettings().base_image == "python:3.11-slim"


def test_dockerfile_runs_as_a_numeric_non_root_user_matching_the_deployment() -> None:
    user, _, group = _one("USER").partition(":")
    assert user.isdigit() and int(user) != 0
    assert group.isdigit() and int(group) != 0
    opts = ManifestOptions(
        ca_pem=b"x", tls_cert_pem=b"x", tls_key_pem=b"x",
        policy_yaml=ALLOW, attestors_yaml="[]",
    )  # fmt: skip
    deployment = next(m for m in webhook_manifests(opts) if m["kind"] == "Deployment")
    security = deployment["spec"]["template"]["spec"]["securityContext"]
    assert (security["runAsUser"], security["runAsGroup"]) == (int(user), int(group))


def test_dockerfile_installs_only_the_pins_then_the_package_and_checks() -> None:
    runs = [rest for word, rest in _instructions() if word == "RUN"]
    assert any(
        "pip install --no-deps --requirement /tmp/requirements.txt" in r for r in runs
    )
    assert any("pip install --no-deps /src" in r and "pip check" in r for r in runs)
    copies = [rest for word, rest in _instructions() if word == "COPY"]
    assert "docker/requirements.txt /tmp/requirements.txt" in copies
    assert json.loads(_one("ENTRYPOINT")) == ["kritis-sim"]


def test_dockerfile_healthcheck_probes_healthz_on_the_manifests_port() -> None:
    options, _, command = _one("HEALTHCHECK").partition("CMD ")
    assert "--timeout=" in options
    assert json.loads(command) == ["python", "-m", "kritis_sim._healthcheck"]
    env = dict(pair.split("=", 1) for pair in shlex.split(_one("ENV")) if "=" in pair)
    url = env[_healthcheck.ENV]
    assert url == _healthcheck.DEFAULT_URL == "https://127.0.0.1:8443/healthz"
    opts = ManifestOptions(
        ca_pem=b"x", tls_cert_pem=b"x", tls_key_pem=b"x",
        policy_yaml=ALLOW, attestors_yaml="[]",
    )  # fmt: skip
    deployment = next(m for m in webhook_manifests(opts) if m["kind"] == "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert str(container["ports"][0]["containerPort"]) in url


def test_pins_cover_every_runtime_dependency_with_an_allowed_version() -> None:
    pins: dict[str, str] = {}
    for line in (ROOT / "docker" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned with ==: {line!r}"
            pins[canonicalize_name(name)] = version
    for req in pin_runtime_deps.direct_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} (pyproject) is not pinned"
        assert req.specifier.contains(pins[name], prereleases=True), (req, pins[name])
    # Everything the installed dependencies need is pinned too (names only:
    # versions follow the environment the file was generated in).
    wanted = pin_runtime_deps.closure(pin_runtime_deps.direct_requirements())
    assert set(wanted) <= set(pins), set(wanted) - set(pins)


def test_dockerignore_lets_in_only_what_the_image_needs() -> None:
    lines = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == set(IMAGE_INPUTS) - {".dockerignore"}
    for name in IMAGE_INPUTS:
        assert (ROOT / name).exists(), name


def test_harness_default_cluster_is_a_valid_location_name() -> None:
    cluster = KindSettings().cluster
    assert cluster is not None
    policy = load_policy(
        yaml.safe_dump(
            {
                "defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW",
                                         "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"},
                "clusterAdmissionRules": {
                    cluster: {"evaluationMode": "ALWAYS_DENY",
                              "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}
                },
            }
        )
    )  # fmt: skip
    assert list(policy.cluster_admission_rules) == [cluster]


def test_healthcheck_answers_healthy_for_the_webhook_over_tls(tmp_path: Path) -> None:
    paths = write_certs(make_certs(["kritis-sim-webhook.kritis-sim.svc"]), tmp_path)
    app = create_app(
        WebhookConfig(
            policy_provider=StaticPolicy(load_policy(ALLOW), ()),
            source=InMemorySource(()),
        )
    )
    try:
        with ServerThread(
            app,
            ssl_certfile=str(paths["tls.crt"]),
            ssl_keyfile=str(paths["tls.key"]),
        ) as server:
            assert _healthcheck.main([f"{server.base_url}/healthz"]) == 0
            assert _healthcheck.main([f"{server.base_url}/no-such-path"]) == 1
    finally:
        app.state.webhook.enforcer.close()
    # Nothing listens there any more.
    assert _healthcheck.main([f"{server.base_url}/healthz"]) == 1


@pytest.mark.parametrize(
    "url", ["https://example.com/healthz", "file:///etc/passwd", "https://10.0.0.1/"]
)
def test_healthcheck_refuses_to_skip_verification_off_loopback(url: str) -> None:
    assert _healthcheck.main([url]) == 2
