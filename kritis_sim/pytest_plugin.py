"""pytest plugin (``pytest11`` entry point ``kritis_sim``): scenarios as tests.

* Collects scenario files matching the ini option ``kritis_sim_scenarios``
  (glob(s) relative to the rootdir; default ``scenarios/**/*.yaml``). Each
  deploy event becomes a test item named ``<scenario>/<deploy>``, each CV
  expectation (``expect`` event) one named ``<scenario>/line N: <label>``, and
  the pipeline expectation ``expect.reached`` one more. A scenario is simulated
  once per process, when its first item runs, so items work under
  pytest-xdist (each worker simulates the scenarios it was given; with
  ``--dist loadgroup`` a scenario's items share one worker, marked
  ``xdist_group``).
* A failed expectation reports the scenario file and line, the expected and
  actual outcome and the decision's reasons; a malformed scenario is a
  collection error naming file, line and field.
* ``--kritis-sim-via webhook`` sends deploys to the real webhook over HTTPS.
* Files a scenario names must resolve inside its own directory, or inside the
  root given by ``--kritis-sim-root DIR`` or the ini option
  ``kritis_sim_scenario_root`` (relative to the rootdir).
* ``--conformance-entrypoint`` / ``--conformance-cases`` / ``--conformance-xfail``
  configure the conformance suite run as pytest
  (``pytest --pyargs kritis_sim.conformance.test_suite``).
* Fixtures for users' own tests: ``kritis_keys``, ``kritis_clock``,
  ``kritis_now``, ``grafeas_store``, ``make_attestation``, ``kritis_enforcer``.

Only pytest and the standard library are imported at module level, so loading
the plugin costs nothing for test runs that do not use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kritis_sim.grafeas.store import Store
    from kritis_sim.scenarios.clock import VirtualClock
    from kritis_sim.scenarios.fixtures import AttestationFactory, LocalEnforcer
    from kritis_sim.scenarios.keys import KeyFactory
    from kritis_sim.scenarios.result import ScenarioResult
    from kritis_sim.scenarios.schema import Deploy, Scenario

GLOB_INI = "kritis_sim_scenarios"
DEFAULT_GLOB = "scenarios/**/*.yaml"
VIA_OPTION = "--kritis-sim-via"
ROOT_INI = "kritis_sim_scenario_root"
ROOT_OPTION = "--kritis-sim-root"
CONFORMANCE_ENTRYPOINT = "--conformance-entrypoint"
CONFORMANCE_CASES = "--conformance-cases"
CONFORMANCE_XFAIL = "--conformance-xfail"
_WEBHOOK = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the glob ini option and ``--kritis-sim-via``."""
    parser.addini(
        GLOB_INI,
        "globs (relative to the rootdir) of kritis-sim scenario files to collect",
        type="linelist",
        default=[DEFAULT_GLOB],
    )
    parser.addini(
        ROOT_INI,
        "directory (relative to the rootdir) every file a kritis-sim scenario names must "
        "resolve inside (default: each scenario file's own directory)",
        default="",
    )
    group = parser.getgroup("kritis-sim")
    group.addoption(
        ROOT_OPTION,
        metavar="DIR",
        help="directory every file a kritis-sim scenario names must resolve inside "
        f"(overrides the ini option {ROOT_INI}; default: each scenario file's own directory)",
    )
    group.addoption(
        VIA_OPTION,
        choices=("inprocess", "webhook"),
        default="inprocess",
        help="decide scenario deploys in-process (default) or via the webhook over HTTPS",
    )
    group.addoption(
        CONFORMANCE_ENTRYPOINT,
        metavar="COMMAND LINE",
        help="run kritis_sim.conformance.test_suite against this adapter "
        "(pytest --pyargs kritis_sim.conformance.test_suite --conformance-entrypoint ...)",
    )
    group.addoption(
        CONFORMANCE_CASES,
        metavar="DIR",
        help="conformance case catalogue (default: the bundled one)",
    )
    group.addoption(
        CONFORMANCE_XFAIL,
        metavar="FILE",
        help="strict expected-failure list: one case-name glob per line, '# reason' optional",
    )


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _wanted(path: Path, config: pytest.Config) -> bool:
    try:
        rel = path.resolve().relative_to(config.rootpath.resolve()).as_posix()
    except ValueError:
        return False
    return any(_glob_regex(g).fullmatch(rel) for g in config.getini(GLOB_INI))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect scenario files matching the configured globs."""
    if file_path.suffix not in (".yaml", ".yml") or not _wanted(file_path, parent.config):
        return None
    from kritis_sim.scenarios.runner import is_scenario_file

    if not is_scenario_file(file_path):
        return None
    file: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
    return file


class ScenarioExpectationError(Exception):
    """A scenario expectation that does not hold (rendered without traceback)."""


class ScenarioFile(pytest.File):
    """One scenario file; simulates its scenario once, on first demand."""

    scenario: Scenario | None = None
    _result: ScenarioResult | None = None

    def collect(self) -> Iterator[pytest.Item]:
        """One item per deploy event and per ``expect`` event (CV), plus one for
        ``expect.reached``."""
        from kritis_sim.scenarios.loader import load_scenario_file
        from kritis_sim.scenarios.schema_world import CvExpect

        self.scenario = load_scenario_file(self.path, root=_scenario_root(self.config))
        _check_targets(self.scenario)
        items: list[pytest.Item] = []
        for index, deploy in enumerate(self.scenario.deploys):
            items.append(
                DeployItem.from_parent(
                    self, name=f"{self.scenario.name}/{deploy.label}", index=index, deploy=deploy
                )
            )
        expects = [e for e in self.scenario.events if isinstance(e, CvExpect)]
        for index, expect in enumerate(expects):
            items.append(
                ExpectItem.from_parent(
                    self,
                    name=f"{self.scenario.name}/line {expect.where.line}: {expect.label}",
                    index=index,
                    line=expect.where.line or 1,
                )
            )
        if self.scenario.reached is not None:
            items.append(
                ReachedItem.from_parent(self, name=f"{self.scenario.name}/expect.reached")
            )
        if self.config.pluginmanager.hasplugin("xdist"):
            # --dist loadgroup keeps a scenario's items on one worker, which
            # then simulates it once (the mark exists only with pytest-xdist).
            for item in items:
                item.add_marker(pytest.mark.xdist_group(f"scenario:{self.path}"))
        yield from items

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        """A malformed scenario shows ``file:line: field: message`` only."""
        from kritis_sim.errors import ScenarioError

        if isinstance(excinfo.value, ScenarioError):
            return f"malformed scenario: {excinfo.value}"
        return super().repr_failure(excinfo)

    def result(self) -> ScenarioResult:
        """The simulation of this file's scenario (run once per process)."""
        if self._result is None:
            from kritis_sim.scenarios.simulator import simulate

            assert self.scenario is not None
            via = self.config.getoption(VIA_OPTION)
            deployer = _webhook(self.config) if via == "webhook" else None
            self._result = simulate(self.scenario, deployer=deployer, via=via)
        return self._result


