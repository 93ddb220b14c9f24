"""The reference adapter's Kritis profile and its deliberate Kritis defects.

:func:`build_kritis_webhook` serves a ``semantics: kritis`` case as
``kritis-sim webhook --semantics kritis`` does: the ``kritis.yaml`` that
``setup`` translated (:mod:`kritis_sim.conformance.kritis_case`), a
:class:`~kritis_sim.core.kritis.judge.KritisJudge`, Kritis' reading of
objects, and attestations read from the suite's Grafeas.

:data:`KRITIS_DEFECTS` are variants with one bug each, a mistake a Kritis
port could plausibly make, each caught by the named catalogue cases
(``tests/conformance/test_kritis_conformance.py`` checks that). Hooks rewrite
the resources, wrap the source, the object reading or the judge. Used only by
the adapter process; the core is never changed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from kritis_sim.core.kritis.decide import GLOBAL_ALLOWLIST
from kritis_sim.core.kritis.judge import KritisJudge
from kritis_sim.core.target import DeployTarget
from kritis_sim.model.decision import Decision
from kritis_sim.model.kritis.resources import KritisResources

__all__ = ["KRITIS_DEFECTS", "KritisDefect", "build_kritis_webhook"]


@dataclass(frozen=True, slots=True)
class KritisDefect:
    """One bug: hooks around the reference Kritis enforcer."""

    name: str
    description: str
    caught_by: tuple[str, ...]
    resources: Callable[[KritisResources], KritisResources] | None = None
    source: Callable[[Any, KritisResources], Any] | None = None
    interpret: Callable[[Any], Callable[..., Any]] | None = None
    images: Callable[[Sequence[str], KritisResources], list[str]] | None = None
    namespace: str | None = None


class _Judge:
    """A KritisJudge with an image filter and a fixed namespace (defects)."""

    model = "kritis"
    policy_name: str | None = None

    def __init__(self, inner: KritisJudge, defect: KritisDefect) -> None:
        self.inner, self.defect = inner, defect

    def reads(self, images: Sequence[str], target: DeployTarget, now: datetime) -> Any:
        return self.inner.reads(self._images(images), self._target(target), now)

    def _images(self, images: Sequence[str]) -> list[str]:
        hook = self.defect.images
        return list(images) if hook is None else hook(images, self.inner.resources)

    def _target(self, target: DeployTarget) -> DeployTarget:
        if self.defect.namespace is None:
            return target
        return dataclasses.replace(target, namespace=self.defect.namespace)

    def judge(self, images: Sequence[str], target: DeployTarget, source: Any, now: datetime, *,
              breakglass: bool = False) -> Decision:  # fmt: skip
        return self.inner.judge(
            self._images(images), self._target(target), source, now, breakglass=breakglass
        )


def build_kritis_webhook(config_dir: Path, settings: dict[str, Any], attestations: Any) -> tuple[Any, Any]:
    """The webhook for one ``semantics: kritis`` configuration, and its enforcer's holder."""
    from kritis_sim.admission.enforcer import StaticJudge
    from kritis_sim.admission.kritis_workloads import kritis_interpret
    from kritis_sim.admission.webhook import WebhookConfig, create_app
    from kritis_sim.conformance.kritis_case import KritisCaseSource
    from kritis_sim.model.kritis.load import load_kritis_text

    defect = KRITIS_DEFECTS.get(settings.get("defect") or "")
    path = config_dir / "kritis.yaml"
    resources = load_kritis_text(path.read_text(encoding="utf-8"), str(path), strict=True)
    from kritis_sim.conformance.adapter_server import _tls_context
    from kritis_sim.grafeas.client import GrafeasPlatformOccurrences, GrafeasRestClient

    client = GrafeasRestClient(settings["grafeas"], transport=httpx.HTTPTransport(verify=_tls_context()))
    source: Any = KritisCaseSource(attestations, GrafeasPlatformOccurrences(client))
    interpret: Callable[..., Any] = kritis_interpret
    judge: Any = KritisJudge(resources)
    if defect is not None:
        if defect.resources is not None:
            resources = defect.resources(resources)
            judge = KritisJudge(resources)
        if defect.source is not None:
            source = defect.source(source, resources)
        if defect.interpret is not None:
            interpret = defect.interpret(kritis_interpret)
        if defect.images is not None or defect.namespace is not None:
            judge = _Judge(judge, defect)
    app = create_app(
        WebhookConfig(
            policy_provider=None, judge_provider=StaticJudge(judge), source=source,
            interpret=interpret,
        )
    )  # fmt: skip
    return app, app.state.webhook


