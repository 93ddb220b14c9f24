"""Benchmark of the admission webhook over HTTPS, as ratios against a floor
measured in the same run on the same server stack.

- webhook:  ``kritis-sim webhook`` (starlette + uvicorn + TLS) answering an
            AdmissionReview for a 3-container Pod whose images each need 2
            attestors; attestations are in memory and the verification cache
            is warm after the warm-up;
- baseline: a minimal starlette JSON endpoint served by the same
            ``kritis_sim.serving`` helper (uvicorn + TLS, same certificate).

Each server runs in its own process; this process is the client: 16
concurrent workers, each on its own keep-alive HTTP/1.1 connection over TLS (a
minimal asyncio client, so that the client is not what is measured).
Printed: requests/s, p50 and p99 latency for both, and the ratios.
Targets (issue 4): throughput >= 0.6x baseline, p99 <= 2x baseline.

Both servers run at once; the client alternates short windows between them
(``--rounds``), so drifting load on the machine affects both alike. Each
round pairs one window of each server; the printed throughput and p99 ratios
are the medians of the per-round ratios (p50 and p99 over all requests are
printed too).

Run: python bench/bench_webhook.py [--seconds 2] [--rounds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kritis_sim.admission.certs import make_certs, write_certs
from kritis_sim.crypto.keys import generate_private_key, public_key_pem
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.model.attestor import SignatureAlgorithm

ALG = SignatureAlgorithm.ECDSA_P256_SHA256
IMAGES = tuple(f"gcr.io/shop/svc{i}@sha256:{str(i) * 64}" for i in range(1, 4))


def _serve_baseline(cert: str, key: str) -> None:
    """Child process: a minimal JSON endpoint on the same stack."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from kritis_sim.serving import serve

    async def echo(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/validate", echo, methods=["POST"])])
    serve(app, ssl_certfile=cert, ssl_keyfile=key, ready_message_stream=sys.stdout)


def _write_world(directory: Path) -> list[str]:
    attestors, occurrences = [], []
    for short in ("qa", "build"):
        key = generate_private_key(ALG)
        name = f"projects/p/attestors/{short}"
        note = f"projects/p/notes/{short}"
        attestors.append(
            {
                "name": name,
                "userOwnedGrafeasNote": {
                    "noteReference": note,
                    "publicKeys": [
                        {
                            "pkixPublicKey": {
                                "publicKeyPem": public_key_pem(key),
                                "signatureAlgorithm": ALG.value,
                            }
                        }
                    ],
                },
            }
        )
        occurrences += [make_attestation(i, note, key, ALG).to_dict() for i in IMAGES]
    policy = {
        "defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": [a["name"] for a in attestors],
        }
    }
    files = {"policy": policy, "attestors": attestors, "occurrences": occurrences}
    args: list[str] = []
    for name, data in files.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(data))
        args += [f"--{name}", str(path)]
    return args


def _review() -> bytes:
    containers = [{"name": f"c{i}", "image": im} for i, im in enumerate(IMAGES)]
    return json.dumps(
        {
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": "bench-0001",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "prod",
                "operation": "CREATE",
                "userInfo": {"username": "bench"},
                "object": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "bench", "namespace": "prod"},
                    "spec": {"containers": containers},
                },
                "oldObject": None,
                "dryRun": False,
            },
        }
    ).encode()


def _start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("https://"):
        proc.kill()
        raise SystemExit(f"server did not start: {command}")
    return proc, url


