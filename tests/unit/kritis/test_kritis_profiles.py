"""Every documented difference between the GKE and Kritis semantics
(docs/kritis.md, "Differences"), as a pair: the same situation reviewed once
per profile, through ``kritis-sim review``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kritis_sim.cli.main import main
from kritis_sim.crypto.keys import default_key_id, generate_private_key, public_key_pem
from kritis_sim.crypto.payload import make_payload
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import SignatureAlgorithm
from tests.unit.kritis.world import (
    DIGEST,
    IMAGE,
    NOTE,
    aa,
    attestation,
    gap,
    isp,
    key,
    vuln,
)

ATTESTOR = "projects/shop/attestors/qa"
ECDSA = SignatureAlgorithm.ECDSA_P256_SHA256
RULE = {
    "evaluationMode": "REQUIRE_ATTESTATION",
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
    "requireAttestationsBy": [ATTESTOR],
}


@dataclasses.dataclass
class Case:
    """One situation: the pod, occurrences, and each profile's configuration."""

    tmp: Path
    capsys: pytest.CaptureFixture[str]
    manifest: dict[str, Any]
    occurrences: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def _write(self, name: str, text: str) -> str:
        (self.tmp / name).write_text(text)
        return str(self.tmp / name)

    def _review(self, *args: str) -> tuple[int, Any, str]:
        pod = self._write("pod.yaml", yaml.safe_dump(self.manifest))
        occ = self._write("occ.json", json.dumps(self.occurrences))
        code = main(["review", *args, "--occurrences", occ, pod])
        out = self.capsys.readouterr()
        return code, json.loads(out.out) if out.out.strip() else None, out.err

    def gcp(
        self, policy: dict[str, Any], key_entry: dict[str, Any] | None = None
    ) -> int:
        entry = key_entry or {"asciiArmoredPgpPublicKey": key()[1]}
        attestor = {
            "name": ATTESTOR,
            "userOwnedGrafeasNote": {"noteReference": NOTE, "publicKeys": [entry]},
        }
        return self._review(
            "--policy",
            self._write("policy.yaml", yaml.safe_dump(policy)),
            "--attestors",
            self._write("att.yaml", yaml.safe_dump([attestor])),
        )[0]

    def kritis(self, *docs: dict[str, Any]) -> int:
        return self._review(
            "--semantics",
            "kritis",
            "--policy",
            self._write("kritis.yaml", yaml.safe_dump_all(docs)),
        )[0]


def pod(
    image: str = IMAGE,
    *,
    ns: str = "default",
    annotations: dict[str, str] | None = None,
    kind: str = "Pod",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "p", "namespace": ns}
    if annotations:
        meta["annotations"] = annotations
    spec = {"containers": [{"name": "c", "image": image}]}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": meta,
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "serviceName": "p",
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec},
        },
    }


@pytest.fixture
def case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Case:
    return Case(tmp_path, capsys, pod())


# 1. breakglass marker
GKE_BREAKGLASS = {"alpha.image-policy.k8s.io/break-glass": "true"}


def test_gke_breakglass_annotation_gcp(case: Case) -> None:
    case.manifest = pod(annotations=GKE_BREAKGLASS)
    assert case.gcp({"defaultAdmissionRule": RULE}) == 0


def test_gke_breakglass_annotation_kritis(case: Case) -> None:
    case.manifest = pod(annotations=GKE_BREAKGLASS)
    assert case.kritis(aa(), gap()) == 1


# 2. kinds inspected
def test_statefulset_gcp(case: Case) -> None:
    case.manifest = pod(kind="StatefulSet")
    assert case.gcp({"defaultAdmissionRule": RULE}) == 1


def test_statefulset_kritis(case: Case) -> None:
    case.manifest = pod(kind="StatefulSet")
    assert case.kritis(aa(), gap()) == 0


# 3. allowlist pattern dialect
DEEP = f"gcr.io/shop/team/api@{DIGEST}"


