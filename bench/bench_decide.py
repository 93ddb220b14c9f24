"""Benchmark of the decision core, as ratios against floors measured in this run.

Workload: a Pod of 3 images, each needing 2 attestors (6 signature checks).

- floor: the 6 ECDSA P-256 verifications alone, with pre-loaded keys;
- cold:  decide() with an empty verification cache (parsed keys may be reused:
         keys are configuration, loaded once per process);
- warm:  decide() with a warm verification cache;
- parse: json.loads of the AdmissionReview request body for that Pod.
- scale: the same decision under a policy with 10,000 allowlist patterns and
         10,000 cluster rules vs a policy with one of each.

Targets (issue 2): cold <= 1.3x floor; warm <= 10x parse; scale <= 2x.
Run: python bench/bench_decide.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.keys import load_public_key
from kritis_sim.crypto.verify import VerificationCache
from tests.unit.core.world import NOW, World, policy, require

IMAGES = [f"gcr.io/shop/svc{i}@sha256:{str(i) * 64}" for i in range(3)]
TARGET = DeployTarget("us-east1-b.prod", "shop")


def best_of(fn: Callable[[], object], *, repeat: int = 7, number: int = 200) -> float:
    """Median seconds per call over ``repeat`` batches of ``number`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def main() -> int:
    w = World()
    names = [w.attestor("build"), w.attestor("qa")]
    for image in IMAGES:
        for name in names:
            w.attest(name, image)
    doc = {"defaultAdmissionRule": require(*names)}
    pol = policy(doc)
    src = w.source()

    checks = []
    for occ in w.occurrences:
        att = w.attestors[
            next(n for n in names if w.attestors[n].note_reference == occ.note_name)
        ]
        pem = att.public_keys[0].pkix_public_key.public_key_pem  # type: ignore[union-attr]
        checks.append(
            (load_public_key(pem), occ.serialized_payload, occ.signatures[0].signature)
        )

    def floor() -> None:
        for key, data, sig in checks:
            key.verify(sig, data, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg, arg-type]

    def cold() -> None:
        d = decide(
            pol,
            w.attestors,
            src,
            TARGET,
            IMAGES,
            now=NOW,
            options=DecisionOptions(cache=VerificationCache()),
        )
        assert d.allowed

    warm_opts = DecisionOptions(cache=VerificationCache())

    def warm() -> None:
        d = decide(pol, w.attestors, src, TARGET, IMAGES, now=NOW, options=warm_opts)
        assert d.allowed

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "shop",
            "namespace": "shop",
            "uid": "x" * 36,
            "labels": {"app": "shop"},
        },
        "spec": {
            "containers": [
                {
                    "name": f"c{i}",
                    "image": img,
                    "ports": [{"containerPort": 8080}],
                    "resources": {"limits": {"cpu": "1"}},
                }
                for i, img in enumerate(IMAGES)
            ],
            "serviceAccountName": "default",
        },
    }
    body = json.dumps(
        {
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "shop",
                "operation": "CREATE",
                "userInfo": {"username": "admin", "groups": ["system:authenticated"]},
                "object": pod,
                "oldObject": None,
                "dryRun": False,
                "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
            },
        }
    )

    def parse() -> None:
        json.loads(body)

    big_doc = {
        "admissionWhitelistPatterns": [
            {"namePattern": f"gcr.io/vendor{i}/img*"} for i in range(10_000)
        ],
        "defaultAdmissionRule": require(*names),
        "clusterAdmissionRules": {
            f"us-east1-b.c{i}": require(*names) for i in range(10_000)
        },
    }
    small_doc = {
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/vendor0/img*"}],
        "defaultAdmissionRule": require(*names),
        "clusterAdmissionRules": {"us-east1-b.c0": require(*names)},
    }
    t0 = time.perf_counter()
    big, small = policy(big_doc), policy(small_doc)
    load_s = time.perf_counter() - t0
    target_big = DeployTarget("us-east1-b.c9999", "shop")
    target_small = DeployTarget("us-east1-b.c0", "shop")
    scale_opts = DecisionOptions(cache=VerificationCache())

    def with_big() -> None:
        assert decide(
            big, w.attestors, src, target_big, IMAGES, now=NOW, options=scale_opts
        ).allowed

    def with_small() -> None:
        assert decide(
            small, w.attestors, src, target_small, IMAGES, now=NOW, options=scale_opts
        ).allowed

    with_big()  # build the compiled allowlist once (policy load cost, reported separately)
    f, c, wm, p = (
        best_of(floor),
        best_of(cold),
        best_of(warm, number=2000),
        best_of(parse, number=2000),
    )
    b, s = best_of(with_big, number=2000), best_of(with_small, number=2000)
    print(f"floor (6 ECDSA P-256 verifications): {f * 1e6:8.1f} us")
    print(
        f"cold decision:                       {c * 1e6:8.1f} us  = {c / f:.2f}x floor (target <= 1.3x)"
    )
    print(
        f"warm decision:                       {wm * 1e6:8.1f} us  = {wm / p:.2f}x parse (target <= 10x)"
    )
    print(
        f"json parse of AdmissionReview:       {p * 1e6:8.1f} us  ({len(body)} bytes)"
    )
    print(
        f"10k patterns + 10k cluster rules:    {b * 1e6:8.1f} us  = {b / s:.2f}x one of each (target <= 2x)"
    )
    print(f"loading the 10k/10k policy:          {load_s * 1e3:8.1f} ms (once)")
    ok = c / f <= 1.3 and wm / p <= 10 and b / s <= 2
    print("PASS" if ok else "MISS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
