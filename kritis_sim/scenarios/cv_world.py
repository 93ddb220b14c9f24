"""Continuous validation over a scenario's virtual time: running Pods, passes, expectations.

:class:`CvRunner` keeps what runs in each environment (an admitted deploy's
Pods run until an admitted deploy of the same object replaces them, or an
``undeploy`` stops them) and runs CV passes at ``start + k * every`` as the
clock reaches them. A pass judges every running Pod as it stands then,
ignoring breakglass: the classic policy through
:class:`kritis_sim.cv.judge.ClassicJudge`, a platform policy through
:mod:`.platform`; violations become CV log entries exactly as ``kritis-sim
cv`` writes them (:func:`kritis_sim.cv.entries.pod_event_entry`). With
``style: kritis-cron`` the pass instead marks Pods the way Kritis' cron does
(labels and annotations, see :data:`INVALID` and :data:`ATTESTATION`),
including its quirk that the violation label is never removed after a fix.

:meth:`CvRunner.check` judges a CV expectation against the latest pass. No
I/O; the decisions are the Core's.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kritis_sim.admission.review import parse_admission_review
from kritis_sim.admission.verdicts import unsatisfied_attestor_lines
from kritis_sim.admission.workloads import Workload, workload_from_admission
from kritis_sim.core.target import TargetSettings
from kritis_sim.cv.entries import Cluster, config_error_entry, pod_event_entry, rfc3339
from kritis_sim.cv.items import Container, CvItem, unspecified_containers
from kritis_sim.cv.judge import ClassicJudge, Judgement
from kritis_sim.model.decision import Decision
from kritis_sim.scenarios.platform import cv_judge
from kritis_sim.scenarios.schema import Request
from kritis_sim.scenarios.schema_world import CvExpect, CvSettings, CvStyle

if TYPE_CHECKING:
    from kritis_sim.scenarios.world import World

__all__ = ["ATTESTATION", "INVALID", "CvPass", "CvRunner", "RunningPod"]

#: Kritis' cron violation label/annotation key (label value ``invalidImageSecPolicy``).
INVALID = "kritis.grafeas.io/invalidImageSecPolicy"
#: Kritis' cron attestation label/annotation key (``attested`` / ``notAttested``).
ATTESTATION = "kritis.grafeas.io/attestation"
_TYPES = (
    ("containers", "CONTAINER"),
    ("initContainers", "INIT_CONTAINER"),
    ("ephemeralContainers", "EPHEMERAL_CONTAINER"),
)
_ATTESTED_NOTE = "Previously attested."
_NOT_ATTESTED_NOTE = "No valid attestations present. This pod will not be able to restart in future"


@dataclass
class RunningPod:
    """A Pod running in an environment since ``deploy_time``; ``labels`` and
    ``annotations`` are the marks CV (Kritis cron style) put on it."""

    environment: str
    owner: str
    item: CvItem
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.item.workload.name or self.owner


@dataclass(frozen=True, slots=True)
class CvPass:
    """One pass: when, each running Pod's judgement, and the log entries."""

    at: datetime.datetime
    judged: tuple[tuple[RunningPod, Judgement], ...]
    entries: tuple[dict[str, Any], ...]


def _item(request: Request, at: datetime.datetime, where: str) -> CvItem:
    workload = workload_from_admission(parse_admission_review(dict(request.review)))
    assert isinstance(workload, Workload)  # the loader checked every request
    spec = request.review["request"]["object"].get("spec", {})
    containers: tuple[Container, ...] = tuple(
        Container(c.get("image", ""), c.get("name"), kind)
        for key, kind in _TYPES
        for c in spec.get(key) or ()
    )
    if tuple(c.image for c in containers) != workload.images:
        containers = unspecified_containers(workload.images)
    return CvItem(workload=workload, containers=containers, deploy_time=at, where=where)