# ---- hooks -------------------------------------------------------------------


class _RewritingSource:
    """Wraps a source; ``fix`` rewrites each attestation read."""

    def __init__(self, inner: Any, fix: Callable[[Any], Any | None]) -> None:
        self.inner, self.fix = inner, fix
        self.nonblocking = getattr(inner, "nonblocking", False)

    def occurrences(self, resource_url: str, note_name: str) -> Sequence[Any]:
        out = (self.fix(o) for o in self.inner.occurrences(resource_url, note_name))
        return [o for o in out if o is not None]

    def vulnerabilities(self, project: str, resource_url: str) -> Sequence[Any]:
        out = self.inner.vulnerabilities(project, resource_url)
        return out if self.vulns is None else self.vulns(out)

    vulns: Callable[[Sequence[Any]], Sequence[Any]] | None = None

    def close(self) -> None:
        self.inner.close()


def _packet_key_id(source: Any, resources: KritisResources) -> Any:
    fingerprints = [k.key_id for aa in resources.authorities for k in aa.pgp_keys]

    def fix(occ: Any) -> Any:
        sigs = []
        for sig in occ.signatures:
            kid = sig.public_key_id.upper()
            full = next((f for f in fingerprints if len(kid) >= 16 and f.endswith(kid)), None)
            sigs.append(dataclasses.replace(sig, public_key_id=full or sig.public_key_id))
        return dataclasses.replace(occ, signatures=tuple(sigs))

    return _RewritingSource(source, fix)


def _armored_only(source: Any, _resources: KritisResources) -> Any:
    def fix(occ: Any) -> Any:
        sigs = tuple(s for s in occ.signatures if bytes(s.signature).startswith(b"-----BEGIN PGP"))
        return dataclasses.replace(occ, signatures=sigs)

    return _RewritingSource(source, fix)


def _severity_strings(source: Any, resources: KritisResources) -> Any:
    """Compares severity names as strings against each ISP's maximumSeverity:
    emulated by rewriting a vulnerability's severity to one that the (correct)
    rank comparison judges the way the string comparison would."""
    from kritis_sim.model.vulnerability import Severity

    thresholds = [isp.requirements.maximum_severity for isp in resources.security_policies]
    wrapped = _RewritingSource(source, lambda occ: occ)

    def rewrite(vulns: Sequence[Any]) -> Sequence[Any]:
        out = []
        for v in vulns:
            exceeds = any(v.worst_severity.value > t for t in thresholds)
            sev = Severity.CRITICAL if exceeds else Severity.MINIMAL
            out.append(dataclasses.replace(v, severity=sev, effective_severity=sev))
        return out

    wrapped.vulns = rewrite
    return wrapped


def _cve_prefix(source: Any, resources: KritisResources) -> Any:
    """Skips a vulnerability whose note name merely starts with an allowlisted CVE."""
    allowed = [c for isp in resources.security_policies for c in isp.requirements.allowlist_cves]
    wrapped = _RewritingSource(source, lambda occ: occ)
    wrapped.vulns = lambda vulns: [
        v for v in vulns if not any(v.header.note_name.startswith(c) for c in allowed)
    ]
    return wrapped


def _gap_any(resources: KritisResources) -> KritisResources:
    split = tuple(
        dataclasses.replace(gap, name=f"{gap.name}-{i}", attestation_authority_names=(aa,))
        for gap in resources.attestation_policies
        for i, aa in enumerate(gap.attestation_authority_names)
    )
    return dataclasses.replace(resources, attestation_policies=split)


def _authorities_in_default(resources: KritisResources) -> KritisResources:
    moved = tuple(dataclasses.replace(aa, namespace="default") for aa in resources.authorities)
    return dataclasses.replace(resources, authorities=moved)


