"""Feature tags: what an adapter says it supports, and what a case needs.

An adapter's ``capabilities`` subcommand prints a JSON list of these tags. A
case lists the tags it needs in ``expect.yaml``; the runner skips a case whose
tags are not all declared, giving the missing tags as the reason. Two tags
widen checks instead of gating cases: ``warnings`` and ``audit-annotations``
turn on the comparison of those reply fields.

Cases without tags need only the core: AdmissionReview v1 over HTTP(S), Pods,
ALWAYS_ALLOW / ALWAYS_DENY / REQUIRE_ATTESTATION default rules, ECDSA P-256.
"""

from __future__ import annotations

__all__ = ["ALL_FEATURES", "CORE", "EVALUATE_API", "FEATURES"]

#: A capability, not a case tag: the adapter's endpoint answers platform cases
#: through ``POST /v1/{policy name}:evaluate`` (``EvaluateGkePolicyRequest``)
#: instead of a webhook (docs/conformance.md).
EVALUATE_API = "evaluate-api"

#: Tag -> one line of what it means.
FEATURES: dict[str, str] = {
    "pkix-ecdsa": "ECDSA P-384 and P-521 keys (P-256 is core)",
    "pkix-rsa": "RSA-PSS and RSA PKCS#1 v1.5 keys of every size",
    "allowlist": "admissionWhitelistPatterns / platform imageAllowlist with '*' and '**'",
    "cluster-rules": "clusterAdmissionRules for a configured cluster",
    "namespace-rules": "kubernetesNamespaceAdmissionRules",
    "service-account-rules": "kubernetesServiceAccountAdmissionRules",
    "istio-rules": "istioServiceIdentityAdmissionRules with a trust domain",
    "system-policy": "globalPolicyEvaluationMode ENABLE (GKE system images)",
    "dry-run": "DRYRUN_AUDIT_LOG_ONLY enforcement",
    "breakglass": "breakglass label and annotations",
    "imagereview": "ImageReview (imagepolicy.k8s.io/v1alpha1) at /imagereview",
    "admission-v1beta1": "AdmissionReview admission.k8s.io/v1beta1",
    "controllers": "Deployments, Jobs, CronJobs and other pod templates",
    "init-containers": "initContainers, sidecars included",
    "ephemeral-containers": "ephemeralContainers and the pods/ephemeralcontainers subresource",
    "freshness": "kritis-sim's kritisSimMaxAttestationAge rule extension",
    "store-faults": "reads attestations from the suite's Grafeas emulator and fails closed",
    "deadline": "answers within the AdmissionReview ?timeout= when the store hangs",
    "platform-policy": "GKE platform policies (gkePolicy check sets; platform.yaml)",
    "vulnerability-check": "platform vulnerabilityCheck over VULNERABILITY and DISCOVERY occurrences",
    "slsa-check": "platform slsaCheck: DSSE-signed SLSA provenance in BUILD occurrences",
    "freshness-check": "platform imageFreshnessCheck over platform.yaml upload times",
    "trusted-directory": "platform trustedDirectoryCheck",
    "simple-signing": "platform simpleSigningAttestationCheck (PKIX attestations)",
    "always-deny": "platform alwaysDeny",
    "scope": "platform check-set scopes (namespace, service account, unscoped)",
    "precedence": "platform results: NON_CONFORMANT > ERROR > CONFORMANT",
    "pgp": "PGP attestors (asciiArmoredPgpPublicKey) and OpenPGP-signed attestations",
    "kritis-semantics": "decides as Kritis does (target.semantics kritis): the configuration "
    "as Kritis resources (AttestationAuthority, GenericAttestationPolicy), Kritis' kinds, "
    "breakglass annotation, allowlist dialect and global allowlist",
    "warnings": "compare AdmissionReview warnings (dry-run, breakglass)",
    "audit-annotations": "compare auditAnnotations (break-glass, dry-run)",
}

#: Every tag.
ALL_FEATURES: frozenset[str] = frozenset(FEATURES)

#: What a case without tags relies on (for documentation and matrices).
CORE = "core"