def _check_targets(scenario: Scenario) -> None:
    """Refuse a scenario whose environments lack the deploy target its policy
    needs (see :func:`kritis_sim.cli.target.check_scenario_targets`)."""
    from kritis_sim.cli.target import check_scenario_targets

    check_scenario_targets(scenario)


def _scenario_root(config: pytest.Config) -> Path | None:
    option = config.getoption(ROOT_OPTION)
    if option:
        return Path(option)
    ini = str(config.getini(ROOT_INI) or "")
    return config.rootpath / ini if ini else None


def _webhook(config: pytest.Config) -> Any:
    hook = config.stash.get(_WEBHOOK, None)
    if hook is None:
        from kritis_sim.scenarios.webhook import ViaWebhook

        hook = ViaWebhook().__enter__()
        config.stash[_WEBHOOK] = hook
    return hook


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop webhook servers started for ``--kritis-sim-via webhook``."""
    hook = config.stash.get(_WEBHOOK, None)
    if hook is not None:
        hook.__exit__(None, None, None)


class _ScenarioItem(pytest.Item):
    @property
    def file(self) -> ScenarioFile:
        parent = self.parent
        assert isinstance(parent, ScenarioFile)
        return parent

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        """Expectation failures show where, expected vs actual, and reasons."""
        if isinstance(excinfo.value, ScenarioExpectationError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class DeployItem(_ScenarioItem):
    """One deploy event of a scenario and its expectation."""

    def __init__(self, *, index: int, deploy: Deploy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.deploy = deploy

    def runtest(self) -> None:
        """Fail when the deploy's expectation does not hold."""
        result = self.file.result().deploys[self.index]
        if not result.ok:
            raise ScenarioExpectationError(result.explain())

    def reportinfo(self) -> tuple[Path, int, str]:
        """Point at the deploy's line in the scenario file."""
        return self.path, (self.deploy.where.line or 1) - 1, self.name


