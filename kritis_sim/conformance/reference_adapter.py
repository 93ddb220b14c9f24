"""The reference adapter: the conformance protocol for kritis-sim's own webhook.

``kritis-sim conformance-adapter [--defect NAME] SUBCOMMAND`` implements the
protocol of docs/conformance.md:

* ``capabilities``: every feature tag (the reference supports them all);
* ``setup --case DIR --grafeas URL --out DIR``: the neutral format *is*
  kritis-sim's format, so this copies ``policy.yaml`` and ``attestors.yaml``
  and writes ``adapter.json`` (Grafeas URL, cluster, Istio trust domain, model,
  semantics, defect); for a ``semantics: kritis`` case also ``kritis.yaml``,
  the configuration translated to Kritis resources; for a platform case also ``platform.yaml`` as the webhook's
  ``--trusted-builders`` and ``--image-metadata`` files (upload times moved by
  ``now - time``);
* ``start --config DIR``: the first call starts the server process
  (:mod:`kritis_sim.conformance.adapter_server`, left running in ``start``'s
  process group); later calls ask it
  to reload. Prints ``URL CA_FILE``. The server's state file lives in
  ``.kritis-sim-adapter/`` next to the config directory;
* ``stop --config DIR``: shuts the server down;
* ``serve``: the persistent mode (``persistent`` is among its capabilities):
  the steps above as JSON lines on stdin, the webhook in the same process
  (:mod:`kritis_sim.conformance.reference_serve`).

This module only uses the standard library at import time so that the
per-case subcommands start quickly; ``python -m
kritis_sim.conformance.reference_adapter`` is the fastest way to run it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["capabilities", "main", "setup", "start", "stop"]

_READY_TIMEOUT_S = 30.0


def capabilities() -> list[str]:
    """Every feature tag, and ``persistent`` (it implements ``serve``)."""
    from kritis_sim.conformance.features import ALL_FEATURES

    return sorted({*ALL_FEATURES, "persistent"})


def _target(case_dir: Path) -> dict[str, Any]:
    import yaml  # the only non-stdlib import on this path

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in
    text = (case_dir / "request.yaml").read_text(encoding="utf-8")
    request = yaml.load(text, Loader=loader)  # a safe loader, C or Python
    target = (request or {}).get("target") or {}
    return {
        "cluster": target.get("cluster"),
        "istioTrustDomain": target.get("istioTrustDomain"),
        "model": target.get("model") or "classic",
        "semantics": target.get("semantics") or "gcp",
        "kritisVulnerabilities": target.get("kritisVulnerabilities"),
        "kritisNamespace": target.get("kritisNamespace"),
    }


def _platform_files(case_dir: Path, out: Path) -> None:
    """``platform.yaml`` as the webhook's ``--trusted-builders`` and
    ``--image-metadata`` files, upload times moved to this clock."""
    from datetime import UTC, datetime

    from kritis_sim.conformance.platform_case import (
        load_platform_config,
        shifted_metadata,
    )

    path = case_dir / "platform.yaml"
    config = load_platform_config(path.read_text(encoding="utf-8"), str(path))
    if config.trusted_builders:
        (out / "trusted-builders.json").write_text(
            json.dumps(dict(config.trusted_builders)), encoding="utf-8"
        )
    metadata = shifted_metadata(config, datetime.now(UTC))
    if metadata["images"]:
        (out / "image-metadata.json").write_text(json.dumps(metadata), encoding="utf-8")


def _kritis_files(out: Path, vulnerabilities: dict[str, Any] | None, namespace: str | None) -> None:
    """``kritis.yaml``: the neutral configuration as Kritis resources
    (:func:`kritis_sim.conformance.kritis_case.translate`), what a Kritis
    user would ``kubectl apply``; the webhook serves them with ``--semantics
    kritis``."""
    from kritis_sim.conformance.kritis_case import translation_text
    from kritis_sim.model.attestor import load_attestors
    from kritis_sim.model.policy import load_policy

    policy = load_policy((out / "policy.yaml").read_text(encoding="utf-8"))
    attestors = load_attestors((out / "attestors.yaml").read_text(encoding="utf-8"))
    text = translation_text(policy, attestors, vulnerabilities, namespace)
    (out / "kritis.yaml").write_text(text, encoding="utf-8")


def setup(case_dir: Path, grafeas: str, out: Path, defect: str | None) -> None:
    """Write the native configuration for ``case_dir`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("policy.yaml", "attestors.yaml"):
        shutil.copyfile(case_dir / name, out / name)
    settings = {"grafeas": grafeas, "defect": defect, **_target(case_dir)}
    if settings["model"] == "platform":
        _platform_files(case_dir, out)
    if settings["semantics"] == "kritis":
        _kritis_files(out, settings["kritisVulnerabilities"], settings["kritisNamespace"])
    (out / "adapter.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")


def _state_file(config: Path) -> Path:
    return config.resolve().parent / ".kritis-sim-adapter" / "state.json"


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _post(url: str, body: bytes, timeout: float = 30.0) -> tuple[int, str]:
    import urllib.error
    import urllib.request  # here: a fifth of a second of every step's start-up

    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def start(config: Path) -> str:
    """Serve ``config``; returns the ``URL CA_FILE`` line to print.

    Raises:
        RuntimeError: the server did not come up or refused the configuration.
    """
    state_path = _state_file(config)
    state = _read_state(state_path)
    if state is not None:
        try:
            status, text = _post(
                state["control"] + "/reload", str(config.resolve()).encode()
            )
        except OSError:
            state = None
        else:
            if status != 200:
                raise RuntimeError(text.strip())
    if state is None:
        state = _spawn(config, state_path)
    return f"{state['url']} {state['ca']}"


def _spawn(config: Path, state_path: Path) -> dict[str, Any]:
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.unlink(missing_ok=True)
    log = state_path.parent / "server.log"
    with log.open("ab") as sink:
        # The server stays in the caller's process group: a suite that ends
        # the group of ``start`` (kritis-sim does when interrupted) ends it too.
        proc = subprocess.Popen(
            [sys.executable, "-m", "kritis_sim.conformance.adapter_server",
             "--config", str(config.resolve()), "--state", str(state_path)],
            stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
        )  # fmt: skip
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline:
        state = _read_state(state_path)
        if state is not None:
            state["pid"] = proc.pid
            state_path.write_text(json.dumps(state), encoding="utf-8")
            return state
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RuntimeError(f"adapter server did not start: {tail}")


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs. The server is not our child (the ``start``
    process that spawned it has exited), so it cannot be waited for; once it
    exits it stays a zombie until some init process reaps it, which can take
    seconds, so a zombie counts as ended (read from ``/proc`` where there is one).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def stop(config: Path) -> None:
    """Shut the server down (a no-op when none runs)."""
    state_path = _state_file(config)
    state = _read_state(state_path)
    if state is None:
        return
    try:
        _post(state["control"] + "/shutdown", b"", timeout=5.0)
    except OSError:
        pass
    pid = state.get("pid")
    if isinstance(pid, int):
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            if not _running(pid):
                break
            time.sleep(0.02)
        else:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    state_path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m kritis_sim.conformance.reference_adapter ...``: the same adapter
    as ``kritis-sim conformance-adapter`` without loading every CLI subcommand
    (about 0.4 s less per call, which the per-case protocol steps feel)."""
    import argparse

    from kritis_sim.cli import conformance_adapter

    parser = argparse.ArgumentParser(
        prog="python -m kritis_sim.conformance.reference_adapter"
    )
    conformance_adapter.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["conformance-adapter", *(sys.argv[1:] if argv is None else argv)]
    )
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
