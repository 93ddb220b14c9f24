"""What the API server would refuse: kinds, API versions, namespaces and names.

An AdmissionReview (or a bare manifest that ``kritis-sim review`` wraps in
one) can only be judged if it names something a Kubernetes API server serves
and would store. This module refuses, with
:class:`~kritis_sim.errors.WebhookRequestError` (HTTP 400 in the webhook,
exit 2 in ``review``), what the API server itself would never send:

* a ``kind`` or ``apiVersion`` it does not serve: the core group spelt
  ``core``, a workload kind in the wrong built-in group or version
  (``apps/v1 Pod``, ``v1 Deployment``, ``apps/v2 Deployment``), a workload kind
  in the wrong case or plural (``pod``, ``Pods``), or a kind, group or version
  that is not a valid name at all;
* a namespace that is not a string or not a DNS-1123 label (``false``, ``0``,
  ``Shop``), a ``request.namespace`` and ``object.metadata.namespace`` that
  disagree, and a workload (every workload kind is namespaced) without one;
* for workload kinds, a name that is not a DNS-1123 subdomain (a CronJob's at
  most 52 characters), a ``generateName`` that is not a valid prefix, and a
  ``request.name`` that disagrees with ``object.metadata.name``.

Kinds that are not workloads are only checked for being well formed: a
``v1 ConfigMap`` or an ``example.com/v1 Widget`` stays *not applicable*. This
module neither finds images nor decides.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from kritis_sim.errors import WebhookRequestError

__all__ = [
    "BUILTIN_GROUPS",
    "SERVED",
    "api_version_of",
    "check_api_version",
    "check_gvk",
    "check_namespace",
    "is_workload",
    "resolve_identity",
    "split_api_version",
]

#: Workload kind -> API group -> versions some Kubernetes release served.
SERVED: dict[str, dict[str, tuple[str, ...]]] = {
    "Pod": {"": ("v1",)},
    "PodTemplate": {"": ("v1",)},
    "ReplicationController": {"": ("v1",)},
    "Deployment": {"apps": ("v1", "v1beta1", "v1beta2"), "extensions": ("v1beta1",)},
    "ReplicaSet": {"apps": ("v1", "v1beta2"), "extensions": ("v1beta1",)},
    "StatefulSet": {"apps": ("v1", "v1beta1", "v1beta2")},
    "DaemonSet": {"apps": ("v1", "v1beta2"), "extensions": ("v1beta1",)},
    "Job": {"batch": ("v1",)},
    "CronJob": {"batch": ("v1", "v1beta1", "v2alpha1")},
}
#: Built-in API groups without a dot (every other group name has one).
BUILTIN_GROUPS = frozenset({"", "apps", "autoscaling", "batch", "extensions", "policy"})
#: Kinds whose names the API server limits further (CronJob: 52, so that the
#: Jobs it creates, name plus an 11-character suffix, stay DNS labels).
_NAME_LIMITS = {"CronJob": 52}

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
)
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_LABEL_HELP = "a DNS-1123 label: lower-case letters, digits and '-', at most 63"
_SUBDOMAIN_HELP = (
    "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253"
)


def _fail(message: str, path: str) -> WebhookRequestError:
    return WebhookRequestError(message, path=path)


def is_workload(group: str, kind: str) -> bool:
    """Whether ``(group, kind)`` is a workload kind this webhook judges."""
    return group in SERVED.get(kind, {})


def api_version_of(group: str, version: str) -> str:
    """``apps/v1``, or ``v1`` for the core group."""
    return f"{group}/{version}" if group else version


def _spellings(kind: str) -> str:
    return ", ".join(
        repr(api_version_of(g, v)) for g, vs in SERVED[kind].items() for v in vs
    )


@functools.lru_cache(maxsize=1024)
def _is_label(value: str) -> bool:
    return len(value) <= 63 and _LABEL.fullmatch(value) is not None


@functools.lru_cache(maxsize=512)
def _gvk_problem(group: str, version: str, kind: str) -> tuple[str, str] | None:
    """``(field, message)`` for the first thing wrong with a group/version/kind
    (memoised: an API server sends the same few kinds over and over)."""
    if len(kind) > 63 or not _DNS1035.fullmatch(kind.lower()):
        return "kind", f"expected a kind name such as 'Pod', got {kind!r}"
    if group == "core":
        return "group", "the core API group has no name: write apiVersion 'v1'"
    if group and (len(group) > 253 or not _SUBDOMAIN.fullmatch(group)):
        return "group", f"expected an API group such as 'apps', got {group!r}"
    if len(version) > 63 or not _DNS1035.fullmatch(version):
        return "version", f"expected a version such as 'v1', got {version!r}"
    if group not in BUILTIN_GROUPS:
        return None  # a custom resource may be called anything
    served = SERVED.get(kind)
    if served is None:
        for name in SERVED:
            if kind.lower() in (name.lower(), name.lower() + "s"):
                return (
                    "kind",
                    f"expected {name!r} (kinds are singular and case-sensitive), "
                    f"got {kind!r}",
                )
        return None
    if version not in served.get(group, ()):
        return (
            "group" if group not in served else "version",
            f"{kind} is served as apiVersion {_spellings(kind)}, "
            f"got {api_version_of(group, version)!r}",
        )
    return None


def check_gvk(group: str, version: str, kind: str, path: str) -> None:
    """Check ``request.kind`` (``path`` is e.g. ``request.kind``).

    Raises:
        WebhookRequestError: naming ``path.group``, ``.version`` or ``.kind``.
    """
    problem = _gvk_problem(group, version, kind)
    if problem is not None:
        raise _fail(problem[1], f"{path}.{problem[0]}")


def split_api_version(value: Any, path: str) -> tuple[str, str]:
    """``apps/v1`` -> ``("apps", "v1")``; ``v1`` -> ``("", "v1")``.

    Raises:
        WebhookRequestError: not a string of that form.
    """
    if not isinstance(value, str):
        raise _fail(
            f"expected a string such as 'v1' or 'apps/v1', got {type(value).__name__}",
            path,
        )
    parts = value.split("/")
    if len(parts) == 1 and parts[0]:
        return "", parts[0]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise _fail(f"expected 'v1' or 'group/version', got {value!r}", path)


def check_api_version(
    obj: Mapping[str, Any], group: str, version: str, kind: str
) -> None:
    """Check the object's own ``apiVersion`` and ``kind``, when it has them,
    and that they are the ones ``request.kind`` names.

    Raises:
        WebhookRequestError: naming ``object.apiVersion`` or ``object.kind``.
    """
    own_kind, own_version = obj.get("kind"), obj.get("apiVersion")
    if own_kind is not None and not isinstance(own_kind, str):
        raise _fail(
            f"expected a kind name such as 'Pod', got {type(own_kind).__name__}",
            "object.kind",
        )
    if own_version is not None:
        g, v = split_api_version(own_version, "object.apiVersion")
        problem = _gvk_problem(g, v, own_kind or kind)
        if problem is not None:
            where = "object.kind" if problem[0] == "kind" else "object.apiVersion"
            raise _fail(problem[1], where)
        if (g, v) != (group, version):
            raise _fail(
                f"{own_version!r} is not the request's "
                f"{api_version_of(group, version)!r} (request.kind)",
                "object.apiVersion",
            )
    if own_kind is not None:
        problem = _gvk_problem(group, version, own_kind)
        if problem is not None and problem[0] == "kind":
            raise _fail(problem[1], "object.kind")
        if own_kind != kind:
            raise _fail(
                f"{own_kind!r} is not the request's {kind!r} (request.kind.kind)",
                "object.kind",
            )


def check_namespace(value: Any, path: str) -> str | None:
    """A namespace name, or None when absent or empty.

    Raises:
        WebhookRequestError: not a string, or not a DNS-1123 label.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(
            f"expected a namespace name (a string), got {type(value).__name__} "
            f"{value!r}",
            path,
        )
    if not _is_label(value):
        raise _fail(f"expected {_LABEL_HELP} characters, got {value!r}", path)
    return value


