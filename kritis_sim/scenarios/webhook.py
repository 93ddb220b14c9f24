"""The ``--via webhook`` path: deploys go to the real webhook over HTTPS.

:class:`ViaWebhook` is a :class:`~.simulator.Deployer` that serves
:func:`kritis_sim.admission.webhook.create_app` with
:class:`kritis_sim.serving.ServerThread` on loopback, with a CA and serving
certificate made for this run (:func:`kritis_sim.admission.certs.make_certs`),
and POSTs each deploy's AdmissionReview to ``/validate``. The webhook reads the
simulated world through the same seams a real deployment would: a policy
provider, an :class:`~kritis_sim.core.source.AttestationSource` over the
emulator store, and a clock (the virtual one). A webhook guards one cluster,
so one server runs per distinct cluster; servers are reused across scenarios
and stopped when the context closes.

The reply is judged from the wire only (``allowed``, the status message,
warnings and audit annotations), as a cluster would see it; the reason lines a
``reason`` expectation matches are read from the audit annotations
``denial-reasons`` and ``unsatisfied-attestors``.

An environment guarded by Kritis resources gets its own webhook too, the
judge and object reading of ``kritis-sim webhook --semantics kritis`` over
the world's store (:mod:`.kritis`). An environment guarded by a platform
policy gets its own webhook, serving that policy through a judge provider (:func:`kritis_sim.scenarios.platform.judge`,
what ``kritis-sim webhook --platform-policy`` serves) over the world's
occurrences, upload times and builders' roots of trust.
"""

from __future__ import annotations

import datetime
import ssl
import tempfile
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import httpx

from kritis_sim.admission.verdicts import DENIAL_REASONS, UNSATISFIED_ATTESTORS
from kritis_sim.core.judges import Judge
from kritis_sim.model.attestor import Attestor
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy
from kritis_sim.scenarios.result import Reply
from kritis_sim.scenarios.schema import Outcome, Request
from kritis_sim.scenarios.world import World

__all__ = ["ViaWebhook", "reply_from_review"]


def reply_from_review(kind: str, name: str | None, body: dict[str, Any]) -> Reply:
    """Read an AdmissionReview reply into a :class:`~.result.Reply`."""
    response = body.get("response") or {}
    allowed = bool(response.get("allowed"))
    message = str((response.get("status") or {}).get("message", ""))
    warnings = tuple(str(w) for w in response.get("warnings") or ())
    annotations: dict[str, str] = dict(response.get("auditAnnotations") or {})
    if not allowed:
        outcome = Outcome.DENIED
    elif annotations.get("dry-run") == "true":
        outcome = Outcome.DRY_RUN
    elif "overridden-verification-result" in annotations:
        outcome = Outcome.BREAKGLASS
    else:
        outcome = Outcome.ALLOWED
    reasons = _lines(annotations.pop(DENIAL_REASONS, None))
    details = _lines(annotations.pop(UNSATISFIED_ATTESTORS, None))
    notes = warnings + tuple(f"{k}={v}" for k, v in sorted(annotations.items()))
    return Reply(kind, name, outcome, message, None, reasons, details, notes)


def _lines(value: str | None) -> tuple[str, ...]:
    return tuple(value.split("\n")) if value else ()


class _CurrentWorld:
    """The seams the webhook reads, pointing at whichever world runs now."""

    def __init__(self) -> None:
        self.world: World | None = None

    def _get(self) -> World:
        if self.world is None:
            raise RuntimeError("no scenario is running")
        return self.world

    def provider(self) -> tuple[Policy, Iterable[Attestor]]:
        return self._get().policy_and_attestors()

    def clock(self) -> datetime.datetime:
        return self._get().clock.now()

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[AttestationOccurrence]:
        return self._get().source.occurrences(resource_url, note_name)


class _CurrentPlatform:
    """The platform seams of one environment of whichever world runs now."""

    def __init__(self, current: _CurrentWorld, environment: str) -> None:
        self.current, self.environment = current, environment

    def judge(self) -> Judge:
        from kritis_sim.scenarios.platform import judge

        return judge(self.current._get(), self.environment)

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[Any]:
        return self.current._get().platform_source.vulnerabilities(project, resource_url)

    def discoveries(self, project: str, resource_url: str) -> Sequence[Any]:
        return self.current._get().platform_source.discoveries(project, resource_url)

    def builds(self, project: str, resource_url: str) -> Sequence[Any]:
        return self.current._get().platform_source.builds(project, resource_url)

    def attestations(self, project: str, resource_url: str) -> Sequence[Any]:
        return self.current._get().platform_source.attestations(project, resource_url)


