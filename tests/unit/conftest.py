"""Unit-test configuration: decision-core memo caches start empty in every test.

The decision cores memoise pure results (``functools.lru_cache`` on module
functions, module-level memo dicts). Within one test that is harmless, but a
value cached by an earlier test - or, under mutation testing in fork mode, by
mutmut's clean run before it forks a worker - would hide a changed behaviour
from every later test. The autouse fixture below clears every such cache of
the modules under ``kritis_sim.core``, ``kritis_sim.model`` and
``kritis_sim.crypto`` before each unit test (docs/mutation.md). Clearing costs
microseconds; tests that need a warm cache warm it themselves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

#: Packages whose memo caches are cleared before each unit test.
_CLEARED_PACKAGES = ("kritis_sim.core", "kritis_sim.model", "kritis_sim.crypto")
#: Module-level memos (module attribute names) cleared with the caches: dicts,
#: and crypto.verify's process-wide PublicKeyCache (parsed keys, prepared verifiers).
_MEMO_DICTS = ("_REFS", "_MEMO", "_DEFAULT_KEYS")


#: (number of modules loaded, the caches found) from the last scan.
_found: tuple[int, tuple[object, ...]] = (0, ())


def _caches() -> tuple[object, ...]:
    """The caches of the loaded decision-core modules (rescanned when a module
    has been imported since the last scan)."""
    global _found
    if _found[0] == len(sys.modules):
        return _found[1]
    found: list[object] = []
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(_CLEARED_PACKAGES):
            continue
        for attr, value in list(vars(module).items()):
            if callable(getattr(value, "cache_clear", None)) or (
                attr in _MEMO_DICTS and callable(getattr(value, "clear", None))
            ):
                found.append(value)
    _found = (len(sys.modules), tuple(found))
    return _found[1]


def clear_decision_caches() -> int:
    """Empty every lru_cache and memo dict of the decision-core modules loaded.

    Returns how many caches were cleared.
    """
    caches = _caches()
    for cache in caches:
        if callable(getattr(cache, "cache_clear", None)):
            cache.cache_clear()  # type: ignore[attr-defined]
        else:
            cache.clear()  # type: ignore[attr-defined]
    return len(caches)


@pytest.fixture(autouse=True)
def _empty_decision_caches() -> Iterator[None]:
    clear_decision_caches()
    yield