class ExpectItem(_ScenarioItem):
    """One ``expect`` event of a scenario (a CV expectation at a time)."""

    def __init__(self, *, index: int, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.line = line

    def runtest(self) -> None:
        """Fail when the expectation does not hold."""
        entry = self.file.result().expectations[self.index]
        if not entry.ok:
            raise ScenarioExpectationError(entry.explain())

    def reportinfo(self) -> tuple[Path, int, str]:
        """Point at the expectation's line in the scenario file."""
        return self.path, self.line - 1, self.name


class ReachedItem(_ScenarioItem):
    """The scenario's pipeline expectation: which artifacts reached where."""

    def runtest(self) -> None:
        """Fail when an artifact reached other environments than expected."""
        result = self.file.result()
        if result.reached_failures:
            where = result.scenario.reached.where if result.scenario.reached else result.scenario.where
            raise ScenarioExpectationError("\n".join(f"{where}: {f}" for f in result.reached_failures))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Point at the ``expect`` section."""
        scenario = self.file.scenario
        line = scenario.reached.where.line if scenario and scenario.reached else 1
        return self.path, (line or 1) - 1, self.name


# --- fixtures for users' own tests -------------------------------------------------


@pytest.fixture(scope="session")
def kritis_keys() -> KeyFactory:
    """A key factory for the whole session: ``kritis_keys.private_key(label, alg)``."""
    from kritis_sim.scenarios.keys import DEFAULT_FACTORY

    return DEFAULT_FACTORY


@pytest.fixture
def kritis_clock() -> VirtualClock:
    """A virtual clock at 2024-05-01T09:00:00Z; override to start elsewhere."""
    from kritis_sim.scenarios.clock import VirtualClock
    from kritis_sim.scenarios.loader import DEFAULT_START

    return VirtualClock(DEFAULT_START)


@pytest.fixture
def kritis_now(kritis_clock: VirtualClock) -> Any:
    """The virtual clock's current instant."""
    return kritis_clock.now()


@pytest.fixture
def grafeas_store() -> Iterator[Store]:
    """A fresh in-memory emulator store."""
    from kritis_sim.grafeas.memory_store import MemoryStore

    store = MemoryStore()
    yield store
    store.close()


@pytest.fixture
def make_attestation(grafeas_store: Store, kritis_clock: VirtualClock) -> AttestationFactory:
    """``make_attestation(image, attestor, private_key, alg=..., age=None)``: sign and store."""
    from kritis_sim.scenarios.fixtures import AttestationFactory

    return AttestationFactory(grafeas_store, kritis_clock)


@pytest.fixture
def kritis_enforcer(grafeas_store: Store, kritis_clock: VirtualClock) -> LocalEnforcer:
    """``kritis_enforcer(policy, attestors, images, cluster=..., ...) -> Decision``.

    The deploy target is never guessed: with a policy that has
    clusterAdmissionRules, ``cluster=`` must be given (``"LOCATION.NAME"``, or
    ``"none"`` for a cluster the policy does not name), else InputError.
    """
    from kritis_sim.cli.target import resolve_target
    from kritis_sim.scenarios.fixtures import LocalEnforcer

    class CheckedEnforcer(LocalEnforcer):
        def __call__(self, policy: Any, attestors: Any, images: Any, **kwargs: Any) -> Any:
            target = resolve_target(
                policy, kwargs.pop("cluster", None), None, cluster_flag="cluster="
            )
            return super().__call__(policy, attestors, images, cluster=target.cluster, **kwargs)

    return CheckedEnforcer(grafeas_store, kritis_clock)
