"""Check one PKIX signature against one attestor key, and cache the answers.

Verification rules (``docs/signatures.md`` explains them):

- The signature covers the **exact** bytes given (the occurrence's
  ``serializedPayload``); nothing is parsed or re-serialised first.
- The algorithm is the one the attestor **declares** for the key
  (``PkixPublicKey.signature_algorithm``). Nothing in the signature or the
  occurrence can choose another algorithm, hash or padding.
- A key that does not fit its declared algorithm (RSA key for an ECDSA
  algorithm, wrong curve, RSA modulus of another size) verifies nothing.
- RSA-PSS accepts any salt length (``PSS.AUTO``): Binary Authorization and
  Kritis verify that way, and Kritis itself signs with the maximum salt.
- ECDSA signatures are DER; a raw ``r || s`` signature does not verify.
- Garbage (bad DER, wrong length, an unloadable key, an unsupported algorithm)
  is a ``False`` result with a reason, never an exception.

:class:`VerificationCache` memoises results keyed on every input byte, so a
hit can only repeat an answer computed for exactly the same payload, signature,
key PEM and algorithm; it can never turn unverified data into an allow.
:class:`PublicKeyCache` memoises parsed keys by PEM text; the module-level
functions share one bounded, process-wide instance (it holds only parsed public
keys, so sharing it cannot change any result).

This module does not look keys up by id, parse payloads or compare digests;
the decision core does that with these results.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kritis_sim.crypto.algorithms import spec
from kritis_sim.crypto.keys import (
    PublicKey,
    default_key_id,
    key_mismatch,
    load_public_key,
)
from kritis_sim.errors import KeyFormatError
from kritis_sim.model.attestor import PkixPublicKey, SignatureAlgorithm

__all__ = [
    "PublicKeyCache",
    "VerificationCache",
    "VerificationResult",
    "verify_signature",
    "verify_signature_detail",
]

K = TypeVar("K")
V = TypeVar("V")


class _LRU(Generic[K, V]):
    """A bounded, thread-safe least-recently-used map."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"cache size must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                del self._data[next(iter(self._data))]  # the least recently used

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of one signature check; truthy when it verified.

    Attributes:
        verified: whether the signature verified.
        reason: what happened, naming the key and algorithm.
    """

    verified: bool
    reason: str

    def __bool__(self) -> bool:
        return self.verified


class PublicKeyCache:
    """Parsed public keys by exact PEM text (loading PEM is comparatively slow).

    Only successfully loaded keys are kept; a bad PEM is re-checked (and
    refused) every time.
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self._lru: _LRU[str, PublicKey] = _LRU(maxsize)

    def load(self, pem: str) -> PublicKey:
        """The key in ``pem``, from the cache when seen before.

        Raises:
            KeyFormatError: as :func:`~kritis_sim.crypto.keys.load_public_key`.
        """
        key = self._lru.get(pem)
        if key is None:
            key = load_public_key(pem)
            self._lru.put(pem, key)
        return key

    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        """Forget every parsed key and prepared verifier."""
        self._lru.clear()
        self._verifiers.clear()

    def verifier(self, pem: str, algorithm: SignatureAlgorithm) -> _Verifier:
        """A ready-to-use check for ``pem`` under ``algorithm`` (memoised):
        the key loaded, fitted to the algorithm, hash and padding built once."""
        found = self._verifiers.get((pem, algorithm))
        if found is None:
            found = _prepare(self, pem, algorithm)
            self._verifiers.put((pem, algorithm), found)
        return found

    @functools.cached_property
    def _verifiers(self) -> _LRU[tuple[str, SignatureAlgorithm], _Verifier]:
        return _LRU(self._lru.maxsize)


@dataclass(frozen=True, slots=True)
class _Verifier:
    """Either a key with its verification arguments (``check``), or ``problem``:
    why it cannot verify, as text built from the key's label."""

    check: Callable[[bytes, bytes], None] | None
    problem: Callable[[str], str] | None = None


def _prepare(
    cache: PublicKeyCache, pem: str, algorithm: SignatureAlgorithm
) -> _Verifier:
    try:
        alg_spec = spec(algorithm)
    except KeyFormatError as exc:
        reason = exc.message
        return _Verifier(None, lambda label: f"key {label} cannot verify: {reason}")
    try:
        public = cache.load(pem)
    except KeyFormatError as exc:
        reason = exc.message
        return _Verifier(None, lambda label: f"key {label} cannot be loaded: {reason}")
    mismatch = key_mismatch(alg_spec.algorithm, public)
    if mismatch is not None:
        return _Verifier(None, lambda label: f"{mismatch}; key id {label}")
    # key_mismatch has passed: the key is of the declared algorithm's type.
    if isinstance(public, ec.EllipticCurvePublicKey):
        ecdsa = ec.ECDSA(alg_spec.hash_algorithm())
        ec_key = public

        def check_ec(signature: bytes, data: bytes) -> None:
            ec_key.verify(signature, data, ecdsa)

        return _Verifier(check_ec)
    assert isinstance(public, rsa.RSAPublicKey)  # load_public_key: EC or RSA only
    pad, digest = alg_spec.rsa_padding(verifying=True), alg_spec.hash_algorithm()
    rsa_key = public

    def check_rsa(signature: bytes, data: bytes) -> None:
        rsa_key.verify(signature, data, pad, digest)

    return _Verifier(check_rsa)


