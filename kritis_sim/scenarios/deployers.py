"""Who answers a scenario's admission requests: the :class:`Deployer` protocol
and :class:`InProcess`, which decides in this thread.

The classic policy is decided by :func:`kritis_sim.core.decide.decide`; a
platform-guarded environment by its platform judge
(:func:`kritis_sim.scenarios.platform.platform_reply`). Other deployers are
:class:`kritis_sim.scenarios.webhook.ViaWebhook` (the real webhook over
HTTPS) and the kind harness. This module keeps no state beyond one world
state's replies.
"""

from __future__ import annotations

import datetime
import weakref
from typing import Protocol

from kritis_sim.core.decide import decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.scenarios.kritis import kritis_reply
from kritis_sim.scenarios.platform import platform_reply
from kritis_sim.scenarios.result import Reply
from kritis_sim.scenarios.schema import Request
from kritis_sim.scenarios.world import World

__all__ = ["Deployer", "InProcess"]

#: Everything about a request that its reply depends on, in one world state:
#: environment, kind, name, namespace, service account, images, breakglass.
_RequestKey = tuple[str, str, str | None, str, str, tuple[str, ...], bool]


class Deployer(Protocol):
    """Something that answers admission requests for a world."""

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        """Admit or refuse ``request`` in ``environment`` now."""
        ...


class InProcess:
    """Answers with :func:`kritis_sim.core.decide.decide`, in this thread.

    Every request is decided afresh. The Core is a pure function of its inputs,
    and while the world state does not change (same :attr:`World.generation`,
    same instant) those inputs are fixed by the request's :data:`_RequestKey`.
    When an equal request comes again in the same state, its decision is
    therefore equal to the first one, and the reply recorded then is returned
    instead of a second copy: a long scenario's timeline shares one reply per
    distinct request and state instead of keeping a decision tree per deploy,
    which keeps the simulation fast (memory is reused instead of grown) and
    its result small.

    Replies are kept for the current world and state only; a fail-closed
    decision (the attestation store could not be read) is never kept, since a
    later read may succeed. The world is held weakly, so an ended run's world
    is freed even while this deployer lives on.
    """

    def __init__(self) -> None:
        self._world: weakref.ref[World] | None = None
        self._generation = -1
        self._now: datetime.datetime | None = None
        self._known: dict[_RequestKey, tuple[DeployTarget, Reply]] = {}

    def submit(self, world: World, environment: str, request: Request) -> Reply:
        """See :meth:`Deployer.submit`."""
        if environment in world.platform_policies:
            return platform_reply(world, environment, request)
        if environment in world.kritis:
            return kritis_reply(world, environment, request)
        now = world.clock.now()
        # The clock hands out the same object until it moves, so an identity
        # test suffices (a new but equal instant only costs a fresh reply).
        if (
            now is not self._now
            or world.generation != self._generation
            or self._world is None
            or self._world() is not world
        ):
            self._world = weakref.ref(world)
            self._generation = world.generation
            self._now = now
            self._known = {}
        key = (
            environment,
            request.kind,
            request.name,
            request.namespace,
            request.service_account,
            request.images,
            request.breakglass,
        )
        known = self._known.get(key)
        if known is None:
            target = world.target(
                environment, request.namespace, request.service_account
            )
        else:
            target = known[0]
        assert world.policy is not None  # the loader requires it for classic environments
        decision = decide(
            world.policy,
            world.attestors_by_name(),
            world.source,
            target,
            request.images,
            now=now,
            breakglass=request.breakglass,
            options=world.options,
        )
        if known is not None:
            return known[1]  # an equal decision was made and recorded before
        reply = Reply.from_decision(
            request.kind, request.name, decision, world.attestors_by_name()
        )
        if not decision.failed_closed:
            self._known[key] = (target, reply)
        return reply
