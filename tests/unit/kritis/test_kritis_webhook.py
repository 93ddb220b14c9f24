"""``kritis-sim webhook --semantics kritis``: the served answers are Kritis'
(kinds, breakglass annotation, GAP and ISP), through the Enforcer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.admission.webhook import create_app
from kritis_sim.cli.main import parser
from kritis_sim.cli.webhook import _config
from kritis_sim.errors import InputError
from tests.unit.admission.conftest import call
from tests.unit.kritis.world import IMAGE, aa, attestation, gap, isp, vuln

OTHER = IMAGE.replace("a" * 64, "b" * 64)


def _review(
    kind: str,
    image: str,
    *,
    op: str = "CREATE",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "x", "namespace": "default"}
    if annotations is not None:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": image}]}
    group, version = ("", "v1") if kind == "Pod" else ("apps", "v1")
    if kind != "Pod":
        spec = {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec},
        }
    obj = {
        "apiVersion": f"{group}/{version}".lstrip("/"),
        "kind": kind,
        "metadata": meta,
        "spec": spec,
    }
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {
                "group": group,
                "version": version,
                "resource": kind.lower() + "s",
            },
            "namespace": "default",
            "operation": op,
            "object": obj,
            "oldObject": obj if op == "UPDATE" else None,
        },
    }


@pytest.fixture
def app(tmp_path: Path) -> Any:
    (tmp_path / "res.yaml").write_text(
        yaml.safe_dump_all([aa(), gap(), isp(maximumSeverity="HIGH")])
    )
    occ = [attestation().to_dict(), vuln("CVE-1", "CRITICAL", image=OTHER).to_dict()]
    (tmp_path / "occ.json").write_text(json.dumps(occ))
    args = parser("webhook").parse_args(
        [
            "webhook",
            "--semantics",
            "kritis",
            "--policy",
            str(tmp_path / "res.yaml"),
            "--occurrences",
            str(tmp_path / "occ.json"),
        ]
    )
    application = create_app(_config(args, None))
    yield application
    application.state.webhook.enforcer.close()


def _allowed(app: Any, review: dict[str, Any]) -> tuple[bool, str]:
    response = call(app, "/validate", review).json()["response"]
    return response["allowed"], response.get("status", {}).get("message", "")


def test_served_answers_follow_kritis(app: Any) -> None:
    assert _allowed(app, _review("Pod", IMAGE))[0]
    allowed, message = _allowed(app, _review("Pod", OTHER))
    assert not allowed and "not attested by all authorities" in message
    assert _allowed(
        app, _review("Pod", OTHER, annotations={"kritis.grafeas.io/breakglass": ""})
    )[0]
    assert not _allowed(
        app,
        _review(
            "Pod", OTHER, annotations={"alpha.image-policy.k8s.io/break-glass": "true"}
        ),
    )[0]
    assert not _allowed(app, _review("Deployment", OTHER))[0]
    assert _allowed(app, _review("Deployment", OTHER, op="UPDATE"))[0]  # CREATE only
    assert _allowed(app, _review("StatefulSet", OTHER))[0]  # not inspected


def test_gcp_options_are_refused(tmp_path: Path) -> None:
    (tmp_path / "res.yaml").write_text(yaml.safe_dump(gap()))
    args = parser("webhook").parse_args(
        [
            "webhook",
            "--semantics",
            "kritis",
            "--policy",
            str(tmp_path / "res.yaml"),
            "--cluster",
            "none",
        ]
    )
    with pytest.raises(InputError, match="--cluster is not used"):
        _config(args, None)
