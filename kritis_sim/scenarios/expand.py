"""The ``pipeline`` shorthand: one artifact's trip through the stages, as events.

::

    - pipeline:
        artifact: web
        through: canary      # last stage to run (default: the last stage)
        skip: [qa]           # stages that do not run (a bypassed QA)
        fail: canary         # the stage whose checks fail; the trip ends there
        reaches: dev         # last environment expected to admit the artifact
        reason: "qa"         # pattern the refusal after 'reaches' must match

expands to: ``build`` (when the artifact is not built yet), then for each stage
in order, a ``deploy`` to the stage's environment (expected ``allowed`` up to
``reaches``, and ``denied`` for the first environment after it, where the trip
ends) followed by a ``run`` of the stage (``pass``, or ``fail`` for ``fail``,
where the trip ends). Without ``reaches`` every deploy is expected allowed.

The expansion yields plain event bodies that the events reader then checks
like hand-written ones (errors point at the ``pipeline`` line). It does not
simulate anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kritis_sim._yaml import Path
from kritis_sim.scenarios.sections import Sections

__all__ = ["expand_pipeline"]

_KEYS = ("artifact", "through", "skip", "fail", "reaches", "reason", "build")


def expand_pipeline(
    s: Sections, built: set[str], body: object, path: Path
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(verb, body)`` pairs for the trip described by ``body``.

    Raises:
        ScenarioError: undefined stages or environments, ``reaches`` naming an
            environment the trip never deploys to, or no stages at all.
    """
    r = s.reader
    doc = r.mapping(body, path, known=_KEYS, what="a pipeline trip")
    artifact = s.defined(r.require(doc, "artifact", path, "a pipeline trip"), (*path, "artifact"), "artifact", s.artifacts)
    if not s.stages:
        r.fail(path, "the pipeline shorthand needs a 'stages' section")
    names = [st.name for st in s.stages]
    last = s.stage(doc["through"], (*path, "through")).name if "through" in doc else names[-1]
    skip = {s.stage(v, (*path, "skip", i)).name for i, v in enumerate(r.strings(doc.get("skip", []), (*path, "skip")))}
    fail = s.stage(doc["fail"], (*path, "fail")).name if "fail" in doc else None
    trip = [st for st in s.stages[: names.index(last) + 1] if st.name not in skip]
    if fail is not None and fail not in [st.name for st in trip]:
        r.fail((*path, "fail"), f"stage {fail!r} is not on this trip (through {last!r}, skipping {sorted(skip)})")
    reaches = None
    if "reaches" in doc:
        reaches = s.defined(doc["reaches"], (*path, "reaches"), "environment", s.environments)
        if reaches not in [st.environment for st in trip]:
            r.fail((*path, "reaches"), f"no stage on this trip deploys to {reaches!r}")
    reason = r.string(doc["reason"], (*path, "reason")) if "reason" in doc else None
    if r.boolean(doc, "build", path, artifact not in built):
        yield "build", {"artifact": artifact}
    admitted_so_far = True
    for stage in trip:
        if stage.environment is not None:
            expect = "allowed" if admitted_so_far else "denied"
            deploy: dict[str, Any] = {
                "to": stage.environment,
                "artifact": artifact,
                "expect": expect,
                "name": f"{artifact} -> {stage.environment} ({stage.name})",
            }
            if expect == "denied" and reason is not None:
                deploy["reason"] = reason
            yield "deploy", deploy
            if expect == "denied":
                return
            if stage.environment == reaches:
                admitted_so_far = False
        failed = stage.name == fail
        yield "run", {"stage": stage.name, "artifact": artifact, "result": "fail" if failed else "pass"}
        if failed:
            return
