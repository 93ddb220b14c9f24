"""Table rows: evaluation and enforcement modes, rule kinds, allowlist, tags."""

from __future__ import annotations

from _build import ALLOW, DENY, DRYRUN, REG, Att, Row, policy, require, rule
from _requests import image_review, pod, target

APP = f"{REG}/app@@app"
APP2 = f"{REG}/web@@web"
S14 = "wire-formats.md 1.4"
S13 = "wire-formats.md 1.3"
S15 = "wire-formats.md 1.5"
S18 = "wire-formats.md 8.1-8.3"
QA = (Att(APP),)
DRY_DENY = rule("ALWAYS_DENY", enforcement=DRYRUN)
AUDIT_DRY = {"dry-run": "true"}

ROWS: list[Row] = [
    # evaluation modes
    Row("default_always_allow", "ALWAYS_ALLOW admits any image", S13, policy(ALLOW), pod(APP), True),
    Row("default_always_deny_deny", "ALWAYS_DENY denies", S13, policy(DENY), pod(APP), False),
    Row("default_require_attested", "REQUIRE_ATTESTATION admits an attested digest", S14 + " step 5", policy(require()), pod(APP), True, QA),
    Row("default_require_unattested_deny", "REQUIRE_ATTESTATION denies without attestation", S14 + " step 5", policy(require()), pod(APP), False),
    Row("default_require_other_image_attested_deny", "an attestation for another image does not count", S14 + " step 5", policy(require()), pod(APP), False, (Att(f"{REG}/app@@other"),)),
    # enforcement modes
    Row("dryrun_always_deny_admitted", "DRYRUN admits what would be denied and audits it", S13, policy(DRY_DENY), pod(APP), True, features=("dry-run",), warnings=("dry-run|would",), audit=AUDIT_DRY),
    Row("dryrun_require_unattested_admitted", "DRYRUN admits an unattested image", S13, policy(require(enforcement=DRYRUN)), pod(APP), True, features=("dry-run",), audit=AUDIT_DRY),
    Row("dryrun_require_attested_allowed", "DRYRUN with a compliant image: plain admission", S13, policy(require(enforcement=DRYRUN)), pod(APP), True, QA, features=("dry-run",)),
    Row("dryrun_specific_rule_enforced_deny", "the governing specific rule's enforcementMode decides, not the default's", S14 + " step 6", policy(DRY_DENY, ns={"prod": require()}), pod(APP, ns="prod"), False, features=("dry-run", "namespace-rules")),
    Row("dryrun_specific_rule_dryrun_admitted", "a DRYRUN specific rule admits even when the default enforces", S14 + " step 6", policy(DENY, ns={"prod": DRY_DENY}), pod(APP, ns="prod"), True, features=("dry-run", "namespace-rules"), audit=AUDIT_DRY),
    Row("dryrun_request_flag_still_judged_deny", "an AdmissionReview with dryRun: true is still judged", "wire-formats.md 7.5", policy(DENY), pod(APP, dry_run=True), False),
    # cluster rules
    Row("cluster_rule_matches_deny", "a cluster rule for the guarded cluster replaces the default", S14 + " step 4", policy(ALLOW, cluster={"us-east1-b.prod": DENY}), pod(APP), False, features=("cluster-rules",)),
    Row("cluster_rule_other_cluster_default_applies", "a rule for another cluster does not apply", S14 + " step 4", policy(ALLOW, cluster={"us-east1-b.test": DENY}), pod(APP), True, features=("cluster-rules",)),
    Row("cluster_rule_replaces_default_allow", "a matching ALWAYS_ALLOW cluster rule overrides a denying default", S14 + " step 4", policy(DENY, cluster={"us-east1-b.prod": ALLOW}), pod(APP), True, features=("cluster-rules",)),
    Row("cluster_rule_require_attested", "cluster rule REQUIRE_ATTESTATION, attested", S14 + " step 4", policy(DENY, cluster={"us-east1-b.prod": require()}), pod(APP), True, QA, features=("cluster-rules",)),
    Row("cluster_rule_require_unattested_deny", "cluster rule REQUIRE_ATTESTATION, unattested", S14 + " step 4", policy(ALLOW, cluster={"us-east1-b.prod": require()}), pod(APP), False, features=("cluster-rules",)),
    Row("cluster_rule_region_key_deny", "regional cluster keys (location is a region)", S14 + " step 4", policy(ALLOW, cluster={"us-central1.prod": DENY}), pod(APP, tgt=target("us-central1.prod")), False, features=("cluster-rules",)),
    Row("cluster_rule_zone_not_region", "a zonal key does not match the region's cluster", S14 + " step 4", policy(ALLOW, cluster={"us-central1-a.prod": DENY}), pod(APP, tgt=target("us-central1.prod")), True, features=("cluster-rules",)),
    Row("cluster_rule_not_merged_with_default_allow", "the cluster rule replaces the default; their attestors are not combined", S14 + " step 4", policy(require("build"), cluster={"us-east1-b.prod": require("qa")}), pod(APP), True, QA, features=("cluster-rules",)),
    # namespace rules
    Row("namespace_rule_matches_deny", "a namespace rule replaces the default", S14 + " step 4", policy(ALLOW, ns={"prod": DENY}), pod(APP, ns="prod"), False, features=("namespace-rules",)),
    Row("namespace_rule_other_namespace_allowed", "a rule for another namespace does not apply", S14 + " step 4", policy(ALLOW, ns={"prod": DENY}), pod(APP, ns="dev"), True, features=("namespace-rules",)),
    Row("namespace_rule_prefix_not_matched", "namespace keys match exactly, not as prefixes", S14 + " step 4", policy(ALLOW, ns={"prod": DENY}), pod(APP, ns="prod-2"), True, features=("namespace-rules",)),
    Row("namespace_rule_replaces_default_allow", "ALWAYS_ALLOW namespace rule overrides a denying default", S14 + " step 4", policy(DENY, ns={"tools": ALLOW}), pod(APP, ns="tools"), True, features=("namespace-rules",)),
    Row("namespace_rule_require_attested", "namespace rule REQUIRE_ATTESTATION, attested", S14 + " step 4", policy(DENY, ns={"prod": require()}), pod(APP, ns="prod"), True, QA, features=("namespace-rules",)),
    Row("namespace_rule_require_unattested_deny", "namespace rule REQUIRE_ATTESTATION, unattested", S14 + " step 4", policy(ALLOW, ns={"prod": require()}), pod(APP, ns="prod"), False, features=("namespace-rules",)),
    Row("namespace_rule_not_merged_deny", "the namespace rule's attestors alone count (default's attestation is irrelevant)", S14 + " step 4", policy(require("qa"), ns={"prod": require("build")}), pod(APP, ns="prod"), False, QA, features=("namespace-rules",)),
    Row("namespace_rule_dotted_key_never_matches", "namespace keys may contain dots, but a Kubernetes namespace is a DNS-1123 label (a Pod in 'team.a' is refused before judgement), so such a key never selects a rule", S14 + " step 4", policy(ALLOW, ns={"team.a": DENY}), pod(APP, ns="team-a"), True, features=("namespace-rules",)),
    # service-account rules
    Row("sa_rule_matches_deny", "a namespace:serviceaccount rule replaces the default", S14 + " step 4", policy(ALLOW, sa={"prod:deployer": DENY}), pod(APP, ns="prod", sa="deployer"), False, features=("service-account-rules",)),
    Row("sa_rule_default_sa_deny", "an unset serviceAccountName means 'default'", S14 + " step 4", policy(ALLOW, sa={"prod:default": DENY}), pod(APP, ns="prod"), False, features=("service-account-rules",)),
    Row("sa_rule_other_sa_allowed", "a rule for another service account does not apply", S14 + " step 4", policy(ALLOW, sa={"prod:deployer": DENY}), pod(APP, ns="prod", sa="runner"), True, features=("service-account-rules",)),
    Row("sa_rule_same_sa_other_namespace_allowed", "the key includes the namespace", S14 + " step 4", policy(ALLOW, sa={"prod:deployer": DENY}), pod(APP, ns="dev", sa="deployer"), True, features=("service-account-rules",)),
    Row("sa_rule_replaces_default_allow", "ALWAYS_ALLOW service-account rule overrides a denying default", S14 + " step 4", policy(DENY, sa={"ci:builder": ALLOW}), pod(APP, ns="ci", sa="builder"), True, features=("service-account-rules",)),
    Row("sa_rule_require_attested", "service-account rule REQUIRE_ATTESTATION, attested", S14 + " step 4", policy(DENY, sa={"prod:deployer": require()}), pod(APP, ns="prod", sa="deployer"), True, QA, features=("service-account-rules",)),
    Row("sa_rule_legacy_field_deny", "the deprecated spec.serviceAccount field names the account too", S14 + " step 4", policy(ALLOW, sa={"prod:deployer": DENY}), pod(APP, ns="prod", sa="deployer", sa_field="serviceAccount"), False, features=("service-account-rules",)),
    # Istio rules
    Row("istio_rule_matches_deny", "an Istio identity rule replaces the default", S14 + " step 4", policy(ALLOW, istio={"spiffe://example.com/ns/prod/sa/deployer": DENY}), pod(APP, ns="prod", sa="deployer"), False, features=("istio-rules",)),
    Row("istio_rule_without_scheme_deny", "the spiffe:// scheme may be left off the key", S14 + " step 4", policy(ALLOW, istio={"example.com/ns/prod/sa/deployer": DENY}), pod(APP, ns="prod", sa="deployer"), False, features=("istio-rules",)),
    Row("istio_rule_other_sa_allowed", "a rule for another identity does not apply", S14 + " step 4", policy(ALLOW, istio={"spiffe://example.com/ns/prod/sa/deployer": DENY}), pod(APP, ns="prod"), True, features=("istio-rules",)),
    Row("istio_rule_other_trust_domain_allowed", "the trust domain is part of the identity", S14 + " step 4", policy(ALLOW, istio={"spiffe://other.org/ns/prod/sa/deployer": DENY}), pod(APP, ns="prod", sa="deployer"), True, features=("istio-rules",)),
    Row("istio_rule_replaces_default_allow", "ALWAYS_ALLOW Istio rule overrides a denying default", S14 + " step 4", policy(DENY, istio={"spiffe://example.com/ns/mesh/sa/default": ALLOW}), pod(APP, ns="mesh"), True, features=("istio-rules",)),
    # system policy
    Row("system_policy_enabled_gke_image_allowed", "globalPolicyEvaluationMode ENABLE exempts GKE system images", S14 + " step 3", policy(DENY, gpe="ENABLE"), pod("gke.gcr.io/pause:3.9"), True, features=("system-policy",)),
    Row("system_policy_disabled_gke_image_deny", "DISABLE: system images get no exemption", S14 + " step 3", policy(DENY, gpe="DISABLE"), pod("gke.gcr.io/pause:3.9"), False, features=("system-policy",)),
    Row("system_policy_unspecified_gke_image_deny", "UNSPECIFIED is treated as DISABLE", S14 + " step 3", policy(DENY), pod("gke.gcr.io/pause:3.9"), False, features=("system-policy",)),
    Row("system_policy_enabled_other_image_deny", "ENABLE exempts only system images", S14 + " step 3", policy(DENY, gpe="ENABLE"), pod(APP), False, features=("system-policy",)),
    # image references
    Row("tag_only_deny", "an image by tag never satisfies REQUIRE_ATTESTATION", S14 + " step 5", policy(require()), pod(f"{REG}/app:1.0"), False, reason="tag"),
    Row("tag_only_digest_attested_deny", "a tag is refused even when its digest is attested", S14 + " step 5", policy(require()), pod(f"{REG}/app:1.0"), False, (Att(APP),), reason="tag"),
    Row("tag_only_implicit_latest_deny", "an image without tag or digest is a tag reference", S14 + " step 5", policy(require()), pod(f"{REG}/app"), False),
    Row("tag_only_always_allow_allowed", "tags are fine under ALWAYS_ALLOW", S13, policy(ALLOW), pod(f"{REG}/app:1.0"), True),
    Row("tag_and_digest_attested", "tag@digest uses the digest; the attestation is on name@digest", S14 + " step 5; " + S18, policy(require()), pod(f"{REG}/app:1.0@@app"), True, (Att(APP),)),
    Row("tag_and_digest_attested_original_uri", "tag@digest with the attestation stored under the original string", S14 + " step 5", policy(require()), pod(f"{REG}/app:1.0@@app"), True, (Att(f"{REG}/app:1.0@@app"),)),
    Row("digest_sha512_deny", "only sha256 digests can be attested", S14 + " step 5", policy(require()), pod(f"{REG}/app@sha512:" + "ab" * 64), False),
    Row("digest_uppercase_hex_deny", "upper-case digest hex is invalid (go-digest)", "wire-formats.md 8.2", policy(ALLOW), pod(f"{REG}/app@sha256:" + "AB" * 32), False),
    Row("image_uppercase_path_deny", "an upper-case repository path is not a valid reference", S18, policy(ALLOW), pod(f"{REG}/App:1"), False),
    Row("image_unparseable_always_allow_deny", "an unparseable image is denied even under ALWAYS_ALLOW", S18, policy(ALLOW), pod("gcr.io//broken::"), False),
    Row("image_dockerhub_short_name_attested", "a Docker Hub short name with a digest can be attested", S18, policy(require()), pod("busybox@@bb"), True, (Att("docker.io/library/busybox@@bb"),)),
    # ImageReview
    Row("imagereview_attested", "ImageReview: attested image admitted", "wire-formats.md 7.2", policy(require()), image_review(APP), True, QA, features=("imagereview",)),
    Row("imagereview_unattested_deny", "ImageReview: unattested image denied", "wire-formats.md 7.2", policy(require()), image_review(APP), False, features=("imagereview",)),
    Row("imagereview_two_images_one_unattested_deny", "ImageReview: every image must pass", "wire-formats.md 7.2", policy(require()), image_review(APP, APP2), False, QA, features=("imagereview",)),
    Row("imagereview_namespace_rule_deny", "ImageReview: the namespace selects the rule", "wire-formats.md 7.2; " + S14, policy(ALLOW, ns={"prod": DENY}), image_review(APP, ns="prod"), False, features=("imagereview", "namespace-rules")),
    Row("imagereview_dryrun_admitted", "ImageReview: DRYRUN admits", "wire-formats.md 7.2; " + S13, policy(DRY_DENY), image_review(APP), True, features=("imagereview", "dry-run")),
    Row("imagereview_breakglass_annotation_allowed", "ImageReview: the alpha breakglass annotation admits", "wire-formats.md 3; 7.2", policy(DENY), image_review(APP, annotations={"alpha.image-policy.k8s.io/break-glass": "true"}), True, features=("imagereview", "breakglass"), audit={"break-glass": "true"}),
]
