"""The declared world of a scenario, shared by the section and event readers.

:class:`Sections` holds what the loader has read so far (environments,
attestors, stages, artifacts) and the helpers every reader needs: locating a
field, resolving a defined name, reading a policy (inline or ``{file: ...}``,
with attestor short names expanded) and reading a file the scenario names,
confined to the scenario's root (:mod:`.files`). It reads no section itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, NoReturn

from kritis_sim._yaml import Locator, Path, load_one
from kritis_sim.errors import InputError, ScenarioError
from kritis_sim.model.platform.policy import PlatformPolicy
from kritis_sim.model.policy import Policy
from kritis_sim.scenarios._reader import Reader, relocate
from kritis_sim.scenarios.files import FileRefused, confined_directory, read_confined
from kritis_sim.scenarios.schema import (
    Artifact,
    AttestorSpec,
    Environment,
    Stage,
    Where,
)
from kritis_sim.scenarios.schema_world import BuilderSpec, KeyedPolicy

__all__ = ["Sections"]

_RULE_MAPS = (
    "clusterAdmissionRules",
    "kubernetesNamespaceAdmissionRules",
    "kubernetesServiceAccountAdmissionRules",
    "istioServiceIdentityAdmissionRules",
)

@dataclass
class Sections:
    """The declared world, shared with the events reader."""

    reader: Reader
    name: str
    project: str
    base_dir: FsPath
    environments: dict[str, Environment]
    attestors: dict[str, AttestorSpec]
    stages: tuple[Stage, ...]
    artifacts: dict[str, Artifact]
    root: FsPath
    builders: dict[str, BuilderSpec] = field(default_factory=dict)

    def where(self, path: Path) -> Where:
        """``file:line`` of ``path``."""
        return Where(self.reader.locator.source, self.reader.line(path))

    def read_file(self, value: object, path: Path) -> tuple[str, str]:
        """``(display name, text)`` of a file named relative to the scenario.

        The name must resolve inside :attr:`root` to a regular file within the
        size limit (see :mod:`.files`); nothing is read before that is checked.
        """
        rel = self.reader.string(value, path)
        try:
            full, text = read_confined(rel, self.base_dir, self.root)
        except FileRefused as exc:
            self.reader.fail(path, str(exc))
        return os.fspath(full), text

    def read_files(
        self, value: object, path: Path, suffixes: tuple[str, ...] = (".yaml", ".yml", ".json")
    ) -> list[tuple[str, str]]:
        """``(display name, text)`` of each file ``value`` names: a file, a
        directory (its files with ``suffixes``, sorted; none is an error) or a
        non-empty list of either, each confined as :meth:`read_file` does."""
        r = self.reader
        if isinstance(value, list):
            if not value:
                r.fail(path, "expected a file or directory name, or a non-empty list of them")
            items: list[tuple[object, Path]] = [(v, (*path, i)) for i, v in enumerate(value)]
        else:
            items = [(value, path)]
        out: list[tuple[str, str]] = []
        for item, where in items:
            name = r.string(item, where)
            try:
                listed = confined_directory(name, self.base_dir, self.root, suffixes)
            except FileRefused as exc:
                r.fail(where, str(exc))
            for one in listed if listed is not None else [name]:
                out.append(self.read_file(one, where))
        return out

    def _inline_or_file(
        self, value: object, path: Path, known: Collection[str], what: str
    ) -> tuple[Any, Locator]:
        """A document given inline (a mapping with the ``known`` keys) or as
        ``{file: path}`` (read with :meth:`read_file`), and the locator of its
        fields; a parse error in the file is located at ``path`` too."""
        r = self.reader
        if isinstance(value, dict) and set(value) == {"file"}:
            source, text = self.read_file(value["file"], (*path, "file"))
            try:
                return load_one(text, source)
            except InputError as exc:
                raise relocate(exc, r.locator, path) from None
        r.mapping(value, path, known=known, what=f"{what} (or {{file: ...}})")
        return value, r.locator.child(path)

    def policy(self, value: object, path: Path) -> Policy:
        """An inline policy, or ``{file: path}``; attestor short names expand."""
        r = self.reader
        data, locator = self._inline_or_file(value, path, _POLICY_KEYS, "a Policy")
        data = self._expand_attestors(data, locator)
        try:
            return Policy.from_dict(data, locator=locator)
        except InputError as exc:
            raise relocate(exc, r.locator, path) from None

    def platform_policy(self, value: object, path: Path) -> PlatformPolicy:
        """An inline platform policy, or ``{file: path}``; it must hold a
        ``gkePolicy`` (see :meth:`keyed_platform_policy` for scenario keys)."""
        return self.keyed_platform_policy(value, path)[0]

    def keyed_platform_policy(
        self, value: object, path: Path
    ) -> tuple[PlatformPolicy, KeyedPolicy | None]:
        """A platform policy, and the document to resolve when its
        ``pkixPublicKeys`` name scenario keys (``{scenarioKey: attestor/key}``).

        Such a policy is validated with placeholder keys of the same
        algorithms; the world puts the run's generated keys in their place.
        """
        from kritis_sim.model.platform.policy import PlatformPolicy

        r = self.reader
        data, locator = self._inline_or_file(value, path, _PLATFORM_KEYS, "a platform policy")
        keyed = None
        if _names_keys(data):
            keyed = KeyedPolicy(data, locator)
            data = substitute_keys(data, lambda entry, where: self._placeholder(entry, locator, where))
        try:
            policy = PlatformPolicy.from_dict(data, locator=locator)
        except InputError as exc:
            raise relocate(exc, r.locator, path) from None
        if policy.gke_policy is None:
            r.fail(path, "a scenario environment needs a platform policy with a gkePolicy")
        return policy, keyed

    def _placeholder(self, entry: dict[str, Any], locator: Locator, where: Path) -> dict[str, str]:
        ref = entry["scenarioKey"]
        if set(entry) != {"scenarioKey"} or not isinstance(ref, str):
            raise locator.error(
                ScenarioError, where,
                "a scenario key reference is {scenarioKey: attestor/key} and nothing else",
            )
        owner, _, name = ref.rpartition("/")
        spec = self.attestors[owner].key(name) if owner in self.attestors else None
        if spec is None:
            keys = ", ".join(str(k.ref) for a in self.attestors.values() for k in a.keys) or "none"
            raise locator.error(
                ScenarioError, where, f"undefined scenario key {ref!r} (attestor/key); defined: {keys}"
            )
        from kritis_sim.scenarios.keys import PGP, placeholder

        if spec.algorithm == PGP:
            raise locator.error(
                ScenarioError, where, f"scenario key {ref!r} is a PGP key; a platform policy takes PKIX keys"
            )
        return placeholder(spec)

    def _expand_attestors(self, data: Any, locator: Locator) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        rules: list[tuple[Path, Any]] = [(("defaultAdmissionRule",), out.get("defaultAdmissionRule"))]
        for key in _RULE_MAPS:
            if isinstance(out.get(key), dict):
                out[key] = dict(out[key])
                rules += [((key, k), v) for k, v in out[key].items()]
        resources = {a.resource: a for a in self.attestors.values()}
        for rpath, rule in rules:
            if not isinstance(rule, dict) or not isinstance(rule.get("requireAttestationsBy"), list):
                continue
            names = []
            for i, item in enumerate(rule["requireAttestationsBy"]):
                if isinstance(item, str) and item in self.attestors:
                    item = self.attestors[item].resource
                elif isinstance(item, str) and item not in resources:
                    raise locator.error(
                        ScenarioError,
                        (*rpath, "requireAttestationsBy", i),
                        f"undefined attestor {item!r}; the scenario defines "
                        + (", ".join(sorted(self.attestors)) or "none"),
                    )
                names.append(item)
            rule = {**rule, "requireAttestationsBy": names}
            if len(rpath) == 1:
                out[rpath[0]] = rule
            else:
                out[rpath[0]][rpath[1]] = rule
        return out

    def stage(self, value: object, path: Path) -> Stage:
        """A defined stage, by name."""
        name = self.reader.string(value, path)
        for stage in self.stages:
            if stage.name == name:
                return stage
        self._undefined(path, "stage", name, [s.name for s in self.stages])

    def defined(self, value: object, path: Path, what: str, table: Mapping[str, Any]) -> str:
        """A name defined in ``table``."""
        name = self.reader.string(value, path)
        if name not in table:
            self._undefined(path, what, name, list(table))
        return name

    def _undefined(self, path: Path, what: str, name: str, known: list[str]) -> NoReturn:
        self.reader.fail(
            path, f"undefined {what} {name!r}; defined: {', '.join(sorted(known)) or 'none'}"
        )


_POLICY_KEYS = (
    "name", "description", "globalPolicyEvaluationMode", "admissionWhitelistPatterns",
    "defaultAdmissionRule", *_RULE_MAPS, "etag", "updateTime",
)
_PLATFORM_KEYS = ("name", "description", "etag", "updateTime", "gkePolicy", "cloudRunPolicy")


def _names_keys(data: Any) -> bool:
    if isinstance(data, dict):
        return "scenarioKey" in data or any(_names_keys(v) for v in data.values())
    if isinstance(data, list):
        return any(_names_keys(v) for v in data)
    return False


def substitute_keys(
    data: Any, key: Callable[[dict[str, Any], Path], dict[str, str]], path: Path = ()
) -> Any:
    """``data`` with each mapping that has a ``scenarioKey`` replaced by
    ``key(mapping, path)`` (a ``PkixPublicKey``: ``keyId``, ``publicKeyPem``,
    ``signatureAlgorithm``)."""
    if isinstance(data, dict):
        if "scenarioKey" in data:
            return key(data, path)
        return {k: substitute_keys(v, key, (*path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [substitute_keys(v, key, (*path, i)) for i, v in enumerate(data)]
    return data