class CvRunner:
    """Running Pods and CV passes of one world."""

    def __init__(self, world: World, settings: CvSettings) -> None:
        self.world = world
        self.settings = settings
        self.running: dict[tuple[str, str, str, str], list[RunningPod]] = {}
        self.next_pass = world.clock.start + settings.every
        self.last: CvPass | None = None
        self.entries: list[dict[str, Any]] = []
        self.passes = 0

    # --- what runs -------------------------------------------------------------

    def admitted(
        self, environment: str, request: Request, pods: Sequence[Request], where: str
    ) -> None:
        """Record what an admitted deploy runs: the Pod itself, or the
        controller's admitted Pods (which replace its earlier ones)."""
        at = self.world.clock.now()
        key = (environment, request.namespace, request.kind, request.name or "")
        if request.kind == "Pod":
            new = [RunningPod(environment, request.name or "", _item(request, at, where))]
        else:
            new = [RunningPod(environment, request.name or "", _item(p, at, where)) for p in pods]
        if new:
            self.running[key] = new

    def undeploy(self, environment: str, name: str) -> int:
        """Stop every workload called ``name`` in ``environment``; how many Pods stopped."""
        stopped = 0
        for key in [k for k in self.running if k[0] == environment and k[3] == name]:
            stopped += len(self.running.pop(key))
        return stopped

    def pods(self) -> list[RunningPod]:
        """Every running Pod, in the order they started."""
        return [p for group in self.running.values() for p in group]

    # --- passes ----------------------------------------------------------------

    def due(self, until: datetime.datetime) -> list[datetime.datetime]:
        """The pass times up to ``until`` not yet run (and moves past them)."""
        out = []
        while self.next_pass <= until:
            out.append(self.next_pass)
            self.next_pass += self.settings.every
        return out

    def _judge(self, pod: RunningPod, now: datetime.datetime) -> Judgement:
        world = self.world
        env = world.scenario.environments[pod.environment]
        workload = pod.item.workload
        if pod.environment in world.platform_policies:
            return cv_judge(world, pod.environment).judge(workload, now)
        if pod.environment in world.kritis:
            from kritis_sim.scenarios.kritis import cv_judge as kritis_cv_judge

            return kritis_cv_judge(world, pod.environment).judge(workload, now)
        assert world.policy is not None  # the loader requires it for classic environments
        judge = ClassicJudge(
            world.policy,
            world.attestors(),
            world.source,
            TargetSettings(cluster=env.cluster, trust_domain=None),
            world.options,
        )
        return judge.judge(workload, now)

    def _cluster(self, environment: str) -> Cluster:
        cluster = self.world.scenario.environments[environment].cluster
        return Cluster.parse(cluster if cluster != "none" else None, self.world.scenario.project)

    def run_pass(self) -> CvPass:
        """Judge every running Pod now; log violations (or mark Pods, Kritis style)."""
        now = self.world.clock.now()
        judged = []
        entries = []
        if self.settings.style is CvStyle.GKE:
            # A policy that cannot be monitored (a check kritis-sim cannot
            # evaluate with what it was given) is logged once per pass.
            for environment in sorted({p.environment for p in self.pods()}):
                if environment not in self.world.platform_policies:
                    continue
                for description in cv_judge(self.world, environment).config_errors():
                    entries.append(
                        config_error_entry(description, cluster=self._cluster(environment), now=now)
                    )
        for pod in self.pods():
            judgement = self._judge(pod, now)
            judged.append((pod, judgement))
            if self.settings.style is CvStyle.KRITIS_CRON:
                _mark(pod, judgement)
            elif not judgement.conforms or judgement.error is not None:
                entries.append(
                    pod_event_entry(pod.item, judgement, cluster=self._cluster(pod.environment), now=now)
                )
        self.last = CvPass(now, tuple(judged), tuple(entries))
        self.entries.extend(entries)
        self.passes += 1
        return self.last

    # --- expectations ------------------------------------------------------------

    def check(self, expect: CvExpect) -> tuple[str, ...]:
        """Why ``expect`` does not hold now (empty when it does)."""
        matching = [
            p
            for p in self.pods()
            if (expect.environment is None or p.environment == expect.environment)
            and expect.pod in (p.name, p.owner)
        ]
        where = f" in {expect.environment}" if expect.environment else ""
        if not matching:
            running = ", ".join(sorted({f"{p.environment}/{p.name}" for p in self.pods()})) or "none"
            return (f"no running Pod {expect.pod!r}{where} (running: {running})",)
        problems: list[str] = []
        if expect.labels is not None or expect.annotations is not None:
            for pod in matching:
                problems += _marks_problems(pod, "label", pod.labels, expect.labels)
                problems += _marks_problems(pod, "annotation", pod.annotations, expect.annotations)
        if not expect.verdict_given and expect.check is None:
            return tuple(problems)
        last = self.last
        if last is None:
            return (*problems, f"no CV pass has run yet (the first is at {rfc3339(self.next_pass)})")
        results = {id(p): j for p, j in last.judged}
        for pod in matching:
            judgement = results.get(id(pod))
            if judgement is None:
                problems.append(
                    f"Pod {pod.name}: started at {rfc3339(pod.item.deploy_time or last.at)}, after the "
                    f"last CV pass at {rfc3339(last.at)}; not validated yet"
                )
                continue
            problems += _verdict_problems(pod, judgement, expect, last.at)
        return tuple(problems)