def test_double_star_pattern_gcp(case: Case) -> None:
    case.manifest = pod(DEEP)
    policy = {
        "defaultAdmissionRule": RULE,
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/shop/**"}],
    }
    assert case.gcp(policy) == 0


def test_double_star_pattern_kritis(case: Case) -> None:
    case.manifest = pod(DEEP)
    assert case.kritis(aa(), gap(patterns=("gcr.io/shop/**",))) == 1


# 4. built-in allowlist
KRITIS_SERVER = f"gcr.io/kritis-project/kritis-server@{DIGEST}"


def test_kritis_global_allowlist_gcp(case: Case) -> None:
    case.manifest = pod(KRITIS_SERVER)
    assert (
        case.gcp({"defaultAdmissionRule": RULE, "globalPolicyEvaluationMode": "ENABLE"})
        == 1
    )


def test_kritis_global_allowlist_kritis(case: Case) -> None:
    case.manifest = pod(KRITIS_SERVER)
    assert case.kritis(aa(), gap()) == 0


# 5. PKIX attestations
def _pkix(case: Case) -> dict[str, Any]:
    private = generate_private_key(ECDSA)
    case.occurrences = [make_attestation(IMAGE, NOTE, private, ECDSA).to_dict()]
    return {
        "id": default_key_id(private),
        "pkixPublicKey": {
            "publicKeyPem": public_key_pem(private),
            "signatureAlgorithm": ECDSA.value,
        },
    }


def test_pkix_attestation_gcp(case: Case) -> None:
    assert case.gcp({"defaultAdmissionRule": RULE}, _pkix(case)) == 0


def test_pkix_attestation_kritis(case: Case) -> None:
    entry = _pkix(case)
    doc = aa()
    doc["spec"]["publicKeys"] = [
        {
            "keyType": "PKIX",
            "keyId": entry["id"],
            "pkixPublicKey": entry["pkixPublicKey"],
        }
    ]
    assert case.kritis(doc, gap()) == 1


# 6. docker-reference in the signed payload
def _moved(case: Case) -> None:
    payload = make_payload(f"gcr.io/elsewhere/api@{DIGEST}")
    case.occurrences = [attestation(payload=payload).to_dict()]


def test_other_repository_same_digest_gcp(case: Case) -> None:
    _moved(case)
    assert case.gcp({"defaultAdmissionRule": RULE}) == 0


def test_other_repository_same_digest_kritis(case: Case) -> None:
    _moved(case)
    assert case.kritis(aa(), gap()) == 1


# 7. a namespace without policies
def test_namespace_without_policy_gcp(case: Case) -> None:
    case.manifest = pod(ns="dev")
    assert (
        case.gcp(
            {
                "defaultAdmissionRule": RULE,
                "kubernetesNamespaceAdmissionRules": {"prod": RULE},
            }
        )
        == 1
    )


def test_namespace_without_policy_kritis(case: Case) -> None:
    case.manifest = pod(ns="dev")
    assert case.kritis(aa(ns="prod"), gap(ns="prod")) == 0


# 8. vulnerability gating
def _critical(case: Case) -> None:
    case.occurrences = [attestation().to_dict(), vuln("CVE-1", "CRITICAL").to_dict()]


def test_critical_cve_gcp(case: Case) -> None:
    _critical(case)  # the classic policy reads no vulnerabilities: refused
    assert case.gcp({"defaultAdmissionRule": RULE}) == 2
    case.occurrences = case.occurrences[:1]
    assert case.gcp({"defaultAdmissionRule": RULE}) == 0


def test_critical_cve_kritis(case: Case) -> None:
    _critical(case)
    assert case.kritis(aa(), gap(), isp(maximumSeverity="HIGH")) == 1


# 9. PGP key material: armor (Google) vs base64 of the armor (Kritis)
def test_armored_key_gcp(case: Case) -> None:
    case.occurrences = [attestation().to_dict()]
    assert case.gcp({"defaultAdmissionRule": RULE}) == 0


def test_armored_key_kritis(case: Case) -> None:
    case.occurrences = [attestation().to_dict()]
    doc = aa()
    doc["spec"]["publicKeys"][0]["asciiArmoredPgpPublicKey"] = key()[1]
    assert case.kritis(doc, gap()) == 2
    assert case.kritis(aa(), gap()) == 0


# 10. any one GAP suffices (GKE: every attestor the one rule names)
def test_any_of_gcp(case: Case) -> None:
    case.occurrences = [attestation().to_dict()]
    rule = {
        **RULE,
        "requireAttestationsBy": [ATTESTOR, "projects/shop/attestors/build"],
    }
    build = {
        "name": "projects/shop/attestors/build",
        "userOwnedGrafeasNote": {
            "noteReference": "projects/shop/notes/build",
            "publicKeys": [{"asciiArmoredPgpPublicKey": key(1)[1]}],
        },
    }
    qa = {
        "name": ATTESTOR,
        "userOwnedGrafeasNote": {
            "noteReference": NOTE,
            "publicKeys": [{"asciiArmoredPgpPublicKey": key()[1]}],
        },
    }
    code = case._review(
        "--policy",
        case._write("policy.yaml", yaml.safe_dump({"defaultAdmissionRule": rule})),
        "--attestors",
        case._write("att.yaml", yaml.safe_dump([qa, build])),
    )[0]
    assert code == 1


def test_any_of_kritis(case: Case) -> None:
    case.occurrences = [attestation().to_dict()]
    build = aa("build", note="projects/shop/notes/build", n=1)
    assert case.kritis(aa(), build, gap("both", ("qa", "build")), gap("qa-only")) == 0
