"""The simulated world: clock, keys, attestors, policy and the attestation store.

A :class:`World` is the mutable state a scenario acts on. Attestations are
signed with real keys (:func:`kritis_sim.crypto.sign.make_attestation`) and
kept as Grafeas v1 JSON in the emulator's store
(:class:`kritis_sim.grafeas.memory_store.MemoryStore` by default, or any
:class:`~kritis_sim.grafeas.store.Store`), which the decision reads back
through :class:`StoreSource`, an :class:`~kritis_sim.core.source.AttestationSource`.
Decisions are :func:`kritis_sim.core.decide.decide` at the virtual time.

The world does not interpret events (see :mod:`.simulator`) and does no
network I/O.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.sign import make_attestation, make_pgp_attestation
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.grafeas.memory_store import MemoryStore
from kritis_sim.grafeas.store import Record, Scan, Store
from kritis_sim.model.attestor import Attestor, AttestorPublicKey
from kritis_sim.model.decision import Decision
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy
from kritis_sim.scenarios.clock import VirtualClock
from kritis_sim.scenarios.keys import (
    DEFAULT_FACTORY,
    PGP,
    KeyFactory,
    KeyMaterial,
    PgpMaterial,
)
from kritis_sim.scenarios.schema import KeyRef, Scenario
from kritis_sim.scenarios.world_platform import PlatformState

__all__ = ["StoreSource", "World"]

_KIND = "ATTESTATION"


class StoreSource:
    """Reads ATTESTATION occurrences from an emulator store.

    With ``parent`` (``projects/P``) only that project's occurrences are read,
    through the store's resource index; with None, every project's.

    With ``cached=True`` each ``(resource URL, note)`` answer is kept until
    :meth:`forget` is called for it; the owner must then route every write to
    the store through code that calls :meth:`forget` (as :class:`World` does).
    Parsed occurrences are always cached by name: occurrences are created and
    deleted, never changed in place.
    """

    def __init__(self, store: Store, parent: str | None, *, cached: bool = False) -> None:
        self.store = store
        self.parent = parent
        self.cached = cached
        self._parsed: dict[str, AttestationOccurrence] = {}
        self._answers: dict[tuple[str, str], tuple[AttestationOccurrence, ...]] = {}

    def forget(self, resource_url: str | None = None, note_name: str | None = None) -> None:
        """Drop cached answers: for one pair, or all when called without arguments."""
        if resource_url is None or note_name is None:
            self._answers.clear()
        else:
            self._answers.pop((resource_url, note_name), None)

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[AttestationOccurrence]:
        """See :meth:`kritis_sim.core.source.AttestationSource.occurrences`."""
        if self.cached:
            answer = self._answers.get((resource_url, note_name))
            if answer is not None:
                return answer
        where = Scan(parent=self.parent, resource_uri=resource_url, kind=_KIND)
        out = []
        for data in self.store.list_all("occurrences", where):
            if data.get("noteName") != note_name:
                continue
            name = data["name"]
            occ = self._parsed.get(name)
            if occ is None:
                occ = self._parsed[name] = AttestationOccurrence.from_dict(data)
            out.append(occ)
        answer = tuple(out)
        if self.cached:
            self._answers[(resource_url, note_name)] = answer
        return answer


class World(PlatformState):
    """Mutable simulation state for one scenario run.

    Builds, scans, upload times and platform policies are in
    :class:`~.world_platform.PlatformState`.

    Args:
        scenario: the validated scenario.
        keys: where generated keys come from (share one per run).
        store: the attestation store (a fresh MemoryStore by default).
        cache: a verification cache shared by every decision of this run.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        keys: KeyFactory = DEFAULT_FACTORY,
        store: Store | None = None,
        cache: VerificationCache | None = None,
    ) -> None:
        self.scenario = scenario
        self.clock = VirtualClock(scenario.start)
        self.store: Store = store if store is not None else MemoryStore()
        self.parent = f"projects/{scenario.project}"
        self.source = StoreSource(self.store, self.parent, cached=True)
        self.policy: Policy | None = scenario.policy
        self.keys: dict[KeyRef, KeyMaterial] = {
            spec.ref: keys.material(spec, scenario.name)
            for att in scenario.attestors.values()
            for spec in att.keys
            if spec.algorithm != PGP
        }
        #: OpenPGP keys (``algorithm: PGP``), apart: they sign PGP attestations.
        self.pgp_keys: dict[KeyRef, PgpMaterial] = {
            spec.ref: keys.pgp(spec, scenario.name)
            for att in scenario.attestors.values()
            for spec in att.keys
            if spec.algorithm == PGP
        }
        self.trusted: dict[str, list[str]] = {
            name: [k.ref.key for k in att.keys if k.trusted]
            for name, att in scenario.attestors.items()
        }
        self.options = DecisionOptions(
            check_docker_reference=scenario.check_docker_reference,
            cache=cache if cache is not None else VerificationCache(),
        )
        self._attestors: tuple[Attestor, ...] | None = None
        self._by_name: dict[str, Attestor] | None = None
        self._targets: dict[tuple[str, str | None, str | None], DeployTarget] = {}
        self._seq = 0
        #: Bumped on every change a decision can see (keys, policy, store);
        #: the clock is separate (:attr:`clock`).
        self.generation = 0
        self._init_platform(keys)
        if scenario.occurrences:  # occurrences: {file: ...} (:mod:`.seed`)
            self.store.insert(
                "occurrences", [Record.for_occurrence(self.parent, dict(d)) for d in scenario.occurrences]
            )
        from kritis_sim.scenarios.kritis import WorldKritisSource, resolve

        #: The Kritis resources guarding environments (``kritis:``), keys resolved.
        self.kritis = {
            e.name: resolve(e.kritis, keys, self)
            for e in scenario.environments.values()
            if e.kritis is not None
        }
        self.kritis_source = WorldKritisSource(self)
        from kritis_sim.scenarios.kritis import linked_authorities

        #: The AAs each attestor's key changes apply to (:mod:`.kritis`).
        self.kritis_links = linked_authorities(self)

    # --- attestors and keys ---------------------------------------------------

    def attestors(self) -> tuple[Attestor, ...]:
        """The attestors as they stand now (trusted keys only)."""
        if self._attestors is None:
            self._attestors = tuple(
                Attestor(
                    name=att.resource,
                    note_reference=att.note,
                    public_keys=tuple(self._public_key(KeyRef(name, k)) for k in self.trusted[name]),
                )
                for name, att in self.scenario.attestors.items()
            )
        return self._attestors

    def _public_key(self, ref: KeyRef) -> AttestorPublicKey:
        pgp = self.pgp_keys.get(ref)
        return pgp.public_key() if pgp is not None else self.keys[ref].public_key()

    def attestors_by_name(self) -> Mapping[str, Attestor]:
        """:meth:`attestors` keyed by resource name (what ``decide`` indexes by)."""
        if self._by_name is None:
            self._by_name = {a.name: a for a in self.attestors()}
        return self._by_name

    def policy_and_attestors(self) -> tuple[Policy, Iterable[Attestor]]:
        """The webhook's policy provider."""
        if self.policy is None:
            raise RuntimeError("this scenario has no classic policy")
        return self.policy, self.attestors()

    def change_keys(self, attestor: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        """Trust ``add`` and stop trusting ``remove`` (a rotation or revocation)."""
        trusted = self.trusted[attestor]
        trusted.extend(k for k in add if k not in trusted)
        self.trusted[attestor] = [k for k in trusted if k not in set(remove)]
        if self.kritis:
            from kritis_sim.scenarios.kritis import rotate_authorities

            rotate_authorities(self, attestor, list(add), list(remove))
        self._attestors = None
        self._by_name = None
        self.generation += 1

    def set_policy(self, policy: Policy) -> None:
        """Replace the project policy."""
        self.policy = policy
        self.generation += 1

    # --- attestations ---------------------------------------------------------

    def attest(
        self,
        image: str,
        attestor: str,
        key: KeyRef,
        *,
        payload_image: str | None = None,
        claim_key: KeyRef | None = None,
        age: datetime.timedelta = datetime.timedelta(0),
    ) -> AttestationOccurrence:
        """Sign and store an attestation of ``image`` by ``attestor``.

        Args:
            image: the image the occurrence is filed under.
            attestor: the attestor's scenario name (its note is used).
            key: the signing key.
            payload_image: the image the signed payload names (default ``image``).
            claim_key: the key whose id the signature claims (default ``key``).
            age: back-date the create time by this much.
        """
        note = self.scenario.attestors[attestor].note
        created = self.clock.now() - age
        claimed_id = None
        if claim_key is not None:
            claimed_pgp = self.pgp_keys.get(claim_key)
            claimed_id = claimed_pgp.key_id if claimed_pgp is not None else self.keys[claim_key].key_id
        pgp = self.pgp_keys.get(key)
        if pgp is not None:
            if pgp.secret is None:
                raise ValueError(f"key {key} has no secret key")
            occ = make_pgp_attestation(
                payload_image or image, note, pgp.secret, claimed_id, create_time=created
            )
        else:
            material = self.keys[key]
            if material.private_key is None:
                raise ValueError(f"key {key} has no private key")
            occ = make_attestation(
                payload_image or image,
                note,
                material.private_key,
                material.algorithm,
                claimed_id or material.key_id,
                create_time=created,
            )
        self._seq += 1
        occ = dataclasses.replace(
            occ,
            resource_uri="https://" + image,
            name=f"{self.parent}/occurrences/sim-{self._seq:06d}",
        )
        self.store.insert("occurrences", [Record.for_occurrence(self.parent, occ.to_dict())])
        self.source.forget(occ.resource_uri, occ.note_name)
        self.platform_source.forget()
        self.generation += 1
        return occ

    def delete_attestations(self, image: str, attestor: str) -> int:
        """Delete every attestation of ``image`` by ``attestor``; returns how many."""
        note = self.scenario.attestors[attestor].note
        where = Scan(parent=self.parent, resource_uri="https://" + image, kind=_KIND)
        names = [d["name"] for d in self.store.list_all("occurrences", where) if d.get("noteName") == note]
        for name in names:
            self.store.delete("occurrences", name)
        self.source.forget()
        self.platform_source.forget()
        self.generation += 1
        return len(names)

    def occurrences(self) -> list[dict[str, Any]]:
        """Every stored occurrence (Grafeas JSON), oldest first."""
        return list(self.store.list_all("occurrences", Scan(parent=self.parent)))

    # --- decisions ------------------------------------------------------------

    def target(
        self, environment: str, namespace: str | None = None, service_account: str | None = None
    ) -> DeployTarget:
        """The deploy target in ``environment`` (its namespace and account by default)."""
        key = (environment, namespace, service_account)
        target = self._targets.get(key)
        if target is None:
            env = self.scenario.environments[environment]
            target = self._targets[key] = DeployTarget(
                env.cluster, namespace or env.namespace, service_account or env.service_account
            )
        return target

    def decide(
        self,
        environment: str,
        images: Sequence[str],
        *,
        namespace: str | None = None,
        service_account: str | None = None,
        breakglass: bool = False,
    ) -> Decision:
        """The Core decision for ``images`` deployed to ``environment`` now."""
        if self.policy is None:
            raise RuntimeError("this scenario has no classic policy")
        return decide(
            self.policy,
            self.attestors_by_name(),
            self.source,
            self.target(environment, namespace, service_account),
            images,
            now=self.clock.now(),
            breakglass=breakglass,
            options=self.options,
        )