def _template_breakglass(real: Callable[..., Any]) -> Callable[..., Any]:
    from kritis_sim.admission.workloads import Workload
    from kritis_sim.core.kritis.objects import BREAKGLASS

    def interpret(parsed: Any, **kwargs: Any) -> Any:
        found = real(parsed, **kwargs)
        if not isinstance(found, Workload):
            return found
        template = ((parsed.obj.get("spec") or {}).get("template") or {}).get("metadata") or {}
        marked = BREAKGLASS in (template.get("annotations") or {})
        marker = ("spec.template.metadata.annotations",) if marked else ()
        return dataclasses.replace(found, breakglass=marker)

    return interpret


def _every_kind(real: Callable[..., Any]) -> Callable[..., Any]:
    from kritis_sim.admission.workloads import NotApplicable, workload_from_admission

    def interpret(parsed: Any, **kwargs: Any) -> Any:
        found = real(parsed, **kwargs)
        return workload_from_admission(parsed) if isinstance(found, NotApplicable) else found

    return interpret


def _global_prefix(images: Sequence[str], _resources: KritisResources) -> list[str]:
    return [i for i in images if not any(i.startswith(g) for g in GLOBAL_ALLOWLIST)]


def _star_crosses_slash(images: Sequence[str], resources: KritisResources) -> list[str]:
    patterns = [p for gap in resources.attestation_policies for p in gap.name_patterns]
    return [i for i in images if not any(fnmatch.fnmatchcase(i, p) for p in patterns)]


KRITIS_DEFECTS: dict[str, KritisDefect] = {
    d.name: d
    for d in (
        KritisDefect("kritis-pgp-key-id-from-packet",
                     "matches a signature's publicKeyId (the packet's 64-bit issuer id) against the "
                     "end of the key's fingerprint instead of the full computed fingerprint",
                     ("kritis_pgp_long_key_id_deny",), source=_packet_key_id),
        KritisDefect("kritis-pgp-armored-only",
                     "parses only ASCII-armored PGP signed messages (binary ones attest nothing)",
                     ("kritis_pgp_binary_signature",), source=_armored_only),
        KritisDefect("kritis-breakglass-from-template",
                     "reads the breakglass annotation from the pod template instead of the object",
                     ("kritis_breakglass_template_annotation_deny",), interpret=_template_breakglass),
        KritisDefect("kritis-namespaced-policy-cluster-wide",
                     "applies namespace default's policies to every namespace",
                     ("kritis_namespace_without_policy", "kritis_namespaced_policy_deny"), namespace="default"),
        KritisDefect("kritis-authority-from-default-namespace",
                     "looks a policy's AttestationAuthorities up in namespace default, not the policy's own",
                     ("kritis_namespaced_policy_attested",), resources=_authorities_in_default),
        KritisDefect("kritis-gap-any-authority",
                     "admits an image attested by any one authority of a GAP instead of all",
                     ("kritis_gap_needs_all_authorities_deny",), resources=_gap_any),
        KritisDefect("kritis-global-allowlist-prefix",
                     "matches the built-in global allowlist by string prefix",
                     ("kritis_global_allowlist_lookalike_deny",), images=_global_prefix),
        KritisDefect("kritis-allowlist-star-crosses-slash",
                     "lets a namePattern's '*' match '/' (shell glob)",
                     ("kritis_allowlist_star_not_cross_slash_deny",), images=_star_crosses_slash),
        KritisDefect("kritis-severity-as-strings",
                     "compares vulnerability severities by name (CRITICAL < HIGH as strings)",
                     ("kritis_isp_critical_over_high_deny",), source=_severity_strings),
        KritisDefect("kritis-allowlisted-cve-prefix",
                     "matches allowlistCVEs by prefix (CVE-2024-1 also skips CVE-2024-12)",
                     ("kritis_isp_allowlisted_cve_prefix_deny",), source=_cve_prefix),
        KritisDefect("kritis-judges-every-kind",
                     "judges every pod-template kind (StatefulSet, Job, ...) as GKE does",
                     ("kritis_statefulset_not_inspected",), interpret=_every_kind),
    )
}  # fmt: skip
