"""The conformance suite as pytest tests, one per case.

Run it against any adapter (see docs/conformance.md)::

    pytest --pyargs kritis_sim.conformance.test_suite \\
        --conformance-entrypoint "my-enforcer-adapter" \\
        [--conformance-cases DIR] [--conformance-xfail FILE] [-k NAME]

Cases are ordered by configuration so the adapter is reconfigured as rarely as
possible; one adapter session (with the suite's Grafeas on 127.0.0.1) serves a
whole pytest process. Under pytest-xdist each worker has its own session
(its own Grafeas and adapter instance), and each case is marked
``xdist_group`` by configuration, so ``-n auto --dist loadgroup`` keeps one
configuration's cases on one worker (configured once). A case whose features the adapter lacks is skipped with
the reason; cases listed in the xfail file are strict xfails. The options come
from kritis-sim's pytest plugin. Without ``--conformance-entrypoint`` every
test skips and says so. This module does nothing the runner does not; it only
maps it onto pytest.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path

import pytest

from kritis_sim.conformance.case import CATALOGUE, Case, load_catalogue
from kritis_sim.conformance.runner import judge, load_xfail
from kritis_sim.conformance.session import Session, open_session

_ENTRYPOINT = "--conformance-entrypoint"
_CASES = "--conformance-cases"
_XFAIL = "--conformance-xfail"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One parameter per case, marked xfail(strict) when the xfail file lists it."""
    if "conformance_case" not in metafunc.fixturenames:
        return
    config = metafunc.config
    cases_dir = config.getoption(_CASES) or CATALOGUE
    xfail_file = config.getoption(_XFAIL)
    xfail = load_xfail(xfail_file) if xfail_file else {}
    cases = sorted(
        load_catalogue(Path(cases_dir)), key=lambda c: (c.config_key, c.name)
    )
    grouped = config.pluginmanager.hasplugin("xdist")
    params = []
    for case in cases:
        marks: list[pytest.MarkDecorator] = [
            pytest.mark.xfail(strict=True, reason=reason)
            for glob, reason in xfail.items()
            if fnmatch.fnmatchcase(case.name, glob)
        ][:1]
        if grouped:  # --dist loadgroup: one configuration's cases, one worker
            marks.append(pytest.mark.xdist_group(f"config-{case.config_key[:16]}"))
        params.append(pytest.param(case, id=case.name, marks=marks))
    metafunc.parametrize("conformance_case", params)


@pytest.fixture(scope="session")
def conformance_session(
    pytestconfig: pytest.Config,
) -> Iterator[tuple[Session, frozenset[str]]]:
    """One adapter session for the whole pytest process."""
    entrypoint = pytestconfig.getoption(_ENTRYPOINT)
    if not entrypoint:
        pytest.skip(f"no {_ENTRYPOINT} given: the adapter under test is unknown")
    with open_session(entrypoint) as session:
        yield session


def test_case(
    conformance_case: Case, conformance_session: tuple[Session, frozenset[str]]
) -> None:
    """The adapter's answer to one case agrees with the reference expectation."""
    session, capabilities = conformance_session
    result = judge(session, conformance_case, capabilities, {})
    if result.outcome == "skipped":
        pytest.skip(result.detail)
    if result.outcome != "passed":
        pytest.fail(f"{conformance_case.name}: {result.detail}", pytrace=False)
