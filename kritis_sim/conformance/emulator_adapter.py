"""A conformance adapter for an enforcer reached through the evaluate API.

``python -m kritis_sim.conformance.emulator_adapter capabilities|setup|start|
stop|serve`` tests kritis-sim's emulator as the implementation under test: the
emulator implements ``projects.platforms.gke.policies.evaluate`` over its own
Grafeas store, and the suite's Grafeas *is* an emulator, so

* ``capabilities``: ``evaluate-api``, ``persistent`` and the platform tags the
  emulator can judge. Not ``freshness-check`` or ``slsa-check``: the emulator
  knows no upload times and no builder roots of trust (it answers ERROR,
  docs/emulator.md), so those cases are skipped with that reason;
* ``setup --case DIR --grafeas URL --out DIR``: creates (or replaces) the
  case's platform policy under its ``name`` in the emulator at ``URL``
  (``POST .../policies?policyId=ID``, ``PUT`` when it exists) and remembers
  ``URL`` in ``DIR/evaluate.json``;
* ``start --config DIR``: prints ``URL`` (plain HTTP): the suite then posts
  ``EvaluateGkePolicyRequest`` bodies to ``URL/v1/{name}:evaluate``;
* ``stop``: nothing to stop; ``serve``: the same steps as JSON lines
  (docs/conformance.md, persistent mode).

It is an example of the ``evaluate-api`` capability and the proof that the
suite drives it (tests/conformance/test_platform_evaluate.py); it checks
nothing itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["CAPABILITIES", "main", "setup", "start"]

CAPABILITIES = (
    "evaluate-api",
    "persistent",
    "platform-policy",
    "vulnerability-check",
    "trusted-directory",
    "simple-signing",
    "always-deny",
    "scope",
    "allowlist",
    "precedence",
    "controllers",
    "init-containers",
)


def setup(case_dir: Path, grafeas: str, out: Path) -> None:
    """Put the case's platform policy into the emulator at ``grafeas``.

    Raises:
        RuntimeError: the emulator refused the policy.
    """
    import httpx
    import yaml

    policy = yaml.safe_load((case_dir / "policy.yaml").read_text(encoding="utf-8"))
    name = str(policy["name"])
    parent, _, policy_id = name.rpartition("/")
    with httpx.Client(base_url=grafeas, timeout=30.0) as client:
        reply = client.get(f"/v1/{name}")
        if reply.status_code == 200:
            reply = client.put(f"/v1/{name}", json=policy)
        else:
            reply = client.post(f"/v1/{parent}", params={"policyId": policy_id},
                                json=policy)  # fmt: skip
    if reply.status_code != 200:
        raise RuntimeError(
            f"the emulator refused {name}: {reply.status_code} {reply.text[:300]}"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluate.json").write_text(json.dumps({"url": grafeas}), encoding="utf-8")


def start(config: Path) -> str:
    """The evaluate API's base URL for ``config``."""
    data = json.loads((config / "evaluate.json").read_text(encoding="utf-8"))
    return str(data["url"])


def _step(request: dict[str, Any]) -> dict[str, Any]:
    command = request.get("command")
    if command == "setup":
        setup(Path(request["case"]), str(request["grafeas"]), Path(request["out"]))
        return {"ok": True}
    if command == "start":
        return {"ok": True, "url": start(Path(request["config"])), "ca": None}
    if command == "stop":
        return {"ok": True}
    return {"ok": False, "error": f"unknown command {command!r}"}


def _serve() -> int:
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply = _step(request)
        except Exception as exc:  # a failed step is an answer, not an exit
            request, reply = {}, {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), flush=True)
        if request.get("command") == "stop":
            break
    return 0


def _arg(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def main(argv: list[str] | None = None) -> int:
    """Run one protocol step (see the module docstring)."""
    args = sys.argv[1:] if argv is None else argv
    step = args[0] if args else ""
    if step == "capabilities":
        print(json.dumps(list(CAPABILITIES)))
    elif step == "setup":
        setup(Path(_arg(args, "--case")), _arg(args, "--grafeas"),
              Path(_arg(args, "--out")))  # fmt: skip
    elif step == "start":
        print(start(Path(_arg(args, "--config"))), flush=True)
    elif step == "stop":
        pass
    elif step == "serve":
        return _serve()
    else:
        print("usage: emulator_adapter capabilities|setup|start|stop|serve",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
