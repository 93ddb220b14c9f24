"""Read the ``events`` section of a scenario into typed events, checking order.

Each event is a mapping with one key, the verb: ``build``, ``run``, ``attest``,
``deploy``, ``advance``, ``rotateKey``, ``revokeKey``, ``deleteAttestation``,
``changePolicy`` or ``pipeline`` (the shorthand, expanded by :mod:`.expand`).
Besides types and names, the reader follows the events in order so that
mistakes a run would only reveal late are caught up front: using an artifact
before it is built, rotating in a key the attestor already trusts, revoking one
it does not, or signing with a key that has no private half.

This module builds values; it does not sign, store or decide anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kritis_sim._yaml import Locator, Path
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.scenarios import manifests
from kritis_sim.scenarios._reader import Reader, relocate
from kritis_sim.scenarios.events_world import WORLD_VERBS, WorldVerbs
from kritis_sim.scenarios.schema import (
    Advance,
    Attest,
    ChangePolicy,
    DeleteAttestation,
    Deploy,
    Event,
    Expectation,
    KeyChange,
    KeyRef,
    Outcome,
    Request,
    RunStage,
)
from kritis_sim.scenarios.schema_world import WorldEvent
from kritis_sim.scenarios.sections import Sections

__all__ = ["VERBS", "read_events"]

VERBS = (
    "build", "run", "attest", "deploy", "advance", "rotateKey", "revokeKey",
    "deleteAttestation", "changePolicy", "pipeline", *WORLD_VERBS,
)
_DEPLOY_KEYS = (
    "name", "to", "artifact", "tag", "image", "images", "manifest", "kind",
    "namespace", "serviceAccount", "breakglass", "pods", "expect", "reason", "podsExpect",
    "check", "checkSet", "workload",
)
_OUTCOMES = {o.value: o for o in Outcome}


class _Events(WorldVerbs):
    def __init__(self, s: Sections) -> None:
        self.s = s
        self.r = s.reader
        self.built: set[str] = set()
        self.trusted = {a: {k.ref.key for k in spec.keys if k.trusted} for a, spec in s.attestors.items()}
        self.labels: dict[str, int] = {}
        self.out: list[Event | WorldEvent] = []

    def label(self, text: str) -> str:
        n = self.labels.get(text, 0) + 1
        self.labels[text] = n
        return text if n == 1 else f"{text} #{n}"

    def artifact(self, value: object, path: Path, *, built: bool = True) -> str:
        name = self.s.defined(value, path, "artifact", self.s.artifacts)
        if built and name not in self.built:
            self.r.fail(path, f"artifact {name!r} is used before a 'build' event builds it")
        return name

    def read(self, value: object, path: Path) -> None:
        verb, body = self.r.verb(value, path, VERBS)
        where = (*path, verb)
        getattr(self, "_" + verb)(body, where)

    # --- verbs ---------------------------------------------------------------

    def _run(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("stage", "artifact", "result"), what="a stage run")
        stage = self.s.stage(self.r.require(doc, "stage", path, "a stage run"), (*path, "stage"))
        art = self.artifact(self.r.require(doc, "artifact", path, "a stage run"), (*path, "artifact"))
        result = self.r.choice(doc.get("result", "pass"), (*path, "result"), ("pass", "fail"))
        self.out.append(RunStage(
            where=self.s.where(path),
            label=f"{stage.name} {'passed' if result == 'pass' else 'failed'} for {art}",
            stage=stage.name, artifact=art, passed=result == "pass",
        ))

    def key(self, attestor: str, value: object, path: Path) -> KeyRef:
        text = self.r.string(value, path)
        owner, _, name = text.rpartition("/")
        owner = owner or attestor
        if owner not in self.s.attestors:
            self.s.defined(owner, path, "attestor", self.s.attestors)
        spec = self.s.attestors[owner].key(name)
        if spec is None:
            keys = ", ".join(k.ref.key for k in self.s.attestors[owner].keys)
            self.r.fail(path, f"undefined key {name!r} of attestor {owner!r}; defined: {keys}")
        return spec.ref

    def _attest(self, body: object, path: Path) -> None:
        known = ("artifact", "attestor", "key", "claimKey", "payloadArtifact", "age", "tag")
        doc = self.r.mapping(body, path, known=known, what="an attestation")
        art = self.artifact(self.r.require(doc, "artifact", path, "an attestation"), (*path, "artifact"))
        att = self.s.defined(self.r.require(doc, "attestor", path, "an attestation"), (*path, "attestor"), "attestor", self.s.attestors)
        if "key" in doc:
            key = self.key(att, doc["key"], (*path, "key"))
        else:
            trusted = [k for k in self.s.attestors[att].keys if k.ref.key in self.trusted[att]]
            if not trusted:
                self.r.fail(path, f"attestor {att!r} trusts no key now; name one with 'key'")
            key = trusted[0].ref
        spec = self.s.attestors[key.attestor].key(key.key)
        if spec is None or not spec.can_sign:
            self.r.fail((*path, "key"), f"key {key} has only a public key file; it cannot sign")
        claim = self.key(att, doc["claimKey"], (*path, "claimKey")) if "claimKey" in doc else None
        artifact = self.s.artifacts[art]
        payload = artifact
        if "payloadArtifact" in doc:
            payload = self.s.artifacts[self.artifact(doc["payloadArtifact"], (*path, "payloadArtifact"))]
        age = self.r.duration(doc["age"], (*path, "age")) if "age" in doc else None
        text = f"{att} attests {art} with key {key}"
        if claim is not None:
            text += f" claiming key {claim}"
        if payload is not artifact:
            text += f" over {payload.name}'s digest"
        self.out.append(Attest(
            where=self.s.where(path), label=text, artifact=art, attestor=att, key=key,
            image=artifact.by_digest, payload_image=payload.by_digest, claim_key=claim,
            **({"age": age} if age is not None else {}),
        ))

    def _advance(self, body: object, path: Path) -> None:
        if isinstance(body, dict):
            body = self.r.mapping(body, path, known=("by",), what="a clock advance").get("by")
            path = (*path, "by")
        by = self.r.duration(body, path)
        self.out.append(Advance(where=self.s.where(path), label=f"clock +{body}", by=by))

    def _rotateKey(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("attestor", "add", "remove"), what="a key rotation")
        self._key_change(doc, path, "rotateKey")

    def _revokeKey(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("attestor", "key"), what="a key revocation")
        self._key_change({"attestor": doc.get("attestor"), "remove": self.r.require(doc, "key", path, "a key revocation")}, path, "revokeKey")

    def _key_change(self, doc: Mapping[str, Any], path: Path, verb: str) -> None:
        att = self.s.defined(self.r.require(doc, "attestor", path, verb), (*path, "attestor"), "attestor", self.s.attestors)
        field = "key" if verb == "revokeKey" else "remove"
        add = [self.key(att, k, (*path, "add")).key for k in self.r.strings(doc.get("add", []), (*path, "add"))]
        remove = [self.key(att, k, (*path, field)).key for k in self.r.strings(doc.get("remove", []), (*path, field))]
        if not add and not remove:
            self.r.fail(path, f"{verb} needs 'add' and/or 'remove'")
        from kritis_sim.scenarios.kritis import key_change_changes_nothing

        if (message := key_change_changes_nothing(self.s, att, verb)) is not None:
            self.r.fail((*path, "attestor"), message)
        for key in add:
            if key in self.trusted[att]:
                self.r.fail((*path, "add"), f"attestor {att!r} already trusts key {key!r}")
            self.trusted[att].add(key)
        for key in remove:
            if key not in self.trusted[att]:
                self.r.fail((*path, field), f"attestor {att!r} does not trust key {key!r} at this point")
            self.trusted[att].discard(key)
        parts = [f"+{k}" for k in add] + [f"-{k}" for k in remove]
        word = "revokes" if verb == "revokeKey" else "rotates"
        self.out.append(KeyChange(
            where=self.s.where(path), label=f"{att} {word} keys {' '.join(parts)}",
            attestor=att, add=tuple(add), remove=tuple(remove),
        ))

    def _deleteAttestation(self, body: object, path: Path) -> None:
        doc = self.r.mapping(body, path, known=("artifact", "attestor"), what="an attestation deletion")
        art = self.artifact(self.r.require(doc, "artifact", path, "deleteAttestation"), (*path, "artifact"))
        att = self.s.defined(self.r.require(doc, "attestor", path, "deleteAttestation"), (*path, "attestor"), "attestor", self.s.attestors)
        self.out.append(DeleteAttestation(
            where=self.s.where(path), label=f"delete {att} attestations of {art}", artifact=art, attestor=att
        ))

    def _changePolicy(self, body: object, path: Path) -> None:
        policy = self.s.policy(body, path)
        self.out.append(ChangePolicy(where=self.s.where(path), label="policy changed", policy=policy))

    def _pipeline(self, body: object, path: Path) -> None:
        from kritis_sim.scenarios.expand import expand_pipeline

        for verb, synthetic in expand_pipeline(self.s, self.built, body, path):
            getattr(self, "_" + verb)(synthetic, path)

    # --- deploy --------------------------------------------------------------

    def _deploy(self, body: object, path: Path) -> None:
        r = self.r
        doc = r.mapping(body, path, known=_DEPLOY_KEYS, what="a deploy")
        env = self.s.environments[self.s.defined(r.require(doc, "to", path, "a deploy"), (*path, "to"), "environment", self.s.environments)]
        namespace = r.opt_string(doc, "namespace", path) or env.namespace
        service_account = r.opt_string(doc, "serviceAccount", path) or env.service_account
        breakglass = r.boolean(doc, "breakglass", path, False)
        sources = [k for k in ("artifact", "image", "images", "manifest") if k in doc]
        if len(sources) != 1:
            r.fail(path, "a deploy needs exactly one of artifact, image, images or manifest")
        artifacts: list[str] = []
        images: list[str] = []
        if "manifest" in doc:
            obj = self._manifest(doc["manifest"], (*path, "manifest"), artifacts)
            if "kind" in doc or "tag" in doc or "workload" in doc:
                r.fail(path, "'kind', 'tag' and 'workload' do not apply to a manifest deploy")
            if breakglass:
                manifests.mark_breakglass(obj)
            kind = str(obj["kind"])
            namespace = str(obj.get("metadata", {}).get("namespace") or namespace)
        else:
            entries = r.sequence(doc["images"], (*path, "images")) if "images" in doc else [
                {k: doc[k] for k in ("artifact", "tag", "image") if k in doc}
            ]
            ipath = (*path, "images") if "images" in doc else path
            for i, entry in enumerate(entries):
                epath = (*ipath, i) if "images" in doc else ipath
                images.append(self._image(entry, epath, artifacts))
            kind = r.choice(doc.get("kind", "Pod"), (*path, "kind"), manifests.KINDS)
            base = artifacts[0] if artifacts else images[0].rsplit("/", 1)[-1].split("@")[0].split(":")[0]
            workload = re.sub(r"[^a-z0-9-]", "-", base.lower())[:50].strip("-") or "app"
            if "workload" in doc:
                workload = r.name(doc["workload"], (*path, "workload"), "workload")
            obj = manifests.wrap_images(
                kind, workload,
                namespace, tuple(images), service_account=service_account, breakglass=breakglass,
            )
        if breakglass and env.kritis is not None:
            manifests.mark_kritis_breakglass(obj)  # a Kritis-guarded environment reads only its own marker
        pods = r.integer(doc, "pods", path, default=0, low=0, high=20)
        if pods and manifests.pod_template(obj) is None:
            r.fail((*path, "pods"), f"'pods' needs a controller kind with a pod template, not {kind}")
        uid = f"{self.s.name}-{len(self.out)}"
        request = _request(manifests.admission_review(obj, namespace, uid), path, self.r)
        pod_requests = []
        for i in range(pods):
            pod = manifests.pod_from_template(obj, namespace, i)
            if pod is not None:
                review = manifests.admission_review(pod, namespace, f"{uid}-pod{i}")
                pod_requests.append(_request(review, path, self.r))
        subject = ", ".join(artifacts) if artifacts else ", ".join(images)
        if "tag" in doc:
            subject += f":{doc['tag']}"
        if "workload" in doc:
            subject += f" as {doc['workload']}"
        label = r.opt_string(doc, "name", path) or f"{subject} -> {env.name}" + (
            f" as {kind}" if kind != "Pod" else ""
        )
        self.out.append(Deploy(
            where=self.s.where(path), label=self.label(label), environment=env.name,
            artifacts=tuple(dict.fromkeys(artifacts)), kind=kind, request=request,
            pods=tuple(pod_requests), expect=self._deploy_expect(doc, path, pods, env.name),
        ))

    def _image(self, entry: object, path: Path, artifacts: list[str]) -> str:
        r = self.r
        if isinstance(entry, str):
            entry = {"image": entry}
        doc = r.mapping(entry, path, known=("artifact", "tag", "image"), what="an image")
        if "image" in doc:
            if "artifact" in doc or "tag" in doc:
                r.fail(path, "give 'image', or 'artifact' (with an optional 'tag'), not both")
            return r.string(doc["image"], (*path, "image"))
        name = self.artifact(r.require(doc, "artifact", path, "an image"), (*path, "artifact"))
        artifacts.append(name)
        art = self.s.artifacts[name]
        if "tag" not in doc:
            return art.by_digest
        tag = r.string(doc["tag"], (*path, "tag"))
        if tag not in art.tags:
            r.fail((*path, "tag"), f"{tag!r} is not a tag of artifact {name!r} (tags: {', '.join(art.tags) or 'none'})")
        return art.by_tag(tag)

    def _manifest(self, value: object, path: Path, artifacts: list[str]) -> dict[str, Any]:
        data, locator, source = self._manifest_document(value, path)

        def resolve(name: str, tag: str | None) -> str:
            if name not in self.s.artifacts:
                self.r.fail(path, f"{source}: placeholder names undefined artifact {name!r}")
            entry = {"artifact": name, **({"tag": tag} if tag else {})}
            return self._image(entry, path, artifacts)

        obj = manifests.substitute(data, resolve)
        kind = obj.get("kind") if isinstance(obj, dict) else None
        if not isinstance(obj, dict) or not isinstance(kind, str) or kind not in manifests.KINDS:
            kinds = ", ".join(manifests.KINDS)
            raise locator.error(ScenarioError, ("kind",), f"expected a Kubernetes object of kind {kinds}")
        manifests.check_metadata(obj, locator, manifests.KINDS[kind][1])
        return obj

    def _manifest_document(self, value: object, path: Path) -> tuple[Any, Locator, str]:
        """``manifest: FILE`` (one document) or ``manifest: {file: FILE, name: N}``
        (the object named N of a file of several documents, e.g. a Pod list
        kept for ``kubectl apply``)."""
        from kritis_sim._yaml import load_documents

        wanted = None
        if isinstance(value, dict):
            doc = self.r.mapping(value, path, known=("file", "name"), what="a manifest ({file, name})")
            wanted = self.r.string(self.r.require(doc, "name", path, "a manifest"), (*path, "name"))
            value, path = self.r.require(doc, "file", path, "a manifest"), (*path, "file")
        source, text = self.s.read_file(value, path)
        try:
            docs = [(d, loc) for d, loc in load_documents(text, source) if d is not None]
        except InputError as exc:
            raise relocate(exc, self.r.locator, path) from None
        names = [_object_name(d) for d, _ in docs]
        if wanted is None:
            if len(docs) != 1:
                self.r.fail(path, f"{source} holds {len(docs)} documents; name one: "
                            f"manifest: {{file: ..., name: N}} (names: {', '.join(map(str, names)) or 'none'})")
            return docs[0][0], docs[0][1], source
        found = [i for i, n in enumerate(names) if n == wanted]
        if len(found) != 1:
            how = "no object" if not found else f"{len(found)} objects"
            self.r.fail((*path[:-1], "name"), f"{source} holds {how} named {wanted!r} "
                        f"(names: {', '.join(map(str, names)) or 'none'})")
        return docs[found[0]][0], docs[found[0]][1], source

    def _deploy_expect(self, doc: Mapping[str, Any], path: Path, pods: int, env: str) -> Expectation | None:
        r = self.r
        check = self.check_expectation(doc, path, env)
        if not any(k in doc for k in ("expect", "reason", "podsExpect")) and check is None:
            return None
        outcome = _OUTCOMES[r.choice(doc["expect"], (*path, "expect"), _OUTCOMES)] if "expect" in doc else None
        pattern = None
        if "reason" in doc:
            text = r.string(doc["reason"], (*path, "reason"))
            try:
                pattern = re.compile(text, re.IGNORECASE | re.MULTILINE)
            except re.error as exc:
                r.fail((*path, "reason"), f"not a valid regular expression: {exc}")
        pods_outcome = outcome
        if "podsExpect" in doc:
            if not pods:
                r.fail((*path, "podsExpect"), "'podsExpect' needs 'pods' (how many Pods the controller creates)")
            pods_outcome = _OUTCOMES[r.choice(doc["podsExpect"], (*path, "podsExpect"), _OUTCOMES)]
        where = self.s.where((*path, "expect") if "expect" in doc else path)
        return Expectation(outcome, pattern, where, pods_outcome if pods else None, check)


def _request(review: dict[str, Any], path: Path, r: Reader) -> Request:
    from kritis_sim.admission.review import parse_admission_review
    from kritis_sim.admission.workloads import Workload, workload_from_admission

    try:
        workload = workload_from_admission(parse_admission_review(review))
    except InputError as exc:
        r.fail(path, f"the deploy's object is not valid: {exc}")
    if not isinstance(workload, Workload):
        r.fail(path, workload.reason)
    return Request(
        kind=workload.kind,
        name=workload.name,
        namespace=workload.namespace,
        service_account=workload.service_account,
        images=workload.images,
        breakglass=bool(workload.breakglass),
        review=review,
    )


def read_events(s: Sections, value: object) -> tuple[Event | WorldEvent, ...]:
    """Read and order-check the ``events`` list.

    Raises:
        ScenarioError: naming the file, line and field of the first problem.
    """
    events = _Events(s)
    for i, item in enumerate(s.reader.sequence(value, ("events",))):
        events.read(item, ("events", i))
    if not any(isinstance(e, Deploy) for e in events.out):
        s.reader.fail(("events",), "a scenario needs at least one deploy (or pipeline) event")
    return tuple(events.out)


def _object_name(doc: Any) -> str | None:
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None