class _Connection:
    """A minimal keep-alive HTTP/1.1 client connection (lighter than httpx, so
    the servers rather than the client are what is measured)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str, context: ssl.SSLContext) -> _Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(
            parts.hostname, parts.port, ssl=context, server_hostname="localhost"
        )
        return cls(reader, writer)

    async def post(self, request: bytes) -> bytes:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"unexpected reply: {head!r}")
        return await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def _load(
    url: str, body: bytes, ca: str, seconds: float, concurrency: int, check: bool
) -> tuple[float, list[float]]:
    """Requests per second in a window of ``seconds``, and each latency."""
    context = ssl.create_default_context(cafile=ca)
    parts = urlsplit(url)
    request = (
        f"POST {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Content-Type: application/json\r\nAccept: application/json, */*\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    connections = [await _Connection.open(url, context) for _ in range(concurrency)]
    latencies: list[float] = []

    if check:
        # Check the answer once, outside the timed region: parsing every reply
        # would load the client (which shares the machine) for one side only.
        reply = await connections[0].post(request)
        if json.loads(reply)["response"]["allowed"] is not True:
            raise SystemExit(f"unexpected reply: {reply!r}")

    async def worker(conn: _Connection, deadline: float, record: bool) -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            await conn.post(request)
            elapsed = time.perf_counter() - start
            if record:
                latencies.append(elapsed)

    warm = time.perf_counter() + min(1.0, seconds / 4)
    await asyncio.gather(*(worker(c, warm, False) for c in connections))
    started = time.perf_counter()
    end = started + seconds
    await asyncio.gather(*(worker(c, end, True) for c in connections))
    wall = time.perf_counter() - started
    for conn in connections:
        await conn.close()
    return len(latencies) / wall, latencies


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    quantiles = statistics.quantiles(latencies, n=100)
    return quantiles[49] * 1000, quantiles[98] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per window")
    parser.add_argument("--rounds", type=int, default=5, help="alternating windows")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve-baseline", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args(argv)
    if args.serve_baseline:
        _serve_baseline(*args.serve_baseline)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = write_certs(make_certs(["localhost"]), directory)
        cert, key, ca = (str(files[n]) for n in ("tls.crt", "tls.key", "ca.crt"))
        world = _write_world(directory)
        commands = {
            "webhook": [
                sys.executable, "-m", "kritis_sim.cli.main", "webhook", *world,
                "--tls-cert", cert, "--tls-key", key, "--port", "0",
            ],
            "baseline": [sys.executable, __file__, "--serve-baseline", cert, key],
        }  # fmt: skip
        servers = {name: _start(command) for name, command in commands.items()}
        rounds: list[dict[str, tuple[float, float]]] = []
        latencies: dict[str, list[float]] = {"baseline": [], "webhook": []}
        try:
            # Alternate short windows so that drifting load on this shared
            # machine affects both servers alike.
            for _ in range(args.rounds):
                measured: dict[str, tuple[float, float]] = {}
                for name in ("baseline", "webhook"):
                    rps, observed = asyncio.run(
                        _load(
                            f"{servers[name][1]}/validate?timeout=10s",
                            _review(),
                            ca,
                            args.seconds,
                            args.concurrency,
                            check=name == "webhook",
                        )
                    )
                    measured[name] = (rps, _percentiles(observed)[1])
                    latencies[name] += observed
                rounds.append(measured)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(10)
    # Each ratio is the median of the per-round ratios: a round pairs two
    # adjacent windows, and the median ignores a round that a scheduler
    # hiccup of this shared machine landed in.
    ratios = {
        metric: sorted(r["webhook"][i] / r["baseline"][i] for r in rounds)
        for i, metric in enumerate(("throughput", "p99"))
    }
    for metric, values in ratios.items():
        print(
            f"{metric} ratio per round (sorted): "
            + ", ".join(f"{v:.2f}" for v in values)
        )
    for name in ("baseline", "webhook"):
        p50_ms, p99_ms = _percentiles(latencies[name])
        rps = statistics.median(r[name][0] for r in rounds)
        print(
            f"{name:9s} {rps:8.0f} req/s (median round); over all "
            f"{len(latencies[name])} requests p50 {p50_ms:6.2f} ms  "
            f"p99 {p99_ms:6.2f} ms  (concurrency {args.concurrency})"
        )
    throughput = statistics.median(ratios["throughput"])
    p99_ratio = statistics.median(ratios["p99"])
    print(f"throughput ratio {throughput:.2f}x (median of rounds; target >= 0.6x)")
    print(f"p99 ratio        {p99_ratio:.2f}x (median of rounds; target <= 2x)")
    return 0 if throughput >= 0.6 and p99_ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