@functools.lru_cache(maxsize=1024)
def _name_ok(kind: str, value: str, prefix: bool) -> bool:
    # A generateName may end in '-' (the API server appends a suffix).
    checked = value[:-1] + "a" if prefix and value.endswith("-") else value
    if len(checked) > 253 or not _SUBDOMAIN.fullmatch(checked):
        return False
    limit = _NAME_LIMITS.get(kind)
    return limit is None or prefix or len(value) <= limit


def _check_name(
    kind: str, value: Any, path: str, *, prefix: bool = False
) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(f"expected a name (a string), got {type(value).__name__}", path)
    if _name_ok(kind, value, prefix):
        return value
    limit = _NAME_LIMITS.get(kind)
    if limit is not None and _name_ok(kind, value[:limit], prefix):
        raise _fail(
            f"a {kind} name has at most {limit} characters, got {len(value)}", path
        )
    raise _fail(f"expected {_SUBDOMAIN_HELP} characters, got {value!r}", path)


def resolve_identity(
    request: Mapping[str, Any],
    metadata: Mapping[str, Any],
    group: str,
    kind: str,
    *,
    require_name: bool,
) -> tuple[str | None, str | None]:
    """The request's namespace and name, checked as the API server would.

    ``metadata`` is the object's (empty when there is no object). Returns
    ``(namespace, name)``; the name may be a ``generateName`` prefix. With
    ``require_name`` (a CREATE or UPDATE of a workload) a name or
    ``generateName`` must be given.

    Raises:
        WebhookRequestError: see the module docstring.
    """
    own_ns = check_namespace(metadata.get("namespace"), "object.metadata.namespace")
    sent_ns = check_namespace(request.get("namespace"), "request.namespace")
    if own_ns and sent_ns and own_ns != sent_ns:
        raise _fail(
            f"{own_ns!r} does not match request.namespace {sent_ns!r}",
            "object.metadata.namespace",
        )
    namespace = sent_ns or own_ns
    if not is_workload(group, kind):
        return namespace, None
    if namespace is None:
        raise _fail(
            f"a {kind} is namespaced, but neither request.namespace nor "
            "object.metadata.namespace names one",
            "request.namespace",
        )
    own = _check_name(kind, metadata.get("name"), "object.metadata.name")
    sent = _check_name(kind, request.get("name"), "request.name")
    if own and sent and own != sent:
        raise _fail(
            f"{own!r} does not match request.name {sent!r}", "object.metadata.name"
        )
    generated = _check_name(
        kind, metadata.get("generateName"), "object.metadata.generateName", prefix=True
    )
    name = sent or own or generated
    if name is None and require_name:
        raise _fail(
            f"a {kind} needs a name or a generateName (the API server refuses "
            "an object with neither)",
            "object.metadata.name",
        )
    return namespace, name
