"""Fail closed: store errors, slow stores and broken policy sources deny,
with a reason that says so, before the API server's deadline."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from kritis_sim.errors import GrafeasError

from .conftest import (
    API,
    MIGRATE,
    PROXY,
    BrokenSource,
    Scenario,
    SlowSource,
    call,
    fixture,
)

ALL = (API, PROXY, MIGRATE)


def attested() -> Scenario:
    scenario = Scenario()
    for image in ALL:
        scenario.attest(image)
    return scenario


@pytest.mark.parametrize(
    "exc",
    [GrafeasError("503 UNAVAILABLE: backend down"), RuntimeError("socket closed")],
)
def test_fail_closed_store_error_denies_with_reason(
    make_app: Any, exc: Exception
) -> None:
    scenario = attested()
    source = BrokenSource(exc)
    app = make_app(scenario.config(source=source))
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    assert response["allowed"] is False
    assert "store failed" in response["status"]["message"]
    assert str(exc) in response["status"]["message"]
    assert response["auditAnnotations"]["failed-closed"] == "true"
    assert source.calls > 0
    metrics = call(app, "/metrics", method="GET").text
    assert "kritis_sim_webhook_store_errors_total 0" not in metrics


def test_fail_closed_slow_store_denied_before_the_deadline(make_app: Any) -> None:
    scenario = attested()
    app = make_app(scenario.config(source=SlowSource(scenario.source(), 0.4)))
    started = time.monotonic()
    reply = call(app, "/validate?timeout=1s", fixture("pod-create-v1.json"))
    elapsed = time.monotonic() - started
    response = reply.json()["response"]
    assert response["allowed"] is False
    # The budget is what is left of ``?timeout=1s`` after the safety margin and
    # the time already spent on the request, so it is at most 0.50 s (0.49 s
    # on a busy machine).
    found = re.search(
        r"store failed, denying \(fail closed\): no answer within the "
        r"(\d\.\d\d) s budget",
        response["status"]["message"],
    )
    assert found is not None, response["status"]["message"]
    assert 0.3 <= float(found.group(1)) <= 0.5
    assert elapsed < 1.0


def test_fail_closed_fast_enough_store_is_allowed(make_app: Any) -> None:
    scenario = attested()
    app = make_app(scenario.config(source=SlowSource(scenario.source(), 0.001)))
    reply = call(app, "/validate?timeout=5s", fixture("pod-create-v1.json"))
    assert reply.json()["response"]["allowed"] is True


def test_fail_closed_policy_provider_error(make_app: Any) -> None:
    def broken() -> Any:
        raise GrafeasError("policy GET returned 500")

    app = make_app(attested().config(policy_provider=broken))
    response = call(app, "/validate", fixture("pod-create-v1.json")).json()["response"]
    assert response["allowed"] is False
    assert "policy source failed" in response["status"]["message"]
    assert "policy GET returned 500" in response["status"]["message"]
    ready = call(app, "/readyz", method="GET")
    assert ready.status_code == 503 and "policy GET returned 500" in ready.text


def test_fail_closed_slow_policy_provider(make_app: Any) -> None:
    scenario = attested()
    inner = scenario.config().policy_provider

    def slow() -> Any:
        time.sleep(0.6)
        return inner()

    app = make_app(scenario.config(policy_provider=slow))
    started = time.monotonic()
    response = call(app, "/validate?timeout=1s", fixture("pod-create-v1.json")).json()[
        "response"
    ]
    assert time.monotonic() - started < 1.0
    assert response["allowed"] is False
    assert "policy source failed" in response["status"]["message"]
    found = re.search(
        r"no policy within the (\d\.\d\d) s budget", response["status"]["message"]
    )
    assert found is not None, response["status"]["message"]
    assert 0.3 <= float(found.group(1)) <= 0.5


def test_fail_closed_image_review_store_error(make_app: Any) -> None:
    app = make_app(attested().config(source=BrokenSource(GrafeasError("down"))))
    review = fixture("imagereview-v1alpha1.json")
    del review["spec"]["annotations"]
    status = call(app, "/imagereview", review).json()["status"]
    assert status["allowed"] is False
    assert "down" in status["reason"]


def test_fail_closed_breakglass_still_recorded_on_store_error(make_app: Any) -> None:
    # decide() lets breakglass admit through a store failure; it is recorded.
    app = make_app(attested().config(source=BrokenSource(GrafeasError("down"))))
    status = call(app, "/imagereview", fixture("imagereview-v1alpha1.json")).json()[
        "status"
    ]
    assert status["allowed"] is True
    assert status["auditAnnotations"]["break-glass"] == "true"
    assert status["auditAnnotations"]["failed-closed"] == "true"


def test_fail_closed_bad_timeout_parameter_is_400(make_app: Any) -> None:
    app = make_app(attested().config())
    reply = call(app, "/validate?timeout=soon", fixture("pod-create-v1.json"))
    assert reply.status_code == 400