class _CurrentKritis:
    """The Kritis seams of one environment of whichever world runs now."""

    nonblocking = True

    def __init__(self, current: _CurrentWorld, environment: str) -> None:
        self.current, self.environment = current, environment

    def judge(self) -> Judge:
        from kritis_sim.core.kritis.judge import KritisJudge

        world = self.current._get()
        return KritisJudge(world.kritis[self.environment], world.options.cache)

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[Any]:
        return self.current._get().kritis_source.occurrences(resource_url, note_name)

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[Any]:
        return self.current._get().kritis_source.vulnerabilities(project, resource_url)


class ViaWebhook:
    """Answers deploys through the webhook over HTTPS on 127.0.0.1.

    Use as a context manager; servers start on first use.
    """

    def __init__(self) -> None:
        self._current = _CurrentWorld()
        self._servers: dict[tuple[str | None, bool] | str, Any] = {}
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._client: httpx.Client | None = None
        self.requests = 0

    def __enter__(self) -> ViaWebhook:
        from kritis_sim.admission.certs import make_certs, write_certs

        self._dir = tempfile.TemporaryDirectory(prefix="kritis-sim-webhook-")
        self._files = write_certs(make_certs(["localhost"]), self._dir.name)
        context = ssl.create_default_context(cafile=str(self._files["ca.crt"]))
        self._client = httpx.Client(verify=context, timeout=30.0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Close client connections first, so the servers see them end before
        # they stop (no half-open keep-alive sockets left behind).
        if self._client is not None:
            self._client.close()
            self._client = None
        for server, app in self._servers.values():
            server.stop()
            app.state.webhook.enforcer.close()
        self._servers.clear()
        if self._dir is not None:
            self._dir.cleanup()

    def _base_url(
        self, cluster: str | None, check_reference: bool, platform: str | None = None
    ) -> str:
        from kritis_sim.admission.webhook import WebhookConfig, create_app
        from kritis_sim.core.decide import DecisionOptions
        from kritis_sim.crypto.verify import VerificationCache
        from kritis_sim.serving import ServerThread

        key: tuple[str | None, bool] | str = (
            (cluster, check_reference) if platform is None else f"platform:{platform}"
        )
        if key not in self._servers:
            if platform is None:
                config = WebhookConfig(
                    policy_provider=self._current.provider,
                    source=self._current,
                    cluster=cluster,
                    clock=self._current.clock,
                    options=DecisionOptions(
                        check_docker_reference=check_reference, cache=VerificationCache()
                    ),
                    workers=4,
                )
            else:
                seams = _CurrentPlatform(self._current, platform)
                config = WebhookConfig(
                    policy_provider=None,
                    judge_provider=seams.judge,
                    source=seams,
                    cluster=cluster,
                    clock=self._current.clock,
                    workers=4,
                )
            app = create_app(config)
            server = ServerThread(
                app,
                ssl_certfile=str(self._files["tls.crt"]),
                ssl_keyfile=str(self._files["tls.key"]),
            ).start()
            self._servers[key] = (server, app)
        return str(self._servers[key][0].base_url)

    def _kritis_url(self, environment: str) -> str:
        """The webhook serving ``environment``'s Kritis resources as
        ``kritis-sim webhook --semantics kritis`` does (its judge and its
        reading of objects: kinds, operations, Kritis' breakglass annotation)."""
        from kritis_sim.admission.kritis_workloads import kritis_interpret
        from kritis_sim.admission.webhook import WebhookConfig, create_app
        from kritis_sim.serving import ServerThread

        key = f"kritis:{environment}"
        if key not in self._servers:
            seams = _CurrentKritis(self._current, environment)
            config = WebhookConfig(
                policy_provider=None,
                judge_provider=seams.judge,
                source=seams,
                clock=self._current.clock,
                workers=4,
                interpret=kritis_interpret,
            )
            app = create_app(config)
            server = ServerThread(
                app,
                ssl_certfile=str(self._files["tls.crt"]),
                ssl_keyfile=str(self._files["tls.key"]),
            ).start()
            self._servers[key] = (server, app)
        return str(self._servers[key][0].base_url)

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        """See :meth:`kritis_sim.scenarios.simulator.Deployer.submit`."""
        if self._client is None:
            raise RuntimeError("use ViaWebhook as a context manager")
        self._current.world = world
        cluster = world.scenario.environments[environment].cluster
        if environment in world.kritis:
            url = self._kritis_url(environment) + "/validate"
        else:
            platform = environment if environment in world.platform_policies else None
            url = self._base_url(cluster, world.scenario.check_docker_reference, platform) + "/validate"
        response = self._client.post(url, params={"timeout": "10s"}, json=dict(request.review))
        self.requests += 1
        if response.status_code != 200:
            return Reply(
                request.kind,
                request.name,
                Outcome.DENIED,
                f"webhook answered HTTP {response.status_code}: {response.text[:500]}",
            )
        return reply_from_review(request.kind, request.name, response.json())

