"""The ``evaluate-api`` capability: platform cases through the evaluate API.

An enforcer that implements Binary Authorization's
``projects.platforms.gke.policies.evaluate`` (kritis-sim's emulator does)
can be tested without a webhook: its adapter lists ``evaluate-api`` among
its ``capabilities`` and answers ``start`` with the API's base URL. For each
platform case the suite then sends::

    POST BASE/v1/{policy name}:evaluate      (the name in the case's policy.yaml)
    {"resource": <the case's Kubernetes object>}

and compares the ``EvaluateGkePolicyResponse``'s top-level ``verdict`` with the
case's ``expect.yaml`` ``verdict`` (or, without one, ``CONFORMANT`` with
``allowed``). Reason patterns, warnings and audit annotations are webhook
texts and are not compared here. A classic case has no evaluate form: an
``evaluate-api`` adapter skips it ("needs an admission webhook").

A reply that is not 200, not JSON, or has no known ``verdict`` fails the
case with a one-line problem; nothing here raises anything but
:class:`~kritis_sim.errors.ConformanceError`.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from kritis_sim.conformance.case import Case
from kritis_sim.conformance.platform_case import VERDICTS, platform_policy
from kritis_sim.errors import ConformanceError

__all__ = ["evaluate_case", "expected_verdict", "verdict_problems"]

#: How long past the case's ``timeoutSeconds`` the suite waits.
_GRACE_S = 5.0


def expected_verdict(case: Case) -> str:
    """The verdict the case expects (from ``allowed`` when it names none)."""
    if case.expect.verdict is not None:
        return case.expect.verdict
    return "CONFORMANT" if case.expect.allowed else "NON_CONFORMANT or ERROR"


def evaluate_case(client: httpx.Client, case: Case) -> tuple[str, float]:
    """POST the case's object to the evaluate API; (verdict, reply seconds).

    Raises:
        ConformanceError: no reply, a non-200 reply, or no valid verdict.
    """
    name = platform_policy(case).name
    budget = case.request.timeout_s
    t0 = time.perf_counter()
    try:
        reply = client.post(
            f"/v1/{name}:evaluate",
            json={"resource": dict(case.request.obj)},
            timeout=budget + _GRACE_S,
        )
    except httpx.HTTPError as exc:
        raise ConformanceError(f"evaluate request failed: {exc!r}") from None
    elapsed = time.perf_counter() - t0
    if reply.status_code != 200:
        raise ConformanceError(
            f"evaluate answered HTTP {reply.status_code}: {reply.text[:300]!r}"
        )
    try:
        body: Any = reply.json()
    except ValueError:
        raise ConformanceError(
            f"evaluate answered something that is not JSON: {reply.text[:200]!r}"
        ) from None
    verdict = body.get("verdict") if isinstance(body, dict) else None
    if verdict not in VERDICTS:
        raise ConformanceError(
            f"evaluate answered no verdict of {', '.join(VERDICTS)}: {verdict!r}"
        )
    return str(verdict), elapsed


def verdict_problems(case: Case, verdict: str) -> list[str]:
    """What is wrong with ``verdict`` for ``case`` (empty: nothing)."""
    if case.expect.verdict is not None:
        ok = verdict == case.expect.verdict
    else:
        ok = (verdict == "CONFORMANT") == case.expect.allowed
    if ok:
        return []
    return [f"expected verdict {expected_verdict(case)}, got {verdict}"]
