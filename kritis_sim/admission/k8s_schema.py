"""Check a Kubernetes object the way the API server would before admission.

``kritis-sim review`` judges manifests that no API server has seen. An object
the API server would reject (an unknown field such as ``container:``, a pod
template without ``containers``, a wrong type, ``kind: pod``,
``apiVersion: core/v1``, a namespace ``Shop``) must not be judged as if it
would run: :func:`check_object` raises a
:class:`~kritis_sim.errors.ManifestError` naming the file, line and field.

The checks are:

* ``apiVersion`` and ``kind`` are strings and name a type the Kubernetes
  :data:`K8S_VERSION` API server serves (its OpenAPI schema exists in the
  ``kubernetes-validate`` package). Groups that are neither core nor
  ``*.k8s.io`` are custom resources: :func:`check_object` returns False for
  them (not validated; they carry no pod template kritis-sim knows).
* The object validates against that schema in *strict* form (no unknown
  fields, as ``kubectl apply --validate=strict`` and the server's field
  validation do).
* ``metadata.name`` (or ``generateName``) is present and a DNS-1123
  subdomain, ``metadata.namespace`` a DNS-1123 label: the OpenAPI schema only
  says "string" for those.

Schemas are loaded once per process and (apiVersion, kind) (60-100 ms for
the shared definitions, then 1-4 ms per object; docs/review.md has figures).
Objects that passed are remembered by their *shape* (:func:`_shape`): the
object with the string values of fields the schemas type as any string
(names, namespaces, uids, images, timestamps, label and annotation values,
in metadata, owner references and containers) blanked. Blanking a string
the schema only requires to be a string cannot
change the schema's answer, so the thousands of Pods of a snapshot or an audit
log that differ only in names and images are schema-checked once; the
DNS-name checks of ``metadata`` still run on every object. At most
:data:`_SHAPES_KEPT` shapes are remembered. This module validates only; it
decides nothing.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import jsonschema
import orjson
from referencing import Registry, Resource

from kritis_sim._yaml import Locator, Path, format_path
from kritis_sim.errors import KritisSimError, ManifestError

__all__ = ["K8S_VERSION", "check_namespace", "check_object", "name_problem"]

#: The Kubernetes release whose OpenAPI schemas objects are checked against.
K8S_VERSION = "1.33.0"

_SCHEMA_DIR = f"v{K8S_VERSION}-local-strict"
_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
)
# Unknown fields first (a misspelt key also shows up as a missing one), then
# wrong values, then missing fields.
_ORDER = {"additionalProperties": 0, "required": 2}


#: Fields whose every schema in the Kubernetes definitions is a plain string
#: (``string`` or ``[string, null]``, or ``meta.v1.Time``: a string whose
#: ``format`` jsonschema does not check), checked by a test against the
#: installed schemas. A string value of one of them may be blanked in a shape.
_ANY_STRING = frozenset(
    {
        "name", "namespace", "generateName", "uid", "resourceVersion",
        "creationTimestamp", "image", "imageID", "containerID", "nodeName",
        "hostIP", "podIP", "startTime", "startedAt", "finishedAt",
        "lastTransitionTime", "lastProbeTime",
    }
)  # fmt: skip
#: Maps whose values the schemas type as plain strings.
_STRING_MAPS = frozenset({"labels", "annotations"})
_SHAPES_KEPT = 4096
_valid_shapes: dict[bytes, None] = {}


def _blank_strings(node: Any) -> Any:
    """A dict's strings of :data:`_ANY_STRING` fields, and its label and
    annotation values, blanked (one level; other values kept)."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key, value in node.items():
        if isinstance(value, str) and key in _ANY_STRING:
            out[key] = ""
        elif key in _STRING_MAPS and isinstance(value, dict):
            out[key] = {k: "" if isinstance(v, str) else v for k, v in value.items()}
        elif key == "ownerReferences" and isinstance(value, list):
            out[key] = [_blank_strings(ref) for ref in value]
    return out


