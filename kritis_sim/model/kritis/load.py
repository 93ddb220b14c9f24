"""Load Kritis resources from the YAML users ``kubectl apply``.

:func:`load_kritis` reads any number of texts (files of a directory), each
holding any mix of AttestationAuthority, ImageSecurityPolicy,
GenericAttestationPolicy and KritisConfig documents (multi-document YAML,
JSON, or a ``kind: List``), into one :class:`KritisResources`.

As Kritis reads them (``kritis-crds.md``), and where kritis-sim is stricter:

- ``apiVersion`` must be ``kritis.grafeas.io/v1beta1`` (some Kritis docs say
  ``kritis.github.com/v1beta1``, which no cluster serves: refused with that
  hint); ``kind`` one of the four; BuildPolicy and VulnzSigningPolicy are
  refused (dead code / a signer file, never read by admission).
- spec keys match case-insensitively; unknown keys are warned about (Kritis
  drops them silently) and refused with ``strict``; see
  :mod:`kritis_sim.model.kritis.fields`.
- ``asciiArmoredPgpPublicKey`` is **base64 of the armored key** (unlike
  Google's API); the armor itself is refused with a hint; the key id Kritis
  uses is the computed V4 fingerprint (a differing ``keyId`` is a warning).
  PKIX keys load with a warning: Kritis admission never uses them.
- thresholds must be ``BLOCK_ALL``, ``ALLOW_ALL`` or a severity name, exactly
  (an unknown severity is refused, with the closest name).
- a GAP with no authorities, an empty name pattern, a malformed
  ``noteReference``, the same resource twice, and two KritisConfigs are
  refused at load (Kritis would deny every image, or fail at start).
- a resource without ``metadata.namespace`` lands in ``default_namespace``
  (as kubectl puts it in the context's namespace).

Pure: the caller reads the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kritis_sim._yaml import Locator, Path, load_documents
from kritis_sim.model._fields import type_name
from kritis_sim.model.kritis.authority import read_authority
from kritis_sim.model.kritis.fields import SpecReader, suggest
from kritis_sim.model.kritis.resources import (
    GROUP_VERSION,
    KINDS,
    AttestationAuthority,
    GenericAttestationPolicy,
    ImageSecurityPolicy,
    KritisConfig,
    KritisResources,
    VulnerabilityRequirements,
    threshold_names,
)

__all__ = ["load_kritis", "load_kritis_text"]

_META = (
    "name", "generateName", "namespace", "labels", "annotations", "uid",
    "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
    "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields",
    "selfLink",
)  # fmt: skip
_DNS_SUBDOMAIN = re.compile(
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
)
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_GO_DURATION = re.compile(r"0|[+-]?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h))+")
_REFUSED_KINDS = {
    "BuildPolicy": "BuildPolicy has no CRD in a Kritis install and no caller",
    "VulnzSigningPolicy": "VulnzSigningPolicy is the signer's file (signer "
    "-policy), not a resource Kritis admission reads",
}


def load_kritis_text(
    text: str,
    source: str = "<policy>",
    *,
    default_namespace: str = "default",
    strict: bool = False,
) -> KritisResources:
    """One text's resources (see :func:`load_kritis`)."""
    return load_kritis(
        [(text, source)], default_namespace=default_namespace, strict=strict
    )


def load_kritis(
    texts: Iterable[tuple[str, str]],
    *,
    default_namespace: str = "default",
    strict: bool = False,
) -> KritisResources:
    """Every resource of ``(text, source name)`` pairs, validated.

    Raises:
        KritisResourceError: anything Kritis could not use (file, line, field
            path and what was expected named); with ``strict`` also what Kritis
            would silently ignore.
        InputError: unreadable YAML/JSON or input beyond the limits.
    """
    loader = _Loader(default_namespace, strict)
    for text, source in texts:
        for doc, locator in load_documents(text, source):
            if doc is None:
                continue
            loader.document(doc, locator)
    return loader.result()


