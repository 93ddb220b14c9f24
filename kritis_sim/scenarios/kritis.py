"""Scenario environments guarded by Kritis resources (``--semantics kritis``).

An environment may name Kritis' own custom resources instead of the
scenario's BinAuthz policy::

    environments:
      prod:
        namespace: shop
        kritis: {file: kritis/prod.yaml}      # or a list of inline resources

The resources are AttestationAuthority, GenericAttestationPolicy,
ImageSecurityPolicy and KritisConfig documents as users ``kubectl apply``
them (:mod:`kritis_sim.model.kritis`, loaded **strictly**: a field Kritis
would silently drop is refused). A resource without a namespace goes to the
environment's namespace. An AttestationAuthority key entry may name a
scenario key of ``algorithm: PGP`` (``{scenarioKey: attestor/key}``): it is
validated with a placeholder PGP key and the world puts the run's generated
key there (base64 of its armor, keyId its fingerprint).

A deploy is judged by :func:`kritis_sim.core.kritis.decide.decide_kritis`
over the world's store: PGP attestations the pipeline signed and the
VULNERABILITY occurrences of its scans. Breakglass is Kritis' annotation
(``kritis.grafeas.io/breakglass``). CV passes use the same judge
(:func:`cv_judge`), so ``cv: {style: kritis-cron}`` marks Pods as Kritis'
cron does. No network I/O and no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from kritis_sim._yaml import Locator, Path, load_documents
from kritis_sim.core.kritis.decide import decide_kritis
from kritis_sim.core.kritis.judge import KritisJudge, as_decision
from kritis_sim.core.kritis.objects import BREAKGLASS, KritisObject
from kritis_sim.core.target import TargetSettings
from kritis_sim.cv.judge import WorkloadJudge
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.grafeas.store import Scan
from kritis_sim.model.decision import Decision
from kritis_sim.model.kritis.load import load_kritis_text
from kritis_sim.model.kritis.resources import KritisResources
from kritis_sim.model.vulnerability import VulnerabilityOccurrence
from kritis_sim.scenarios._reader import relocate
from kritis_sim.scenarios.result import Reply
from kritis_sim.scenarios.schema import Request

if TYPE_CHECKING:
    from kritis_sim.scenarios.keys import KeyFactory
    from kritis_sim.scenarios.schema import AttestorSpec
    from kritis_sim.scenarios.sections import Sections
    from kritis_sim.scenarios.world import World

__all__ = [
    "KritisGuard", "WorldKritisSource", "cv_judge", "key_change_changes_nothing", "kritis_reply",
    "linked_authorities",
    "lists_keys_of", "read_kritis", "resolve", "rotate_authorities",
]

#: The kinds Kritis judges (every other kind is not applicable).
KRITIS_KINDS = ("Pod", "Deployment", "ReplicaSet")


@dataclass(frozen=True, slots=True)
class KritisGuard:
    """The Kritis resources guarding one environment.

    Attributes:
        resources: the validated resources (placeholder keys when ``keyed``).
        documents: the resource documents, set when an AA names scenario keys
            (the world resolves them with :func:`resolve`).
        source: where they were read (for messages).
        namespace: the environment's namespace (the default for resources).
    """

    resources: KritisResources
    documents: tuple[Any, ...] | None
    source: str
    namespace: str


def _names_keys(data: Any) -> bool:
    if isinstance(data, dict):
        return "scenarioKey" in data or any(_names_keys(v) for v in data.values())
    if isinstance(data, list):
        return any(_names_keys(v) for v in data)
    return False


def _load(docs: Sequence[Any], source: str, namespace: str) -> KritisResources:
    text = yaml.safe_dump_all(list(docs), sort_keys=False)
    return load_kritis_text(text, source, default_namespace=namespace, strict=True)


def read_kritis(s: Sections, value: object, path: Path, namespace: str) -> KritisGuard:
    """``kritis: {file: PATH}`` (a file, a directory, or a list of either) or
    ``kritis: [resource, ...]`` of an environment."""
    from kritis_sim.model.kritis.load import load_kritis
    from kritis_sim.scenarios.keys import PGP, kritis_placeholder
    from kritis_sim.scenarios.sections import substitute_keys

    r = s.reader
    docs: list[Any] = []
    texts: list[tuple[str, str]] = []
    if isinstance(value, dict) and set(value) == {"file"}:
        for shown, text in s.read_files(value["file"], (*path, "file")):
            texts.append((text, shown))
            try:
                docs += [d for d, _ in load_documents(text, shown) if d is not None]
            except InputError as exc:
                raise relocate(exc, r.locator, (*path, "file")) from None
        source = ", ".join(shown for _, shown in texts)
        locator = r.locator.child(path)
        if not docs:
            r.fail((*path, "file"), f"{source}: expected at least one Kritis resource "
                   "(AttestationAuthority, GenericAttestationPolicy, ImageSecurityPolicy, KritisConfig)")
    elif isinstance(value, list):
        docs, source, locator = list(value), f"{r.locator.source} ({'.'.join(map(str, path))})", r.locator.child(path)
    else:
        r.fail(path, "expected Kritis resources: {file: PATH} (a file, a directory, or a list "
               "of them) or a list of resource documents")
    if not docs:
        r.fail(path, "expected at least one Kritis resource (AttestationAuthority, "
               "GenericAttestationPolicy, ImageSecurityPolicy, KritisConfig)")

    def placeholder(entry: dict[str, Any], where: Path) -> dict[str, str]:
        ref = entry["scenarioKey"]
        if set(entry) != {"scenarioKey"} or not isinstance(ref, str):
            raise _error(locator, where, "a scenario key reference is {scenarioKey: attestor/key} and nothing else")
        owner, _, name = ref.rpartition("/")
        spec = s.attestors[owner].key(name) if owner in s.attestors else None
        if spec is None:
            keys = ", ".join(str(k.ref) for a in s.attestors.values() for k in a.keys) or "none"
            raise _error(locator, where, f"undefined scenario key {ref!r} (attestor/key); defined: {keys}")
        if spec.algorithm != PGP:
            raise _error(locator, where, f"scenario key {ref!r} is not a PGP key; Kritis verifies "
                         "PGP keys only (give the key algorithm: PGP)")
        return kritis_placeholder(spec)

    keyed = _names_keys(docs)
    try:
        if keyed:
            resources = _load(substitute_keys(docs, placeholder), source, namespace)
        elif texts:
            resources = load_kritis(texts, default_namespace=namespace, strict=True)
        else:
            resources = _load(docs, source, namespace)
    except ScenarioError:
        raise  # already located (a scenario key reference)
    except InputError as exc:
        raise relocate(exc, r.locator, path) from None
    return KritisGuard(resources, tuple(docs) if keyed else None, source, namespace)


def _error(locator: Locator, where: Path, message: str) -> InputError:
    return locator.error(ScenarioError, where, message)


def resolve(guard: KritisGuard, keys: KeyFactory, world: World) -> KritisResources:
    """``guard``'s resources with the run's PGP keys where AAs name scenario keys."""
    if guard.documents is None:
        return guard.resources
    from kritis_sim.scenarios.schema import KeyRef
    from kritis_sim.scenarios.sections import substitute_keys

    def key(entry: dict[str, Any], _where: Path) -> dict[str, str]:
        owner, _, name = str(entry["scenarioKey"]).rpartition("/")
        return world.pgp_keys[KeyRef(owner, name)].kritis_entry()

    return _load(substitute_keys(list(guard.documents), key), guard.source, guard.namespace)


def lists_keys_of(guard: KritisGuard, attestor: AttestorSpec) -> bool:
    """Whether an AttestationAuthority of ``guard`` lists a key of the
    scenario attestor (at load time: a ``scenarioKey`` naming it, or the
    fingerprint of its key file), so that its ``rotateKey``/``revokeKey``
    steps change that AA."""
    from kritis_sim.scenarios.keys import PGP, kritis_placeholder

    fingerprints = {kritis_placeholder(k)["keyId"] for k in attestor.keys if k.algorithm == PGP}
    return any(k.fingerprint in fingerprints for aa in guard.resources.authorities for k in aa.pgp_keys)


def key_change_changes_nothing(s: Sections, attestor: str, verb: str) -> str | None:
    """Why a ``rotateKey``/``revokeKey`` of ``attestor`` would change nothing
    (None when it changes something): in a scenario with Kritis-guarded
    environments, no AA lists one of its keys and no environment is guarded
    by the BinAuthz policy."""
    envs = s.environments.values()
    guards = [e.kritis for e in envs if e.kritis is not None]
    if not guards or any(e.kritis is None and e.platform_policy is None for e in envs):
        return None
    if any(lists_keys_of(g, s.attestors[attestor]) for g in guards):
        return None
    return (
        f"{verb} changes attestor {attestor!r}'s keys, but no AttestationAuthority lists one of "
        f"them (a {{scenarioKey: {attestor}/KEY}} entry, or the key of its key file) and no "
        "environment is guarded by the BinAuthz policy: the step would change nothing"
    )


#: ``(environment, namespace, AA name)`` of the AttestationAuthorities a
#: scenario attestor's keys change.
AuthorityRef = tuple[str, str, str]


def linked_authorities(world: World) -> dict[str, tuple[AuthorityRef, ...]]:
    """For each scenario attestor with PGP keys, the AAs (of every
    Kritis-guarded environment, keys resolved) that list one of its keys (by
    fingerprint): the AAs its ``rotateKey``/``revokeKey`` steps change."""
    out: dict[str, tuple[AuthorityRef, ...]] = {}
    for name in world.scenario.attestors:
        fingerprints = {m.key_id for ref, m in world.pgp_keys.items() if ref.attestor == name}
        out[name] = tuple(
            (env, aa.namespace, aa.name)
            for env, resources in world.kritis.items()
            for aa in resources.authorities
            if any(k.fingerprint in fingerprints for k in aa.pgp_keys)
        )
    return out


def rotate_authorities(world: World, attestor: str, add: Sequence[str], remove: Sequence[str]) -> None:
    """``rotateKey``/``revokeKey`` on the AttestationAuthorities that list the
    attestor's keys: each added PGP key is listed (base64 of its armor, id its
    fingerprint, as Kritis reads it), each removed one is no longer listed."""
    import dataclasses

    from kritis_sim.model.kritis.resources import KritisKey
    from kritis_sim.scenarios.schema import KeyRef

    gone = {world.pgp_keys[KeyRef(attestor, k)].key_id for k in remove if KeyRef(attestor, k) in world.pgp_keys}
    new = [world.pgp_keys[KeyRef(attestor, k)] for k in add if KeyRef(attestor, k) in world.pgp_keys]
    for env, namespace, name in world.kritis_links.get(attestor, ()):
        resources = world.kritis[env]
        authorities = []
        for aa in resources.authorities:
            if (aa.namespace, aa.name) == (namespace, name):
                keys = [k for k in aa.keys if k.fingerprint not in gone]
                keys += [
                    KritisKey("PGP", key_id=m.key_id, fingerprint=m.key_id, armored=m.public)
                    for m in new
                    if all(k.fingerprint != m.key_id for k in keys)
                ]
                aa = dataclasses.replace(aa, keys=tuple(keys))
            authorities.append(aa)
        world.kritis[env] = dataclasses.replace(resources, authorities=tuple(authorities))


class WorldKritisSource:
    """The world's store as Kritis reads it: attestations of the scenario's
    project (:class:`~.world.StoreSource`) and the VULNERABILITY occurrences
    of every project (Kritis asks with no project). Parsed occurrences are
    kept by name (occurrences are created and deleted, never changed)."""

    nonblocking = True

    def __init__(self, world: World) -> None:
        self.world = world
        self._parsed: dict[str, VulnerabilityOccurrence] = {}

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[Any]:
        """Attestations of ``note_name`` for ``resource_url``."""
        return self.world.source.occurrences(resource_url, note_name)

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[VulnerabilityOccurrence]:
        """VULNERABILITY occurrences of ``resource_url`` (scheme optional), any project."""
        url = resource_url if resource_url.startswith("https://") else "https://" + resource_url
        out = []
        for data in self.world.store.list_all("occurrences", Scan(parent=None, resource_uri=url, kind="VULNERABILITY")):
            occ = self._parsed.get(data["name"])
            if occ is None:
                occ = self._parsed[data["name"]] = VulnerabilityOccurrence.from_dict(data)
            out.append(occ)
        return out


def breakglassed(request: Request) -> bool:
    """The reviewed object carries Kritis' breakglass annotation on its own
    metadata (any value; a pod template's annotation does not count)."""
    req = request.review.get("request")
    obj = req.get("object") if isinstance(req, Mapping) else None
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    notes = meta.get("annotations") if isinstance(meta, Mapping) else None
    return isinstance(notes, Mapping) and BREAKGLASS in notes


def decide(world: World, environment: str, request: Request) -> Decision:
    """Kritis' decision on ``request`` in ``environment`` now."""
    target = world.target(environment, request.namespace, request.service_account)
    breakglass = breakglassed(request)
    if request.kind not in KRITIS_KINDS:
        obj = KritisObject("Pod", target.namespace, request.name or "", (), breakglass)
        decision = as_decision(
            decide_kritis(world.kritis[environment], obj, world.kritis_source, world.kritis_source,
                          now=world.clock.now(), cache=world.options.cache)
        )
        import dataclasses

        return dataclasses.replace(
            decision, message=f"{request.kind} is not a kind Kritis inspects (Pod, Deployment, ReplicaSet): admitted"
        )
    obj = KritisObject(request.kind, target.namespace, request.name or "", request.images, breakglass)
    return as_decision(
        decide_kritis(world.kritis[environment], obj, world.kritis_source, world.kritis_source,
                      now=world.clock.now(), cache=world.options.cache)
    )


def kritis_reply(world: World, environment: str, request: Request) -> Reply:
    """The in-process answer of the Kritis resources guarding ``environment``."""
    return Reply.from_decision(request.kind, request.name, decide(world, environment, request))


def cv_judge(world: World, environment: str) -> WorkloadJudge:
    """The CV judge of ``environment``'s Kritis resources as the world stands now."""
    cluster = world.scenario.environments[environment].cluster
    return WorkloadJudge(
        KritisJudge(world.kritis[environment], world.options.cache),
        world.kritis_source,
        TargetSettings(cluster=cluster, trust_domain=None),
    )