#: Where a kind keeps its pod template, below ``spec``.
_TEMPLATE = {"CronJob": ("jobTemplate", "spec", "template")}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def _blank_pod_spec(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    for key in _CONTAINER_LISTS:
        value = spec.get(key)
        if isinstance(value, list):
            out[key] = [_blank_strings(c) for c in value]
    return out


def _blank_template(node: Any, steps: tuple[str, ...]) -> Any:
    """``node`` with the pod template at ``steps`` below it blanked."""
    if not isinstance(node, dict):
        return node
    if not steps:
        return {
            **node,
            "metadata": _blank_strings(node.get("metadata")),
            "spec": _blank_pod_spec(node.get("spec")),
        } if isinstance(node.get("spec"), dict) else node  # fmt: skip
    return {**node, steps[0]: _blank_template(node.get(steps[0]), steps[1:])}


_STATUS_LISTS = (
    "conditions",
    "containerStatuses",
    "initContainerStatuses",
    "ephemeralContainerStatuses",
)
_STATES = ("state", "lastState")


def _blank_status(status: Any) -> Any:
    """A Pod's ``status`` (what ``kubectl get -o json`` shows: IPs, start
    times, container ids) with the same blanking, in its conditions and
    container statuses and their states too."""
    if not isinstance(status, dict):
        return status
    out = _blank_strings(status)
    for key in _STATUS_LISTS:
        value = status.get(key)
        if not isinstance(value, list):
            continue
        items = []
        for entry in value:
            blanked = _blank_strings(entry)
            if isinstance(entry, dict):
                for state in _STATES:
                    held = entry.get(state)
                    if isinstance(held, dict):
                        blanked[state] = {k: _blank_strings(v) for k, v in held.items()}
            items.append(blanked)
        out[key] = items
    return out


def _shape(obj: Mapping[str, Any]) -> bytes | None:
    """The shape of ``obj`` (None when it cannot be serialised): its JSON
    with the strings of :data:`_ANY_STRING` fields blanked in its metadata,
    owner references, pod template metadata and containers, a Pod's status
    (its conditions, container statuses and their states), and its label
    and annotation values. Only those places are visited (quick); the same
    field elsewhere is kept, which only makes fewer objects share a shape."""
    shaped = dict(obj)
    shaped["metadata"] = _blank_strings(obj.get("metadata"))
    spec = obj.get("spec")
    if obj.get("kind") == "Pod":
        shaped["spec"] = _blank_pod_spec(spec)
        if "status" in obj:
            shaped["status"] = _blank_status(obj["status"])
    elif isinstance(spec, dict):
        steps = _TEMPLATE.get(str(obj.get("kind")), ("template",))
        shaped["spec"] = _blank_template(spec, steps)
    if "metadata" not in obj:
        del shaped["metadata"]
    try:
        return orjson.dumps(shaped, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _schema_file(name: str) -> Any:
    return files("kubernetes_validate") / "kubernetes-json-schema" / _SCHEMA_DIR / name


@functools.cache
def _registry() -> Registry[Any]:
    path = _schema_file("_definitions.json")
    if not path.is_file():
        raise KritisSimError(
            f"the installed kubernetes-validate has no Kubernetes {K8S_VERSION} "
            "schemas; install kubernetes-validate>=1.33"
        )
    definitions = json.loads(path.read_text("utf-8"))
    return Resource.from_contents(definitions) @ Registry()


@functools.cache
def _validator(group: str, version: str, kind: str) -> jsonschema.Validator | None:
    """The strict validator of one served type, or None when not served."""
    prefix = f"{group.split('.', 1)[0]}-" if group else ""
    schema_file = _schema_file(f"{kind.lower()}-{prefix}{version}.json")
    registry = _registry()
    if not schema_file.is_file():
        return None
    schema = json.loads(schema_file.read_text("utf-8"))
    validator: jsonschema.Validator = jsonschema.Draft202012Validator(
        schema, registry=registry
    )
    return validator


def _builtin(group: str) -> bool:
    return "." not in group or group.endswith(".k8s.io")


def check_namespace(value: str, where: str) -> None:
    """A namespace must be a DNS-1123 label (as ``--namespace`` and metadata)."""
    if not _DNS_LABEL.fullmatch(value):
        raise ManifestError(
            "expected a namespace: a DNS-1123 label (lower-case letters, digits "
            f"and '-', at most 63), got {value!r}",
            path=where,
        )


def _fail(locator: Locator, path: Path, message: str) -> ManifestError:
    err = locator.error(ManifestError, path, message)
    assert isinstance(err, ManifestError)
    return err


def _describe(error: jsonschema.ValidationError, base: Path) -> tuple[Path, str]:
    path: Path = (*base, *error.absolute_path)
    instance: Any = error.instance
    schema: Any = error.schema
    expected: Any = error.validator_value
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        unknown = sorted(str(k) for k in instance if k not in known)
        if unknown:
            hint = difflib.get_close_matches(unknown[0], list(known), n=1)
            text = f"unknown field {unknown[0]!r}"
            if hint:
                text += f" (did you mean {hint[0]!r}?)"
            return (*path, unknown[0]), f"{text}; the API server refuses it"
    if error.validator == "required" and isinstance(instance, Mapping):
        missing = [f for f in expected if f not in instance]
        if missing:
            return path, f"missing required field {missing[0]!r}"
    if error.validator == "type":
        want = [expected] if isinstance(expected, str) else list(expected)
        got = "null" if instance is None else type(instance).__name__
        types = " or ".join(w for w in want if w != "null")
        return path, f"expected {types}, got {got} {instance!r}"
    if error.validator == "enum":
        allowed = [v for v in expected if v is not None]
        return path, f"expected one of {allowed}, got {instance!r}"
    return path, error.message


def name_problem(name: str) -> str | None:
    """Why ``name`` is not an object name (a DNS-1123 subdomain), or None."""
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        return (
            "expected a DNS-1123 subdomain (lower-case letters, digits, '-' "
            f"and '.'), got {name!r}"
        )
    return None


def _metadata(obj: Mapping[str, Any], locator: Locator, base: Path) -> None:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        raise _fail(locator, (*base, "metadata"), "missing required field 'metadata'")
    name, generate = meta.get("name"), meta.get("generateName")
    if name is None and generate is None:
        raise _fail(locator, (*base, "metadata"), "missing 'name' (or 'generateName')")
    problem = name_problem(name) if isinstance(name, str) else None
    if problem is not None:
        raise _fail(locator, (*base, "metadata", "name"), problem)
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace and not _DNS_LABEL.fullmatch(namespace):
        try:
            check_namespace(namespace, format_path((*base, "metadata", "namespace")))
        except ManifestError as exc:
            raise _fail(
                locator, (*base, "metadata", "namespace"), exc.message
            ) from None


def check_object(obj: Mapping[str, Any], locator: Locator, base: Path = ()) -> bool:
    """Check one object located at ``base`` in ``locator``'s document.

    Returns:
        True when checked, False for a custom resource (not validated).

    Raises:
        ManifestError: the API server would refuse the object; the message
            names file, line and field path.
    """
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    for field, value in (("apiVersion", api_version), ("kind", kind)):
        if not isinstance(value, str) or not value:
            raise _fail(
                locator,
                (*base, field) if field in obj else base,
                f"expected a string {field}, got {value!r}",
            )
    assert isinstance(api_version, str) and isinstance(kind, str)
    group, _, version = api_version.rpartition("/")
    if not _builtin(group):
        return False
    validator = _validator(group, version, kind)
    if validator is None:
        raise _fail(
            locator,
            (*base, "kind"),
            f"apiVersion {api_version!r} kind {kind!r} is not a type the Kubernetes "
            f"{K8S_VERSION} API server serves (kind is CamelCase, e.g. Pod, "
            "Deployment; core types are apiVersion v1, others GROUP/VERSION "
            "such as apps/v1)",
        )
    shape = _shape(obj)
    errors = [] if shape in _valid_shapes else list(validator.iter_errors(obj))
    if not errors and shape is not None and shape not in _valid_shapes:
        if len(_valid_shapes) >= _SHAPES_KEPT:
            del _valid_shapes[next(iter(_valid_shapes))]
        _valid_shapes[shape] = None
    if errors:
        described = [_describe(e, base) for e in errors]
        ranked = sorted(
            zip(errors, described, strict=True),
            key=lambda pair: (
                _ORDER.get(str(pair[0].validator), 1),
                locator.line(pair[1][0]) or 0,
            ),
        )
        path, message = ranked[0][1]
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem(s))"
        raise _fail(locator, path, f"{message} [Kubernetes {K8S_VERSION} schema]")
    _metadata(obj, locator, base)
    return True