class _Loader:
    def __init__(self, default_namespace: str, strict: bool) -> None:
        self.default_namespace, self.strict = default_namespace, strict
        self.aas: list[AttestationAuthority] = []
        self.isps: list[ImageSecurityPolicy] = []
        self.gaps: list[GenericAttestationPolicy] = []
        self.configs: list[tuple[KritisConfig, str]] = []
        self.seen: dict[tuple[str, str, str], str] = {}
        self.warnings: list[str] = []

    def result(self) -> KritisResources:
        return KritisResources(
            authorities=tuple(self.aas),
            security_policies=tuple(self.isps),
            attestation_policies=tuple(self.gaps),
            config=self.configs[0][0] if self.configs else None,
            warnings=tuple(self.warnings),
        )

    def document(self, doc: Any, locator: Locator) -> None:
        r = SpecReader(locator, self.strict, self.warnings)
        if isinstance(doc, dict) and doc.get("kind") == "List" and "items" in doc:
            for i, item in enumerate(r.f.sequence(doc["items"], ("items",))):
                self.resource(r, item, ("items", i))
            return
        self.resource(r, doc, ())

    def resource(self, r: SpecReader, doc: Any, path: Path) -> None:
        top = r.fields(
            doc,
            path,
            ("apiVersion", "kind", "metadata", "spec", "status"),
            what="a Kritis resource",
            exact=True,
        )
        api = r.string(top, "apiVersion")
        if api != GROUP_VERSION:
            hint = (
                " (some Kritis docs say kritis.github.com, which Kritis does not serve)"
                if api.startswith("kritis.github.com")
                else ""
            )
            r.fail(
                (*path, "apiVersion"),
                f"expected apiVersion {GROUP_VERSION!r}, got {api!r}{hint}",
            )
        kind = r.string(top, "kind")
        if kind in _REFUSED_KINDS:
            r.fail((*path, "kind"), _REFUSED_KINDS[kind])
        if kind not in KINDS:
            r.fail(
                (*path, "kind"), f"unknown Kritis kind {kind!r}{suggest(kind, KINDS)}"
            )
        name, namespace = self.metadata(r, top, path, cluster=kind == "KritisConfig")
        key = (kind, namespace, name)
        where = r.locator.source
        line = r.locator.line(path)
        here = f"{where}:{line}" if line else where
        if key in self.seen:
            r.fail(
                (*path, "metadata", "name"),
                f"{kind} {namespace + '/' if namespace else ''}{name} is defined twice "
                f"(also at {self.seen[key]}); kubectl apply would keep only the last",
            )
        self.seen[key] = here
        spec, spath = top.get("spec", ({}, (*path, "spec")))
        if kind == "AttestationAuthority":
            self.aas.append(read_authority(r, spec, spath, name, namespace))
        elif kind == "ImageSecurityPolicy":
            self.isps.append(_isp(r, spec, spath, name, namespace))
        elif kind == "GenericAttestationPolicy":
            self.gaps.append(_gap(r, spec, spath, name, namespace))
        else:
            if self.configs:
                r.fail(
                    (*path, "kind"),
                    "more than one KritisConfig (Kritis refuses to "
                    f"start); the other is at {self.configs[0][1]}",
                )
            self.configs.append((_config(r, spec, spath, name), here))

    def metadata(
        self,
        r: SpecReader,
        top: dict[str, tuple[Any, Path]],
        path: Path,
        *,
        cluster: bool,
    ) -> tuple[str, str]:
        if "metadata" not in top:
            r.fail(path, "expected metadata.name (every resource needs a name)")
        meta = r.fields(*top["metadata"], _META, what="metadata", exact=True)
        name = r.string(meta, "name")
        mpath = top["metadata"][1]
        if not _DNS_SUBDOMAIN.fullmatch(name) or len(name) > 253:
            r.fail(
                (*mpath, "name"),
                "expected a name: a DNS-1123 subdomain (lower-case "
                f"letters, digits, '-' and '.'), got {name!r}",
            )
        namespace = r.string(meta, "namespace")
        if cluster:
            if namespace:
                r.warn(
                    (*mpath, "namespace"),
                    "KritisConfig is cluster-scoped; the namespace is ignored",
                )
            return name, ""
        if namespace and not _DNS_LABEL.fullmatch(namespace):
            r.fail(
                (*mpath, "namespace"),
                f"expected a namespace: a DNS-1123 label, got {namespace!r}",
            )
        return name, namespace or self.default_namespace


