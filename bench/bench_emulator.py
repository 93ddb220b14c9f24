"""Benchmark the Grafeas emulator: index-bound listing and HTTP throughput.

1. Listing one resource's occurrences with N (default 1,000,000) stored vs
   1,000 stored, on the memory and SQLite stores: the ratio should be <= 1.5.
2. Requests per second over real HTTP (uvicorn in a thread, keep-alive httpx
   client) for create-occurrence and list-by-resource, against ``/healthz`` on
   the same app and server stack, in the same run.

Usage: python bench/bench_emulator.py [--big 1000000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from kritis_sim.grafeas.app import create_app
from kritis_sim.grafeas.filters import Filter
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.sqlite_store import SqliteStore
from kritis_sim.grafeas.store import Record, Scan, Store
from kritis_sim.serving import ServerThread

DIGEST = "sha256:" + "a" * 64
TARGET = f"https://gcr.io/p/target@{DIGEST}"


def _record(i: int, uri: str) -> Record:
    data = {
        "name": f"projects/p/occurrences/{i}",
        "resourceUri": uri,
        "noteName": f"projects/p/notes/n{i % 10}",
        "kind": "ATTESTATION",
        "attestation": {
            "serializedPayload": "e30=",
            "signatures": [{"signature": "AAAA", "publicKeyId": "k"}],
        },
    }
    return Record.for_occurrence("projects/p", data)


def fill(store: Store, total: int) -> None:
    """``total`` occurrences over total/10 resources; TARGET gets 10 of them."""
    batch: list[Record] = []
    for i in range(total):
        uri = (
            TARGET
            if i % (total // 10) == 0
            else f"https://gcr.io/p/img{i // 10}@{DIGEST}"
        )
        batch.append(_record(i, uri))
        if len(batch) == 10_000:
            store.insert("occurrences", batch)
            batch = []
    if batch:
        store.insert("occurrences", batch)


BY_RESOURCE = Scan(parent="projects/p", resource_uri=TARGET, kind="ATTESTATION")
# what GrafeasAttestationSource asks: notes/N/occurrences?filter=resourceUrl="..."
BY_NOTE = Scan(note_name="projects/p/notes/n0", resource_uri=TARGET)


def time_listing(store: Store, where: Scan, rounds: int = 2000) -> float:
    """Median seconds to list TARGET's occurrences (one page)."""
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds // 5):
            page = store.list(
                "occurrences", where, Filter(), page_size=100, page_token=None
            )
        samples.append((time.perf_counter() - start) / (rounds // 5))
        assert len(page.items) == 10
    return statistics.median(samples)


def bench_listing(big: int, tmp: Path) -> None:
    for kind in ("memory", "sqlite"):
        times: dict[int, float] = {}
        note_times: dict[int, float] = {}
        for n in (1_000, big):
            store: Store = (
                MemoryStore()
                if kind == "memory"
                else SqliteStore(tmp / f"{kind}-{n}-{id(times)}.db")
            )
            start = time.perf_counter()
            fill(store, n)
            fill_s = time.perf_counter() - start
            times[n] = time_listing(store, BY_RESOURCE)
            note_times[n] = time_listing(store, BY_NOTE)
            print(
                f"{kind:6} {n:>9,} stored: list one resource {times[n] * 1e6:7.1f} us,"
                f" one note+resource {note_times[n] * 1e6:7.1f} us (fill {fill_s:.1f}s)",
                flush=True,
            )
            store.close()
        print(
            f"{kind:6} ratio {big:,} / 1,000 stored: resource"
            f" {times[big] / times[1_000]:.2f}x, note+resource"
            f" {note_times[big] / note_times[1_000]:.2f}x (target <= 1.5x)",
            flush=True,
        )


def _rps(client: httpx.Client, n: int, method: str, url: str, **kw: object) -> float:
    start = time.perf_counter()
    for _ in range(n):
        client.request(method, url, **kw).raise_for_status()  # type: ignore[arg-type]
    return n / (time.perf_counter() - start)


def bench_http(requests: int) -> None:
    body = {
        "resourceUri": TARGET,
        "noteName": "projects/p/notes/n",
        "attestation": {
            "serializedPayload": "e30=",
            "signatures": [{"signature": "AAAA", "publicKeyId": "k"}],
        },
    }
    with (
        ServerThread(create_app()) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        _rps(client, 200, "GET", "/healthz")  # warm up
        minimal = _rps(client, requests, "GET", "/healthz")
        create = _rps(client, requests, "POST", "/v1/projects/p/occurrences", json=body)
        other = {**body, "resourceUri": f"https://gcr.io/p/other@{DIGEST}"}
        client.post("/v1/projects/p/occurrences", json=other).raise_for_status()
        listing = _rps(
            client,
            requests,
            "GET",
            "/v1/projects/p/occurrences",
            params={"filter": f'resourceUrl="https://gcr.io/p/other@{DIGEST}"'},
        )
    print(f"http minimal GET /healthz : {minimal:8.0f} req/s")
    print(
        f"http create occurrence    : {create:8.0f} req/s  ({create / minimal:.2f}x minimal)"
    )
    print(
        f"http list one resource    : {listing:8.0f} req/s  ({listing / minimal:.2f}x minimal)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_listing(args.big, Path(tmp))
    bench_http(args.requests)


if __name__ == "__main__":
    main()
