"""Benchmark of ``kritis-sim whatif`` and ``kritis-sim cv`` over large inputs.

Workloads:

- whatif: a Kubernetes audit log of 100,000 ``create pods`` events
  (``audit.k8s.io/v1``, RequestResponse level, ~1.3 KB a line, generateName Pods
  of ReplicaSets in 10 namespaces) running 1,000 distinct images, half of them
  attested; replayed by the real CLI (a child process: start-up, policy
  loading, reading, judging and the report all counted) under a dry-run
  baseline and an enforced candidate; events per wall-clock second and per
  CPU second of the child (on the shared, loaded 2-core machine the latter is
  what one unloaded core would do). A controller creates its Pods from its
  template, so the requestObjects of one ReplicaSet's Pods are the same bytes
  (names come from ``responseObject``); a second run replays a tenth as many
  events of distinct kubectl-created Pods (every object different), the
  worst case for the reader. Reported: events/s and the child's peak
  resident memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, the whole
  process, Python included).
- cv: ``cv`` over a ``kubectl get pods -A -o json``-shaped List of 10,000 Pods
  (1,000 distinct images), in-process (read + judge), against 10,000 direct
  ``decide()`` calls for the same Pods' images and targets, in the same run.
  The Pods are kept small (no ownerReferences, no resources; a 5.7 MiB
  List) so that figures compare with earlier runs; a JSON List up to 256 MiB
  is read now (a real-shaped ``kubectl get pods -A -o json`` of 10,000 Pods is
  about 40 MB).

Targets (issue 12): whatif >= 20,000 events/s and <= 200 MB peak memory;
cv <= 1.5x the direct decisions. Run: python bench/bench_whatif.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kritis_sim.admission.workloads import deploy_target
from kritis_sim.core.decide import decide
from kritis_sim.core.source import InMemorySource
from kritis_sim.crypto.keys import (
    default_key_id,
    generate_private_key,
    private_key_pem,
    public_key_pem,
)
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.cv.entries import Cluster
from kritis_sim.cv.inputs import read_inputs
from kritis_sim.cv.judge import ClassicJudge as CvClassicJudge
from kritis_sim.cv.validate import validate
from kritis_sim.model.attestor import SignatureAlgorithm, load_attestors
from kritis_sim.model.policy import load_policy

ALG = SignatureAlgorithm.ECDSA_P256_SHA256
ATTESTOR, NOTE = "projects/shop/attestors/qa", "projects/shop/notes/qa"
NOW = datetime(2026, 11, 26, tzinfo=UTC)
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
IMAGES, PODS = 1_000, int(os.environ.get("BENCH_PODS", "10000"))
NAMESPACES = [f"team-{i}" for i in range(10)]
IMAGE = [f"gcr.io/shop/svc{i % 50}@sha256:{i:064x}" for i in range(IMAGES)]


def _world(tmp: Path) -> None:
    key = generate_private_key(ALG)
    pem = public_key_pem(key)
    (tmp / "key.pem").write_bytes(private_key_pem(key))
    attestor = {
        "name": ATTESTOR,
        "userOwnedGrafeasNote": {
            "noteReference": NOTE,
            "publicKeys": [
                {
                    "id": default_key_id(pem),
                    "pkixPublicKey": {
                        "publicKeyPem": pem,
                        "signatureAlgorithm": ALG.value,
                    },
                }
            ],
        },
    }
    (tmp / "attestors.json").write_text(json.dumps([attestor]))
    occs = [
        make_attestation(image, NOTE, key, ALG, None, create_time=NOW).to_dict()
        for image in IMAGE[::2]
    ]
    (tmp / "occurrences.json").write_text(json.dumps({"occurrences": occs}))
    for mode in ("DRYRUN_AUDIT_LOG_ONLY", "ENFORCED_BLOCK_AND_AUDIT_LOG"):
        rule = {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": mode,
            "requireAttestationsBy": [ATTESTOR],
        }
        (tmp / f"{mode}.json").write_text(json.dumps({"defaultAdmissionRule": rule}))


def _pod(i: int, image: str) -> dict[str, Any]:
    """A Pod of ReplicaSet ``i % 1000`` (the same bytes for every Pod of one
    ReplicaSet, as a controller creates them from its template)."""
    r = i % IMAGES
    ns = NAMESPACES[r % len(NAMESPACES)]
    rs = f"web{r}-6d4cf56db6"
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "generateName": f"{rs}-",
            "namespace": ns,
            "labels": {"app": f"web{r}", "pod-template-hash": "6d4cf56db6"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs,
                    "uid": f"5a1e{r:028x}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": image,
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "restartPolicy": "Always",
            "serviceAccountName": "web",
            "dnsPolicy": "ClusterFirst",
        },
    }


def _audit_log(path: Path, events: int, *, distinct: bool = False) -> None:
    with path.open("w") as out:
        for i in range(events):
            pod = _pod(i, IMAGE[i % IMAGES])
            if distinct:  # kubectl-created: every object its own name and labels
                pod["metadata"] = {**pod["metadata"], "name": f"p-{i}"}
                pod["metadata"]["labels"] = {"run": f"p-{i}"}
            ns = pod["metadata"]["namespace"]
            event = {
                "kind": "Event",
                "apiVersion": "audit.k8s.io/v1",
                "level": "RequestResponse",
                "auditID": f"7e3a{i:028x}",
                "stage": "ResponseComplete",
                "requestURI": f"/api/v1/namespaces/{ns}/pods",
                "verb": "create",
                "user": {
                    "username": "system:serviceaccount:kube-system:replicaset-controller"
                },
                "sourceIPs": ["10.128.0.2"],
                "objectRef": {"resource": "pods", "namespace": ns, "apiVersion": "v1"},
                "responseStatus": {"metadata": {}, "code": 201},
                "requestObject": pod,
                "responseObject": {"metadata": {"name": f"pod-{i}", "namespace": ns}},
                "requestReceivedTimestamp": "2026-11-20T08:15:02.100001Z",
                "stageTimestamp": "2026-11-20T08:15:02.200001Z",
            }
            out.write(json.dumps(event, separators=(",", ":")) + "\n")


def bench_whatif(
    tmp: Path, events: int, *, distinct: bool = False
) -> tuple[float, float]:
    log = tmp / "audit.jsonl"
    _audit_log(log, events, distinct=distinct)
    size = log.stat().st_size
    args = [
        sys.executable, "-m", "kritis_sim.cli.main", "whatif", str(log),
        "--baseline", str(tmp / "DRYRUN_AUDIT_LOG_ONLY.json"),
        "--policy", str(tmp / "ENFORCED_BLOCK_AND_AUDIT_LOG.json"),
        "--attestors", str(tmp / "attestors.json"),
        "--occurrences", str(tmp / "occurrences.json"),
        "--now", "2026-11-26T00:00:00Z", "--format", "json",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak_mb = after.ru_maxrss / 1024
    assert done.returncode == 1, done.stderr.decode()[-2000:]
    summary = json.loads(done.stdout)["summary"]
    assert summary["admissions"] == events, summary
    shape = "distinct kubectl-created Pods" if distinct else "ReplicaSet-created Pods"
    print(
        f"whatif ({shape}): {events:,} audit events ({size / 2**20:.0f} MiB, "
        f"{summary['distinctJudgements']} distinct judgements, "
        f"{summary['newlyDenied']:,} newly denied) in {seconds:.2f} s: "
        f"{events / seconds:,.0f} events/s (target >= 20,000: "
        f"{events / seconds / 20_000:.2f}x; {events / cpu:,.0f} events per CPU "
        f"second, {cpu:.1f} s CPU: the figure on an unloaded core); "
        f"peak RSS {peak_mb:.0f} MB "
        f"(target <= 200 MB: {peak_mb / 200:.2f}x of the limit)"
    )
    return events / seconds, peak_mb


def bench_cv(tmp: Path) -> float:
    pods = []
    for i in range(PODS):
        pod = _pod(i, IMAGE[i % IMAGES])
        pod["metadata"] = {**pod["metadata"], "name": f"web-{i}"}
        del pod["metadata"]["ownerReferences"]  # small, as in earlier runs
        del pod["spec"]["containers"][0]["resources"]
        pod["metadata"]["creationTimestamp"] = "2026-11-20T08:15:02Z"
        pod["status"] = {"phase": "Running"}
        pods.append(pod)
    snapshot = tmp / "snapshot.json"
    snapshot.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
    policy = load_policy((tmp / "ENFORCED_BLOCK_AND_AUDIT_LOG.json").read_text())
    attestors = load_attestors((tmp / "attestors.json").read_text())
    from kritis_sim.cli.occurrence_files import read_occurrences

    source = InMemorySource(read_occurrences([str(tmp / "occurrences.json")]))
    from kritis_sim.cli.target import TargetSettings

    settings = TargetSettings(None, None)
    inputs = read_inputs([str(snapshot)])  # warm the schema validators
    targets = [
        (
            item.workload.images,
            deploy_target(item.workload, cluster=None, trust_domain=None),
        )
        for item in inputs.items
    ]
    start, cpu0 = time.perf_counter(), time.process_time()
    for images, target in targets:
        decide(policy, attestors, source, target, images, now=NOW)
    direct = time.perf_counter() - start
    direct_cpu = time.process_time() - cpu0
    judge = CvClassicJudge(policy, attestors, source, settings)
    start, cpu0 = time.perf_counter(), time.process_time()
    report = validate(
        read_inputs([str(snapshot)]), judge, cluster=Cluster.parse(None, None), now=NOW
    )
    cv = time.perf_counter() - start
    cv_cpu = time.process_time() - cpu0
    assert len(report.pods) == PODS
    print(
        f"cv: {PODS:,} Pods ({snapshot.stat().st_size / 2**20:.1f} MiB List) read and "
        f"judged in {cv:.2f} s; {PODS:,} direct decide() in {direct:.2f} s: "
        f"{cv / direct:.2f}x (target <= 1.5x; in CPU time {cv_cpu:.2f} s vs "
        f"{direct_cpu:.2f} s: {cv_cpu / direct_cpu:.2f}x)"
    )
    return cv / direct


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        _world(tmp)
        bench_whatif(tmp, EVENTS)
        bench_whatif(tmp, EVENTS // 10, distinct=True)
        bench_cv(tmp)


if __name__ == "__main__":
    main()
