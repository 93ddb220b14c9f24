"""Read a scenario YAML file into a validated :class:`~.schema.Scenario`.

Everything is checked before anything runs: unknown keys (with a suggestion),
wrong types, undefined environments, attestors, keys, stages and artifacts,
duplicate names, unreadable key or manifest files, and YAML alias bombs. Each
problem is a :class:`~kritis_sim.errors.ScenarioError` naming ``file:line`` and
the field path. The events section is read by :mod:`.events`; this module reads
the sections that declare the world (environments, attestors, stages,
artifacts, policy, expectations) into :class:`~.sections.Sections`. Key files
are read here (confined to the scenario's root, see :mod:`.files`); keys are
*not* generated here (the simulator does that, per run).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from pathlib import Path as FsPath
from typing import Any

from kritis_sim._yaml import Path, load_one
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.model.imageref import ImageRef
from kritis_sim.scenarios._reader import Reader, relocate
from kritis_sim.scenarios.files import (
    FileRefused,
    read_scenario_text,
    resolve_root,
)
from kritis_sim.scenarios.schema import (
    Artifact,
    AttestorSpec,
    Environment,
    KeyRef,
    KeySpec,
    ReachedExpectation,
    Scenario,
    Stage,
    Where,
)
from kritis_sim.scenarios.sections import Sections

__all__ = ["DEFAULT_ALGORITHM", "DEFAULT_START", "Sections", "load_scenario", "load_scenario_file"]

DEFAULT_ALGORITHM = "ECDSA_P256_SHA256"
DEFAULT_START = datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC)
_TOP = (
    "scenario", "description", "project", "start", "options", "environments",
    "attestors", "stages", "artifacts", "policy", "events", "expect", "builders", "cv",
    "occurrences",
)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")


def load_scenario_file(
    path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
) -> Scenario:
    """Load and validate one scenario file.

    Args:
        path: the scenario file (a regular UTF-8 file of at most
            :data:`~.files.MAX_FILE_BYTES`).
        root: the directory every file the scenario names must resolve
            inside (default: the scenario file's directory); it must contain
            the scenario file.

    Raises:
        ScenarioError: the file is unreadable or not a valid scenario, or a
            file it names is refused.
    """
    source = os.fspath(path)
    base_dir = FsPath(path).parent
    try:
        text = read_scenario_text(path)
        if root is not None:
            resolved = resolve_root(root)
            if not base_dir.resolve().is_relative_to(resolved):
                raise FileRefused(f"the scenario is outside the scenario root {os.fspath(root)!r}")
    except FileRefused as exc:
        raise ScenarioError(str(exc), source=source) from None
    return load_scenario(text, source=source, base_dir=base_dir, root=root)


def load_scenario(
    text: str,
    *,
    source: str = "<scenario>",
    base_dir: FsPath | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Scenario:
    """Load and validate one scenario from YAML text.

    Args:
        text: the YAML document.
        source: the file name for messages.
        base_dir: where relative file names (policy, keys, manifests) start
            (default: the working directory).
        root: the directory those files must resolve inside (default:
            ``base_dir``); see :mod:`.files`.

    Raises:
        ScenarioError: naming file, line and field of the first problem.
    """
    from kritis_sim.scenarios.events import read_events

    base = base_dir or FsPath.cwd()
    try:
        confined = resolve_root(base if root is None else root)
    except FileRefused as exc:
        raise ScenarioError(str(exc), source=source) from None
    try:
        data, locator = load_one(text, source)
    except InputError as exc:
        raise ScenarioError(exc.message, path=exc.path, source=exc.source, line=exc.line) from None
    r = Reader(locator)
    doc = r.mapping(data, (), known=_TOP, what="a scenario")
    name = r.name(r.require(doc, "scenario", (), "a scenario"), ("scenario",), "scenario")
    project = r.opt_string(doc, "project", ()) or "kritis-sim"
    if not _PROJECT.fullmatch(project):
        r.fail(("project",), f"expected a project ID (6-30 lower-case letters, digits, '-'), got {project!r}")
    options = r.mapping(doc.get("options", {}), ("options",), known=("checkDockerReference",), what="options")
    sections = Sections(r, name, project, base, {}, {}, (), {}, confined)
    from kritis_sim.scenarios.events_world import read_builders, read_cv
    from kritis_sim.scenarios.schema_world import CvExpect

    sections.attestors = _attestors(sections, doc.get("attestors", {}))
    sections.environments = _environments(sections, r.require(doc, "environments", (), "a scenario"))
    sections.stages = _stages(sections, doc.get("stages", []))
    sections.artifacts = _artifacts(sections, doc.get("artifacts", {}))
    sections.builders = read_builders(sections, doc["builders"]) if "builders" in doc else {}
    classic = [e.name for e in sections.environments.values() if e.platform_policy is None and e.kritis is None]
    if classic and "policy" not in doc:
        r.fail((), f"a scenario needs the field 'policy' (environment {classic[0]!r} has no platformPolicy)")
    policy = sections.policy(doc["policy"], ("policy",)) if "policy" in doc else None
    from kritis_sim.scenarios.seed import read_seed

    seeded = read_seed(sections, doc["occurrences"], ("occurrences",)) if "occurrences" in doc else ()
    events = read_events(sections, r.require(doc, "events", (), "a scenario"))
    cv = read_cv(r, doc["cv"]) if "cv" in doc else None
    if cv is None and any(isinstance(e, CvExpect) for e in events):
        from kritis_sim.scenarios.schema_world import CvSettings

        cv = CvSettings()
    return Scenario(
        name=name,
        description=(r.opt_string(doc, "description", ()) or "").strip(),
        where=Where(source, r.line(("scenario",))),
        project=project,
        start=r.timestamp(doc["start"], ("start",)) if "start" in doc else DEFAULT_START,
        environments=sections.environments,
        attestors=sections.attestors,
        stages=sections.stages,
        artifacts=sections.artifacts,
        policy=policy,
        events=events,
        reached=_reached(sections, doc["expect"]) if "expect" in doc else None,
        check_docker_reference=r.boolean(options, "checkDockerReference", ("options",), False),
        builders=sections.builders,
        cv=cv,
        occurrences=seeded,
    )


def _named(r: Reader, value: object, path: Path, what: str) -> list[tuple[str, Any, Path]]:
    table = r.fields.string_map(value, path, what=f"{what}s by name")
    return [(r.name(k, (*path, k), what), v, (*path, k)) for k, v in table.items()]


def _environments(s: Sections, value: object) -> dict[str, Environment]:
    r = s.reader
    out = {}
    known = ("cluster", "namespace", "serviceAccount", "platformPolicy", "kritis")
    for name, body, path in _named(r, value, ("environments",), "environment"):
        doc = r.mapping(body, path, known=known, what="an environment")
        keyed = (
            s.keyed_platform_policy(doc["platformPolicy"], (*path, "platformPolicy"))
            if "platformPolicy" in doc
            else (None, None)
        )
        namespace = r.opt_string(doc, "namespace", path) or "default"
        if "kritis" in doc and "platformPolicy" in doc:
            r.fail((*path, "kritis"), "an environment is guarded by a platformPolicy or by kritis resources, not both")
        from kritis_sim.scenarios.kritis import read_kritis

        kritis = read_kritis(s, doc["kritis"], (*path, "kritis"), namespace) if "kritis" in doc else None
        out[name] = Environment(
            name=name,
            cluster=r.opt_string(doc, "cluster", path),
            namespace=namespace,
            service_account=r.opt_string(doc, "serviceAccount", path) or "default",
            where=Where(r.locator.source, r.line(path)),
            platform_policy=keyed[0],
            platform_keys=keyed[1],
            kritis=kritis,
        )
    if not out:
        r.fail(("environments",), "a scenario needs at least one environment")
    return out


def _algorithm(r: Reader, value: object, path: Path) -> str:
    from kritis_sim.model.attestor import UNSUPPORTED_ALGORITHMS, SignatureAlgorithm

    if isinstance(value, str) and value.upper() == "PGP":
        return "PGP"
    try:
        alg = SignatureAlgorithm.parse(r.string(value, path))
    except ValueError as exc:
        r.fail(path, str(exc))
    if alg in UNSUPPORTED_ALGORITHMS:
        r.fail(path, f"{alg.value} cannot be used for signing in kritis-sim")
    return alg.value


def _attestors(s: Sections, value: object) -> dict[str, AttestorSpec]:
    r = s.reader
    out = {}
    known = ("note", "algorithm", "keys", "description")
    for name, body, path in _named(r, value, ("attestors",), "attestor"):
        doc = r.mapping(body, path, known=known, what="an attestor")
        alg = _algorithm(r, doc["algorithm"], (*path, "algorithm")) if "algorithm" in doc else DEFAULT_ALGORITHM
        note = r.opt_string(doc, "note", path) or name
        if "/" not in note:
            note = f"projects/{s.project}/notes/{note}"
        raw_keys = r.sequence(doc["keys"], (*path, "keys")) if "keys" in doc else [{"name": "default"}]
        keys: list[KeySpec] = []
        for i, key in enumerate(raw_keys):
            spec = _key(s, name, alg, key, (*path, "keys", i))
            if any(k.ref == spec.ref for k in keys):
                r.fail((*path, "keys", i, "name"), f"duplicate key name {spec.ref.key!r}")
            keys.append(spec)
        out[name] = AttestorSpec(
            name, f"projects/{s.project}/attestors/{name}", note, tuple(keys), s.where(path)
        )
    return out


def _key(s: Sections, attestor: str, default_alg: str, value: object, path: Path) -> KeySpec:
    from kritis_sim.crypto import keys as crypto_keys
    from kritis_sim.model.attestor import SignatureAlgorithm

    r = s.reader
    known = ("name", "algorithm", "trusted", "privateKeyFile", "publicKeyFile", "keyId")
    doc = r.mapping(value, path, known=known, what="a key")
    name = r.name(r.require(doc, "name", path, "a key"), (*path, "name"), "key")
    alg = _algorithm(r, doc["algorithm"], (*path, "algorithm")) if "algorithm" in doc else default_alg
    private = public = None
    if alg == "PGP" and attestor.startswith("builders/"):
        r.fail((*path, "algorithm"), "a builder signs provenance with a PKIX key; PGP is for attestors")
    if alg == "PGP" and "keyId" in doc:
        r.fail((*path, "keyId"), "a PGP key's id is its V4 fingerprint (computed); remove keyId")
    if "privateKeyFile" in doc and "publicKeyFile" in doc:
        r.fail(path, "give privateKeyFile or publicKeyFile, not both")
    for field in ("privateKeyFile", "publicKeyFile"):
        if field not in doc:
            continue
        where = (*path, field)
        _, text = s.read_file(doc[field], where)
        if alg == "PGP":
            private, public = _pgp_file(r, field, text, where)
            continue
        try:
            loaded: crypto_keys.PrivateKey | crypto_keys.PublicKey
            if field == "privateKeyFile":
                loaded = crypto_keys.load_private_key(text)
                private = text.encode()
            else:
                loaded = crypto_keys.load_public_key(text)
                public = text
            crypto_keys.check_key_matches(SignatureAlgorithm.parse(alg), loaded)
        except InputError as exc:
            raise relocate(exc, r.locator, where) from None
    return KeySpec(
        ref=KeyRef(attestor, name),
        algorithm=alg,
        trusted=r.boolean(doc, "trusted", path, True),
        where=s.where(path),
        private_key_pem=private,
        public_key_pem=public,
        key_id=r.opt_string(doc, "keyId", path),
    )


def _pgp_file(r: Reader, field: str, text: str, where: Path) -> tuple[bytes | None, str | None]:
    """An OpenPGP key file of a PGP scenario key: an armored secret key that
    can sign (``privateKeyFile``) or an armored public key (``publicKeyFile``)."""
    from kritis_sim.crypto import pgp

    try:
        if field == "privateKeyFile":
            pgp.secret_key_certificate(text)
            return text.encode(), None
        pgp.pgp_fingerprint(text)
    except InputError as exc:
        r.fail(where, exc.message)
    return None, text


def _stages(s: Sections, value: object) -> tuple[Stage, ...]:
    r = s.reader
    out: list[Stage] = []
    for i, body in enumerate(r.sequence(value, ("stages",))):
        path: Path = ("stages", i)
        doc = r.mapping(body, path, known=("name", "environment", "attestor"), what="a stage")
        name = r.name(r.require(doc, "name", path, "a stage"), (*path, "name"), "stage")
        if any(st.name == name for st in out):
            r.fail((*path, "name"), f"duplicate stage name {name!r}")
        env = s.defined(doc["environment"], (*path, "environment"), "environment", s.environments) if "environment" in doc else None
        att = s.defined(doc["attestor"], (*path, "attestor"), "attestor", s.attestors) if "attestor" in doc else None
        out.append(Stage(name, env, att, s.where(path)))
    return tuple(out)


def _artifacts(s: Sections, value: object) -> dict[str, Artifact]:
    r = s.reader
    out = {}
    for name, body, path in _named(r, value, ("artifacts",), "artifact"):
        doc = r.mapping(body, path, known=("repository", "digest", "tags"), what="an artifact")
        repo = r.string(r.require(doc, "repository", path, "an artifact"), (*path, "repository"))
        try:
            ref = ImageRef.parse(repo)
        except InputError as exc:
            raise relocate(exc, r.locator, (*path, "repository")) from None
        if ref.tag or ref.digest:
            r.fail((*path, "repository"), f"expected a repository without tag or digest, got {repo!r}")
        digest = r.opt_string(doc, "digest", path)
        if digest is None:
            digest = "sha256:" + hashlib.sha256(f"{s.name}/{name}".encode()).hexdigest()
        elif not _DIGEST.fullmatch(digest):
            r.fail((*path, "digest"), f"expected 'sha256:' and 64 lower-case hex digits, got {digest!r}")
        tags = r.strings(doc.get("tags", []), (*path, "tags"))
        for i, tag in enumerate(tags):
            if not re.fullmatch(r"[\w][\w.-]{0,127}", tag):
                r.fail((*path, "tags", i), f"not a valid tag: {tag!r}")
        out[name] = Artifact(name, repo, digest, tags, s.where(path))
    return out


def _reached(s: Sections, value: object) -> ReachedExpectation:
    r = s.reader
    doc = r.mapping(value, ("expect",), known=("reached",), what="pipeline expectations")
    path: Path = ("expect", "reached")
    table = r.fields.string_map(r.require(doc, "reached", ("expect",), "expect"), path, what="artifacts")
    reached: dict[str, frozenset[str]] = {}
    for artifact, envs in table.items():
        s.defined(artifact, (*path, artifact), "artifact", s.artifacts)
        names = r.strings(envs, (*path, artifact)) if envs != [] else ()
        for i, env in enumerate(names):
            s.defined(env, (*path, artifact, i), "environment", s.environments)
        reached[artifact] = frozenset(names)
    return ReachedExpectation(reached, s.where(path))
