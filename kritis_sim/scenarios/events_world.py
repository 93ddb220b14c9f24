"""Read the events of a scenario's richer world: builds with provenance, scans,
uploads, platform-policy changes, undeploys and CV expectations.

:class:`WorldVerbs` is mixed into the events reader of :mod:`.events`; each
``_<verb>`` method reads one event body, checks it against what the scenario
declares (builders, artifacts, platform-guarded environments) and appends a
value of :mod:`.schema_world`. :func:`read_builders` and :func:`read_cv` read
the ``builders`` and ``cv`` sections. Every problem is a located
:class:`~kritis_sim.errors.ScenarioError`. Nothing is signed or stored here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Path
from kritis_sim.core.platform.facts import GOOGLE_CLOUD_BUILD_IDS
from kritis_sim.core.platform.occurrences import image_project
from kritis_sim.model.imageref import ImageRef
from kritis_sim.scenarios._reader import Reader
from kritis_sim.scenarios.schema import Build, Event
from kritis_sim.scenarios.schema_world import (
    DEFAULT_CV_EVERY,
    KRITIS_CRON_EVERY,
    BuilderSpec,
    ChangePlatformPolicy,
    CheckExpectation,
    CvExpect,
    CvSettings,
    CvStyle,
    Finding,
    Provenance,
    Scan,
    Undeploy,
    Upload,
    WorldEvent,
)
from kritis_sim.scenarios.sections import Sections

__all__ = ["WORLD_VERBS", "WorldVerbs", "read_builders", "read_cv"]

WORLD_VERBS = ("scan", "upload", "changePlatformPolicy", "undeploy", "expect")
SEVERITIES = ("MINIMAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
CV_VERDICTS = ("VIOLATES_POLICY", "POLICY_CONFORMANCE_VERDICT_UNSPECIFIED", "none")
_STATUSES = ("FINISHED_SUCCESS", "FINISHED_FAILED", "FINISHED_UNSUPPORTED", "PENDING", "SCANNING")
_CVE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def read_builders(s: Sections, value: object) -> dict[str, BuilderSpec]:
    """The ``builders`` section: name -> builder id, trusted builder, key."""
    from kritis_sim.scenarios.loader import DEFAULT_ALGORITHM, _key

    r = s.reader
    out: dict[str, BuilderSpec] = {}
    table = r.fields.string_map(value, ("builders",), what="builders by name")
    for raw, body in table.items():
        path: Path = ("builders", raw)
        name = r.name(raw, path, "builder")
        known = ("id", "trustedBuilder", "algorithm", "privateKeyFile", "keyId")
        doc = r.mapping(body or {}, path, known=known, what="a builder")
        builder_id = r.opt_string(doc, "id", path) or GOOGLE_CLOUD_BUILD_IDS[0]
        trusted: str | None = "GOOGLE_CLOUD_BUILD"
        if "trustedBuilder" in doc:
            value_ = doc["trustedBuilder"]
            trusted = None if value_ is None else r.choice(value_, (*path, "trustedBuilder"), ("GOOGLE_CLOUD_BUILD",))
        # The signing key, read like an attestor's key (generated per run, or a PEM file).
        key_doc = {"name": "key", **{k: doc[k] for k in ("algorithm", "privateKeyFile", "keyId") if k in doc}}
        key = _key(s, f"builders/{name}", DEFAULT_ALGORITHM, key_doc, path)
        out[name] = BuilderSpec(name, builder_id, trusted, key, s.where(path))
    return out


def read_cv(r: Reader, value: object) -> CvSettings:
    """The ``cv`` section: ``style`` and ``every`` (default 24h; 1h, Kritis'
    default ``cronInterval``, for ``style: kritis-cron``)."""
    path: Path = ("cv",)
    doc = r.mapping(value or {}, path, known=("every", "style"), what="CV settings")
    styles = {s.value: s for s in CvStyle}
    style = styles[r.choice(doc.get("style", "gke"), (*path, "style"), styles)]
    default = KRITIS_CRON_EVERY if style is CvStyle.KRITIS_CRON else DEFAULT_CV_EVERY
    every = r.duration(doc["every"], (*path, "every")) if "every" in doc else default
    if every.total_seconds() < 60:
        r.fail((*path, "every"), "a CV period must be at least 1m")
    return CvSettings(every=every, style=style, where=None)


def default_project(repository: str, project: str) -> str:
    """The project an image's occurrences are filed in: its registry's, else the scenario's."""
    return image_project(ImageRef.parse(repository)) or f"projects/{project}"


