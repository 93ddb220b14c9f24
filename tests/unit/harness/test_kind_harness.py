"""KindHarness over a scripted runner: what it runs, applies and waits for."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cryptography import x509

from kritis_sim.errors import CommandError, HarnessError
from kritis_sim.harness._commands import SERVER_SIDE_APPLY, KindSettings
from kritis_sim.harness._process import MissingRequirementsError
from kritis_sim.harness.kind import CONFIG_ANNOTATION, KindHarness, PolicyFiles

from .conftest import FakeRunner

K8S_VERSION = "1.33.0"
CHECKOUT = Path(__file__).resolve().parents[3]
FILES = PolicyFiles(
    policy_yaml="defaultAdmissionRule: {evaluationMode: ALWAYS_DENY}\n",
    attestors_yaml="attestors: []\n",
    occurrences_json='{"occurrences": []}',
)
SETTINGS = KindSettings(cluster_name="e2e", ready_timeout=5)
CTX = ("kubectl", "--context", "kind-e2e")
NOT_REACHED = (
    1,
    "",
    'Error from server (InternalError): failed calling webhook "x": no endpoints\n',
)


def _harness(runner: FakeRunner, **kwargs: Any) -> KindHarness:
    return KindHarness(
        SETTINGS, runner=runner, checkout=CHECKOUT, sleep=lambda _s: None, **kwargs
    )


def test_up_runs_everything_in_order(
    runner: FakeRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kritis_sim.harness.kind.missing_requirements", lambda _r: ())
    staged: dict[str, str] = {}

    def create(argv: tuple[str, ...], _stdin: str | None) -> tuple[int, str, str]:
        staged["kind.yaml"] = Path(argv[argv.index("--config") + 1]).read_text()
        return 0, "", ""

    runner.on("kind", "get", "clusters", answer=(0, "other\n", ""))
    runner.on("kind", "create", answer=create)
    runner.on(*CTX, "config", answer=(0, "https://127.0.0.1:39201", ""))
    harness = _harness(runner)
    harness.up()
    verbs = [argv[:3] for argv in runner.argvs()]
    assert verbs == [
        ("kind", "get", "clusters"),
        ("kind", "create", "cluster"),
        CTX,
        ("docker", "build", "--tag"),
        ("kind", "load", "docker-image"),
    ]
    assert harness.created
    assert yaml.safe_load(staged["kind.yaml"])["name"] == "e2e"
    (build,) = [a for a in runner.argvs() if a[:2] == ("docker", "build")]
    assert build[-3:] == ("--file", str(CHECKOUT / "Dockerfile"), str(CHECKOUT))
    assert all(timeout > 0 for _, _, timeout in runner.calls)


def test_up_refuses_a_cluster_that_is_not_local(
    runner: FakeRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kritis_sim.harness.kind.missing_requirements", lambda _r: ())
    runner.on("kind", "get", "clusters", answer=(0, "e2e\n", ""))
    runner.on(*CTX, "config", answer=(0, "https://35.1.2.3", ""))
    with pytest.raises(HarnessError, match="not local"):
        _harness(runner).up()
    assert not any(argv[0] == "docker" for argv in runner.argvs())


def test_preflight_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "kritis_sim.harness.kind.missing_requirements",
        lambda _r: ("`kind` is not on PATH",),
    )
    with pytest.raises(MissingRequirementsError) as info:
        _harness(FakeRunner()).preflight()
    assert "a Docker engine, kind and kubectl on PATH" in str(info.value)
    assert "`kind` is not on PATH" in str(info.value)


def test_context_manager_deletes_only_a_cluster_it_created(
    runner: FakeRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kritis_sim.harness.kind.missing_requirements", lambda _r: ())
    runner.on("kind", "get", "clusters", answer=(0, "e2e\n", ""))
    runner.on(*CTX, "config", answer=(0, "https://127.0.0.1:1", ""))
    with _harness(runner):
        pass
    assert ("kind", "delete", "cluster", "--name", "e2e") not in runner.argvs()
    runner.rules[0] = (("kind", "get", "clusters"), (0, "", ""))
    with _harness(runner):
        pass
    assert runner.argvs()[-1] == ("kind", "delete", "cluster", "--name", "e2e")


def _applied(runner: FakeRunner) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for argv, stdin, _ in runner.calls:
        if argv[3:] == (*SERVER_SIDE_APPLY, "--filename", "-") and stdin:
            docs += [d for d in yaml.safe_load_all(stdin) if d]
    return docs


def test_install_applies_valid_manifests_and_waits(runner: FakeRunner) -> None:
    probes = iter(
        [
            NOT_REACHED,
            (0, "pod/kritis-sim-readiness-probe created (server dry run)", ""),
        ]
    )
    runner.on(*CTX, "apply", "--dry-run=server", answer=lambda _a, _s: next(probes))
    harness = _harness(runner)
    harness.install(FILES)
    docs = _applied(runner)
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    by_kind = {d["kind"]: d for d in docs if d["metadata"].get("namespace") != "x"}
    config = by_kind["ConfigMap"]["data"]
    assert config == {
        "policy.yaml": FILES.policy_yaml,
        "attestors.yaml": FILES.attestors_yaml,
        "occurrences.json": FILES.occurrences_json,
    }
    secret = by_kind["Secret"]
    assert secret["type"] == "kubernetes.io/tls"
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "kritis-sim-webhook.kritis-sim.svc" in san.get_values_for_type(x509.DNSName)
    pod = by_kind["Deployment"]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Never"
    assert container["image"] == "kritis-sim:kind"
    assert "--occurrences" in container["args"]
    assert (
        container["args"][container["args"].index("--cluster") + 1]
        == "us-central1.kind-kritis-sim"
    )
    assert len(pod["metadata"]["annotations"][CONFIG_ANNOTATION]) == 64
    namespaces = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
    assert namespaces == ["kritis-sim", "kritis-sim-e2e"]
    rollout = [a for a in runner.argvs() if "rollout" in a]
    assert rollout == [
        (*CTX, "rollout", "status", "deployment/kritis-sim-webhook",
         "--namespace", "kritis-sim", "--timeout=180s"),
    ]  # fmt: skip
    assert sum("--dry-run=server" in a for a in runner.argvs()) == 2
    # Server-side apply: no last-applied annotation holding the Secret's key.
    applies = [
        a for a in runner.argvs() if a[3] == "apply" and "--dry-run=server" not in a
    ]
    assert applies and all("--server-side" in a for a in applies)
    assert all("last-applied" not in str(d) for d in docs)


def test_install_config_hash_follows_the_configuration(runner: FakeRunner) -> None:
    harness = _harness(runner)
    first = harness.manifest_options(FILES).pod_annotations[CONFIG_ANNOTATION]
    again = harness.manifest_options(FILES).pod_annotations[CONFIG_ANNOTATION]
    other = harness.manifest_options(FILES, cluster="us.prod").pod_annotations
    assert first == again != other[CONFIG_ANNOTATION]


def test_wait_ready_gives_up_with_the_last_error(runner: FakeRunner) -> None:
    runner.on(*CTX, "apply", answer=NOT_REACHED)
    harness = KindHarness(
        KindSettings(cluster_name="e2e", ready_timeout=0),
        runner=runner,
        sleep=lambda _s: None,
    )
    with pytest.raises(HarnessError, match="failed calling webhook"):
        harness.wait_ready()


def test_check_dry_runs_creates_and_deletes(runner: FakeRunner) -> None:
    runner.on(*CTX, "apply", answer=(0, "pod/web created (server dry run)\n", ""))
    runner.on(*CTX, "create", answer=(0, "pod/web created\n", "Warning: w\n"))
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"containers": [{"name": "a", "image": "x"}]}}  # fmt: skip
    dry, real = _harness(runner).check(pod)
    assert dry.allowed and dry.dry_run
    assert real.allowed and not real.dry_run and real.warnings == ("w",)
    verbs = [argv[3] for argv in runner.argvs()]
    assert verbs == ["apply", "create", "delete"]
    sent = json.loads(runner.calls[1][1] or "")
    assert sent["metadata"]["namespace"] == "kritis-sim-e2e"
    assert sent["spec"]["containers"][0]["imagePullPolicy"] == "Never"
    assert runner.argvs()[0][3:] == (
        "apply", "--dry-run=server", "--namespace", "kritis-sim-e2e", "--filename", "-",
    )  # fmt: skip


def test_failed_command_names_itself_and_its_stderr(runner: FakeRunner) -> None:
    runner.on("kind", "load", answer=(1, "", "ERROR: image not present locally\n"))
    with pytest.raises(CommandError) as info:
        _harness(runner).load_image()
    text = str(info.value)
    assert "`kind load docker-image kritis-sim:kind --name e2e`" in text
    assert "image not present locally" in text