_DEFAULT_KEYS = PublicKeyCache()


def _load_pem_label(pem: str) -> str:
    try:
        return default_key_id(pem)
    except KeyFormatError:
        return "<unloadable key>"


#: Memoised by assignment, not by decorator, so mutation testing mutates the body.
_pem_label = functools.lru_cache(maxsize=4096)(_load_pem_label)


def _key_label(pkix: PkixPublicKey) -> str:
    return pkix.key_id or _pem_label(pkix.public_key_pem)


def verify_signature_detail(
    key: PkixPublicKey,
    data: bytes,
    signature: bytes,
    *,
    key_cache: PublicKeyCache | None = None,
) -> VerificationResult:
    """Verify ``signature`` over ``data`` with ``key`` and say why it did or did not.

    Never raises for bad signatures, bad keys or unsupported algorithms: each
    is a ``False`` result whose reason explains it.
    """
    prepared = (_DEFAULT_KEYS if key_cache is None else key_cache).verifier(
        key.public_key_pem, key.signature_algorithm
    )
    if prepared.check is None:
        assert prepared.problem is not None
        return VerificationResult(False, prepared.problem(_key_label(key)))
    try:
        prepared.check(signature, data)
    except (InvalidSignature, ValueError, OverflowError):
        return VerificationResult(
            False,
            f"signature does not verify with key {_key_label(key)} "
            f"({key.signature_algorithm.value})",
        )
    return VerificationResult(
        True,
        f"signature verifies with key {_key_label(key)} ({key.signature_algorithm.value})",
    )


def verify_signature(key: PkixPublicKey, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over the exact ``data`` verifies with ``key``.

    Uses only the key's declared algorithm; never raises for bad signatures.
    """
    return verify_signature_detail(key, data, signature).verified


class VerificationCache:
    """Bounded, thread-safe memo of verification results.

    The cache key is the full tuple ``(public key PEM, algorithm, key id,
    data, signature)``; Python compares every byte on lookup, so a hit can only
    return the result earlier computed for identical inputs. The memo is
    :func:`functools.lru_cache` (least recently used dropped first): its C
    implementation keeps a hit, paid on every signature of every warm
    decision, to a fraction of a microsecond.

    Args:
        maxsize: most results kept (least recently used are dropped).
        key_cache: parsed-key cache to use; the process-wide one by default.
    """

    def __init__(
        self, maxsize: int = 100_000, key_cache: PublicKeyCache | None = None
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"cache size must be at least 1, got {maxsize}")
        # Parsed keys are shared process-wide by default: keys are configuration.
        self.key_cache = _DEFAULT_KEYS if key_cache is None else key_cache
        self._results = functools.lru_cache(maxsize=maxsize)(self._compute)
        #: Judgements a caller derives from these results (the decision core
        #: keeps per-attestor outcomes here, see ``core.attestations``). They
        #: live and die with this cache: a new cache starts cold, and
        #: :meth:`clear` forgets them too.
        self.judgements: dict[Any, Any] = {}

    def _compute(
        self,
        pem: str,
        algorithm: SignatureAlgorithm,
        key_id: str | None,
        data: bytes,
        signature: bytes,
    ) -> VerificationResult:
        key = PkixPublicKey(pem, algorithm, key_id)
        return verify_signature_detail(key, data, signature, key_cache=self.key_cache)

    def verify_detail(
        self, key: PkixPublicKey, data: bytes, signature: bytes
    ) -> VerificationResult:
        """Like :func:`verify_signature_detail`, memoised."""
        return self._results(
            key.public_key_pem,
            key.signature_algorithm,
            key.key_id,
            bytes(data),
            bytes(signature),
        )

    def verify(self, key: PkixPublicKey, data: bytes, signature: bytes) -> bool:
        """Like :func:`verify_signature`, memoised."""
        return self.verify_detail(key, data, signature).verified

    @property
    def hits(self) -> int:
        """Lookups answered from the cache."""
        return self._results.cache_info().hits

    @property
    def misses(self) -> int:
        """Lookups that had to verify."""
        return self._results.cache_info().misses

    def clear(self) -> None:
        """Forget every result (and the hit/miss counts) and every judgement."""
        self._results.cache_clear()
        self.judgements.clear()

    def __len__(self) -> int:
        return self._results.cache_info().currsize
