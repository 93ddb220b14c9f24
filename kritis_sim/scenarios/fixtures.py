"""Helpers behind the pytest plugin's fixtures, usable without pytest too.

* :class:`AttestationFactory` signs an attestation with
  :func:`kritis_sim.crypto.sign.make_attestation` at the virtual time (or
  back-dated) and files it in an emulator store.
* :class:`LocalEnforcer` decides a workload with the Core against that store at
  the virtual time, the way the webhook would, without HTTP.

Neither owns the store or the clock; the fixtures pass them in.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections.abc import Iterable, Mapping, Sequence

from kritis_sim.core.decide import DecisionOptions, decide
from kritis_sim.core.target import DeployTarget
from kritis_sim.crypto.keys import PrivateKey
from kritis_sim.crypto.sign import make_attestation
from kritis_sim.crypto.verify import VerificationCache
from kritis_sim.grafeas.store import Record, Store
from kritis_sim.model.attestor import Attestor, SignatureAlgorithm
from kritis_sim.model.decision import Decision
from kritis_sim.model.occurrence import AttestationOccurrence
from kritis_sim.model.policy import Policy
from kritis_sim.scenarios.clock import Clock
from kritis_sim.scenarios.world import StoreSource

__all__ = ["AttestationFactory", "LocalEnforcer"]

_COUNTER = itertools.count(1)


class AttestationFactory:
    """Makes signed attestations and stores them.

    Args:
        store: where occurrences are filed.
        clock: gives each occurrence's create time.
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def __call__(
        self,
        image: str,
        attestor: Attestor | str,
        private_key: PrivateKey,
        alg: SignatureAlgorithm | str = SignatureAlgorithm.ECDSA_P256_SHA256,
        *,
        key_id: str | None = None,
        age: datetime.timedelta | None = None,
    ) -> AttestationOccurrence:
        """Sign ``image`` for ``attestor`` (an Attestor or a note name) and store it.

        Args:
            image: ``registry/repo@sha256:...``.
            attestor: the attestor, or its note ``projects/P/notes/N``.
            private_key: the signing key.
            alg: the signature algorithm (name or member).
            key_id: the key id the signature claims (default: the RFC 6920 id).
            age: back-date the create time by this much.
        """
        note = attestor.note_reference if isinstance(attestor, Attestor) else attestor
        algorithm = alg if isinstance(alg, SignatureAlgorithm) else SignatureAlgorithm.parse(alg)
        created = self.clock.now() - (age or datetime.timedelta(0))
        occ = make_attestation(image, note, private_key, algorithm, key_id, create_time=created)
        parent = "/".join(note.split("/")[:2])
        occ = dataclasses.replace(occ, name=f"{parent}/occurrences/fixture-{next(_COUNTER):06d}")
        self.store.insert("occurrences", [Record.for_occurrence(parent, occ.to_dict())])
        return occ


class LocalEnforcer:
    """Decides workloads with the Core against a store at the virtual time."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.source = StoreSource(store, None)
        self.clock = clock
        self.cache = VerificationCache()

    def __call__(
        self,
        policy: Policy,
        attestors: Mapping[str, Attestor] | Iterable[Attestor],
        images: Sequence[str],
        *,
        cluster: str | None = None,
        namespace: str = "default",
        service_account: str = "default",
        breakglass: bool = False,
    ) -> Decision:
        """The decision for ``images`` on the given target, now."""
        return decide(
            policy,
            attestors,
            self.source,
            DeployTarget(cluster, namespace, service_account),
            images,
            now=self.clock.now(),
            breakglass=breakglass,
            options=DecisionOptions(cache=self.cache),
        )