class WorldVerbs:
    """Readers of the world verbs, mixed into the events reader."""

    s: Sections
    r: Reader
    built: set[str]
    out: list[Event | WorldEvent]

    def artifact(self, value: object, path: Path, *, built: bool = True) -> str:
        raise NotImplementedError  # pragma: no cover (provided by the events reader)

    def _project(self, doc: Mapping[str, Any], path: Path, artifact: str) -> str:
        if "project" in doc:
            text = self.r.string(doc["project"], (*path, "project"))
            if not re.fullmatch(r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]", text):
                self.r.fail((*path, "project"), f"expected projects/PROJECT_ID, got {text!r}")
            return text
        return default_project(self.s.artifacts[artifact].repository, self.s.project)

    def _build(self, body: object, path: Path) -> None:
        known = ("artifact", "builder", "source", "ref", "configBased", "project")
        provenance = None
        if isinstance(body, dict):
            doc = self.r.mapping(body, path, known=known, what="a build")
            name = self.artifact(self.r.require(doc, "artifact", path, "a build"), (*path, "artifact"), built=False)
            if "builder" in doc:
                builder = self.s.defined(doc["builder"], (*path, "builder"), "builder", self.s.builders)
                source = self.r.string(self.r.require(doc, "source", path, "a build by a builder"), (*path, "source"))
                provenance = Provenance(
                    builder=builder,
                    source=source,
                    ref=self.r.opt_string(doc, "ref", path) or "refs/heads/main",
                    config_based=self.r.boolean(doc, "configBased", path, True),
                    project=self._project(doc, path, name),
                )
            else:
                extra = [k for k in ("source", "ref", "configBased", "project") if k in doc]
                if extra:
                    self.r.fail((*path, extra[0]), f"{extra[0]!r} needs a 'builder' (who records the provenance)")
            where = (*path, "artifact")
        else:
            name = self.artifact(body, path, built=False)
            where = path
        if name in self.built:
            self.r.fail(where, f"artifact {name!r} is already built")
        self.built.add(name)
        label = f"build {name}"
        if provenance is not None:
            label += f" by {provenance.builder} from {provenance.source}@{provenance.ref}"
        self.out.append(Build(where=self.s.where(where), label=label, artifact=name, provenance=provenance))

    def _scan(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("artifact", "vulnerabilities", "status", "project"), what="a scan")
        name = self.artifact(self.r.require(doc, "artifact", path, "a scan"), (*path, "artifact"))
        findings: list[Finding] = []
        for i, item in enumerate(self.r.sequence(doc.get("vulnerabilities", []), (*path, "vulnerabilities"))):
            vpath = (*path, "vulnerabilities", i)
            v = self.r.mapping(item, vpath, known=("cve", "severity", "fixable", "package"), what="a vulnerability")
            cve = self.r.string(self.r.require(v, "cve", vpath, "a vulnerability"), (*vpath, "cve"))
            if not _CVE.fullmatch(cve):
                self.r.fail((*vpath, "cve"), f"expected a vulnerability id such as CVE-2024-3094, got {cve!r}")
            if any(f.cve == cve for f in findings):
                self.r.fail((*vpath, "cve"), f"{cve} is listed twice in this scan")
            severity = self.r.choice(self.r.require(v, "severity", vpath, "a vulnerability"), (*vpath, "severity"), SEVERITIES)
            package = self.r.opt_string(v, "package", vpath) or "unknown"
            findings.append(Finding(cve, severity, self.r.boolean(v, "fixable", vpath, False), package))
        status = self.r.choice(doc.get("status", "FINISHED_SUCCESS"), (*path, "status"), _STATUSES)
        cves = ", ".join(f"{f.cve} ({f.severity})" for f in findings) or "nothing"
        self.out.append(Scan(
            where=self.s.where(path), label=f"scan of {name}: {status}, found {cves}", artifact=name,
            image=self.s.artifacts[name].by_digest, findings=tuple(findings), status=status,
            project=self._project(doc, path, name),
        ))

    def _upload(self, body: object, path: Path) -> None:
        age = None
        if isinstance(body, dict):
            doc = self.r.mapping(body, path, known=("artifact", "age"), what="an upload")
            name = self.artifact(self.r.require(doc, "artifact", path, "an upload"), (*path, "artifact"))
            age = self.r.duration(doc["age"], (*path, "age")) if "age" in doc else None
        else:
            name = self.artifact(body, path)
        label = f"upload {name}" + (f" (back-dated {age})" if age is not None else "")
        self.out.append(Upload(
            where=self.s.where(path), label=label, artifact=name, image=self.s.artifacts[name].by_digest,
            **({"age": age} if age is not None else {}),
        ))

    def _platform_env(self, value: object, path: Path) -> str:
        env = self.s.defined(value, path, "environment", self.s.environments)
        if self.s.environments[env].platform_policy is None:
            self.r.fail(path, f"environment {env!r} is guarded by the classic policy, not a platformPolicy")
        return env

    def _changePlatformPolicy(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("environment", "policy"), what="a platform policy change")
        env = self._platform_env(self.r.require(doc, "environment", path, "changePlatformPolicy"), (*path, "environment"))
        policy, keyed = self.s.keyed_platform_policy(
            self.r.require(doc, "policy", path, "changePlatformPolicy"), (*path, "policy")
        )
        self.out.append(ChangePlatformPolicy(
            where=self.s.where(path), label=f"platform policy of {env} changed", environment=env,
            policy=policy, keyed=keyed,
        ))

    def _undeploy(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("from", "name"), what="an undeploy")
        env = self.s.defined(self.r.require(doc, "from", path, "an undeploy"), (*path, "from"), "environment", self.s.environments)
        name = self.r.string(self.r.require(doc, "name", path, "an undeploy"), (*path, "name"))
        self.out.append(Undeploy(where=self.s.where(path), label=f"{name} stops in {env}", environment=env, name=name))

    def _expect(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("cv",), what="an expectation")
        cpath = (*path, "cv")
        cv = self.r.mapping(
            self.r.require(doc, "cv", path, "an expectation"), cpath,
            known=("environment", "pod", "verdict", "check", "labels", "annotations"), what="a CV expectation",
        )
        env = None
        if "environment" in cv:
            env = self.s.defined(cv["environment"], (*cpath, "environment"), "environment", self.s.environments)
        pod = self.r.string(self.r.require(cv, "pod", cpath, "a CV expectation"), (*cpath, "pod"))
        verdict = None
        if "verdict" in cv:
            raw = "none" if cv["verdict"] is None else cv["verdict"]
            verdict = self.r.choice(raw, (*cpath, "verdict"), CV_VERDICTS)
        if verdict == "none" and "check" in cv:
            self.r.fail((*cpath, "check"), "'check' needs a violation, not verdict: none")
        labels = self._marks(cv, "labels", cpath)
        annotations = self._marks(cv, "annotations", cpath)
        if not any(k in cv for k in ("verdict", "check", "labels", "annotations")):
            self.r.fail(cpath, "a CV expectation needs 'verdict', 'check', 'labels' or 'annotations'")
        what = verdict or ("labels" if labels is not None else "result")
        self.out.append(CvExpect(
            where=self.s.where(cpath), label=f"CV of {pod}{f' in {env}' if env else ''}: {what}",
            environment=env, pod=pod, verdict=None if verdict == "none" else verdict,
            verdict_given=verdict is not None, check=self.r.opt_string(cv, "check", cpath),
            labels=labels, annotations=annotations,
        ))

    def _marks(self, doc: Mapping[str, Any], key: str, path: Path) -> dict[str, str | None] | None:
        if key not in doc:
            return None
        table = self.r.fields.string_map(doc[key], (*path, key), what=key)
        out: dict[str, str | None] = {}
        for k, v in table.items():
            out[k] = None if v is None else self.r.string(v, (*path, key, k))
        return out

    def check_expectation(self, doc: Mapping[str, Any], path: Path, environment: str) -> CheckExpectation | None:
        """The ``check`` / ``checkSet`` of a deploy (platform-guarded environments only)."""
        if "check" not in doc and "checkSet" not in doc:
            return None
        if self.s.environments[environment].platform_policy is None:
            field = "check" if "check" in doc else "checkSet"
            self.r.fail((*path, field), f"{field!r} applies to environments guarded by a platformPolicy; {environment!r} is not")
        return CheckExpectation(self.r.opt_string(doc, "check", path), self.r.opt_string(doc, "checkSet", path))
