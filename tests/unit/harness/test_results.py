"""Reading kubectl's output: denials, warnings, other failures; never_pull."""

from __future__ import annotations

from typing import Any

import pytest

from kritis_sim.errors import CommandError
from kritis_sim.harness._process import Completed
from kritis_sim.harness._results import (
    admission_from_output,
    never_pull,
    parse_denial,
    parse_warnings,
)

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}
MESSAGE = (
    "Denied by Binary Authorization policy: Image gcr.io/shop/api@sha256:"
    + "b" * 64
    + " denied by attestor projects/p/attestors/qa: No attestations found"
)
DENIED_STDERR = (
    'Error from server (Forbidden): error when creating "STDIN": admission '
    f'webhook "admission.kritis-sim.dev" denied the request: {MESSAGE}\n'
)
ARGV = ("kubectl", "--context", "kind-e2e", "create", "--filename", "-")


def test_parse_denial_reads_webhook_and_message() -> None:
    assert parse_denial(DENIED_STDERR) == ("admission.kritis-sim.dev", MESSAGE)


def test_parse_denial_keeps_continuation_lines_only() -> None:
    stderr = (
        "Warning: something first\n"
        + DENIED_STDERR
        + "second line of the message\n"
        + 'Error from server (Forbidden): error when creating "x": other\n'
    )
    _webhook, message = parse_denial(stderr) or ("", "")
    assert message == f"{MESSAGE}\nsecond line of the message"


def test_parse_denial_none_for_other_errors() -> None:
    stderr = (
        "Error from server (InternalError): Internal error occurred: failed "
        'calling webhook "admission.kritis-sim.dev": connection refused\n'
    )
    assert parse_denial(stderr) is None


def test_parse_warnings() -> None:
    stderr = (
        "Warning: breakglass: admitted but would be denied: no attestations\n"
        "Warning: breakglass used and audited (label x=true)\n"
        "pod/web created\n"
    )
    assert parse_warnings(stderr) == (
        "breakglass: admitted but would be denied: no attestations",
        "breakglass used and audited (label x=true)",
    )


def test_admission_from_output_admitted_dry_run() -> None:
    done = Completed(ARGV, 0, "pod/web created (server dry run)\n", "")
    answer = admission_from_output(POD, "e2e", done, dry_run=True)
    assert answer
    assert (answer.kind, answer.name, answer.namespace) == ("Pod", "web", "e2e")
    assert answer.message == "pod/web created (server dry run)"
    assert str(answer).startswith("Pod/web in e2e (server dry run): admitted")


def test_admission_from_output_denied() -> None:
    done = Completed(ARGV, 1, "", DENIED_STDERR)
    answer = admission_from_output(POD, "e2e", done, dry_run=False)
    assert not answer
    assert answer.webhook == "admission.kritis-sim.dev"
    assert answer.message == MESSAGE
    assert "denied by admission.kritis-sim.dev" in str(answer)


def test_admission_from_output_other_failure_is_an_error() -> None:
    done = Completed(ARGV, 1, "", 'Error from server (AlreadyExists): pods "web"\n')
    with pytest.raises(CommandError) as info:
        admission_from_output(POD, "e2e", done, dry_run=False)
    assert "kubectl --context kind-e2e create" in str(info.value)
    assert "AlreadyExists" in str(info.value)


def _containers(obj: dict[str, Any], *path: str) -> list[dict[str, Any]]:
    node: Any = obj
    for step in path:
        node = node[step]
    return [c for key in ("containers", "initContainers") for c in node.get(key, [])]


def test_never_pull_pins_every_container() -> None:
    spec = {
        "containers": [{"name": "a", "image": "x"}],
        "initContainers": [{"name": "i", "image": "y"}],
    }
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": spec}
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}},
    }
    pinned = never_pull(pod)
    assert {c["imagePullPolicy"] for c in _containers(pinned, "spec")} == {"Never"}
    assert "imagePullPolicy" not in spec["containers"][0]  # the input is untouched
    pinned = never_pull(cron)
    path = ("spec", "jobTemplate", "spec", "template", "spec")
    assert {c["imagePullPolicy"] for c in _containers(pinned, *path)} == {"Never"}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "data": {}}
    assert never_pull(config_map) == config_map