def verdict_of(judgement: Judgement) -> str | None:
    """The ``podEvent.verdict`` CV logs for this judgement (None: no entry)."""
    if judgement.error is not None:
        return "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED"
    return None if judgement.conforms else "VIOLATES_POLICY"


def _verdict_problems(
    pod: RunningPod, judgement: Judgement, expect: CvExpect, at: datetime.datetime
) -> list[str]:
    got = verdict_of(judgement)
    problems = []
    when = f"CV pass at {rfc3339(at)}"
    if expect.verdict_given and got != expect.verdict:
        problems.append(
            f"Pod {pod.name}: expected {expect.verdict or 'no CV entry (conforms)'} in the {when}, got "
            + (got or "no entry (conforms)")
            + "".join(f"; {i.image}: {i.description}" for i in judgement.images if not i.allowed)
        )
    if expect.check is not None:
        want = expect.check.lower()
        names = {
            str(c.get(k, "")).lower()
            for i in judgement.images
            for c in i.check_results
            for k in ("checkType", "checkName")
        }
        texts = " ".join(i.description.lower() for i in judgement.images if not i.allowed)
        if isinstance(judgement.detail, Decision):
            texts += " " + " ".join(unsatisfied_attestor_lines(judgement.detail)).lower()
        if want not in names and not (not any(i.check_results for i in judgement.images) and want in texts):
            problems.append(
                f"Pod {pod.name}: expected check {expect.check!r} to fail in the {when}; failing: "
                + (", ".join(sorted(n for n in names if n)) or texts or "nothing")
            )
    return problems


def _marks_problems(
    pod: RunningPod, what: str, have: dict[str, str], want: Mapping[str, str | None] | None
) -> list[str]:
    problems = []
    for key, value in (want or {}).items():
        got = have.get(key)
        if got != value:
            problems.append(
                f"Pod {pod.name}: expected {what} {key}="
                + ("(absent)" if value is None else repr(value))
                + ", got "
                + ("(absent)" if got is None else repr(got))
            )
    return problems


def _mark(pod: RunningPod, judgement: Judgement) -> None:
    """Kritis' cron marks: a violation label + ``found N CVEs`` (never cleared
    later), and the attestation label/annotation re-set on every pass."""
    if not judgement.conforms or judgement.error is not None:
        count = sum(max(1, len(i.check_results)) for i in judgement.images if not i.allowed)
        pod.labels[INVALID] = "invalidImageSecPolicy"
        pod.annotations[INVALID] = f"found {count} CVEs"
    attested = judgement.conforms and judgement.error is None
    pod.labels[ATTESTATION] = "attested" if attested else "notAttested"
    pod.annotations[ATTESTATION] = _ATTESTED_NOTE if attested else _NOT_ATTESTED_NOTE