def _threshold(
    r: SpecReader, found: dict[str, tuple[Any, Path]], key: str, default: str
) -> str:
    if key not in found:
        return default
    value = r.string(found, key)
    if value == "":
        return default
    names = threshold_names()
    if value not in names:
        r.fail(
            found[key][1],
            f"invalid max severity level: {value!r}{suggest(value, names)}",
        )
    return value


def _isp(
    r: SpecReader, spec: Any, path: Path, name: str, ns: str
) -> ImageSecurityPolicy:
    s = r.fields(
        spec,
        path,
        (
            "imageAllowlist",
            "packageVulnerabilityRequirements",
            "attestationAuthorityName",
            "privateKeySecretName",
        ),
        what="an ImageSecurityPolicy spec",
    )
    req = VulnerabilityRequirements()
    if "packageVulnerabilityRequirements" in s:
        v = r.fields(
            *s["packageVulnerabilityRequirements"],
            ("maximumSeverity", "maximumFixUnavailableSeverity", "allowlistCVEs"),
            what="packageVulnerabilityRequirements",
        )
        cves = r.strings(v, "allowlistCVEs")
        for cve, cpath in cves:
            if cve.startswith("providers/"):
                r.warn(
                    cpath,
                    "Kritis matches the full note name exactly; "
                    "'providers/...' never matches (use projects/goog-vulnz/notes/CVE-...)",
                )
        req = VulnerabilityRequirements(
            _threshold(r, v, "maximumSeverity", "CRITICAL"),
            _threshold(r, v, "maximumFixUnavailableSeverity", "ALLOW_ALL"),
            frozenset(c for c, _ in cves),
        )
    return ImageSecurityPolicy(
        name,
        ns,
        frozenset(i for i, _ in r.strings(s, "imageAllowlist")),
        req,
        r.string(s, "attestationAuthorityName"),
        r.string(s, "privateKeySecretName"),
    )


def _gap(
    r: SpecReader, spec: Any, path: Path, name: str, ns: str
) -> GenericAttestationPolicy:
    s = r.fields(
        spec,
        path,
        ("attestationAuthorityNames", "admissionAllowlistPatterns"),
        what="a GenericAttestationPolicy spec",
    )
    names = r.strings(s, "attestationAuthorityNames")
    if not names:
        r.fail(
            (*path, "attestationAuthorityNames"),
            f"Generic attestation policy {name} "
            "did not specify any attestation authority (Kritis would deny every image, "
            "allowlisted ones included)",
        )
    patterns: list[str] = []
    pvalue, ppath = s.get("admissionAllowlistPatterns", ([], ()))
    for i, item in enumerate(r.f.sequence(pvalue, ppath) if ppath else []):
        p = r.fields(item, (*ppath, i), ("namePattern",), what="an allowlist pattern")
        pattern = r.string(p, "namePattern")
        if not pattern:
            r.fail((*ppath, i, "namePattern"), "expected a non-empty namePattern")
        patterns.append(pattern)
    return GenericAttestationPolicy(
        name, ns, tuple(n for n, _ in names), tuple(patterns)
    )


def _config(r: SpecReader, spec: Any, path: Path, name: str) -> KritisConfig:
    s = r.fields(
        spec,
        path,
        ("metadataBackend", "cronInterval", "serverAddr", "grafeas"),
        what="a KritisConfig spec",
    )
    backend = r.string(s, "metadataBackend") or "containerAnalysis"
    if backend not in ("containerAnalysis", "grafeas"):
        r.fail(
            s["metadataBackend"][1],
            "expected metadataBackend 'containerAnalysis' or "
            f"'grafeas', got {backend!r}",
        )
    interval = r.string(s, "cronInterval") or "1h"
    if not _GO_DURATION.fullmatch(interval):
        r.fail(
            s["cronInterval"][1],
            f"expected a Go duration such as '1h' or '30m', got {interval!r}",
        )
    addr = ""
    if "grafeas" in s:
        g = r.fields(*s["grafeas"], ("addr",), what="grafeas")
        addr = r.string(g, "addr")
    if "serverAddr" in s and not isinstance(s["serverAddr"][0], str):
        r.fail(
            s["serverAddr"][1],
            f"expected a string, got {type_name(s['serverAddr'][0])}",
        )
    return KritisConfig(
        name, backend, interval, r.string(s, "serverAddr") or ":443", addr
    )
